import type { FlowStore, FlowStoreConfig, FlowNotice, LeaseRecord, QueuedRecord } from '@sluice/flow-control';
import { DetectorType, FairnessPolicyType, OrderingPolicyType, UsageLimitPolicyType } from '@sluice/flow-control';
import { conformanceTestConfig } from '@sluice/flow-control/conformance';
import fc from 'fast-check';

export const OWNERS = ['replica-a', 'replica-b'] as const;
const FIDS = ['x', 'y', 'z'];
/** 7 is never provisioned statically: it exercises the band-0 fallback and dynamic bands. */
const PRIORITIES = [-1, 0, 5, 7];

/** One operation of a random sequence; ids index into the requests admitted so far. */
export type Op =
  | { op: 'admit'; owner: number; fid: number; prio: number; bytes: number; prompt: number; output: number; ttl?: number; slo?: number; ago?: number; ep?: number }
  | { op: 'release'; pick: number; actual?: number }
  | { op: 'cancel'; pick: number }
  | { op: 'expire'; pick: number }
  | { op: 'advance'; ms: number }
  | { op: 'endpoints'; n: number; waiting: number; kv: number; age: number }
  | { op: 'bind'; pick: number; ep: number }
  | { op: 'reap' }
  | { op: 'dispatch'; max: number }
  | { op: 'renew'; owner: number }
  | { op: 'provision'; prios: number[] }
  | { op: 'stats' }
  | { op: 'inbox'; owner: number }
  | { op: 'deregister'; owner: number }
  | { op: 'load' };

const admitOp = fc.record(
  {
    op: fc.constant('admit' as const),
    owner: fc.nat(1),
    fid: fc.nat(2),
    prio: fc.nat(3),
    bytes: fc.integer({ min: 1, max: 400 }),
    prompt: fc.integer({ min: 0, max: 50 }),
    output: fc.integer({ min: 0, max: 50 }),
    ttl: fc.constantFrom(0, 500, 3000),
    slo: fc.integer({ min: 0, max: 5000 }),
    ago: fc.integer({ min: 0, max: 100 }),
    ep: fc.nat(2),
  },
  { requiredKeys: ['op', 'owner', 'fid', 'prio', 'bytes', 'prompt', 'output'] },
);

export const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: admitOp },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('release' as const), pick: fc.nat(40), actual: fc.option(fc.integer({ min: 0, max: 120 }), { nil: undefined }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('cancel' as const), pick: fc.nat(40) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('expire' as const), pick: fc.nat(40) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('advance' as const), ms: fc.oneof(fc.integer({ min: 0, max: 2000 }), fc.constant(20_000), fc.double({ min: 0, max: 50, noNaN: true })) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('endpoints' as const), n: fc.nat(3), waiting: fc.nat(8), kv: fc.double({ min: 0, max: 1, noNaN: true }), age: fc.nat(300) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('bind' as const), pick: fc.nat(40), ep: fc.nat(2) }) },
  { weight: 1, arbitrary: fc.constant({ op: 'reap' as const }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('dispatch' as const), max: fc.integer({ min: 1, max: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('renew' as const), owner: fc.nat(1) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('provision' as const), prios: fc.subarray([7, 9, -3]) }) },
  { weight: 1, arbitrary: fc.constant({ op: 'stats' as const }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('inbox' as const), owner: fc.nat(1) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('deregister' as const), owner: fc.nat(1) }) },
  { weight: 1, arbitrary: fc.constant({ op: 'load' as const }) },
);

/**
 * Contended mix: one endpoint publishes first, then mostly admits and releases, so queues build up
 * and fairness/ordering decide every dispatch.
 */
export const contendedOpsArb: fc.Arbitrary<Op[]> = fc
  .array(
    fc.oneof(
      { weight: 5, arbitrary: admitOp },
      { weight: 4, arbitrary: fc.record({ op: fc.constant('release' as const), pick: fc.nat(40), actual: fc.option(fc.integer({ min: 0, max: 120 }), { nil: undefined }) }) },
      { weight: 1, arbitrary: fc.record({ op: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 300 }) }) },
      { weight: 1, arbitrary: fc.record({ op: fc.constant('cancel' as const), pick: fc.nat(40) }) },
    ),
    { minLength: 10, maxLength: 80 },
  )
  .map((ops) => [{ op: 'endpoints' as const, n: 1, waiting: 0, kv: 0, age: 0 }, ...ops]);

