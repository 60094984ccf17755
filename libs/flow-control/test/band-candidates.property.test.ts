import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BandCandidates } from '../src/memory/band-candidates.ts';
import { ItemHeap } from '../src/memory/item-heap.ts';
import type { BandState, FlowState, MemItem } from '../src/memory/state.ts';
import { pickFlow } from '../src/policies/fairness.ts';
import type { FairnessBandState } from '../src/policies/fairness.ts';
import { FairnessPolicyType } from '../src/types/policies.ts';
import type { FairnessPolicyConfig } from '../src/types/policies.ts';

/** A random step on the non-empty flows of one band. */
type Step =
  | { op: 'push'; flow: number; orderKey: number }
  | { op: 'pop'; flow: number }
  | { op: 'charge'; flow: number; tokens: number }
  | { op: 'pick' };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ op: fc.constant('push' as const), flow: fc.nat(9), orderKey: fc.nat(20) }),
  fc.record({ op: fc.constant('pop' as const), flow: fc.nat(9) }),
  fc.record({ op: fc.constant('charge' as const), flow: fc.nat(9), tokens: fc.integer({ min: -5, max: 30 }) }),
  fc.record({ op: fc.constant('pick' as const) }),
);

/** Runs the steps twice in lockstep: the indexed candidates, and pickFlow over a plain list. */
function comparePicks(policy: FairnessPolicyConfig, steps: readonly Step[]): void {
  const indexedState: FairnessBandState = { rrCursor: null, virtualFloor: 0 };
  const specState: FairnessBandState = { rrCursor: null, virtualFloor: 0 };
  const candidates = new BandCandidates(policy, indexedState);
  const band = {} as BandState;
  const flows: FlowState[] = Array.from({ length: 10 }, (_, i) => ({
    key: { fairnessId: `t${(i * 7) % 10}`, priority: 0 },
    band,
    heap: new ItemHeap<MemItem>(),
    bytes: 0,
    leases: 0,
    lastActiveMs: 0,
    virtualTokens: undefined,
    candidateIndex: -1,
  }));
  let seq = 0;
  for (const s of steps) {
    if (s.op === 'push') {
      const f = flows[s.flow]!;
      f.heap.push({ orderKey: s.orderKey, seq: ++seq, heapIndex: -1 } as MemItem);
      if (candidates.has(f)) candidates.update(f);
      else candidates.add(f);
    } else if (s.op === 'pop') {
      const f = flows[s.flow]!;
      const head = f.heap.peek();
      if (!head) continue;
      f.heap.remove(head);
      if (f.heap.size === 0) candidates.remove(f);
      else candidates.update(f);
    } else if (s.op === 'charge') {
      const f = flows[s.flow]!;
      f.virtualTokens = (f.virtualTokens ?? 0) + s.tokens;
      candidates.update(f);
    } else {
      const list = flows
        .filter((f) => f.heap.size > 0)
        .map((f) => ({ fairnessId: f.key.fairnessId, headOrderKey: f.heap.peek()!.orderKey, headSeq: f.heap.peek()!.seq, virtualTokens: f.virtualTokens ?? 0 }));
      const expected = pickFlow(policy, list, specState);
      expect(candidates.pick()?.key.fairnessId ?? null).toBe(expected);
      expect(indexedState).toEqual(specState);
    }
    expect(candidates.size).toBe(flows.filter((f) => f.heap.size > 0).length);
  }
}

describe('BandCandidates (O(log flows) picks) = pickFlow (the spec)', () => {
  for (const type of Object.values(FairnessPolicyType)) {
    it(type, () => {
      fc.assert(fc.property(fc.array(stepArb, { maxLength: 200 }), (steps) => comparePicks({ type } as FairnessPolicyConfig, steps)), { numRuns: 200 });
    });
  }
});
