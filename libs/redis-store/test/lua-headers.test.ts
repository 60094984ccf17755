import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultLuaDirectory, loadLuaScripts } from '../src/index.ts';
import { headerBlock, literalReturnCodes, referencedIndexes } from '../src/scripts/lua-header.ts';

const dir = defaultLuaDirectory();
const scripts = loadLuaScripts(dir);

describe('lua/ header contract', () => {
  it('finds the scripts', () => {
    expect(scripts.length).toBeGreaterThan(3);
  });

  for (const script of scripts) {
    describe(`${script.name}-${script.numKeys}.lua`, () => {
      const raw = readFileSync(join(dir, `${script.name}-${script.numKeys}.lua`), 'utf8');
      const { body } = headerBlock(script.name, raw);
      const resolvedBody = headerBlock(script.name, script.source).body;

      it('documents exactly KEYS[1..numKeys] (numKeys from the file name)', () => {
        expect(script.header.keys.map((k) => k.index)).toEqual(range(script.numKeys));
      });

      it('documents every KEYS and ARGV index the body uses, and uses only documented ones', () => {
        expect(referencedIndexes(resolvedBody, 'KEYS').every((i) => i <= script.numKeys)).toBe(true);
        const usedArgv = referencedIndexes(resolvedBody, 'ARGV');
        expect(usedArgv).toEqual(script.header.argv.map((a) => a.index));
        expect(script.header.argv.map((a) => a.index)).toEqual(range(script.header.argv.length));
      });

      it('gives every key and argument a type/unit and a description', () => {
        for (const entry of [...script.header.keys, ...script.header.argv]) {
          expect(entry.type.length).toBeGreaterThan(0);
          expect(entry.description.length).toBeGreaterThan(3);
        }
      });

      it('documents every literal return code', () => {
        const documented = new Set(script.header.returns.map((r) => r.code).filter((c) => c !== undefined));
        for (const code of literalReturnCodes(body)) expect(documented, `return ${code} undocumented`).toContain(code);
      });
    });
  }

  it('keeps lua/includes free of KEYS/ARGV (includes take parameters)', () => {
    const includeDir = join(dir, 'includes');
    for (const file of readdirSync(includeDir)) {
      const text = readFileSync(join(includeDir, file), 'utf8');
      expect(referencedIndexes(text, 'KEYS'), file).toEqual([]);
      expect(referencedIndexes(text, 'ARGV'), file).toEqual([]);
    }
  });
});

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1);
}
