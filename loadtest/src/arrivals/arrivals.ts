import type { Rng } from '../stats/rng.ts';

/**
 * Arrival processes. Each returns send offsets in seconds from the stage start, ascending.
 *
 * - constant (inference-perf): exactly round(rate·duration) requests; gaps drawn exponential
 *   and rescaled so they sum to the stage duration (the last send is at `duration`).
 * - poisson (inference-perf): each second k draws Poisson(rate·w) requests (w = the fraction of
 *   that second inside the stage) and spreads them in the second the constant way.
 * - gamma (vLLM bench): gaps ~ Gamma(shape = burstiness, scale = 1/(rate·burstiness)), cumulative
 *   times rescaled so the last send is at N/rate; burstiness 1 = Poisson, < 1 burstier.
 * - trace: CSV timestamps, shifted so the first is 0, divided by `speedup`.
 */

/** Cumulative exponential gaps for n sends rescaled to end exactly at `span`. */
function spreadExponential(rng: Rng, n: number, span: number): number[] {
  if (n === 0) return [];
  const gaps = Array.from({ length: n }, () => rng.exponential(1));
  const total = gaps.reduce((s, g) => s + g, 0);
  const offsets: number[] = [];
  let t = 0;
  for (const gap of gaps) {
    t += (gap / total) * span;
    offsets.push(t);
  }
  offsets[n - 1] = span;
  return offsets;
}

export function constantArrivals(rng: Rng, rate: number, duration: number): number[] {
  return spreadExponential(rng, Math.round(rate * duration), duration);
}

export function poissonArrivals(rng: Rng, rate: number, duration: number): number[] {
  const offsets: number[] = [];
  for (let second = 0; second < duration; second++) {
    const width = Math.min(1, duration - second);
    const count = rng.poisson(rate * width);
    for (const t of spreadExponential(rng, count, width)) offsets.push(second + t);
  }
  return offsets;
}

export function gammaArrivals(rng: Rng, rate: number, burstiness: number, count: number): number[] {
  if (count === 0) return [];
  const scale = 1 / (rate * burstiness);
  const offsets: number[] = [];
  let t = 0;
  for (let i = 0; i < count; i++) {
    t += rng.gamma(burstiness, scale);
    offsets.push(t);
  }
  const factor = count / rate / t;
  return offsets.map((x) => x * factor);
}

/**
 * Timestamps from a CSV trace: the column named `timestamp` (case-insensitive; Azure traces
 * call it TIMESTAMP) or else the first column. Numbers are seconds; ISO dates are accepted too.
 */
export function parseTraceCsv(text: string, speedup = 1): number[] {
  const lines = text.split(/\r?\n/u).filter((l) => l.trim().length > 0);
  const header = (lines[0] ?? '').split(',').map((h) => h.trim().toLowerCase());
  const headerIsText = header.some((h) => h.length > 0 && Number.isNaN(Number(h)) && Number.isNaN(Date.parse(h)));
  const column = headerIsText ? Math.max(0, header.indexOf('timestamp')) : 0;
  const rows = headerIsText ? lines.slice(1) : lines;
  const times = rows.map((line, i) => {
    const cell = (line.split(',')[column] ?? '').trim();
    const asNumber = Number(cell);
    const value = Number.isNaN(asNumber) ? Date.parse(cell) / 1000 : asNumber;
    if (Number.isNaN(value)) throw new Error(`trace line ${i + (headerIsText ? 2 : 1)}: "${cell}" is not a timestamp`);
    return value;
  });
  times.sort((a, b) => a - b);
  const first = times[0] ?? 0;
  return times.map((t) => (t - first) / speedup);
}
