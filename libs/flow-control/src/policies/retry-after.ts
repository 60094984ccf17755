/** Length (ms) of one drain-rate window. Two consecutive windows are kept. */
export const DRAIN_WINDOW_MS = 10_000;

/** Per-band dispatch counter over two windows (Redis: three hash fields). */
export interface DrainWindow {
  /** Store-clock ms at which the current window started; multiple of nothing, moved in WINDOW steps. */
  startMs: number;
  /** Dispatches in the current window. */
  current: number;
  /** Dispatches in the previous window (0 if it was more than one window ago). */
  previous: number;
}

/** A fresh window starting at `nowMs`. */
export function newDrainWindow(nowMs: number): DrainWindow {
  return { startMs: nowMs, current: 0, previous: 0 };
}

/** Advance the window to `nowMs` (in whole-window steps). Mutates. */
export function rollDrainWindow(w: DrainWindow, nowMs: number): void {
  const steps = Math.floor((nowMs - w.startMs) / DRAIN_WINDOW_MS);
  if (steps <= 0) return;
  w.previous = steps === 1 ? w.current : 0;
  w.current = 0;
  w.startMs += steps * DRAIN_WINDOW_MS;
}

/** Record one dispatch at `nowMs`. Mutates. */
export function recordDrain(w: DrainWindow, nowMs: number): void {
  rollDrainWindow(w, nowMs);
  w.current += 1;
}

/**
 * Retry-After for a rejected request, in whole seconds (returned as ms):
 * rate = (previous + current) / (WINDOW + (now − startMs)) dispatches per ms (after rolling);
 * seconds = ceil((queuedInBand + 1) / rate / 1000), clamped to [1, maxSec]; rate 0 → maxSec.
 * Does not mutate `w`.
 */
export function retryAfterMs(w: DrainWindow, nowMs: number, queuedInBand: number, maxSec: number): number {
  const copy = { ...w };
  rollDrainWindow(copy, nowMs);
  const count = copy.previous + copy.current;
  if (count <= 0) return maxSec * 1000;
  const ratePerMs = count / (DRAIN_WINDOW_MS + (nowMs - copy.startMs));
  const sec = Math.ceil((queuedInBand + 1) / ratePerMs / 1000);
  return Math.min(Math.max(sec, 1), maxSec) * 1000;
}
