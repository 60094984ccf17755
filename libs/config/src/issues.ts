/** One problem found in a config, located by its field path (e.g. `pool.endpoints[1]`). */
export interface ConfigIssue {
  /** Dotted/indexed field path from the document root; '' for the document itself. */
  readonly path: string;
  readonly message: string;
  /** 1-based position in the YAML source when known. */
  readonly line?: number;
  readonly column?: number;
}

/** A path as segments: object keys and array indexes. */
export type PathSegments = readonly (string | number)[];

const PLAIN_KEY = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/** `['pool', 'endpoints', 1]` → `pool.endpoints[1]`; odd keys are quoted: `a["b.c"]`. */
export function formatPath(segments: PathSegments): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (PLAIN_KEY.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/** JSON pointer (`/pool/endpoints/1`, as TypeBox reports) → segments; numeric parts become indexes. */
export function pointerToSegments(pointer: string): (string | number)[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((raw) => raw.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((part) => (/^(0|[1-9][0-9]*)$/.test(part) ? Number(part) : part));
}

/** `pool.endpoints[1]` (as produced by formatPath) → segments. Inverse of formatPath. */
export function parsePath(path: string): (string | number)[] {
  const segments: (string | number)[] = [];
  const pattern = /([A-Za-z_$][A-Za-z0-9_$-]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/g;
  for (const match of path.matchAll(pattern)) {
    if (match[1] !== undefined) segments.push(match[1]);
    else if (match[2] !== undefined) segments.push(Number(match[2]));
    else if (match[3] !== undefined) segments.push(JSON.parse(match[3]) as string);
  }
  return segments;
}

export function formatIssue(issue: ConfigIssue, source?: string): string {
  const where = issue.path === '' ? '(document)' : issue.path;
  const position =
    issue.line === undefined
      ? ''
      : source === undefined
        ? ` (line ${issue.line}, column ${issue.column ?? 1})`
        : ` (${source}:${issue.line}:${issue.column ?? 1})`;
  return `${where}: ${issue.message}${position}`;
}

/**
 * Thrown when a config cannot be used. Carries every issue found (not just the first), each with its
 * field path; start-up must stop on it.
 */
export class ConfigError extends Error {
  readonly issues: readonly ConfigIssue[];
  /** File name or label of the source, when known. */
  readonly source: string | undefined;

  constructor(issues: readonly ConfigIssue[], source?: string) {
    const head = `invalid router config${source === undefined ? '' : ` in ${source}`} (${issues.length} issue${issues.length === 1 ? '' : 's'}):`;
    super([head, ...issues.map((issue) => `  ${formatIssue(issue, source)}`)].join('\n'));
    this.name = 'ConfigError';
    this.issues = issues;
    this.source = source;
  }
}

/** Collects issues while a resolver walks the config. */
export class IssueCollector {
  readonly issues: ConfigIssue[] = [];

  add(segments: PathSegments, message: string): void {
    this.issues.push({ path: formatPath(segments), message });
  }

  get empty(): boolean {
    return this.issues.length === 0;
  }
}
