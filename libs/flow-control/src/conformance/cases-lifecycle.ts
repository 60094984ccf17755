import { describe, expect, it } from 'vitest';
import type { FlowStoreConfig } from '../types/config.ts';
import { DetectorType } from '../types/detector.ts';
import type { FlowNotice, LeaseRecord, QueuedRecord } from '../types/items.ts';
import type { Harness } from './harness.ts';
import { OTHER, OWNER, drainOneByOne, leaseOf, testConfig } from './harness.ts';

type Open = (config?: FlowStoreConfig, endpoints?: number) => Promise<Harness>;

/** Leases, heartbeats, reaping, state-loss recovery, GC, batching, inbox, stats. */
export function lifecycleCases(open: Open): void {
  describe('leases and replicas', () => {
    it('an unrenewed lease expires at leaseTtlMs and reap frees its capacity', async () => {
      const h = await open(testConfig({ leaseTtlMs: 30_000, replicaTtlMs: 120_000 }));
      leaseOf(await h.admit('r0'));
      await h.admit('r1', { ttlMs: 0 });
      h.time.advance(29_999);
      expect((await h.store.reap({ owner: OWNER })).reapedLeases).toBe(0);
      h.time.advance(1);
      const r = await h.store.reap({ owner: OWNER });
      expect(r.reapedLeases).toBe(1);
      expect(h.dispatchedIds(r.notices)).toEqual(['r1']);
    });

    it('renew extends leases and the heartbeat; unknown leases are reported lost', async () => {
      const h = await open(testConfig({ leaseTtlMs: 30_000, replicaTtlMs: 15_000 }));
      const a = await h.admit('r0');
      if (a.kind !== 'dispatched') throw new Error('expected dispatch');
      const q = await h.admit('r1', { ttlMs: 0 });
      if (q.kind !== 'queued') throw new Error('expected queued');
      const ghost: LeaseRecord = { ...a.lease, leaseId: 'ghost', requestId: 'ghost' };
      for (let i = 0; i < 5; i++) {
        h.time.advance(10_000);
        const r = await h.store.renew({ owner: OWNER, incarnation: q.incarnation, leases: [a.lease, ghost], queued: [q.record] });
        expect(r.renewedLeases).toEqual(['r0']);
        expect(r.lostLeases).toEqual(['ghost']);
        expect(r.recreatedItems).toEqual([]);
        expect(r.incarnation).toBe(q.incarnation);
      }
      const reap = await h.store.reap({ owner: OWNER });
      expect([reap.reapedLeases, reap.deadReplicas.length]).toEqual([0, 0]);
      expect((await h.store.stats()).replicas.map((r) => r.id)).toEqual([OWNER]);
    });

    it('a dead replica is reaped: its leases freed, its queued items dropped, its inbox deleted', async () => {
      const h = await open(testConfig({ replicaTtlMs: 15_000, leaseTtlMs: 60_000 }));
      leaseOf(await h.admit('theirs0', { owner: OTHER }));
      await h.admit('theirs1', { owner: OTHER });
      await h.admit('mine1', { ttlMs: 0 });
      h.time.advance(10_000);
      await h.store.renew({ owner: OWNER, incarnation: '', leases: [], queued: [] });
      h.time.advance(5_000);
      const r = await h.store.reap({ owner: OWNER });
      expect(r.deadReplicas).toEqual([OTHER]);
      expect(r.reapedLeases).toBe(1);
      expect(r.evictedItems).toBe(1);
      expect(h.dispatchedIds(r.notices)).toEqual(['mine1']);
      expect(await h.store.takeInbox({ owner: OTHER })).toEqual([]);
      const st = await h.store.stats();
      expect([st.len, st.leases.count]).toEqual([0, 1]);
    });
  });

  describe('lost items', () => {
    it('renew reports queued items the store no longer has (lostItems), e.g. after being reaped as dead', async () => {
      const h = await open(testConfig({ replicaTtlMs: 15_000, leaseTtlMs: 60_000 }));
      const hold = await h.admit('hold', { owner: OTHER });
      if (hold.kind !== 'dispatched') throw new Error('expected dispatch');
      const q = await h.admit('q1', { ttlMs: 0 });
      if (q.kind !== 'queued') throw new Error('expected queued');
      h.time.advance(15_000);
      await h.store.renew({ owner: OTHER, incarnation: q.incarnation, leases: [hold.lease], queued: [] });
      expect((await h.store.reap({ owner: OTHER })).deadReplicas).toEqual([OWNER]);
      const r = await h.store.renew({ owner: OWNER, incarnation: q.incarnation, leases: [], queued: [q.record] });
      expect(r.recreatedItems).toEqual([]);
      expect(r.lostItems).toEqual(['q1']);
      expect(r.heartbeatWasMissing).toBe(true);
      const again = await h.store.renew({ owner: OWNER, incarnation: q.incarnation, leases: [], queued: [] });
      expect(again.heartbeatWasMissing).toBe(false);
    });
  });

  describe('state loss', () => {
    it('renew with a stale incarnation re-creates leases and queued items in their original order', async (ctx) => {
      const h = await open();
      if (!h.handle.loseState) return ctx.skip();
      const a = await h.admit('r0');
      if (a.kind !== 'dispatched') throw new Error('expected dispatch');
      const records: QueuedRecord[] = [];
      let incarnation = '';
      for (const id of ['q1', 'q2', 'q3']) {
        h.time.advance(1);
        const q = await h.admit(id, { fairnessId: id === 'q2' ? 'tenant-b' : 'tenant-a', ttlMs: 0 });
        if (q.kind !== 'queued') throw new Error('expected queued');
        records.push(q.record);
        incarnation = q.incarnation;
      }
      await h.handle.loseState();
      const r = await h.store.renew({ owner: OWNER, incarnation, leases: [a.lease], queued: [...records].reverse() });
      expect(r.incarnation).not.toBe(incarnation);
      expect(r.recreatedLeases).toEqual(['r0']);
      expect([...r.recreatedItems].sort()).toEqual(['q1', 'q2', 'q3']);
      await h.endpoints(1);
      h.time.advance(1);
      await h.admit('q4');
      expect((await h.store.stats()).len).toBe(4);
      expect(await drainOneByOne(h, 'r0')).toEqual(['q1', 'q2', 'q3', 'q4']);
      const again = await h.store.renew({ owner: OWNER, incarnation: r.incarnation, leases: [], queued: records });
      expect(again.recreatedItems).toEqual([]);
    });
  });

  describe('stale re-creation', () => {
    it('a listed lease whose request is queued again (stale renew snapshot) becomes a lease; its item goes', async (ctx) => {
      const h = await open();
      if (!h.handle.loseState) return ctx.skip();
      const hold = leaseOf(await h.admit('hold'));
      const q = await h.admit('x', { ttlMs: 0 });
      if (q.kind !== 'queued') throw new Error('expected queued');
      const notices = await h.release(hold);
      const dispatched = notices.find((n) => n.type === 'dispatched' && n.requestId === 'x');
      if (dispatched?.type !== 'dispatched') throw new Error('expected x dispatched');
      await h.handle.loseState();
      // A renew snapshot taken before the notice arrived: x is re-created as queued.
      const stale = await h.store.renew({ owner: OWNER, incarnation: q.incarnation, leases: [], queued: [q.record] });
      expect(stale.recreatedItems).toEqual(['x']);
      // The next renew lists the lease the owner now holds: the queued twin turns back into it.
      const fixed = await h.store.renew({ owner: OWNER, incarnation: stale.incarnation, leases: [dispatched.lease], queued: [] });
      expect([fixed.recreatedLeases, fixed.lostLeases]).toEqual([['x'], []]);
      let st = await h.store.stats();
      expect([st.len, st.leases.count]).toEqual([0, 1]);
      // Lease and queued record in the same call: the lease wins, the item is not re-enqueued.
      await h.handle.loseState();
      const both = await h.store.renew({ owner: OWNER, incarnation: fixed.incarnation, leases: [dispatched.lease], queued: [q.record] });
      expect([both.recreatedLeases, both.recreatedItems]).toEqual([['x'], []]);
      st = await h.store.stats();
      expect([st.len, st.leases.count]).toEqual([0, 1]);
    });

    it('reap reports dead replicas sorted by id', async () => {
      const h = await open(testConfig({ replicaTtlMs: 15_000, leaseTtlMs: 60_000 }));
      for (const owner of ['replica-z', 'replica-c', 'replica-m']) await h.admit(`from-${owner}`, { owner, fairnessId: owner });
      h.time.advance(15_000);
      await h.store.renew({ owner: OWNER, incarnation: '', leases: [], queued: [] });
      expect((await h.store.reap({ owner: OWNER })).deadReplicas).toEqual(['replica-c', 'replica-m', 'replica-z']);
    });
  });

  describe('garbage collection', () => {
    it('idle flows are removed after flowIdleTimeoutMs and reported; busy flows stay', async () => {
      const detector = { type: DetectorType.Concurrency, mode: 'requests', maxConcurrency: 10, maxTokenConcurrency: 1e6 } as const;
      const h = await open(testConfig({ flowIdleTimeoutMs: 300_000, replicaTtlMs: 1e9, leaseTtlMs: 1e9, detector }));
      const gone = leaseOf(await h.admit('r0', { fairnessId: 'tenant-gone' }));
      leaseOf(await h.admit('x', { fairnessId: 'tenant-held' }));
      await h.release(gone);
      h.time.advance(299_999);
      expect((await h.store.reap({ owner: OWNER })).removedFlows).toEqual([]);
      h.time.advance(1);
      const r = await h.store.reap({ owner: OWNER });
      expect(r.removedFlows).toEqual([{ fairnessId: 'tenant-gone', priority: 0 }]);
      expect((await h.store.stats()).flows.map((f) => f.flow.fairnessId)).toEqual(['tenant-held']);
    });

    it('dynamic bands no longer desired are removed once idle; static bands never', async () => {
      const h = await open(testConfig({ flowIdleTimeoutMs: 1000, bandIdleTimeoutMs: 2000, replicaTtlMs: 1e9, leaseTtlMs: 1e9 }));
      await h.store.provisionBands({ priorities: [7] });
      await h.release(leaseOf(await h.admit('r0', { priority: 7 })));
      h.time.advance(2000);
      expect((await h.store.reap({ owner: OWNER })).removedBands).toEqual([]); // still desired
      await h.store.provisionBands({ priorities: [] });
      const r = await h.store.reap({ owner: OWNER });
      expect(r.removedBands).toEqual([7]);
      expect((await h.store.stats()).bands.map((b) => b.priority)).toEqual([0]);
      const again = await h.admit('r1', { priority: 7 });
      expect(again.flow.priority).toBe(0);
    });
  });

  describe('dispatch batching and notices', () => {
    const wide = (): FlowStoreConfig =>
      testConfig({ dispatchBatchMax: 3, detector: { type: DetectorType.Concurrency, mode: 'requests', maxConcurrency: 100, maxTokenConcurrency: 1e6 } });

    it('one call dispatches at most dispatchBatchMax (or max) items', async () => {
      const h = await open(wide(), 0);
      for (let i = 0; i < 6; i++) await h.admit(`r${i}`);
      const p = await h.store.publishEndpoints({ owner: OWNER, snapshot: { endpoints: [{ name: 'ep-0' }] } });
      expect(p.dispatchedCount).toBe(3);
      expect((await h.store.dispatch({ owner: OWNER, max: 1 })).dispatchedCount).toBe(1);
      const rest = await h.store.dispatch({ owner: OWNER });
      expect(rest.dispatchedCount).toBe(2);
      expect(h.dispatchedIds(rest.notices)).toEqual(['r4', 'r5']);
      expect((await h.store.dispatch({ owner: OWNER })).dispatchedCount).toBe(0);
    });

    it('inbox notices keep production order and takeInbox honours max', async () => {
      const h = await open(wide(), 0);
      for (let i = 0; i < 3; i++) await h.admit(`t${i}`, { owner: OTHER });
      await h.store.publishEndpoints({ owner: OWNER, snapshot: { endpoints: [{ name: 'ep-0' }] } });
      expect(h.dispatchedIds(await h.store.takeInbox({ owner: OTHER, max: 2 }))).toEqual(['t0', 't1']);
      expect(h.dispatchedIds(await h.store.takeInbox({ owner: OTHER, max: 2 }))).toEqual(['t2']);
    });

    it('publishEndpoints sends every notice to an inbox, the caller\'s own too (nothing to lose in the reply)', async () => {
      const h = await open(wide(), 0);
      await h.admit('mine');
      await h.admit('theirs', { owner: OTHER });
      const p = await h.store.publishEndpoints({ owner: OWNER, snapshot: { endpoints: [{ name: 'ep-0' }] } });
      expect([p.notices.length, p.dispatchedCount]).toEqual([0, 2]);
      expect(h.dispatchedIds(await h.store.takeInbox({ owner: OWNER }))).toEqual(['mine']);
      expect(h.dispatchedIds(await h.store.takeInbox({ owner: OTHER }))).toEqual(['theirs']);
    });

    it('push delivery through the InboxReader (when the store offers one)', async (ctx) => {
      const h = await open();
      const reader = h.handle.inbox;
      if (!reader) return ctx.skip();
      const hold = leaseOf(await h.admit('hold'));
      await h.admit('t1', { owner: OTHER });
      const received = new Promise<FlowNotice[]>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no notice within 5 s')), 5000);
        const sub = reader.subscribe(OTHER, (notices) => {
          clearTimeout(timer);
          void sub.stop().then(() => resolve([...notices]));
        });
      });
      await h.release(hold);
      expect(h.dispatchedIds(await received)).toEqual(['t1']);
    });
  });

  describe('stats', () => {
    it('reports queue length and bytes per band and flow, leases and capacities', async () => {
      const h = await open(testConfig({ maxBytes: 10_000, maxRequests: 50 }));
      await h.store.provisionBands({ priorities: [3] });
      leaseOf(await h.admit('r0', { prompt: 7, output: 3 }));
      await h.admit('a', { bytes: 10, fairnessId: 'x' });
      await h.admit('b', { bytes: 20, fairnessId: 'x' });
      await h.admit('c', { bytes: 5, fairnessId: 'y', priority: 3 });
      const st = await h.store.stats();
      expect([st.len, st.bytes, st.capacityRequests, st.capacityBytes]).toEqual([3, 35, 50, 10_000]);
      expect(st.bands.map((b) => [b.priority, b.len, b.bytes])).toEqual([
        [3, 1, 5],
        [0, 2, 30],
      ]);
      const flows = st.flows.map((f) => [f.flow.priority, f.flow.fairnessId, f.len, f.bytes, f.leases]);
      expect(flows).toEqual(expect.arrayContaining([[3, 'y', 1, 5, 0], [0, 'x', 2, 30, 0], [0, 'tenant-a', 0, 0, 1]]));
      expect(st.leases).toEqual({ count: 1, tokens: 10 });
      expect(st.incarnation).not.toBe('');
    });
  });
}