/** A small but policy-rich config space. Limits are tight so capacity rejections happen. */
export const configArb: fc.Arbitrary<FlowStoreConfig> = fc
  .record({
    fairness: fc.constantFrom(FairnessPolicyType.GlobalStrict, FairnessPolicyType.RoundRobin, FairnessPolicyType.TokenFairness),
    ordering: fc.constantFrom(OrderingPolicyType.Fcfs, OrderingPolicyType.Edf, OrderingPolicyType.SloDeadline),
    detector: fc.constantFrom('requests', 'tokens', 'hybrid', 'utilization'),
    holdback: fc.boolean(),
    bandMax: fc.integer({ min: 2, max: 8 }),
    globalMax: fc.constantFrom(0, 6),
    lease: fc.constantFrom(1500, 30_000),
    replica: fc.constantFrom(2500, 15_000),
    batch: fc.integer({ min: 1, max: 3 }),
  })
  .map((c) => {
    const fairness =
      c.fairness === FairnessPolicyType.TokenFairness
        ? { type: c.fairness, weights: { x: 2, y: 0.5 }, defaultWeight: 1 }
        : { type: c.fairness };
    const band = { maxBytes: 1500, maxRequests: c.bandMax, fairness, ordering: { type: c.ordering }, requestTtlMs: 2000 };
    return conformanceTestConfig({
      maxRequests: c.globalMax,
      noEndpointRequestTtlMs: 1000,
      priorityBands: [
        { priority: 5, ...band },
        { priority: -1, ...band, fairness: { type: FairnessPolicyType.RoundRobin } },
      ],
      defaultPriorityBand: band,
      usageLimit: c.holdback
        ? { type: UsageLimitPolicyType.PriorityHoldback, minCeiling: 0.3, maxCeiling: 1, domain: 'rank' }
        : { type: UsageLimitPolicyType.Static, threshold: 1 },
      detector:
        c.detector === 'utilization'
          ? { type: DetectorType.Utilization, queueDepthThreshold: 4, kvCacheUtilThreshold: 0.8, metricsStalenessThresholdMs: 200, inFlightCredit: true }
          : { type: DetectorType.Concurrency, mode: c.detector as 'requests' | 'tokens' | 'hybrid', maxConcurrency: 2, maxTokenConcurrency: 60 },
      leaseTtlMs: c.lease,
      replicaTtlMs: c.replica,
      flowIdleTimeoutMs: 3000,
      bandIdleTimeoutMs: 6000,
      dispatchBatchMax: c.batch,
    });
  });

/** What one replica remembers about its requests (to call renew/release the way a controller would). */
class OwnerView {
  incarnation = '';
  readonly leases = new Map<string, LeaseRecord>();
  readonly queued = new Map<string, QueuedRecord>();

  absorb(notices: readonly FlowNotice[]): void {
    for (const n of notices) {
      this.queued.delete(n.requestId);
      if (n.type === 'dispatched') this.leases.set(n.lease.leaseId, n.lease);
    }
  }
}

/**
 * Drives one store through a sequence and returns a normalised transcript of every result, so two
 * stores can be compared with toEqual. Incarnation strings are store-specific and are replaced by
 * whether they changed; unordered collections are sorted.
 */
export class Driver {
  readonly views = OWNERS.map(() => new OwnerView());
  readonly admitted: string[] = [];
  readonly transcript: unknown[] = [];
  #seq = 0;

  constructor(
    readonly store: FlowStore,
    readonly advance: (ms: number) => void,
  ) {}

  async run(op: Op): Promise<void> {
    this.transcript.push(op.op, await this.#step(op));
  }

  #pick(i: number): string | undefined {
    return this.admitted.length === 0 ? undefined : this.admitted[i % this.admitted.length];
  }

