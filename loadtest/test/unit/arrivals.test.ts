import { describe, expect, it } from 'vitest';
import { constantArrivals, gammaArrivals, parseTraceCsv, poissonArrivals } from '../../src/arrivals/arrivals.ts';
import { planStage } from '../../src/arrivals/stages.ts';
import { Rng } from '../../src/stats/rng.ts';

describe('arrival processes', () => {
  it('constant: exactly rate·duration sends, randomized gaps, last send at the duration', () => {
    const offsets = constantArrivals(new Rng(1), 5, 4);
    expect(offsets).toHaveLength(20);
    expect(offsets[19]).toBe(4);
    const gaps = offsets.map((t, i) => t - (offsets[i - 1] ?? 0));
    expect(new Set(gaps.map((g) => g.toFixed(6))).size).toBeGreaterThan(10); // not evenly spaced
    expect([...offsets].sort((a, b) => a - b)).toEqual(offsets);
  });

  it('poisson: per-second counts average the rate and stay inside their second', () => {
    const offsets = poissonArrivals(new Rng(2), 20, 200);
    expect(offsets.length / 200).toBeGreaterThan(19);
    expect(offsets.length / 200).toBeLessThan(21);
    expect(offsets.every((t) => t > 0 && t <= 200)).toBe(true);
  });

  it('gamma: N sends, last at N/rate; low burstiness has more variable gaps', () => {
    const smooth = gammaArrivals(new Rng(3), 10, 4, 500);
    const bursty = gammaArrivals(new Rng(3), 10, 0.25, 500);
    expect(smooth).toHaveLength(500);
    expect(smooth[499]).toBeCloseTo(50, 9);
    expect(bursty[499]).toBeCloseTo(50, 9);
    const cv = (xs: number[]) => {
      const gaps = xs.map((t, i) => t - (xs[i - 1] ?? 0));
      const mean = gaps.reduce((s, g) => s + g, 0) / gaps.length;
      return Math.sqrt(gaps.reduce((s, g) => s + (g - mean) ** 2, 0) / gaps.length) / mean;
    };
    expect(cv(smooth)).toBeLessThan(0.7); // shape 4 → cv 0.5
    expect(cv(bursty)).toBeGreaterThan(1.4); // shape 0.25 → cv 2
  });

  it('trace: timestamps relative to the first, from a named column, sped up', () => {
    expect(parseTraceCsv('TIMESTAMP,ContextTokens\n100.5,10\n101.5,20\n100.0,5\n', 2)).toEqual([0, 0.25, 0.75]);
    expect(parseTraceCsv('3\n1\n2')).toEqual([0, 1, 2]);
    expect(() => parseTraceCsv('timestamp\nabc')).toThrow(/line 2/);
  });

  it('the same seed plans the same stage', () => {
    const spec = { type: 'poisson' as const, rate: 7, duration: 5 };
    expect(planStage(spec, new Rng('s').fork('a'))).toEqual(planStage(spec, new Rng('s').fork('a')));
    expect(planStage(spec, new Rng('s')).offsets).not.toEqual(planStage(spec, new Rng('t')).offsets);
  });
});
