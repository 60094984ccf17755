import { describe, expect, it } from 'vitest';
import { drawOutputLength } from '../src/engine/output-length.ts';
import { SeededRandom } from '../src/engine/rng.ts';

describe('output length without ignore_eos', () => {
  it('stays in [1, max_tokens], is seeded, and follows the 6-bucket shape', () => {
    const draw = (seed: number, max: number, n: number): number[] => {
      const rng = new SeededRandom(seed);
      return Array.from({ length: n }, () => drawOutputLength(rng, max, true, false));
    };
    const lengths = draw(1, 1000, 5000);
    expect(draw(1, 1000, 5000)).toEqual(lengths);
    expect(Math.min(...lengths)).toBeGreaterThanOrEqual(1);
    expect(Math.max(...lengths)).toBeLessThanOrEqual(1000);
    const share = (low: number, high: number): number => lengths.filter((l) => l >= low && l <= high).length / lengths.length;
    expect(share(1, 20)).toBeCloseTo(0.2, 1);
    expect(share(21, 40)).toBeCloseTo(0.3, 1);
    expect(share(981, 1000)).toBeCloseTo(0.15, 1);
    for (const max of [1, 2, 3, 7, 120, 121]) for (const l of draw(max, max, 200)) expect(l >= 1 && l <= max).toBe(true);
  });

  it('ignore_eos gives exactly max_tokens; no max_tokens draws around 40', () => {
    const rng = new SeededRandom(3);
    expect(drawOutputLength(rng, 77, true, true)).toBe(77);
    const free = Array.from({ length: 2000 }, () => drawOutputLength(rng, 500, false, false));
    const mean = free.reduce((a, b) => a + b, 0) / free.length;
    expect(mean).toBeGreaterThan(35);
    expect(mean).toBeLessThan(45);
  });
});
