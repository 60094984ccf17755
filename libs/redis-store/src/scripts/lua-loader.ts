import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseLuaHeader } from './lua-header.ts';
import type { LuaHeader } from './lua-header.ts';

/** A top-level script with its includes inlined, ready to send to Redis. */
export interface LuaScript {
  /** File name without `-<numKeys>.lua`, e.g. `renewLeader`. */
  name: string;
  /** Number of KEYS the script takes (from the file name). */
  numKeys: number;
  /** Source with every `--@include <name>` replaced by lua/includes/<name>.lua (each once). */
  source: string;
  /** SHA-1 of `source`, as EVALSHA expects. */
  sha: string;
  header: LuaHeader;
  /** Names of the includes that were inlined, in inlining order. */
  includes: string[];
}

const SCRIPT_FILE = /^([a-z][A-Za-z0-9]*)-(\d+)\.lua$/;
const INCLUDE_LINE = /^\s*--@include\s+([A-Za-z0-9_-]+)\s*$/;

/** The repository's lua/ folder. */
export function defaultLuaDirectory(): string {
  return fileURLToPath(new URL('../../../../lua/', import.meta.url));
}

/** Loads and validates every `<verbNoun>-<numKeys>.lua` in `dir`. Throws on a malformed file. */
export function loadLuaScripts(dir: string = defaultLuaDirectory()): LuaScript[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.lua'))
    .sort()
    .map((file) => {
      const match = SCRIPT_FILE.exec(file);
      if (match === null) throw new Error(`lua/${file}: name must be <verbNoun>-<numKeys>.lua`);
      const [, name, keys] = match as unknown as [string, string, string];
      const raw = readFileSync(join(dir, file), 'utf8');
      const header = parseLuaHeader(`${name}-${keys}`, raw);
      const includes: string[] = [];
      const source = resolveIncludes(raw, join(dir, 'includes'), includes, [file]);
      return { name, numKeys: Number(keys), source, sha: sha1(source), header, includes };
    });
}

/** Inlines includes depth-first; each include is emitted once per script; cycles throw. */
function resolveIncludes(source: string, includeDir: string, emitted: string[], stack: string[]): string {
  return source
    .split('\n')
    .map((line) => {
      const match = INCLUDE_LINE.exec(line);
      if (match === null) return line;
      const name = match[1] as string;
      if (stack.includes(name)) throw new Error(`lua include cycle: ${[...stack, name].join(' -> ')}`);
      if (emitted.includes(name)) return `-- (include ${name} already inlined)`;
      let text: string;
      try {
        text = readFileSync(join(includeDir, `${name}.lua`), 'utf8');
      } catch {
        throw new Error(`lua/${stack[0]}: include "${name}" not found in lua/includes/ (via ${stack.join(' -> ')})`);
      }
      const resolved = resolveIncludes(text, includeDir, emitted, [...stack, name]);
      emitted.push(name);
      return `-- begin include ${name}\n${resolved.trimEnd()}\n-- end include ${name}`;
    })
    .join('\n');
}

function sha1(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}
