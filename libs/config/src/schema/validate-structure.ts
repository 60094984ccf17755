import type { TSchema } from '@sinclair/typebox';
import { Value, ValueErrorType, type ValueError } from '@sinclair/typebox/value';
import { formatPath, pointerToSegments, type ConfigIssue } from '../issues.ts';

/**
 * Checks `value` against a TypeBox schema and returns one issue per offending path (the first,
 * most specific message), with messages written for people editing YAML.
 */
export function validateStructure(schema: TSchema, value: unknown): ConfigIssue[] {
  const byPath = new Map<string, ConfigIssue>();
  for (const error of Value.Errors(schema, value)) {
    const path = formatPath(pointerToSegments(error.path));
    if (byPath.has(path) || hasAncestor(byPath, path)) continue;
    byPath.set(path, { path, message: describe(error) });
  }
  return [...byPath.values()];
}

/** Skips follow-on errors below a path that is already reported (e.g. a wrong-typed object). */
function hasAncestor(byPath: Map<string, ConfigIssue>, path: string): boolean {
  for (const reported of byPath.keys()) {
    if (reported !== '' && (path.startsWith(`${reported}.`) || path.startsWith(`${reported}[`))) return true;
  }
  return false;
}

function describe(error: ValueError): string {
  const schema = error.schema as TSchema & Record<string, unknown>;
  const got = describeValue(error.value);
  switch (error.type) {
    case ValueErrorType.ObjectAdditionalProperties:
      return 'unknown field';
    case ValueErrorType.ObjectRequiredProperty:
      return 'required field is missing';
    case ValueErrorType.Literal:
      return `must be ${JSON.stringify(schema['const'])}, got ${got}`;
    case ValueErrorType.Union: {
      const options = (schema['anyOf'] as (Record<string, unknown> | undefined)[] | undefined) ?? [];
      const literals = options.map((option) => option?.['const']).filter((entry) => entry !== undefined);
      if (literals.length === options.length && literals.length > 0) {
        return `must be one of ${literals.map((entry) => JSON.stringify(entry)).join(', ')}, got ${got}`;
      }
      return `has an unexpected type (${got})`;
    }
    case ValueErrorType.String:
      return `must be a string, got ${got}`;
    case ValueErrorType.StringMinLength:
      return 'must not be empty';
    case ValueErrorType.StringPattern:
      return `must match ${String(schema['pattern'])}, got ${got}`;
    case ValueErrorType.Integer:
      return `must be an integer, got ${got}`;
    case ValueErrorType.Number:
      return `must be a number, got ${got}`;
    case ValueErrorType.Boolean:
      return `must be true or false, got ${got}`;
    case ValueErrorType.IntegerMinimum:
    case ValueErrorType.NumberMinimum:
      return `must be >= ${String(schema['minimum'])}, got ${got}`;
    case ValueErrorType.IntegerMaximum:
    case ValueErrorType.NumberMaximum:
      return `must be <= ${String(schema['maximum'])}, got ${got}`;
    case ValueErrorType.Array:
      return `must be a list, got ${got}`;
    case ValueErrorType.ArrayMinItems:
      return `must have at least ${String(schema['minItems'])} entr${schema['minItems'] === 1 ? 'y' : 'ies'}`;
    case ValueErrorType.ArrayMaxItems:
      return `must have at most ${String(schema['maxItems'])} entries`;
    case ValueErrorType.Object:
      return `must be a mapping, got ${got}`;
    default:
      return `${error.message.charAt(0).toLowerCase()}${error.message.slice(1)} (got ${got})`;
  }
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  return String(value);
}
