import { describe, expect, it } from 'vitest';
import { percentileOfSorted, summarize } from '../../src/stats/summarize.ts';

describe('summarize (numpy-linear percentiles)', () => {
  it('interpolates linearly between order statistics like numpy.percentile', () => {
    // numpy.percentile([1,2,3,4], q): h = 3q/100
    const sorted = [1, 2, 3, 4];
    expect(percentileOfSorted(sorted, 50)).toBeCloseTo(2.5, 12);
    expect(percentileOfSorted(sorted, 25)).toBeCloseTo(1.75, 12);
    expect(percentileOfSorted(sorted, 90)).toBeCloseTo(3.7, 12);
    expect(percentileOfSorted(sorted, 0.1)).toBeCloseTo(1.003, 12);
    expect(percentileOfSorted(sorted, 99.9)).toBeCloseTo(3.997, 12);
    expect(percentileOfSorted(sorted, 100)).toBe(4);
  });

  it('uses inference-perf keys and sorts numerically, not lexically', () => {
    const s = summarize([10, 9, 100, 1]);
    expect(s).not.toBeNull();
    expect(Object.keys(s ?? {})).toEqual(['mean', 'min', 'max', 'p0.1', 'p1', 'p5', 'p10', 'p25', 'median', 'p75', 'p90', 'p95', 'p99', 'p99.9']);
    expect(s?.min).toBe(1);
    expect(s?.max).toBe(100);
    expect(s?.mean).toBe(30);
    expect(s?.median).toBe(9.5);
    // p90: h = 3·0.9 = 2.7 → 10 + 0.7·90 = 73
    expect(s?.p90).toBeCloseTo(73, 10);
  });

  it('returns null for an empty sample and the value itself for one', () => {
    expect(summarize([])).toBeNull();
    expect(summarize([7])?.['p99.9']).toBe(7);
  });
});
