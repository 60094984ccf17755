/**
 * The header contract every top-level script in lua/ opens with: a `--[[ ... ]]` block that names
 * the script's purpose, every KEYS[i] and ARGV[i] (with a type or unit column), and its returns.
 *
 * ```
 * --[[
 *   renewLeader-1: extend the leader lease only while we still hold it.
 *
 *   KEYS[1]  STRING   leader lease key (value = holder token)
 *   ARGV[1]  string   holder token
 *   ARGV[2]  ms       lease duration
 *
 *   Returns:
 *     1  renewed
 *     0  not the holder
 * ]]
 * ```
 *
 * Return entries start with an integer code (documented codes are checked against every literal
 * `return <int>` / `return {<int>, ...}` in the body) or with a shape such as `{code, ...}`.
 */
export interface LuaHeader {
  /** Text of the first line: the purpose. */
  summary: string;
  keys: LuaHeaderEntry[];
  argv: LuaHeaderEntry[];
  returns: LuaReturnEntry[];
}

export interface LuaHeaderEntry {
  /** 1-based index as in KEYS[i] / ARGV[i]. */
  index: number;
  /** Redis type for keys (ZSET, HASH, ...), unit or type for arguments (ms, int, string, json). */
  type: string;
  description: string;
}

export interface LuaReturnEntry {
  /** Integer return code, or undefined when the entry documents a shape. */
  code: number | undefined;
  text: string;
}

export class LuaHeaderError extends Error {
  constructor(script: string, problem: string) {
    super(`lua/${script}.lua header: ${problem}`);
    this.name = 'LuaHeaderError';
  }
}

const ENTRY = /^\s*(KEYS|ARGV)\[(\d+)\]\s+(\S+)\s+(.+?)\s*$/;
const RETURN_ENTRY = /^\s*(-?\d+|\{.*?\}|\S+)\s+(.+?)\s*$/;

/** Extracts the `--[[ ... ]]` header block text, or throws when the script does not start with one. */
export function headerBlock(script: string, source: string): { header: string; body: string } {
  const trimmed = source.trimStart();
  if (!trimmed.startsWith('--[[')) throw new LuaHeaderError(script, 'must start with a --[[ ... ]] block');
  const end = trimmed.indexOf(']]');
  if (end < 0) throw new LuaHeaderError(script, 'header block is not closed with ]]');
  return { header: trimmed.slice(4, end), body: trimmed.slice(end + 2) };
}

/** Parses a script header. Throws LuaHeaderError for duplicates or a missing summary/returns. */
export function parseLuaHeader(script: string, source: string): LuaHeader {
  const { header } = headerBlock(script, source);
  const lines = header.split('\n');
  const summary = lines.map((l) => l.trim()).find((l) => l.length > 0) ?? '';
  if (summary.length === 0) throw new LuaHeaderError(script, 'missing summary line');
  const keys: LuaHeaderEntry[] = [];
  const argv: LuaHeaderEntry[] = [];
  const returns: LuaReturnEntry[] = [];
  let inReturns = false;
  for (const line of lines) {
    if (/^\s*Returns:\s*$/.test(line)) {
      inReturns = true;
      continue;
    }
    const entry = ENTRY.exec(line);
    if (entry !== null && !inReturns) {
      const [, kind, index, type, description] = entry as unknown as [string, string, string, string, string];
      const list = kind === 'KEYS' ? keys : argv;
      const i = Number(index);
      if (list.some((e) => e.index === i)) throw new LuaHeaderError(script, `${kind}[${i}] documented twice`);
      list.push({ index: i, type, description });
      continue;
    }
    if (inReturns && line.trim().length > 0) {
      const ret = RETURN_ENTRY.exec(line);
      if (ret === null) continue;
      const [, head, text] = ret as unknown as [string, string, string];
      returns.push({ code: /^-?\d+$/.test(head) ? Number(head) : undefined, text });
    }
  }
  if (returns.length === 0) throw new LuaHeaderError(script, 'missing "Returns:" section');
  keys.sort((a, b) => a.index - b.index);
  argv.sort((a, b) => a.index - b.index);
  return { summary, keys, argv, returns };
}

/** Indexes of `KEYS[i]` / `ARGV[i]` referenced in Lua code (comments stripped). */
export function referencedIndexes(code: string, kind: 'KEYS' | 'ARGV'): number[] {
  const pattern = new RegExp(`${kind}\\[(\\d+)\\]`, 'g');
  const found = new Set<number>();
  for (const match of stripLuaComments(code).matchAll(pattern)) found.add(Number(match[1]));
  return [...found].sort((a, b) => a - b);
}

/** Integer literals that the code returns directly (`return 1`, `return {-2, ...}`). */
export function literalReturnCodes(code: string): number[] {
  const found = new Set<number>();
  for (const match of stripLuaComments(code).matchAll(/return\s*\{?\s*(-?\d+)\b/g)) found.add(Number(match[1]));
  return [...found].sort((a, b) => a - b);
}

/** Removes `--[[ ... ]]` blocks and `-- ...` line comments (good enough for our own scripts). */
export function stripLuaComments(code: string): string {
  return code.replace(/--\[\[[\s\S]*?\]\]/g, '').replace(/--[^\n]*/g, '');
}
