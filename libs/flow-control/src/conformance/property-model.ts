import fc from 'fast-check';
import type { FlowStore } from '../store/flow-store.ts';
import type { FlowStoreStats } from '../store/stats.ts';
import type { FlowStoreConfig } from '../types/config.ts';
import { DetectorType } from '../types/detector.ts';
import type { FlowNotice, LeaseRecord, QueuedRecord } from '../types/items.ts';
import { FairnessPolicyType, OrderingPolicyType, UsageLimitPolicyType } from '../types/policies.ts';
import { testConfig } from './harness.ts';

/** The two replicas the generated operations use. */
export const PROPERTY_OWNERS = ['replica-a', 'replica-b'] as const;

/** One generated store operation. Indices (`k`) select among live objects at run time, modulo their count. */
export type FlowOp =
  | {
      op: 'admit';
      owner: 0 | 1;
      fairnessId: string;
      priority: number;
      bytes: number;
      prompt: number;
      output: number;
      ttlMs: number | undefined;
      sloTtftMs: number | undefined;
    }
  | { op: 'release'; k: number; actualTokens: number | undefined }
  | { op: 'cancel'; k: number }
  | { op: 'expire'; k: number }
  | { op: 'advance'; ms: number }
  | { op: 'reap' }
  | { op: 'dispatch'; max: number }
  | { op: 'publish'; endpoints: { waiting: number; kv: number; ageMs: number }[] }
  | { op: 'bind'; k: number; endpoint: number }
  | { op: 'renew'; owner: 0 | 1 }
  | { op: 'provision'; priorities: number[] };

