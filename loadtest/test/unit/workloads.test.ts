import { countTokens } from '@sluice/tokenizer';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/stats/rng.ts';
import { createMixWorkload, PRIORITY_MIX_CLASSES } from '../../src/workloads/mix.ts';
import { createRandomWorkload } from '../../src/workloads/random.ts';
import { createSharedPrefixWorkload } from '../../src/workloads/shared-prefix.ts';
import type { Workload } from '../../src/workloads/types.ts';

const take = (w: Workload, n: number) => Array.from({ length: n }, () => w.next());

describe('workloads', () => {
  const config = { numGroups: 3, promptsPerGroup: 4, systemPromptLen: 50, questionLen: 7, outputLen: 9, multiTurn: false };

  it('shared-prefix: exact token lengths, every pair once per cycle, seeded shuffle', () => {
    const specs = take(createSharedPrefixWorkload(config, new Rng(42)), 24);
    for (const s of specs) {
      expect(countTokens(s.system)).toBe(50);
      expect(countTokens(s.user)).toBe(7);
      expect(s.maxTokens).toBe(9);
    }
    const firstCycle = specs.slice(0, 12).map((s) => `${s.system.slice(0, 20)}|${s.user}`);
    expect(new Set(firstCycle).size).toBe(12);
    expect(specs.slice(12).map((s) => `${s.system.slice(0, 20)}|${s.user}`)).toEqual(firstCycle); // served cyclically
    expect(new Set(specs.map((s) => s.system)).size).toBe(3);
    // shuffled: groups are interleaved, not 4 in a row
    const groups = firstCycle.map((k) => k.split('|')[0]);
    expect(groups.slice(0, 4).every((g) => g === groups[0])).toBe(false);
  });

  it('two runs with one seed send identical traffic; another seed differs', () => {
    expect(take(createSharedPrefixWorkload(config, new Rng(7)), 30)).toEqual(take(createSharedPrefixWorkload(config, new Rng(7)), 30));
    expect(take(createSharedPrefixWorkload(config, new Rng(8)), 5)).not.toEqual(take(createSharedPrefixWorkload(config, new Rng(7)), 5));
  });

  it('shared-prefix multi-turn: sessions get a new round each cycle', () => {
    const specs = take(createSharedPrefixWorkload({ ...config, multiTurn: true }, new Rng(1)), 24);
    expect(specs[0]?.session?.round).toBe(0);
    expect(specs[12]?.session).toEqual({ id: specs[0]?.session?.id, round: 1 });
    expect(specs[12]?.user).not.toBe(specs[0]?.user);
  });

  it('random: lengths within [L(1−r), L(1+r)] and a shared fixed prefix', () => {
    const specs = take(createRandomWorkload({ inputLen: 100, outputLen: 20, rangeRatio: 0.5, prefixLen: 30 }, new Rng(3)), 200);
    const inputs = specs.map((s) => countTokens(s.user));
    expect(Math.min(...inputs)).toBeGreaterThanOrEqual(50);
    expect(Math.max(...inputs)).toBeLessThanOrEqual(150);
    expect(new Set(specs.map((s) => s.system)).size).toBe(1);
    expect(countTokens(specs[0]?.system ?? '')).toBe(30);
  });

  it('priority mix: 0.2/0.6/0.2 classes stamped with objective and priority', () => {
    const rng = new Rng(5);
    const mix = createMixWorkload(
      PRIORITY_MIX_CLASSES.map((c) => ({ name: c.name, weight: c.weight, tenant: null, objective: c.name, priority: c.priority, sloTtftMs: null, sloTpotMs: null, workload: createRandomWorkload({ inputLen: 10, outputLen: 5, rangeRatio: 0, prefixLen: 0 }, rng.fork(c.name)) })),
      rng,
    );
    const specs = take(mix, 5000);
    const share = (name: string) => specs.filter((s) => s.objective === name).length / specs.length;
    expect(share('critical')).toBeGreaterThan(0.18);
    expect(share('normal')).toBeGreaterThan(0.57);
    expect(share('batch')).toBeLessThan(0.22);
    expect(specs.find((s) => s.objective === 'batch')?.priority).toBe(-10);
  });
});
