import { FakeClock } from '@sluice/testing';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DetectorType,
  FlowController,
  FlowOutcome,
  MemoryFlowStore,
  timeSourceOf,
} from '../src/index.ts';
import { conformanceTestConfig } from '@sluice/flow-control/conformance';
import type { FlowAdmission, FlowObserver, FlowRequest, FlowStoreConfig } from '../src/index.ts';

/** Let promise chains and in-process inbox deliveries settle. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

function request(id: string, over: Partial<FlowRequest> = {}): FlowRequest {
  return { requestId: id, flow: { fairnessId: 'tenant-a', priority: 0 }, bytes: 100, tokens: { uncachedPromptTokens: 10, expectedOutputTokens: 10 }, ...over };
}

interface Rig {
  clock: FakeClock;
  store: MemoryFlowStore;
  a: FlowController;
  b: FlowController;
  events: { finished: { outcome: string; queueWaitMs: number }[]; batches: number[]; reaps: number };
}

const running: FlowController[] = [];
afterEach(async () => {
  for (const c of running.splice(0)) await c.stop();
});

async function rig(config: FlowStoreConfig = conformanceTestConfig({ leaseTtlMs: 30_000, replicaTtlMs: 15_000 })): Promise<Rig> {
  const clock = new FakeClock(1_700_000_000_000);
  const store = new MemoryFlowStore({ config, time: timeSourceOf(clock) });
  const events: Rig['events'] = { finished: [], batches: [], reaps: 0 };
  const observer: FlowObserver = {
    onFinished: (e) => events.finished.push({ outcome: e.outcome, queueWaitMs: e.queueWaitMs }),
    onDispatchBatch: (n) => events.batches.push(n),
    onReap: () => events.reaps++,
  };
  const make = (id: string): FlowController =>
    new FlowController({ store, inbox: store.inboxReader(), replicaId: id, clock, observer, renewIntervalMs: 5000, safetyTickMs: 1000 });
  const a = make('replica-a');
  const b = make('replica-b');
  await a.start();
  await b.start();
  running.push(a, b);
  await store.publishEndpoints({ owner: 'replica-a', snapshot: { endpoints: [{ name: 'ep-0' }] } });
  return { clock, store, a, b, events };
}

function track(p: Promise<FlowAdmission>): { result: FlowAdmission | null } {
  const box: { result: FlowAdmission | null } = { result: null };
  void p.then((r) => (box.result = r));
  return box;
}

function leaseId(a: FlowAdmission | null): string {
  if (!a?.dispatched) throw new Error(`expected dispatched, got ${JSON.stringify(a)}`);
  return a.lease.leaseId;
}

describe('FlowController', () => {
  it('fast path resolves dispatched with queueWaitMs 0; release dispatches the next waiter', async () => {
    const { a, clock, events } = await rig();
    const first = await a.admit(request('r1'));
    expect(first.dispatched && first.queueWaitMs).toBe(0);
    const second = track(a.admit(request('r2')));
    await settle();
    expect(second.result).toBeNull();
    clock.advance(120);
    await a.release(leaseId(first));
    await settle();
    expect(second.result?.dispatched).toBe(true);
    expect(second.result?.queueWaitMs).toBe(120);
    // With a receipt time the wait counts from receipt (x-sluice-queue-wait-ms).
    const third = track(a.admit(request('r3', { receivedAtMs: clock.now() - 30 })));
    await settle();
    clock.advance(10);
    await a.release(leaseId(second.result));
    await settle();
    expect(third.result?.queueWaitMs).toBe(40);
    expect(events.batches).toEqual([1, 1, 1]);
    expect(a.counts()).toEqual({ waiting: 0, leases: 1 });
  });

  it('a request queued on replica B is dispatched by a release on replica A (through B\'s inbox)', async () => {
    const { a, b } = await rig();
    const held = await a.admit(request('r1'));
    const waiting = track(b.admit(request('r2', { flow: { fairnessId: 'tenant-b', priority: 0 } })));
    await settle();
    await a.release(leaseId(held));
    await settle();
    expect(waiting.result?.dispatched).toBe(true);
    expect(b.counts().leases).toBe(1);
  });

  it('per-item TTL timers fire exactly at the TTL, not on a sweep', async () => {
    const { a, clock, events } = await rig();
    await a.admit(request('r1'));
    const waiting = track(a.admit(request('r2', { ttlMs: 1500 })));
    await settle();
    clock.advance(1499);
    await settle();
    expect(waiting.result).toBeNull();
    clock.advance(1);
    await settle();
    expect(waiting.result).toMatchObject({ dispatched: false, outcome: FlowOutcome.EvictedTtl, queueWaitMs: 1500 });
    expect(events.finished.map((e) => e.outcome)).toEqual([FlowOutcome.Dispatched, FlowOutcome.EvictedTtl]);
  });

  it('abort while queued removes the item: evicted-context-cancelled', async () => {
    const { a, store } = await rig();
    await a.admit(request('r1'));
    const ac = new AbortController();
    const waiting = track(a.admit(request('r2'), ac.signal));
    await settle();
    ac.abort();
    await settle();
    expect(waiting.result).toMatchObject({ dispatched: false, outcome: FlowOutcome.EvictedContextCancelled });
    expect((await store.stats()).len).toBe(0);
  });

  it('abort right after another replica dispatched the item releases that lease', async () => {
    const { a, b, store } = await rig();
    const held = await a.admit(request('r1'));
    const ac = new AbortController();
    const waiting = track(b.admit(request('r2'), ac.signal));
    await settle();
    const releasing = a.release(leaseId(held)); // dispatches r2 for B; the notice is still in flight
    ac.abort();
    await releasing;
    await settle();
    expect(waiting.result).toMatchObject({ dispatched: false, outcome: FlowOutcome.EvictedContextCancelled });
    expect((await store.stats()).leases.count).toBe(0);
  });

  it('an already aborted signal never reaches the store', async () => {
    const { a, store } = await rig();
    const ac = new AbortController();
    ac.abort();
    expect(await a.admit(request('r1'), ac.signal)).toMatchObject({ outcome: FlowOutcome.EvictedContextCancelled });
    expect((await store.stats()).leases.count).toBe(0);
  });

  it('one batched renew per interval keeps leases and the heartbeat alive past their TTLs', async () => {
    const { a, b, clock, store, events } = await rig();
    await a.admit(request('r1'));
    await b.stop(); // B stops renewing: it is reaped once its heartbeat expires
    for (let i = 0; i < 60; i++) {
      clock.advance(1000);
      await settle();
    }
    const st = await store.stats();
    expect(st.leases.count).toBe(1);
    expect(st.replicas.map((r) => r.id)).toEqual(['replica-a']);
    expect(events.reaps).toBeGreaterThanOrEqual(50);
  });

  it('re-creates its leases and queued items after the store lost its state', async () => {
    const { a, clock, store } = await rig();
    const held = await a.admit(request('r1'));
    const waiting = track(a.admit(request('r2', { ttlMs: 0 })));
    await settle();
    store.resetState();
    clock.advance(5000); // renew: incarnation mismatch → re-create
    await settle();
    await store.publishEndpoints({ owner: 'replica-a', snapshot: { endpoints: [{ name: 'ep-0' }] } });
    const st = await store.stats();
    expect([st.len, st.leases.count]).toEqual([1, 1]);
    await a.release(leaseId(held));
    await settle();
    expect(waiting.result?.dispatched).toBe(true);
  });

  it('stop resolves waiting requests evicted-other and removes them from the store', async () => {
    const { a, store } = await rig();
    await a.admit(request('r1'));
    const waiting = track(a.admit(request('r2')));
    await settle();
    await a.stop();
    await settle();
    expect(waiting.result).toMatchObject({ dispatched: false, outcome: FlowOutcome.EvictedOther });
    expect((await store.stats()).len).toBe(0);
    expect(await a.admit(request('r3'))).toMatchObject({ outcome: FlowOutcome.RejectedOther });
  });

  it('rejections carry the outcome and a Retry-After', async () => {
    const base = conformanceTestConfig();
    const { a } = await rig({ ...base, defaultPriorityBand: { ...base.defaultPriorityBand, maxRequests: 1 } });
    await a.admit(request('r1'));
    void a.admit(request('r2'));
    await settle();
    const r = await a.admit(request('r3'));
    expect(r).toMatchObject({ dispatched: false, outcome: FlowOutcome.RejectedCapacity });
    expect(!r.dispatched && r.retryAfterMs).toBeGreaterThanOrEqual(1000);
  });

  it('bindLease feeds per-endpoint in-flight counts', async () => {
    const { a, store } = await rig(conformanceTestConfig({ detector: { type: DetectorType.Concurrency, mode: 'hybrid', maxConcurrency: 4, maxTokenConcurrency: 1000 } }));
    const r = await a.admit(request('r1'));
    await a.bindLease(leaseId(r), 'ep-0');
    expect((await store.stats()).endpoints).toEqual([{ name: 'ep-0', inFlight: 1, inFlightTokens: 20 }]);
  });
});

describe('FlowController recovery', () => {
  it('a queued request without TTL ends evicted-other when the store dropped it (replica reaped as dead)', async () => {
    const { b, clock, store } = await rig();
    // Replica C renews far too rarely (60 s > replicaTtl 15 s), like a stalled process.
    const c = new FlowController({ store, inbox: store.inboxReader(), replicaId: 'replica-c', clock, renewIntervalMs: 60_000, safetyTickMs: 120_000 });
    running.push(c);
    await c.start();
    await b.admit(request('hold'));
    const waiting = track(c.admit(request('r1', { ttlMs: 0 })));
    await settle();
    for (let i = 0; i < 20; i++) {
      clock.advance(1000); // B's safety tick reaps C once its heartbeat expired
      await settle();
    }
    expect((await store.stats()).len).toBe(0);
    expect(waiting.result).toBeNull();
    clock.advance(40_000); // C's renew learns its item is gone
    await settle();
    expect(waiting.result).toMatchObject({ dispatched: false, outcome: FlowOutcome.EvictedOther });
  });

  it('observer sees reaps with removed flows and stats snapshots', async () => {
    const clock = new FakeClock(1_700_000_000_000);
    const store = new MemoryFlowStore({ config: conformanceTestConfig({ flowIdleTimeoutMs: 2000 }), time: timeSourceOf(clock) });
    const removed: string[] = [];
    const lens: number[] = [];
    const c = new FlowController({
      store,
      inbox: store.inboxReader(),
      replicaId: 'replica-a',
      clock,
      observer: { onReap: (r) => removed.push(...r.removedFlows.map((f) => f.fairnessId)), onStats: (s) => lens.push(s.leases.count) },
    });
    running.push(c);
    await c.start();
    await store.publishEndpoints({ owner: 'replica-a', snapshot: { endpoints: [{ name: 'ep-0' }] } });
    const r = await c.admit(request('r1', { flow: { fairnessId: 'short-lived', priority: 0 } }));
    clock.advance(1000);
    await settle();
    await c.release(leaseId(r));
    for (let i = 0; i < 3; i++) {
      clock.advance(1000);
      await settle();
    }
    expect(removed).toEqual(['short-lived']);
    expect(lens[0]).toBe(1);
    expect(lens.at(-1)).toBe(0);
  });
});

/** A real MemoryFlowStore that runs a hook between the renew call and its execution (a slow network). */
class SlowRenewStore extends MemoryFlowStore {
  beforeRenew: (() => Promise<void>) | null = null;
  readonly renewQueuedSizes: number[] = [];

