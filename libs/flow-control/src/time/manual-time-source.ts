import type { TimeSource } from './clock.ts';

/**
 * A TimeSource moved only by the test. Used by the conformance suite for both stores (the Redis
 * store in test mode passes `nowMs()` to Lua instead of Redis TIME).
 */
export class ManualTimeSource implements TimeSource {
  private current: number;

  /** @param startMs initial time in ms (default: a fixed, realistic epoch so µs math stays exact). */
  constructor(startMs = 1_800_000_000_000) {
    this.current = startMs;
  }

  nowMs(): number {
    return this.current;
  }

  /** Move time forward by `ms` (≥ 0). */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`advance(ms) needs ms >= 0, got ${ms}`);
    this.current += ms;
  }
}
