import { compareIds } from '../types/flow-key.ts';
import type { FairnessPolicyConfig } from '../types/policies.ts';
import { FairnessPolicyType } from '../types/policies.ts';
import { compareOrder } from './ordering.ts';

/** A non-empty flow of one band as seen by a fairness policy. */
export interface FairnessCandidate {
  readonly fairnessId: string;
  /** Order key and seq of the flow's head item. */
  readonly headOrderKey: number;
  readonly headSeq: number;
  /** Token-fairness virtual counter (weighted tokens); ignored by the other policies. */
  readonly virtualTokens: number;
}

/** Per-band mutable fairness state, kept by the store (Redis: one hash per band). */
export interface FairnessBandState {
  /** round-robin: fairness id picked last (null before the first pick). */
  rrCursor: string | null;
  /** token-fairness: highest pre-charge counter of any picked flow; the lift floor. */
  virtualFloor: number;
}

/**
 * Pick the flow to dispatch from within a band. `candidates` are the band's NON-EMPTY flows in any
 * order. Returns the picked fairness id, or null when there are none. Deterministic:
 * - global-strict: the flow whose head has the lowest `(orderKey, seq)` (band = one queue);
 * - round-robin: the first candidate whose id is strictly greater than `rrCursor` (by compareIds),
 *   wrapping to the smallest id. (Upstream restarts at index 0 when the cursor flow is gone; we
 *   continue after the cursor's position, which is fairer and a single ZRANGEBYLEX in Redis.)
 * - token-fairness: the lowest virtual counter; ties by compareIds.
 * Updates `state` for the pick (cursor; virtual floor), but does NOT charge the counter.
 */
export function pickFlow(
  policy: FairnessPolicyConfig,
  candidates: readonly FairnessCandidate[],
  state: FairnessBandState,
): string | null {
  if (candidates.length === 0) return null;
  switch (policy.type) {
    case FairnessPolicyType.GlobalStrict: {
      let best = candidates[0]!;
      for (const c of candidates) {
        if (compareOrder({ orderKey: c.headOrderKey, seq: c.headSeq }, { orderKey: best.headOrderKey, seq: best.headSeq }) < 0) best = c;
      }
      return best.fairnessId;
    }
    case FairnessPolicyType.RoundRobin: {
      let after: FairnessCandidate | null = null;
      let smallest: FairnessCandidate = candidates[0]!;
      for (const c of candidates) {
        if (compareIds(c.fairnessId, smallest.fairnessId) < 0) smallest = c;
        if (state.rrCursor !== null && compareIds(c.fairnessId, state.rrCursor) > 0) {
          if (after === null || compareIds(c.fairnessId, after.fairnessId) < 0) after = c;
        }
      }
      const picked = (after ?? smallest).fairnessId;
      state.rrCursor = picked;
      return picked;
    }
    case FairnessPolicyType.TokenFairness: {
      let best = candidates[0]!;
      for (const c of candidates) {
        if (c.virtualTokens < best.virtualTokens || (c.virtualTokens === best.virtualTokens && compareIds(c.fairnessId, best.fairnessId) < 0)) {
          best = c;
        }
      }
      if (best.virtualTokens > state.virtualFloor) state.virtualFloor = best.virtualTokens;
      return best.fairnessId;
    }
  }
}

/** Weight of a fairness id under token-fairness (> 0; default 1). */
export function tokenWeight(policy: FairnessPolicyConfig, fairnessId: string): number {
  if (policy.type !== FairnessPolicyType.TokenFairness) return 1;
  const w = policy.weights?.[fairnessId] ?? policy.defaultWeight ?? 1;
  return w > 0 ? w : 1;
}

/**
 * Token-fairness lift for a flow that becomes backlogged (its queue goes from empty to non-empty):
 * `max(own, min counter of the OTHER backlogged flows in the band)`, or `max(own, virtualFloor)`
 * when no other flow is backlogged. A returning tenant therefore never banks credit.
 * `own` is undefined for a flow without a counter yet (treated as 0).
 */
export function liftedVirtualTokens(
  own: number | undefined,
  otherBackloggedCounters: readonly number[],
  virtualFloor: number,
): number {
  let ref = virtualFloor;
  if (otherBackloggedCounters.length > 0) {
    ref = Infinity;
    for (const v of otherBackloggedCounters) if (v < ref) ref = v;
  }
  return Math.max(own ?? 0, ref);
}
