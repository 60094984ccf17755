/**
 * A small, tolerant parser of the Prometheus text exposition format (0.0.4) and the OpenMetrics
 * subset engines emit. Comments (# HELP / # TYPE / # EOF) are skipped; each sample line
 * `name{label="value",...} value [timestamp] [# exemplar]` becomes one PromSample. Label values
 * unescape \\, \" and \n. Values accept NaN, +Inf, -Inf and Go float syntax. A malformed line is
 * skipped and counted, never thrown: one bad series must not blind the router to an endpoint.
 * Scans with char codes over the whole text (no per-line copies): it runs 20×/s per endpoint.
 */
export interface PromSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface PromParseResult {
  readonly samples: PromSample[];
  /** Sample lines that could not be parsed (skipped). */
  readonly malformedLines: number;
}

const CR = 13;
const SPACE = 32;
const TAB = 9;
const HASH = 35;
const LBRACE = 123;
const RBRACE = 125;
const COMMA = 44;
const EQUALS = 61;
const QUOTE = 34;
const BACKSLASH = 92;

function isNameStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 58;
}

function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 48 && c <= 57);
}

/**
 * @param options.names when given, only samples with these metric names are returned (other lines
 *   are skipped after reading their name, which keeps large histogram pages cheap to scan).
 */
export function parsePrometheusText(text: string, options: { names?: ReadonlySet<string> } = {}): PromParseResult {
  const names = options.names;
  const samples: PromSample[] = [];
  let malformedLines = 0;
  const len = text.length;
  let pos = 0;
  while (pos < len) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = len;
    const result = parseLine(text, pos, end, names);
    if (result === undefined) malformedLines++;
    else if (result !== null) samples.push(result);
    pos = end + 1;
  }
  return { samples, malformedLines };
}

/** Parses text[start, end). null = blank/comment/unwanted; undefined = malformed. */
function parseLine(text: string, start: number, end: number, names: ReadonlySet<string> | undefined): PromSample | null | undefined {
  if (end > start && text.charCodeAt(end - 1) === CR) end--;
  let i = start;
  while (i < end && (text.charCodeAt(i) === SPACE || text.charCodeAt(i) === TAB)) i++;
  if (i === end || text.charCodeAt(i) === HASH) return null;
  if (!isNameStart(text.charCodeAt(i))) return undefined;
  const nameStart = i;
  while (i < end && isNameChar(text.charCodeAt(i))) i++;
  const name = text.slice(nameStart, i);
  if (names !== undefined && !names.has(name)) return null;
  const labels: Record<string, string> = {};
  let j = i;
  while (j < end && (text.charCodeAt(j) === SPACE || text.charCodeAt(j) === TAB)) j++;
  if (j < end && text.charCodeAt(j) === LBRACE) {
    i = j + 1;
    for (;;) {
      while (i < end && (text.charCodeAt(i) === SPACE || text.charCodeAt(i) === TAB || text.charCodeAt(i) === COMMA)) i++;
      if (i >= end) return undefined;
      if (text.charCodeAt(i) === RBRACE) {
        i++;
        break;
      }
      const keyStart = i;
      while (i < end && isNameChar(text.charCodeAt(i))) i++;
      const key = text.slice(keyStart, i);
      while (i < end && text.charCodeAt(i) === SPACE) i++;
      if (key.length === 0 || text.charCodeAt(i) !== EQUALS) return undefined;
      i++;
      while (i < end && text.charCodeAt(i) === SPACE) i++;
      if (text.charCodeAt(i) !== QUOTE) return undefined;
      i++;
      let value = '';
      let runStart = i;
      for (;;) {
        if (i >= end) return undefined;
        const c = text.charCodeAt(i);
        if (c === QUOTE) {
          value += text.slice(runStart, i);
          i++;
          break;
        }
        if (c === BACKSLASH) {
          value += text.slice(runStart, i);
          const next = text[i + 1];
          value += next === 'n' ? '\n' : next === '\\' ? '\\' : next === '"' ? '"' : `\\${next ?? ''}`;
          i += 2;
          runStart = i;
          continue;
        }
        i++;
      }
      labels[key] = value;
    }
  }
  while (i < end && (text.charCodeAt(i) === SPACE || text.charCodeAt(i) === TAB)) i++;
  if (i >= end) return undefined;
  let tokenEnd = i;
  while (tokenEnd < end && text.charCodeAt(tokenEnd) !== SPACE && text.charCodeAt(tokenEnd) !== TAB) tokenEnd++;
  const value = parseValue(text.slice(i, tokenEnd));
  if (value === undefined) return undefined;
  return { name, labels, value };
}

function parseValue(token: string): number | undefined {
  switch (token) {
    case 'NaN':
      return Number.NaN;
    case '+Inf':
    case 'Inf':
    case '+inf':
    case 'inf':
      return Infinity;
    case '-Inf':
    case '-inf':
      return -Infinity;
  }
  const v = Number(token);
  return token.length > 0 && !Number.isNaN(v) ? v : undefined;
}
