import { describe, expect, it } from 'vitest';
import { luaGcStepSplit, percentile } from '../src/bench/bench-support.ts';

describe('bench support: percentile and the Lua GC-step split', () => {
  it('percentile is nearest rank', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 0.5)).toBe(50);
    expect(percentile(values, 0.99)).toBe(99);
    expect(percentile([], 0.5)).toBeNaN();
  });

  it('finds the residue class mod 50 that paid the GC step, whatever its offset', () => {
    for (const offset of [0, 7, 49]) {
      // 1,000 calls of 100 µs, except every 50th from `offset`, which paid a 1,500 µs step.
      const times = Array.from({ length: 1000 }, (_, i) => (i % 50 === offset ? 1500 : 100 + (i % 5)));
      const split = luaGcStepSplit(times);
      expect(split.stepCallsMedianUs).toBe(1500);
      expect(split.otherCallsP99Us).toBe(104);
      expect(split.allCallsP99Us).toBe(1500); // 2 % of the calls set the p99
    }
  });
});
