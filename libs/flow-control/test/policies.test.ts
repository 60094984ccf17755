import { describe, expect, it } from 'vitest';
import {
  FAR_FUTURE_MS,
  computeCeilings,
  computeOrderKey,
  liftedVirtualTokens,
  pickFlow,
  retryAfterMs,
  newDrainWindow,
  recordDrain,
  tokenWeight,
} from '../src/index.ts';
import type { FairnessBandState, FairnessCandidate } from '../src/index.ts';

const cand = (fairnessId: string, headOrderKey: number, headSeq: number, virtualTokens = 0): FairnessCandidate => ({ fairnessId, headOrderKey, headSeq, virtualTokens });
const state = (): FairnessBandState => ({ rrCursor: null, virtualFloor: 0 });

describe('fairness policies', () => {
  it('none eligible → null', () => {
    expect(pickFlow({ type: 'round-robin-fairness-policy' }, [], state())).toBeNull();
  });

  it('global-strict picks the lowest (orderKey, seq) head', () => {
    const s = state();
    expect(pickFlow({ type: 'global-strict-fairness-policy' }, [cand('b', 5, 9), cand('a', 5, 10), cand('c', 6, 1)], s)).toBe('b');
  });

  it('round-robin walks ids ascending after the cursor and wraps', () => {
    const s = state();
    const all = [cand('c', 0, 0), cand('a', 0, 0), cand('b', 0, 0)];
    expect([1, 2, 3, 4].map(() => pickFlow({ type: 'round-robin-fairness-policy' }, all, s))).toEqual(['a', 'b', 'c', 'a']);
    // cursor flow 'a' became empty: continue after it, not at the start
    expect(pickFlow({ type: 'round-robin-fairness-policy' }, [cand('c', 0, 0), cand('b', 0, 0)], s)).toBe('b');
    s.rrCursor = 'bb';
    expect(pickFlow({ type: 'round-robin-fairness-policy' }, all, s)).toBe('c');
  });

  it('token-fairness picks the lowest counter, ties by id, and raises the floor', () => {
    const s = state();
    expect(pickFlow({ type: 'token-fairness-policy' }, [cand('b', 0, 0, 10), cand('a', 0, 0, 10), cand('c', 0, 0, 30)], s)).toBe('a');
    expect(s.virtualFloor).toBe(10);
    expect(pickFlow({ type: 'token-fairness-policy' }, [cand('c', 0, 0, 3)], s)).toBe('c');
    expect(s.virtualFloor).toBe(10);
  });

  it('weights default to 1 and ignore non-positive values', () => {
    const p = { type: 'token-fairness-policy', weights: { gold: 4, bad: 0 }, defaultWeight: 2 } as const;
    expect([tokenWeight(p, 'gold'), tokenWeight(p, 'x'), tokenWeight(p, 'bad')]).toEqual([4, 2, 1]);
    expect(tokenWeight({ type: 'round-robin-fairness-policy' }, 'gold')).toBe(1);
  });

  it('lift: max(own, min of other backlogged), else max(own, floor)', () => {
    expect(liftedVirtualTokens(undefined, [50, 30], 10)).toBe(30);
    expect(liftedVirtualTokens(100, [50, 30], 10)).toBe(100);
    expect(liftedVirtualTokens(5, [], 10)).toBe(10);
    expect(liftedVirtualTokens(undefined, [], 0)).toBe(0);
  });
});

describe('ordering keys', () => {
  const base = { enqueuedAtMs: 1000, ttlMs: 500, receivedAtMs: 900, sloTtftMs: 200 as number | undefined };
  it('fcfs, edf, slo-deadline', () => {
    expect(computeOrderKey('fcfs-ordering-policy', base)).toBe(1000);
    expect(computeOrderKey('edf-ordering-policy', base)).toBe(1500);
    expect(computeOrderKey('edf-ordering-policy', { ...base, ttlMs: 0 })).toBe(FAR_FUTURE_MS);
    expect(computeOrderKey('slo-deadline-ordering-policy', base)).toBe(1100);
    for (const slo of [undefined, -1, NaN, Infinity]) {
      expect(computeOrderKey('slo-deadline-ordering-policy', { ...base, sloTtftMs: slo })).toBe(FAR_FUTURE_MS);
    }
  });
});

describe('usage-limit ceilings', () => {
  it('static gives every band the threshold', () => {
    expect(computeCeilings({ type: 'static-usage-limit-policy', threshold: 0.9 }, [5, 0, -5])).toEqual([0.9, 0.9, 0.9]);
  });
  it('holdback rank is linear from max to min and non-increasing', () => {
    expect(computeCeilings({ type: 'priority-holdback-policy', minCeiling: 0.6, maxCeiling: 1, domain: 'rank' }, [10, 5, 0])).toEqual([1, 0.8, 0.6]);
    expect(computeCeilings({ type: 'priority-holdback-policy', minCeiling: 0.6, maxCeiling: 1, domain: 'rank' }, [3])).toEqual([1]);
  });
  it('holdback value interpolates by priority', () => {
    const c = computeCeilings({ type: 'priority-holdback-policy', minCeiling: 0, maxCeiling: 1, domain: 'value' }, [100, 75, 0]);
    expect(c).toEqual([1, 0.75, 0]);
    expect(computeCeilings({ type: 'priority-holdback-policy', minCeiling: 0, maxCeiling: 0.9, domain: 'value' }, [2, 2])).toEqual([0.9, 0.9]);
  });
});

describe('retry-after estimate', () => {
  it('no drain history → max; busy band → short; clamped to >= 1 s', () => {
    const w = newDrainWindow(0);
    expect(retryAfterMs(w, 0, 10, 60)).toBe(60_000);
    for (let t = 0; t < 100; t++) recordDrain(w, t * 100); // 100 dispatches in 10 s
    expect(w.current + w.previous).toBe(100);
    // rate 100 / (10 s + 0.0 s into the new window) = 10/s; 19 queued + 1 → 2 s
    expect(retryAfterMs(w, 10_000, 19, 60)).toBe(2000);
    expect(retryAfterMs(w, 10_000, 0, 60)).toBe(1000);
    // two windows later the history is gone
    expect(retryAfterMs(w, 30_000, 0, 60)).toBe(60_000);
  });
});
