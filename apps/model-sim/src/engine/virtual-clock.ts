import type { Clock, TimerHandle } from './clock.ts';

interface VirtualTimer {
  id: number;
  at: number;
  callback: () => void;
}

/**
 * A discrete-event clock for deterministic engine tests: time only moves when the test calls
 * {@link advanceTo} / {@link runUntilIdle}; timers fire in (time, creation) order.
 */
export class VirtualClock implements Clock {
  private current = 0;
  private nextId = 1;
  /** Pending timers sorted by (at, id). */
  private timers: VirtualTimer[] = [];

  now(): number {
    return this.current;
  }

  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    const timer: VirtualTimer = { id: this.nextId++, at: this.current + Math.max(0, delayMs), callback };
    let index = this.timers.length;
    while (index > 0 && (this.timers[index - 1] as VirtualTimer).at > timer.at) index--;
    this.timers.splice(index, 0, timer);
    return timer.id;
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers = this.timers.filter((timer) => timer.id !== handle);
  }

  get pendingTimers(): number {
    return this.timers.length;
  }

  /** Fires every timer due at or before `timeMs` (including ones they schedule), then sets now = timeMs. */
  advanceTo(timeMs: number): void {
    for (;;) {
      const next = this.timers[0];
      if (next === undefined || next.at > timeMs) break;
      this.timers.shift();
      this.current = Math.max(this.current, next.at);
      next.callback();
    }
    this.current = Math.max(this.current, timeMs);
  }

  /** Fires timers until none is left (or `limitMs` of virtual time is reached). Returns the final time. */
  runUntilIdle(limitMs = Number.POSITIVE_INFINITY): number {
    for (;;) {
      const next = this.timers[0];
      if (next === undefined || next.at > limitMs) break;
      this.timers.shift();
      this.current = Math.max(this.current, next.at);
      next.callback();
    }
    return this.current;
  }
}