  /** Mostly a lease some owner holds (as a controller would release), sometimes any known id. */
  #pickLease(i: number): string | undefined {
    const held = this.views.flatMap((v) => [...v.leases.keys()]);
    if (held.length > 0 && i % 5 !== 0) return held[i % held.length];
    return this.#pick(i);
  }

  #owned(id: string): number {
    return this.views.findIndex((v) => v.leases.has(id) || v.queued.has(id));
  }

  #deliver(owner: number, notices: readonly FlowNotice[]): void {
    this.views[owner]?.absorb(notices);
  }

  async #step(op: Op): Promise<unknown> {
    const s = this.store;
    switch (op.op) {
      case 'admit': {
        const id = `r${++this.#seq}`;
        this.admitted.push(id);
        const owner = OWNERS[op.owner]!;
        const r = await s.admit({
          requestId: id,
          owner,
          flow: { fairnessId: FIDS[op.fid]!, priority: PRIORITIES[op.prio]! },
          bytes: op.bytes,
          tokens: { uncachedPromptTokens: op.prompt, expectedOutputTokens: op.output },
          ttlMs: op.ttl,
          sloTtftMs: op.slo,
          receivedAgoMs: op.ago,
          endpoint: op.ep === undefined ? undefined : `ep-${op.ep}`,
        });
        const view = this.views[op.owner]!;
        view.absorb(r.notices);
        if (r.kind === 'dispatched') view.leases.set(r.lease.leaseId, r.lease);
        if (r.kind === 'queued') {
          view.queued.set(id, r.record);
          view.incarnation = r.incarnation;
        }
        return r.kind === 'queued' ? { ...r, incarnation: '<inc>' } : r;
      }
      case 'release': {
        const id = this.#pickLease(op.pick);
        if (id === undefined) return null;
        const owner = Math.max(0, this.#owned(id));
        const r = await s.release({ owner: OWNERS[owner]!, leaseId: id, actualTokens: op.actual });
        this.views[owner]!.leases.delete(id);
        this.#deliver(owner, r.notices);
        return r;
      }
      case 'cancel':
      case 'expire': {
        const id = this.#pick(op.pick);
        if (id === undefined) return null;
        const owner = Math.max(0, this.#owned(id));
        const r = op.op === 'cancel' ? await s.cancel({ owner: OWNERS[owner]!, requestId: id }) : await s.expire({ owner: OWNERS[owner]!, requestId: id });
        if (r.kind === 'removed' || r.kind === 'released' || r.kind === 'evicted') {
          this.views[owner]!.queued.delete(id);
          this.views[owner]!.leases.delete(id);
        }
        this.#deliver(owner, r.notices);
        return r;
      }
      case 'advance':
        this.advance(op.ms);
        return op.ms;
      case 'endpoints': {
        const endpoints = Array.from({ length: op.n }, (_, i) => ({ name: `ep-${i}`, waitingQueueSize: op.waiting + i, kvCacheUsage: op.kv, metricsAgeMs: op.age }));
        const r = await s.publishEndpoints({ owner: OWNERS[0], snapshot: { endpoints } });
        this.#deliver(0, r.notices);
        return r;
      }
      case 'bind': {
        const id = this.#pick(op.pick);
        return id === undefined ? null : s.bindLease({ leaseId: id, endpoint: `ep-${op.ep}` });
      }
      case 'reap': {
        const r = await s.reap({ owner: OWNERS[0] });
        this.#deliver(0, r.notices);
        return r; // deadReplicas: sorted by contract
      }
      case 'dispatch': {
        const r = await s.dispatch({ owner: OWNERS[1], max: op.max });
        this.#deliver(1, r.notices);
        return r;
      }
      case 'renew': {
        const view = this.views[op.owner]!;
        const r = await s.renew({ owner: OWNERS[op.owner]!, incarnation: view.incarnation, leases: [...view.leases.values()], queued: [...view.queued.values()] });
        for (const id of r.lostLeases) view.leases.delete(id);
        const changed = r.incarnation !== view.incarnation;
        view.incarnation = r.incarnation;
        this.#deliver(op.owner, r.notices);
        return { ...r, incarnation: changed ? '<changed>' : '<same>' };
      }
      case 'provision':
        await s.provisionBands({ priorities: op.prios });
        return op.prios;
      case 'stats': {
        const st = await s.stats();
        return {
          ...st,
          incarnation: '<inc>',
          flows: [...st.flows].sort((a, b) => b.flow.priority - a.flow.priority || (a.flow.fairnessId < b.flow.fairnessId ? -1 : 1)),
          replicas: [...st.replicas].sort((a, b) => (a.id < b.id ? -1 : 1)),
        };
      }
      case 'deregister': {
        const r = await s.deregister({ owner: OWNERS[op.owner]! });
        const view = this.views[op.owner]!;
        view.leases.clear();
        view.queued.clear();
        this.#deliver(op.owner, r.notices);
        return r;
      }
      case 'load':
        return s.endpointLoad();
      case 'inbox': {
        const notices = await s.takeInbox({ owner: OWNERS[op.owner]!, max: 100 });
        this.#deliver(op.owner, notices);
        return notices;
      }
    }
  }
}
