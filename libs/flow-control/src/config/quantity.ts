/** Binary suffixes → power of two. Multiplying by a power of two is exact in floating point. */
const BINARY: Readonly<Record<string, number>> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
/** Decimal suffixes → power of ten, applied through exponent notation so '1.1k' is exactly 1100. */
const DECIMAL: Readonly<Record<string, number>> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

const QUANTITY = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(?:[eE]([+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?)$/;

/**
 * Parse a Kubernetes resource quantity (`'1Gi'`, `'2k'`, `'500'`, `'1.5M'`, `'1e3'`, `'100m'`) into a
 * plain number. A finite JS number is returned as is (YAML may give one). Throws RangeError for
 * anything else, including empty strings, spaces and unknown suffixes.
 */
export function parseQuantity(value: string | number): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new RangeError(`quantity must be finite, got ${value}`);
    return value;
  }
  const m = QUANTITY.exec(value);
  if (!m) throw new RangeError(`invalid quantity ${JSON.stringify(value)} (expected e.g. "500", "2k", "1Gi")`);
  const mantissa = m[1]!;
  const suffix = m[3] ?? '';
  let result: number;
  if (m[2] !== undefined) result = Number(`${mantissa}e${m[2]}`);
  else if (suffix in BINARY) result = Number(mantissa) * 2 ** BINARY[suffix]!;
  else result = Number(`${mantissa}e${DECIMAL[suffix]!}`);
  if (!Number.isFinite(result)) throw new RangeError(`quantity ${JSON.stringify(value)} is out of range`);
  return result;
}

/**
 * A quantity used as a count or byte limit: a non-negative integer, rounded UP as Kubernetes does
 * for `Value()` (`'1.5'` → 2, `'100m'` → 1).
 */
export function parseCountQuantity(value: string | number): number {
  const q = parseQuantity(value);
  if (q < 0) throw new RangeError(`quantity must be >= 0, got ${JSON.stringify(value)}`);
  const rounded = Math.ceil(q);
  if (!Number.isSafeInteger(rounded)) throw new RangeError(`quantity ${JSON.stringify(value)} exceeds the safe integer range`);
  return rounded;
}
