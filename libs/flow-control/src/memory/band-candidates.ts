import type { FairnessBandState } from '../policies/fairness.ts';
import { compareOrder } from '../policies/ordering.ts';
import { compareIds } from '../types/flow-key.ts';
import type { FairnessPolicyConfig } from '../types/policies.ts';
import { FairnessPolicyType } from '../types/policies.ts';
import type { FlowState } from './state.ts';
import { IndexedHeap, type HeapSlot } from './indexed-heap.ts';

/**
 * The non-empty flows of one band, indexed for its fairness policy so a pick costs O(log flows)
 * (the Redis store's per-band candidate ZSET). Picks are exactly those of `pickFlow` over the same
 * flows (policies/fairness.ts is the spec):
 * - global-strict: min-heap by head `(orderKey, seq)`;
 * - token-fairness: min-heap by `(virtualTokens, compareIds(fairnessId))`;
 * - round-robin: two min-heaps by id, `ahead` (ids > cursor) and `behind` (ids ≤ cursor). A pick
 *   takes the smallest of `ahead`, or wraps (behind becomes ahead) when it is empty.
 * The owner MUST call `update(flow)` after a member's head or counter changed.
 */
export class BandCandidates {
  private readonly policy: FairnessPolicyConfig;
  private readonly state: FairnessBandState;
  private ahead: FlowHeap;
  private behind: FlowHeap;

  constructor(policy: FairnessPolicyConfig, state: FairnessBandState) {
    this.policy = policy;
    this.state = state;
    const less = lessFor(policy);
    this.ahead = new FlowHeap(less);
    this.behind = new FlowHeap(less);
  }

  get size(): number {
    return this.ahead.size + this.behind.size;
  }

  has(flow: FlowState): boolean {
    return flow.candidateIndex >= 0;
  }

  /** Add a flow that became non-empty. */
  add(flow: FlowState): void {
    if (this.has(flow)) return;
    const cursor = this.state.rrCursor;
    if (this.policy.type === FairnessPolicyType.RoundRobin && cursor !== null && compareIds(flow.key.fairnessId, cursor) <= 0) {
      this.behind.push(flow);
    } else this.ahead.push(flow);
  }

  /** Remove a flow that became empty (no-op if absent). */
  remove(flow: FlowState): void {
    if (!this.ahead.remove(flow)) this.behind.remove(flow);
  }

  /** Re-position a member after its head item or virtual counter changed. */
  update(flow: FlowState): void {
    if (!this.ahead.update(flow)) this.behind.update(flow);
  }

  /** Lowest virtual counter among the members (token-fairness lift), or undefined when empty. */
  minVirtualTokens(): number | undefined {
    const top = this.ahead.peek();
    return top === undefined ? undefined : (top.virtualTokens ?? 0);
  }

  /** Pick the next flow (updates the round-robin cursor / token floor like `pickFlow`), or null. */
  pick(): FlowState | null {
    switch (this.policy.type) {
      case FairnessPolicyType.GlobalStrict:
        return this.ahead.peek() ?? null;
      case FairnessPolicyType.TokenFairness: {
        const best = this.ahead.peek();
        if (best === undefined) return null;
        const vt = best.virtualTokens ?? 0;
        if (vt > this.state.virtualFloor) this.state.virtualFloor = vt;
        return best;
      }
      case FairnessPolicyType.RoundRobin: {
        if (this.ahead.size === 0) {
          const wrapped = this.ahead;
          this.ahead = this.behind;
          this.behind = wrapped;
        }
        const picked = this.ahead.peek();
        if (picked === undefined) return null;
        this.ahead.remove(picked);
        this.behind.push(picked);
        this.state.rrCursor = picked.key.fairnessId;
        return picked;
      }
    }
  }
}

type Less = (a: FlowState, b: FlowState) => boolean;

function lessFor(policy: FairnessPolicyConfig): Less {
  switch (policy.type) {
    case FairnessPolicyType.GlobalStrict:
      return (a, b) => compareOrder(a.heap.peek()!, b.heap.peek()!) < 0;
    case FairnessPolicyType.TokenFairness:
      return (a, b) => {
        const va = a.virtualTokens ?? 0;
        const vb = b.virtualTokens ?? 0;
        return va < vb || (va === vb && compareIds(a.key.fairnessId, b.key.fairnessId) < 0);
      };
    case FairnessPolicyType.RoundRobin:
      return (a, b) => compareIds(a.key.fairnessId, b.key.fairnessId) < 0;
  }
}

const CANDIDATE_SLOT: HeapSlot<FlowState> = {
  get: (flow) => flow.candidateIndex,
  set: (flow, index) => {
    flow.candidateIndex = index;
  },
};

/** Min-heap of a band's candidate flows; a flow's position lives in `candidateIndex` (−1 = in none). */
class FlowHeap extends IndexedHeap<FlowState> {
  constructor(less: Less) {
    super(less, CANDIDATE_SLOT);
  }
}
