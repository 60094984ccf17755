/**
 * The store's clock. Stores own time: callers never pass timestamps.
 * MemoryFlowStore reads it directly; RedisFlowStore uses Redis `TIME` in production and MAY accept a
 * TimeSource in tests, passing `nowMs()` to Lua as an ARGV (test mode only).
 */
export interface TimeSource {
  /** Milliseconds (may have a fractional part). Monotonic non-decreasing within one store. */
  nowMs(): number;
}

/** Opaque timer handle. */
export type TimerHandle = unknown;

/**
 * Time and timers for the FlowController (tests use @sluice/testing's FakeClock, which has this shape).
 */
export interface Clock {
  /** Milliseconds, monotonic non-decreasing. */
  now(): number;
  /** Run `fn` once after `delayMs` (≥ 0). */
  setTimeout(fn: () => void, delayMs: number): TimerHandle;
  /** Cancel a timer; method syntax so implementations may narrow the handle type. */
  clearTimeout(handle: TimerHandle): void;
}

/** The real clock: `performance.timeOrigin + performance.now()` and global timers (unref'd). */
export function createSystemClock(): Clock {
  return {
    now: () => performance.timeOrigin + performance.now(),
    setTimeout: (fn, delayMs) => {
      const t = setTimeout(fn, delayMs);
      t.unref?.();
      return t;
    },
    clearTimeout: (handle: ReturnType<typeof setTimeout>) => clearTimeout(handle),
  };
}

/** A store TimeSource reading a controller Clock (single-process setups and tests). */
export function timeSourceOf(clock: Pick<Clock, 'now'>): TimeSource {
  return { nowMs: () => clock.now() };
}