/** Random operations; admissions dominate so queues build up. */
export const flowOpArbitrary: fc.Arbitrary<FlowOp> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      op: fc.constant('admit' as const),
      owner: fc.constantFrom(0 as const, 1 as const),
      fairnessId: fc.constantFrom('tenant-a', 'tenant-b', 'tenant-c'),
      priority: fc.constantFrom(0, 0, 5, -1, 9),
      bytes: fc.integer({ min: 1, max: 400 }),
      prompt: fc.integer({ min: 0, max: 300 }),
      output: fc.integer({ min: 0, max: 100 }),
      ttlMs: fc.option(fc.constantFrom(0, 500, 2000, 8000), { nil: undefined }),
      sloTtftMs: fc.option(fc.integer({ min: -10, max: 3000 }), { nil: undefined }),
    }),
  },
  { weight: 5, arbitrary: fc.record({ op: fc.constant('release' as const), k: fc.nat(50), actualTokens: fc.option(fc.integer({ min: 0, max: 500 }), { nil: undefined }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('cancel' as const), k: fc.nat(50) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('expire' as const), k: fc.nat(50) }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('advance' as const), ms: fc.constantFrom(0, 1, 10, 150, 600, 2500, 9000, 20_000) }) },
  { weight: 1, arbitrary: fc.constant({ op: 'reap' as const }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('dispatch' as const), max: fc.integer({ min: 1, max: 4 }) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('publish' as const),
      endpoints: fc.array(fc.record({ waiting: fc.nat(8), kv: fc.constantFrom(0, 0.2, 0.5, 0.9), ageMs: fc.constantFrom(0, 50, 300) }), { maxLength: 3 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('bind' as const), k: fc.nat(50), endpoint: fc.nat(2) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('renew' as const), owner: fc.constantFrom(0 as const, 1 as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('provision' as const), priorities: fc.subarray([5, -1, 7]) }) },
);

/** Small limits and short timeouts so every code path (limits, TTL, GC, reaping) is reachable. */
export const flowConfigArbitrary: fc.Arbitrary<FlowStoreConfig> = fc
  .record({
    fairness: fc.constantFrom(FairnessPolicyType.GlobalStrict, FairnessPolicyType.RoundRobin, FairnessPolicyType.TokenFairness),
    ordering: fc.constantFrom(OrderingPolicyType.Fcfs, OrderingPolicyType.Edf, OrderingPolicyType.SloDeadline),
    holdback: fc.boolean(),
    detector: fc.constantFrom('requests', 'tokens', 'hybrid', 'utilization', 'utilization-credit'),
    maxConcurrency: fc.integer({ min: 1, max: 3 }),
    bandMaxRequests: fc.integer({ min: 1, max: 6 }),
    bandMaxBytes: fc.constantFrom(300, 1000, 100_000),
    globalMaxRequests: fc.constantFrom(0, 4, 8),
    batch: fc.integer({ min: 1, max: 4 }),
  })
  .map((p) => {
    const base = testConfig({
      maxRequests: p.globalMaxRequests,
      leaseTtlMs: 15_000,
      replicaTtlMs: 12_000,
      flowIdleTimeoutMs: 5_000,
      bandIdleTimeoutMs: 10_000,
      noEndpointRequestTtlMs: 4_000,
      dispatchBatchMax: p.batch,
      usageLimit: p.holdback
        ? { type: UsageLimitPolicyType.PriorityHoldback, minCeiling: 0.5, maxCeiling: 1, domain: 'rank' }
        : { type: UsageLimitPolicyType.Static, threshold: 1 },
      detector: p.detector.startsWith('utilization')
        ? { type: DetectorType.Utilization, queueDepthThreshold: 2, kvCacheUtilThreshold: 0.8, metricsStalenessThresholdMs: 200, inFlightCredit: p.detector === 'utilization-credit' }
        : { type: DetectorType.Concurrency, mode: p.detector as 'requests', maxConcurrency: p.maxConcurrency, maxTokenConcurrency: 300 },
    });
    const band = {
      ...base.defaultPriorityBand,
      maxRequests: p.bandMaxRequests,
      maxBytes: p.bandMaxBytes,
      fairness: p.fairness === FairnessPolicyType.TokenFairness ? { type: p.fairness, weights: { 'tenant-b': 2 } } : { type: p.fairness },
      ordering: { type: p.ordering },
    };
    return { ...base, defaultPriorityBand: band, defaultNegativePriorityBand: { ...band, maxRequests: 2 } };
  });

/** Result of running operations: one JSON line per step, plus the global dispatch order. */
export interface FlowTrace {
  /** Canonical, store-independent summary of every call's result and the stats after it. */
  readonly steps: string[];
  /** Request ids in dispatch order (fast path and notices). */
  readonly dispatchOrder: string[];
  /** Terminal outcome per request id ('dispatched', 'rejected-…', 'evicted-…', 'cancelled'). */
  readonly outcomes: Map<string, string>;
}

/**
 * Run `ops` against `store` (fresh, with a controllable clock moved by `advance`) and return the
 * trace. Two correct stores given the same config and ops return identical traces: compare
 * `JSON.stringify(trace.steps)`. Both owners' inboxes are drained after every step (part of the trace).
 */
export async function runFlowOps(store: FlowStore, advance: (ms: number) => void, ops: readonly FlowOp[]): Promise<FlowTrace> {
  const steps: string[] = [];
  const dispatchOrder: string[] = [];
  const outcomes = new Map<string, string>();
  const leases = new Map<string, LeaseRecord>();
  const queued = new Map<string, QueuedRecord>();
  const admitted: string[] = [];
  let incarnation = '';
  let nextId = 0;

  const noteAll = (notices: readonly FlowNotice[]): unknown[] =>
    notices.map((n) => {
      queued.delete(n.requestId);
      if (n.type === 'dispatched') {
        leases.set(n.lease.leaseId, n.lease);
        dispatchOrder.push(n.requestId);
        outcomes.set(n.requestId, 'dispatched');
        return ['d', n.requestId, n.queueWaitMs, n.lease.flow.priority];
      }
      outcomes.set(n.requestId, n.outcome);
      return ['e', n.requestId, n.outcome, n.queueWaitMs];
    });
  const pickSorted = <T>(keys: Iterable<T>, k: number): T | undefined => {
    const all = [...keys].sort();
    return all.length === 0 ? undefined : all[k % all.length];
  };

  for (const op of ops) {
    let summary: unknown;
    switch (op.op) {
      case 'admit': {
        const id = `req-${++nextId}`;
        admitted.push(id);
        const r = await store.admit({
          requestId: id,
          owner: PROPERTY_OWNERS[op.owner],
          flow: { fairnessId: op.fairnessId, priority: op.priority },
          bytes: op.bytes,
          tokens: { uncachedPromptTokens: op.prompt, expectedOutputTokens: op.output },
          ttlMs: op.ttlMs,
          sloTtftMs: op.sloTtftMs,
        });
        const own = noteAll(r.notices);
        if (r.kind === 'dispatched') {
          leases.set(r.lease.leaseId, r.lease);
          dispatchOrder.push(id);
          outcomes.set(id, 'dispatched');
          summary = ['admit', id, 'dispatched', r.queueWaitMs, r.flow, r.dispatchedCount, own];
        } else if (r.kind === 'queued') {
          queued.set(id, r.record);
          incarnation ||= r.incarnation;
          summary = ['admit', id, 'queued', r.record.orderKey, r.record.ttlMs, r.flow, r.dispatchedCount, own];
        } else {
          outcomes.set(id, r.outcome);
          summary = ['admit', id, r.outcome, r.retryAfterMs, r.flow, r.dispatchedCount, own];
        }
        break;
      }
      case 'release': {
        const id = pickSorted(leases.keys(), op.k);
        if (id === undefined) {
          summary = ['release', null];
          break;
        }
        const owner = leases.get(id)!.owner;
        leases.delete(id);
        const r = await store.release({ owner, leaseId: id, actualTokens: op.actualTokens });
        summary = ['release', id, r.released, r.dispatchedCount, noteAll(r.notices)];
        break;
      }
      case 'cancel':
      case 'expire': {
        const id = pickSorted(admitted, op.k);
        if (id === undefined) {
          summary = [op.op, null];
          break;
        }
        const owner = queued.get(id)?.owner ?? leases.get(id)?.owner ?? PROPERTY_OWNERS[0];
        if (op.op === 'cancel') {
          const r = await store.cancel({ owner, requestId: id });
          if (r.kind === 'removed') {
            queued.delete(id);
            outcomes.set(id, r.outcome);
          }
          if (r.kind === 'released') leases.delete(r.leaseId);
          summary = ['cancel', id, r.kind, r.kind === 'removed' ? r.queueWaitMs : null, r.dispatchedCount, noteAll(r.notices)];
        } else {
          const r = await store.expire({ owner, requestId: id });
          if (r.kind === 'evicted') {
            queued.delete(id);
            outcomes.set(id, r.outcome);
          }
          const detail = r.kind === 'evicted' ? r.outcome : r.kind === 'pending' ? r.remainingMs : null;
          summary = ['expire', id, r.kind, detail, r.dispatchedCount, noteAll(r.notices)];
        }
        break;
      }
      case 'advance':
        advance(op.ms);
        summary = ['advance', op.ms];
        break;
      case 'reap': {
        const r = await store.reap({ owner: PROPERTY_OWNERS[0] });
        summary = ['reap', [...r.deadReplicas].sort(), r.reapedLeases, r.evictedItems, r.removedFlows, r.removedBands, r.dispatchedCount, noteAll(r.notices)];
        break;
      }
      case 'dispatch': {
        const r = await store.dispatch({ owner: PROPERTY_OWNERS[0], max: op.max });
        summary = ['dispatch', r.dispatchedCount, noteAll(r.notices)];
        break;
      }
      case 'publish': {
        const snapshot = {
          endpoints: op.endpoints.map((e, i) => ({ name: `ep-${i}`, waitingQueueSize: e.waiting, kvCacheUsage: e.kv, metricsAgeMs: e.ageMs })),
        };
        const r = await store.publishEndpoints({ owner: PROPERTY_OWNERS[0], snapshot });
        summary = ['publish', op.endpoints.length, r.dispatchedCount, noteAll(r.notices)];
        break;
      }
      case 'bind': {
        const id = pickSorted(leases.keys(), op.k);
        summary = ['bind', id ?? null, id === undefined ? null : await store.bindLease({ leaseId: id, endpoint: `ep-${op.endpoint}` })];
        break;
      }
      case 'renew': {
        const owner = PROPERTY_OWNERS[op.owner];
        const r = await store.renew({
          owner,
          incarnation,
          leases: [...leases.values()].filter((l) => l.owner === owner),
          queued: [...queued.values()].filter((q) => q.owner === owner),
        });
        incarnation = r.incarnation;
        for (const id of r.lostLeases) leases.delete(id);
        summary = ['renew', owner, [...r.renewedLeases].sort(), [...r.lostLeases].sort(), r.recreatedItems.length, r.dispatchedCount, noteAll(r.notices)];
        break;
      }
      case 'provision':
        await store.provisionBands({ priorities: op.priorities });
        summary = ['provision', op.priorities];
        break;
    }
    const inboxes: unknown[] = [];
    for (const owner of PROPERTY_OWNERS) inboxes.push(noteAll(await store.takeInbox({ owner, max: 1000 })));
    steps.push(JSON.stringify([summary, inboxes, summarizeStats(await store.stats())]));
  }
  return { steps, dispatchOrder, outcomes };
}

/** Store-independent view of stats (rounded saturation, sorted flows, no incarnation). */
export function summarizeStats(s: FlowStoreStats): unknown {
  const round = (x: number): number => Math.round(x * 1e9) / 1e9;
  return {
    len: s.len,
    bytes: s.bytes,
    leases: s.leases,
    saturation: round(s.saturation),
    bands: s.bands.map((b) => [b.priority, b.len, b.bytes, round(b.ceiling)]),
    flows: s.flows
      .map((f) => [f.flow.priority, f.flow.fairnessId, f.len, f.bytes, f.leases] as const)
      .sort((a, b) => b[0] - a[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0)),
    endpoints: s.endpoints.map((e) => [e.name, e.inFlight, e.inFlightTokens]),
  };
}
