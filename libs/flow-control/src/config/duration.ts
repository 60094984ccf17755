const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  'µs': 1e-3,
  'μs': 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/gy;

/**
 * Parse a Go-style duration (`'60s'`, `'200ms'`, `'1h30m'`, `'1.5s'`, `'0'`) into milliseconds.
 * A finite non-negative JS number is taken as milliseconds. Negative durations are rejected.
 */
export function parseDurationMs(value: string | number): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) throw new RangeError(`duration must be a finite number of ms >= 0, got ${value}`);
    return value;
  }
  if (value === '0') return 0;
  if (value.length === 0) throw new RangeError('empty duration');
  PART.lastIndex = 0;
  let total = 0;
  let consumed = 0;
  for (let m = PART.exec(value); m !== null; m = PART.exec(value)) {
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    consumed = PART.lastIndex;
  }
  if (consumed !== value.length) throw new RangeError(`invalid duration ${JSON.stringify(value)} (expected e.g. "60s", "200ms", "1h30m")`);
  return total;
}
