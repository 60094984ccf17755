/** Opaque timer handle of a {@link Clock}. */
export type TimerHandle = unknown;

/**
 * Time source injected into the engine driver. Times are milliseconds on a monotonic clock.
 * Production uses {@link createSystemClock}; tests use VirtualClock and advance time explicitly.
 */
export interface Clock {
  now(): number;
  setTimeout(callback: () => void, delayMs: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** Real timers on performance.now(). */
export function createSystemClock(): Clock {
  return {
    now: () => performance.now(),
    setTimeout: (callback, delayMs) => setTimeout(callback, delayMs),
    clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  };
}
