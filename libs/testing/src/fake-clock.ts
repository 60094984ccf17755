/** Handle returned by FakeClock.setTimeout; pass it to clearTimeout. */
export interface FakeTimerHandle {
  readonly id: number;
}

interface PendingTimer {
  id: number;
  dueMs: number;
  callback: () => void;
}

/**
 * A manual clock for unit tests of pure logic. Time only moves when the test calls advance();
 * timers whose due time is reached fire in due-time order (ties in creation order), and a timer
 * scheduled by a firing timer fires in the same advance() if it is due by then.
 *
 * Shape-compatible with the Clock/Timer interfaces the libs accept: now() in milliseconds,
 * setTimeout(callback, delayMs) and clearTimeout(handle).
 */
export class FakeClock {
  private currentMs: number;
  private nextId = 1;
  private readonly timers = new Map<number, PendingTimer>();

  /** @param startMs the initial time in milliseconds (default 1,000,000 so 0 is never "now"). */
  constructor(startMs = 1_000_000) {
    this.currentMs = startMs;
  }

  /** Current time in milliseconds. */
  now(): number {
    return this.currentMs;
  }

  setTimeout(callback: () => void, delayMs: number): FakeTimerHandle {
    const id = this.nextId++;
    this.timers.set(id, { id, dueMs: this.currentMs + Math.max(0, delayMs), callback });
    return { id };
  }

  clearTimeout(handle: FakeTimerHandle | undefined): void {
    if (handle !== undefined) this.timers.delete(handle.id);
  }

  /** Number of timers not yet fired or cleared. */
  pendingTimers(): number {
    return this.timers.size;
  }

  /** Moves time forward by `ms` milliseconds, firing every timer that falls due on the way. */
  advance(ms: number): void {
    if (ms < 0) throw new Error(`FakeClock.advance: negative step ${ms}`);
    const targetMs = this.currentMs + ms;
    for (;;) {
      const next = this.earliestDue(targetMs);
      if (next === undefined) break;
      this.timers.delete(next.id);
      this.currentMs = next.dueMs;
      next.callback();
    }
    this.currentMs = targetMs;
  }

  /** Sets the time to `ms` (not earlier than now), firing due timers; see advance(). */
  advanceTo(ms: number): void {
    this.advance(ms - this.currentMs);
  }

  private earliestDue(limitMs: number): PendingTimer | undefined {
    let best: PendingTimer | undefined;
    for (const timer of this.timers.values()) {
      if (timer.dueMs > limitMs) continue;
      if (best === undefined || timer.dueMs < best.dueMs || (timer.dueMs === best.dueMs && timer.id < best.id)) best = timer;
    }
    return best;
  }
}
