/**
 * A tiny validating reader for parsed YAML: every accessor records an error naming the field
 * path (e.g. `load.stages[2].rate: must be a number > 0`) instead of throwing, so one load
 * reports every problem at once.
 */
export class ScenarioError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`invalid scenario ${source}:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ScenarioError';
  }
}

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export class Reader {
  readonly problems: string[] = [];

  fail(path: string, message: string): void {
    this.problems.push(`${path || '(root)'}: ${message}`);
  }

  object(value: unknown, path: string): Record<string, unknown> | undefined {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      this.fail(path, 'must be a mapping');
      return undefined;
    }
    return value as Record<string, unknown>;
  }

  /** Reports keys not in `allowed` (catches typos such as `promptPerGroup`). */
  onlyKeys(obj: Record<string, unknown>, path: string, allowed: readonly string[]): void {
    for (const key of Object.keys(obj)) if (!allowed.includes(key)) this.fail(join(path, key), `unknown field (allowed: ${allowed.join(', ')})`);
  }

  number(obj: Record<string, unknown>, path: string, key: string, opts: { min?: number; exclusiveMin?: number; int?: boolean; default?: number } = {}): number {
    const value = obj[key];
    const at = join(path, key);
    if (value === undefined) {
      if (opts.default !== undefined) return opts.default;
      this.fail(at, 'is required');
      return 0;
    }
    const bounds = opts.exclusiveMin !== undefined ? ` > ${opts.exclusiveMin}` : opts.min !== undefined ? ` ≥ ${opts.min}` : '';
    const what = `must be ${opts.int === true ? 'an integer' : 'a number'}${bounds}`;
    if (typeof value !== 'number' || Number.isNaN(value)) {
      this.fail(at, `${what}, got ${JSON.stringify(value)}`);
      return 0;
    }
    if ((opts.int === true && !Number.isInteger(value)) || (opts.min !== undefined && value < opts.min) || (opts.exclusiveMin !== undefined && value <= opts.exclusiveMin)) {
      this.fail(at, `${what}, got ${value}`);
    }
    return value;
  }

  optionalNumber(obj: Record<string, unknown>, path: string, key: string, opts: { min?: number; exclusiveMin?: number; int?: boolean } = {}): number | null {
    return obj[key] === undefined || obj[key] === null ? null : this.number(obj, path, key, opts);
  }

  string(obj: Record<string, unknown>, path: string, key: string, opts: { default?: string; oneOf?: readonly string[] } = {}): string {
    const value = obj[key];
    const at = join(path, key);
    if (value === undefined) {
      if (opts.default !== undefined) return opts.default;
      this.fail(at, opts.oneOf ? `is required (one of ${opts.oneOf.join(', ')})` : 'is required');
      return '';
    }
    if (typeof value !== 'string') {
      this.fail(at, `must be a string, got ${JSON.stringify(value)}`);
      return '';
    }
    if (opts.oneOf !== undefined && !opts.oneOf.includes(value)) this.fail(at, `must be one of ${opts.oneOf.join(', ')}, got "${value}"`);
    return value;
  }

  optionalString(obj: Record<string, unknown>, path: string, key: string): string | null {
    return obj[key] === undefined || obj[key] === null ? null : this.string(obj, path, key);
  }

  boolean(obj: Record<string, unknown>, path: string, key: string, fallback: boolean): boolean {
    const value = obj[key];
    if (value === undefined) return fallback;
    if (typeof value !== 'boolean') {
      this.fail(join(path, key), `must be true or false, got ${JSON.stringify(value)}`);
      return fallback;
    }
    return value;
  }

  array(obj: Record<string, unknown>, path: string, key: string, opts: { minLength?: number } = {}): unknown[] {
    const value = obj[key];
    const at = join(path, key);
    if (!Array.isArray(value)) {
      this.fail(at, value === undefined ? 'is required (a list)' : 'must be a list');
      return [];
    }
    if (opts.minLength !== undefined && value.length < opts.minLength) this.fail(at, `must have at least ${opts.minLength} item(s)`);
    return value;
  }

  /** A nested mapping, or an empty one (with no error) when absent and `optional`. */
  child(obj: Record<string, unknown>, path: string, key: string, optional = false): Record<string, unknown> | undefined {
    if (obj[key] === undefined && optional) return {};
    if (obj[key] === undefined) {
      this.fail(join(path, key), 'is required');
      return undefined;
    }
    return this.object(obj[key], join(path, key));
  }
}

export function join(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path === '' ? key : `${path}.${key}`;
}
