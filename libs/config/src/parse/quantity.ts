/**
 * Kubernetes resource quantities (`resource.Quantity` syntax): `500`, `2k`, `1.5M`, `4Gi`, `100m`,
 * `1e3`. Decimal SI suffixes n u m k M G T P E; binary suffixes Ki Mi Gi Ti Pi Ei; or a decimal
 * exponent `e<N>`/`E<N>`. The grammar lives in @sluice/flow-control; this file adds config-style errors.
 */

import { parseQuantity as parseQuantityNumber } from '@sluice/flow-control';

export class QuantityError extends Error {
  constructor(readonly input: unknown) {
    super(`invalid quantity ${JSON.stringify(input)} (expected e.g. 500, 2k, 1.5M, 4Gi)`);
    this.name = 'QuantityError';
  }
}

/**
 * Parses a quantity to a number. Numbers (as YAML yields for `maxRequests: 500`) pass through when
 * finite. Throws QuantityError on anything else, including values beyond Number.MAX_SAFE_INTEGER.
 */
export function parseQuantity(input: string | number): number {
  // One quantity grammar for the whole project: @sluice/flow-control's (exact decimal scaling, so
  // `1.1k` is 1100). This wrapper only trims and turns its RangeError into a QuantityError.
  const text = typeof input === 'string' ? input.trim() : input;
  if (text === '') throw new QuantityError(input);
  let value: number;
  try {
    value = parseQuantityNumber(text);
  } catch {
    throw new QuantityError(input);
  }
  if (Math.abs(value) > Number.MAX_SAFE_INTEGER) throw new QuantityError(input);
  return value;
}

/**
 * A quantity that must be a whole, non-negative count (requests, bytes). Returns the number or an
 * error message suitable for a config issue.
 */
export function parseCountQuantity(input: unknown): { ok: true; value: number } | { ok: false; message: string } {
  if (typeof input !== 'string' && typeof input !== 'number') {
    return { ok: false, message: `invalid quantity ${JSON.stringify(input)}: expected a number or a string such as "2k" or "4Gi"` };
  }
  let value: number;
  try {
    value = parseQuantity(input);
  } catch {
    return { ok: false, message: `invalid quantity ${JSON.stringify(input)} (expected e.g. 500, 2k, 1.5M, 4Gi)` };
  }
  if (value < 0) return { ok: false, message: `invalid quantity ${JSON.stringify(input)}: must not be negative` };
  if (!Number.isInteger(value)) return { ok: false, message: `invalid quantity ${JSON.stringify(input)}: must be a whole number (it is ${value})` };
  return { ok: true, value };
}
