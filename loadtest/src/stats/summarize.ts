/**
 * Distribution summaries in inference-perf's shape.
 *
 * Percentiles use numpy's default ("linear") interpolation: for q in [0, 100] over n sorted
 * values, position h = (n − 1)·q/100, value = x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋]).
 */

/** Percentile points reported by default, as inference-perf: 0.1 … 99.9. */
export const DEFAULT_PERCENTILES = [0.1, 1, 5, 10, 25, 50, 75, 90, 95, 99, 99.9] as const;

export interface Summary {
  mean: number;
  min: number;
  max: number;
  /** Keys `p0.1`, `p1`, …, `median`, …, `p99.9`. */
  [percentileKey: string]: number;
}

/** Percentile key as inference-perf writes it: 50 → "median", 0.1 → "p0.1", 99 → "p99". */
export function percentileKey(q: number): string {
  return q === 50 ? 'median' : `p${q}`;
}

/** numpy-linear percentile of an already sorted (ascending) non-empty array. */
export function percentileOfSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new Error('percentile of an empty sample');
  const h = ((sorted.length - 1) * q) / 100;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  const low = sorted[lo] as number;
  const high = sorted[hi] as number;
  return low + (h - lo) * (high - low);
}

/** Summary of a sample, or null when the sample is empty (inference-perf writes null there too). */
export function summarize(values: readonly number[], percentiles: readonly number[] = DEFAULT_PERCENTILES): Summary | null {
  if (values.length === 0) return null;
  const sorted = Float64Array.from(values).sort();
  const asArray = Array.from(sorted);
  let sum = 0;
  for (const v of asArray) sum += v;
  const summary: Summary = { mean: sum / asArray.length, min: asArray[0] as number, max: asArray[asArray.length - 1] as number };
  for (const q of percentiles) summary[percentileKey(q)] = percentileOfSorted(asArray, q);
  return summary;
}

/** Median of a sample (numpy-linear), or NaN when empty. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  return percentileOfSorted(Array.from(Float64Array.from(values).sort()), 50);
}
