/**
 * Go `time.ParseDuration` syntax: a sequence of decimal numbers with unit suffixes, e.g. `30s`,
 * `5m`, `200ms`, `1h30m`, `1.5h`, `-2s`. Units: ns, us (µs/μs), ms, s, m, h. A bare `0` is allowed;
 * any other number needs a unit. The result is in MILLISECONDS (fractions kept: `500us` → 0.5).
 */

import { parseDurationMs } from '@sluice/flow-control';

export class DurationError extends Error {
  constructor(readonly input: unknown) {
    super(`invalid duration ${JSON.stringify(input)} (expected e.g. "30s", "5m", "200ms", "1h30m")`);
    this.name = 'DurationError';
  }
}

/**
 * Parses a Go-style duration string to milliseconds (a leading sign is allowed and kept, so callers
 * can say "must not be negative"). Throws DurationError. The unit grammar is @sluice/flow-control's.
 */
export function parseDuration(input: string): number {
  const text = input.trim();
  const sign = text.startsWith('-') ? -1 : 1;
  const body = text.startsWith('-') || text.startsWith('+') ? text.slice(1) : text;
  if (body === '') throw new DurationError(input);
  try {
    return sign * parseDurationMs(body);
  } catch {
    throw new DurationError(input);
  }
}

/**
 * A non-negative duration as found in config: a Go duration string. Returns milliseconds or an
 * error message for a config issue. Plain numbers are rejected because their unit is ambiguous.
 */
export function parseConfigDuration(input: unknown): { ok: true; value: number } | { ok: false; message: string } {
  if (typeof input === 'number') {
    return input === 0
      ? { ok: true, value: 0 }
      : { ok: false, message: `invalid duration ${input}: needs a unit, e.g. "${input}s" or "${input}ms"` };
  }
  if (typeof input !== 'string') return { ok: false, message: `invalid duration ${JSON.stringify(input)}: expected a string such as "30s"` };
  let value: number;
  try {
    value = parseDuration(input);
  } catch {
    return { ok: false, message: `invalid duration ${JSON.stringify(input)} (expected e.g. "30s", "5m", "200ms")` };
  }
  if (value < 0) return { ok: false, message: `invalid duration ${JSON.stringify(input)}: must not be negative` };
  return { ok: true, value };
}
