import { readFileSync } from 'node:fs';
import { isMap, isNode, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import { ConfigError, parsePath, type ConfigIssue } from './issues.ts';
import type { ResolvedRouterConfig } from './resolved-types.ts';
import { resolveRouterConfig, type ConfigEnv } from './resolve/resolve-router-config.ts';
import { RouterConfigSchema, type RouterConfigInput } from './schema/router-config-schema.ts';
import { validateStructure } from './schema/validate-structure.ts';

export interface LoadRouterConfigOptions {
  /** Path of the YAML file. Default: env.SLUICE_CONFIG. Ignored when `text` is given. */
  readonly file?: string;
  /** YAML source, instead of a file. */
  readonly text?: string;
  /** Label for `text` in error messages. Default '<text>'. */
  readonly sourceName?: string;
  /** Usually process.env. Reads SLUICE_CONFIG, PORT, REDIS_URL, LOG_LEVEL, OTEL_EXPORTER_OTLP_ENDPOINT. */
  readonly env: ConfigEnv;
}

/**
 * Loads, validates and resolves the router config. Throws ConfigError listing every issue with its
 * field path (and YAML line:column when known); callers must stop start-up on it.
 */
export function loadRouterConfig(options: LoadRouterConfigOptions): ResolvedRouterConfig {
  const file = options.file ?? nonEmpty(options.env['SLUICE_CONFIG']);
  let text: string;
  let source: string;
  if (options.text !== undefined) {
    text = options.text;
    source = options.sourceName ?? '<text>';
  } else if (file !== undefined) {
    source = file;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new ConfigError([{ path: '', message: `cannot read config file: ${(error as Error).message}` }], file);
    }
  } else {
    throw new ConfigError([{ path: '', message: 'no config given: pass --config FILE or set SLUICE_CONFIG' }]);
  }

  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (document.errors.length > 0) {
    throw new ConfigError(
      document.errors.map((error) => {
        const position = lineCounter.linePos(error.pos[0]);
        return { path: '', message: `YAML syntax error: ${firstLine(error.message)}`, line: position.line, column: position.col };
      }),
      source,
    );
  }
  const value: unknown = document.toJS({ maxAliasCount: 1000 });
  const warnings = document.warnings.map((warning) => `YAML: ${firstLine(warning.message)}`);
  try {
    const config = parseRouterConfig(value, { env: options.env, source });
    return warnings.length === 0 ? config : { ...config, warnings: [...warnings, ...config.warnings] };
  } catch (error) {
    if (error instanceof ConfigError) throw new ConfigError(locate(error.issues, document, lineCounter), source);
    throw error;
  }
}

/**
 * Validates and resolves an already-parsed config object (e.g. built in code by the embedded
 * default). Throws ConfigError.
 */
export function parseRouterConfig(value: unknown, options: { env: ConfigEnv; source?: string }): ResolvedRouterConfig {
  if (value === null || value === undefined) {
    throw new ConfigError([{ path: '', message: 'the config is empty' }], options.source);
  }
  const structural = validateStructure(RouterConfigSchema, value);
  if (structural.length === 0) {
    const result = resolveRouterConfig(value as RouterConfigInput, options.env, options.source ?? null);
    if (!result.ok) throw new ConfigError(result.issues, options.source);
    return result.config;
  }
  // Structurally broken: still report the semantic issues found in the parts that are well-formed
  // (e.g. an unknown field AND a bad endpoint), so one run shows everything.
  throw new ConfigError([...structural, ...semanticIssuesBesides(value, structural, options)], options.source);
}

function semanticIssuesBesides(value: unknown, structural: readonly ConfigIssue[], options: { env: ConfigEnv; source?: string }): ConfigIssue[] {
  let semantic: ConfigIssue[];
  try {
    const result = resolveRouterConfig(value as RouterConfigInput, options.env, options.source ?? null);
    semantic = result.ok ? [] : result.issues;
  } catch {
    return []; // The resolver met a shape the schema rejected; the structural issues say why.
  }
  const covered = (path: string) =>
    structural.some((issue) => issue.path === '' || path === issue.path || path.startsWith(`${issue.path}.`) || path.startsWith(`${issue.path}[`) || issue.path.startsWith(`${path}.`) || issue.path.startsWith(`${path}[`));
  return semantic.filter((issue) => !covered(issue.path));
}

/** `--config FILE` / `--config=FILE` from argv, else SLUICE_CONFIG, else undefined. */
export function configPathFromArgs(argv: readonly string[], env: ConfigEnv): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--config') return argv[i + 1];
    if (arg.startsWith('--config=')) return arg.slice('--config='.length);
  }
  return nonEmpty(env['SLUICE_CONFIG']);
}

/**
 * Adds the YAML line:column to each issue: the key of the field when it exists (so unknown fields
 * point at their name), else the nearest existing ancestor.
 */
function locate(issues: readonly ConfigIssue[], document: Document, lineCounter: LineCounter): ConfigIssue[] {
  const located = issues.map((issue) => {
    if (issue.path.startsWith('env.') || issue.path === '') return issue;
    const offset = offsetOf(document, parsePath(issue.path));
    if (offset === undefined) return issue;
    const position = lineCounter.linePos(offset);
    return { ...issue, line: position.line, column: position.col };
  });
  // Read top-down: issues without a position (env, document) first, then by line and column.
  return located.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
}

function offsetOf(document: Document, segments: readonly (string | number)[]): number | undefined {
  let node: unknown = document.contents;
  let offset = isNode(node) ? node.range?.[0] : undefined;
  for (const segment of segments) {
    if (isMap(node)) {
      const pair = node.items.find((item) => (isScalar(item.key) ? item.key.value : item.key) === segment);
      if (pair === undefined) break;
      offset = isNode(pair.key) ? pair.key.range?.[0] : offset;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      node = node.items[segment];
      if (!isNode(node)) break;
      offset = node.range?.[0] ?? offset;
    } else break;
  }
  return offset;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}
