import { describe, expect, it } from 'vitest';
import type { FlowStoreConfig } from '../types/config.ts';
import { DetectorType } from '../types/detector.ts';
import type { Harness } from './harness.ts';
import { OTHER, OWNER, leaseOf, testConfig } from './harness.ts';

type Open = (config?: FlowStoreConfig, endpoints?: number) => Promise<Harness>;

const wide = (): FlowStoreConfig =>
  testConfig({ detector: { type: DetectorType.Concurrency, mode: 'requests', maxConcurrency: 2, maxTokenConcurrency: 1e6 } });

/** Calls that save the router round trips: endpoint on admit, endpointLoad, deregister. */
export function routerCases(open: Open): void {
  describe('router conveniences', () => {
    it('admit with a pre-picked endpoint binds the fast-path lease in the same call; queued admits ignore it', async () => {
      const h = await open(wide(), 2);
      const r = await h.store.admit({
        requestId: 'r0',
        owner: OWNER,
        flow: { fairnessId: 'tenant-a', priority: 0 },
        bytes: 10,
        tokens: { uncachedPromptTokens: 7, expectedOutputTokens: 5 },
        endpoint: 'ep-1',
      });
      if (r.kind !== 'dispatched') throw new Error('expected dispatch');
      expect(r.lease.endpoint).toBe('ep-1');
      expect(await h.store.endpointLoad()).toEqual([
        { name: 'ep-0', inFlight: 0, inFlightTokens: 0 },
        { name: 'ep-1', inFlight: 1, inFlightTokens: 12 },
      ]);
      for (let i = 1; i < 5; i++) await h.admit(`r${i}`);
      const queued = await h.store.admit({
        requestId: 'late',
        owner: OWNER,
        flow: { fairnessId: 'tenant-a', priority: 0 },
        bytes: 10,
        tokens: { uncachedPromptTokens: 1, expectedOutputTokens: 1 },
        endpoint: 'ep-0',
      });
      expect(queued.kind).toBe('queued');
      expect((await h.store.endpointLoad()).map((e) => e.inFlight)).toEqual([0, 1]);
      await h.release(r.lease.leaseId);
      expect((await h.store.endpointLoad()).map((e) => e.inFlight)).toEqual([0, 0]);
    });

    it('every mutating call reports its store-clock time (storeNowMs)', async () => {
      const h = await open(wide(), 1);
      h.time.advance(1234.5);
      const now = h.time.nowMs();
      const a = await h.admit('a');
      const q = await h.admit('q', { ttlMs: 0 });
      await h.admit('q2', { ttlMs: 0 });
      const results = [
        a,
        q,
        await h.store.expire({ owner: OWNER, requestId: 'q' }),
        await h.store.cancel({ owner: OWNER, requestId: 'q' }),
        await h.store.release({ owner: OWNER, leaseId: leaseOf(a) }),
        await h.store.renew({ owner: OWNER, incarnation: '', leases: [], queued: [] }),
        await h.store.reap({ owner: OWNER }),
        await h.store.dispatch({ owner: OWNER }),
        await h.store.publishEndpoints({ owner: OWNER, snapshot: { endpoints: [{ name: 'ep-0' }] } }),
        await h.store.deregister({ owner: OTHER }),
      ];
      expect(results.map((r) => r.storeNowMs)).toEqual(results.map(() => now));
    });

    it('endpointLoad equals stats().endpoints (bound leases per snapshot endpoint)', async () => {
      const h = await open(wide(), 3);
      expect(await h.store.endpointLoad()).toEqual((await h.store.stats()).endpoints);
      const a = leaseOf(await h.admit('a', { prompt: 3, output: 4 }));
      const b = leaseOf(await h.admit('b', { owner: OTHER, prompt: 10, output: 0 }));
      await h.store.bindLease({ leaseId: a, endpoint: 'ep-2' });
      await h.store.bindLease({ leaseId: b, endpoint: 'ep-2' });
      const load = await h.store.endpointLoad();
      expect(load).toEqual([
        { name: 'ep-0', inFlight: 0, inFlightTokens: 0 },
        { name: 'ep-1', inFlight: 0, inFlightTokens: 0 },
        { name: 'ep-2', inFlight: 2, inFlightTokens: 17 },
      ]);
      expect(load).toEqual((await h.store.stats()).endpoints);
      const empty = await open(wide(), 0);
      expect(await empty.store.endpointLoad()).toEqual([]);
    });

    it('deregister removes the heartbeat and inbox at once; leftovers are freed as for a dead replica', async () => {
      const h = await open(testConfig({ replicaTtlMs: 15_000, leaseTtlMs: 60_000 }));
      const held = leaseOf(await h.admit('theirs', { owner: OTHER }));
      await h.admit('mine', { ttlMs: 0 });
      const leaving = await h.admit('leaving-q', { owner: OTHER, fairnessId: 'tenant-b', ttlMs: 0 });
      expect(leaving.kind).toBe('queued');
      await h.store.publishEndpoints({ owner: OWNER, snapshot: { endpoints: [{ name: 'ep-0' }] } }); // a notice-free no-op
      expect((await h.store.stats()).replicas.map((r) => r.id).sort()).toEqual([OWNER, OTHER].sort());
      await h.store.release({ owner: OTHER, leaseId: held }); // the owner releases first (graceful)
      const inbox = await h.store.takeInbox({ owner: OWNER });
      expect(h.dispatchedIds(inbox)).toEqual(['mine']);
      const r = await h.store.deregister({ owner: OTHER });
      expect([r.removedItems, r.releasedLeases]).toEqual([1, 0]);
      const st = await h.store.stats();
      expect(st.replicas.map((x) => x.id)).toEqual([OWNER]);
      expect([st.len, st.leases.count]).toEqual([0, 1]);
      expect(await h.store.takeInbox({ owner: OTHER })).toEqual([]);
      // Idempotent; leases still held at deregistration are freed and capacity dispatches the next.
      expect((await h.store.deregister({ owner: OTHER })).removedItems).toBe(0);
      await h.admit('after', { ttlMs: 0 });
      const gone = await h.store.deregister({ owner: OWNER });
      expect([gone.removedItems, gone.releasedLeases]).toEqual([1, 1]);
      expect((await h.store.stats()).leases.count).toBe(0);
    });
  });
}