  override async renew(req: Parameters<MemoryFlowStore['renew']>[0]): ReturnType<MemoryFlowStore['renew']> {
    this.renewQueuedSizes.push(req.queued.length);
    const hook = this.beforeRenew;
    this.beforeRenew = null;
    if (hook) await hook();
    return super.renew(req);
  }
}

describe('FlowController renew races and payload', () => {
  async function slowRig(maxConcurrency: number, fullRenewEvery?: number): Promise<{ clock: FakeClock; store: SlowRenewStore; a: FlowController }> {
    const clock = new FakeClock(1_700_000_000_000);
    const config = conformanceTestConfig({
      leaseTtlMs: 30_000,
      replicaTtlMs: 15_000,
      detector: { type: DetectorType.Concurrency, mode: 'requests', maxConcurrency, maxTokenConcurrency: 1e6 },
    });
    const store = new SlowRenewStore({ config, time: timeSourceOf(clock) });
    const a = new FlowController({ store, inbox: store.inboxReader(), replicaId: 'replica-a', clock, renewIntervalMs: 5000, safetyTickMs: 60_000, fullRenewEvery });
    running.push(a);
    await a.start();
    await a.publishEndpoints({ endpoints: [{ name: 'ep-0' }] });
    return { clock, store, a };
  }

  for (const regrant of [false, true]) {
    it(`a dispatch notice that lands while a stale renew re-creates state converges to exactly the held lease (${regrant ? 'ghost re-dispatched' : 'ghost still queued'})`, async () => {
      const { clock, store, a } = await slowRig(1, 1);
      const first = await a.admit(request('r1'));
      const x = track(a.admit(request('x', { ttlMs: 0 })));
      await settle();
      // The renew snapshot (leases [r1], queued [x]) is taken; before it reaches the store, r1 is
      // released (x is dispatched and held) and the store loses its state.
      store.beforeRenew = async () => {
        await a.release(leaseId(first));
        store.resetState();
        // With endpoints back, the stale renew's own dispatch cycle leases x a second time.
        if (regrant) await store.publishEndpoints({ owner: 'publisher', snapshot: { endpoints: [{ name: 'ep-0' }, { name: 'ep-1' }] } });
      };
      clock.advance(5000);
      await settle();
      expect(x.result?.dispatched).toBe(true);
      const st = await store.stats();
      expect([st.len, st.leases.count]).toEqual([0, 1]); // x's lease only: no ghost item, no ghost r1
      expect(a.counts()).toEqual({ waiting: 0, leases: 1 });
      await a.release(leaseId(x.result));
      expect((await store.stats()).leases.count).toBe(0);
    });
  }

  it('renews list queued records only every fullRenewEvery-th time, or at once after state loss', async () => {
    const { clock, store, a } = await slowRig(1, 3);
    await a.admit(request('r1'));
    const waiting = [track(a.admit(request('q1', { ttlMs: 0 }))), track(a.admit(request('q2', { ttlMs: 0 })))];
    await settle();
    store.renewQueuedSizes.length = 0;
    for (let i = 0; i < 6; i++) {
      clock.advance(5000);
      await settle();
    }
    expect(store.renewQueuedSizes).toEqual([0, 0, 2, 0, 0, 2]);
    store.renewQueuedSizes.length = 0;
    store.resetState();
    clock.advance(5000); // lean renew sees a new incarnation → full renew at once re-creates q1, q2
    await settle();
    expect(store.renewQueuedSizes).toEqual([0, 2]);
    expect((await store.stats()).len).toBe(2);
    expect(waiting.every((w) => w.result === null)).toBe(true);
  });
});

describe('FlowController router conveniences', () => {
  it('admit with an endpoint binds on the fast path; deregister after stop removes the replica at once', async () => {
    const { a, b, store } = await rig(conformanceTestConfig({ detector: { type: DetectorType.Concurrency, mode: 'requests', maxConcurrency: 2, maxTokenConcurrency: 1e6 } }));
    const r = await a.admit(request('r1', { endpoint: 'ep-0' }));
    expect(r.dispatched && r.lease.endpoint).toBe('ep-0');
    expect(await store.endpointLoad()).toEqual([{ name: 'ep-0', inFlight: 1, inFlightTokens: 20 }]);
    await a.release(leaseId(r));
    await b.stop();
    expect((await store.stats()).replicas.map((x) => x.id).sort()).toEqual(['replica-a', 'replica-b']);
    await b.deregister();
    expect((await store.stats()).replicas.map((x) => x.id)).toEqual(['replica-a']);
  });
});
