import { describe, expect, it } from 'vitest';
import { FlowOutcome } from '../types/outcome.ts';
import type { Harness } from './harness.ts';
import { OTHER, OWNER, leaseOf, testConfig } from './harness.ts';
import type { FlowStoreConfig } from '../types/config.ts';

type Open = (config?: FlowStoreConfig, endpoints?: number) => Promise<Harness>;

/** Admission outcomes, limits, TTL, cancellation (reference §1.4–1.7). */
export function outcomeCases(open: Open): void {
  describe('admission outcomes', () => {
    it('fast path: dispatched with queueWaitMs 0 when unsaturated', async () => {
      const h = await open();
      const r = await h.admit('r1');
      expect(r.kind).toBe('dispatched');
      if (r.kind !== 'dispatched') return;
      expect(r.queueWaitMs).toBe(0);
      expect(r.lease.requestId).toBe('r1');
      expect(r.lease.owner).toBe(OWNER);
      expect(r.lease.estimatedTokens).toBe(20);
      expect(r.flow).toEqual({ fairnessId: 'tenant-a', priority: 0 });
      expect(r.dispatchedCount).toBe(1);
    });

    it('queued when saturated; release dispatches it with the store-clock wait', async () => {
      const h = await open();
      const first = leaseOf(await h.admit('r1'));
      const r2 = await h.admit('r2');
      expect(r2.kind).toBe('queued');
      if (r2.kind !== 'queued') return;
      expect(r2.record.seq).toBeGreaterThan(0);
      expect(r2.record.ttlMs).toBe(10_000);
      h.time.advance(250);
      const rel = await h.store.release({ owner: OWNER, leaseId: first });
      expect(rel.released).toBe(true);
      expect(rel.dispatchedCount).toBe(1);
      expect(rel.notices).toHaveLength(1);
      const n = rel.notices[0]!;
      expect(n.type).toBe('dispatched');
      if (n.type !== 'dispatched') return;
      expect(n.requestId).toBe('r2');
      expect(n.queueWaitMs).toBe(250);
      expect(n.lease.dispatchedAtMs).toBe(h.time.nowMs());
    });

    it('release of an unknown lease is idempotent', async () => {
      const h = await open();
      const id = leaseOf(await h.admit('r1'));
      expect((await h.store.release({ owner: OWNER, leaseId: id })).released).toBe(true);
      expect((await h.store.release({ owner: OWNER, leaseId: id })).released).toBe(false);
    });

    it('a request dispatched for another owner goes to that owner\'s inbox, not the caller\'s result', async () => {
      const h = await open();
      const first = leaseOf(await h.admit('r1'));
      expect((await h.admit('r2', { owner: OTHER })).kind).toBe('queued');
      const rel = await h.store.release({ owner: OWNER, leaseId: first });
      expect(rel.notices).toHaveLength(0);
      expect(rel.dispatchedCount).toBe(1);
      const inbox = await h.store.takeInbox({ owner: OTHER });
      expect(inbox.map((n) => [n.type, n.requestId])).toEqual([['dispatched', 'r2']]);
      expect(await h.store.takeInbox({ owner: OTHER })).toEqual([]);
      expect(await h.store.takeInbox({ owner: OWNER })).toEqual([]);
    });

    it('rejects a duplicate live request id with rejected-other', async () => {
      const h = await open();
      leaseOf(await h.admit('r1'));
      const dup = await h.admit('r1');
      expect(dup.kind).toBe('rejected');
      if (dup.kind === 'rejected') expect(dup.outcome).toBe(FlowOutcome.RejectedOther);
    });
  });

  describe('capacity limits', () => {
    const band = (over: object): FlowStoreConfig => {
      const base = testConfig();
      return { ...base, defaultPriorityBand: { ...base.defaultPriorityBand, ...over } };
    };

    it('band maxRequests → rejected-capacity with a Retry-After in [1 s, max]', async () => {
      const h = await open(band({ maxRequests: 2 }));
      leaseOf(await h.admit('r0'));
      expect((await h.admit('r1')).kind).toBe('queued');
      expect((await h.admit('r2')).kind).toBe('queued');
      const r = await h.admit('r3');
      expect(r.kind).toBe('rejected');
      if (r.kind !== 'rejected') return;
      expect(r.outcome).toBe(FlowOutcome.RejectedCapacity);
      expect(r.retryAfterMs).toBeGreaterThanOrEqual(1000);
      expect(r.retryAfterMs).toBeLessThanOrEqual(h.config.retryAfterMaxSec * 1000);
      expect(r.retryAfterMs % 1000).toBe(0);
    });

    it('band maxBytes counts queued body bytes only', async () => {
      const h = await open(band({ maxBytes: 250 }));
      // The check applies to every admission, also the one that would dispatch at once.
      expect((await h.admit('big', { bytes: 251 })).kind).toBe('rejected');
      leaseOf(await h.admit('r0', { bytes: 250 }));
      expect((await h.admit('r1', { bytes: 200 })).kind).toBe('queued');
      const r = await h.admit('r2', { bytes: 51 });
      expect(r.kind === 'rejected' && r.outcome).toBe(FlowOutcome.RejectedCapacity);
      expect((await h.admit('r3', { bytes: 50 })).kind).toBe('queued');
    });

    it('global maxRequests applies across bands', async () => {
      const h = await open(testConfig({ maxRequests: 2 }));
      await h.store.provisionBands({ priorities: [5] });
      leaseOf(await h.admit('r0'));
      expect((await h.admit('r1', { priority: 5 })).kind).toBe('queued');
      expect((await h.admit('r2', { priority: 0 })).kind).toBe('queued');
      const r = await h.admit('r3', { priority: 5 });
      expect(r.kind === 'rejected' && r.outcome).toBe(FlowOutcome.RejectedCapacity);
    });

    it('global maxBytes applies across bands', async () => {
      const h = await open(testConfig({ maxBytes: 300 }));
      await h.store.provisionBands({ priorities: [5] });
      leaseOf(await h.admit('r0'));
      expect((await h.admit('r1', { priority: 5, bytes: 200 })).kind).toBe('queued');
      const r = await h.admit('r2', { priority: 0, bytes: 101 });
      expect(r.kind === 'rejected' && r.outcome).toBe(FlowOutcome.RejectedCapacity);
      expect((await h.admit('r3', { priority: 0, bytes: 100 })).kind).toBe('queued');
    });

    it('full queue with an empty pool → rejected-no-endpoints', async () => {
      const h = await open(band({ maxRequests: 1 }), 0);
      expect((await h.admit('r1')).kind).toBe('queued');
      const r = await h.admit('r2');
      expect(r.kind === 'rejected' && r.outcome).toBe(FlowOutcome.RejectedNoEndpoints);
    });

    it('Retry-After shrinks when the band drains fast', async () => {
      const h = await open(band({ maxRequests: 2 }));
      const idle = await open(band({ maxRequests: 2 }));
      leaseOf(await idle.admit('x0'));
      await idle.admit('x1');
      await idle.admit('x2');
      const slow = await idle.admit('x3');
      let lease = leaseOf(await h.admit('r0'));
      for (let i = 1; i <= 40; i++) {
        await h.admit(`r${i}`);
        h.time.advance(100);
        const next = h.dispatchedIds(await h.release(lease));
        lease = next[0]!;
      }
      await h.admit('q1');
      await h.admit('q2');
      const fast = await h.admit('q3');
      expect(slow.kind === 'rejected' && fast.kind === 'rejected').toBe(true);
      if (slow.kind !== 'rejected' || fast.kind !== 'rejected') return;
      // idle: 1 dispatch in the window → (2 + 1) / (1 / 10 s) = 30 s; busy: 41 in 14 s → 2 s.
      expect(slow.retryAfterMs).toBe(30_000);
      expect(fast.retryAfterMs).toBe(2000);
      expect(fast.retryAfterMs).toBeGreaterThanOrEqual(1000);
    });
  });

  describe('TTL', () => {
    it('expire: pending before the budget, evicted-ttl after (and the slot is kept for others)', async () => {
      const h = await open();
      leaseOf(await h.admit('r0'));
      await h.admit('r1', { ttlMs: 1000 });
      h.time.advance(400);
      const early = await h.store.expire({ owner: OWNER, requestId: 'r1' });
      expect(early.kind).toBe('pending');
      if (early.kind === 'pending') expect(early.remainingMs).toBe(600);
      h.time.advance(600);
      const late = await h.store.expire({ owner: OWNER, requestId: 'r1' });
      expect(late.kind).toBe('evicted');
      if (late.kind !== 'evicted') return;
      expect(late.outcome).toBe(FlowOutcome.EvictedTtl);
      expect(late.queueWaitMs).toBe(1000);
      expect((await h.store.stats()).len).toBe(0);
      expect((await h.store.expire({ owner: OWNER, requestId: 'r1' })).kind).toBe('unknown');
    });

    it('default TTL comes from the band; ttlMs 0 disables eviction', async () => {
      const h = await open();
      leaseOf(await h.admit('r0'));
      await h.admit('r1');
      await h.admit('r2', { ttlMs: 0 });
      h.time.advance(10_000);
      expect((await h.store.expire({ owner: OWNER, requestId: 'r1' })).kind).toBe('evicted');
      const r2 = await h.store.expire({ owner: OWNER, requestId: 'r2' });
      expect(r2.kind === 'pending' && r2.remainingMs).toBe(null);
    });

    it('expire on an already dispatched request returns its lease and frees nothing', async () => {
      const h = await open();
      leaseOf(await h.admit('r0'));
      const r = await h.store.expire({ owner: OWNER, requestId: 'r0' });
      expect(r.kind).toBe('dispatched');
      expect((await h.store.stats()).leases.count).toBe(1);
    });

    it('reap evicts expired items and notices their owners', async () => {
      const h = await open();
      leaseOf(await h.admit('r0'));
      await h.admit('mine', { ttlMs: 500 });
      await h.admit('theirs', { ttlMs: 500, owner: OTHER });
      await h.admit('later', { ttlMs: 5000 });
      h.time.advance(500);
      const r = await h.store.reap({ owner: OWNER });
      expect(r.evictedItems).toBe(2);
      expect(r.notices.map((n) => [n.type, n.requestId, n.type === 'evicted' && n.outcome])).toEqual([['evicted', 'mine', FlowOutcome.EvictedTtl]]);
      const inbox = await h.store.takeInbox({ owner: OTHER });
      expect(inbox.map((n) => [n.type, n.requestId])).toEqual([['evicted', 'theirs']]);
      expect((await h.store.stats()).len).toBe(1);
    });

    it('empty pool: the no-endpoint budget applies and the outcome is evicted-no-endpoints', async () => {
      const h = await open(testConfig({ noEndpointRequestTtlMs: 3000 }), 0);
      await h.admit('r1', { ttlMs: 1000 });
      h.time.advance(1000);
      expect((await h.store.expire({ owner: OWNER, requestId: 'r1' })).kind).toBe('pending');
      h.time.advance(2000);
      const r = await h.store.expire({ owner: OWNER, requestId: 'r1' });
      expect(r.kind === 'evicted' && r.outcome).toBe(FlowOutcome.EvictedNoEndpoints);
    });

    it('a change between empty and non-empty pool starts a fresh budget', async () => {
      const h = await open(testConfig({ noEndpointRequestTtlMs: 3000 }), 0);
      await h.admit('r1', { ttlMs: 1000 });
      h.time.advance(2500);
      // The pool appears: r1 is dispatched at once and then holds the only slot.
      await h.store.publishEndpoints({ owner: OWNER, snapshot: { endpoints: [{ name: 'ep-0' }] } });
      expect((await h.store.stats()).leases.count).toBe(1);
      await h.admit('r2', { ttlMs: 1000 });
      h.time.advance(900);
      await h.store.publishEndpoints({ owner: OWNER, snapshot: { endpoints: [] } });
      h.time.advance(2999);
      expect((await h.store.expire({ owner: OWNER, requestId: 'r2' })).kind).toBe('pending');
      h.time.advance(1);
      const r = await h.store.expire({ owner: OWNER, requestId: 'r2' });
      expect(r.kind === 'evicted' && r.outcome).toBe(FlowOutcome.EvictedNoEndpoints);
    });
  });

  describe('cancellation', () => {
    it('cancel while queued → removed with evicted-context-cancelled', async () => {
      const h = await open();
      leaseOf(await h.admit('r0'));
      await h.admit('r1', { bytes: 70 });
      h.time.advance(30);
      const r = await h.store.cancel({ owner: OWNER, requestId: 'r1' });
      expect(r.kind).toBe('removed');
      if (r.kind !== 'removed') return;
      expect(r.outcome).toBe(FlowOutcome.EvictedContextCancelled);
      expect(r.queueWaitMs).toBe(30);
      const st = await h.store.stats();
      expect([st.len, st.bytes]).toEqual([0, 0]);
    });

    it('cancel after dispatch (by another replica) releases the lease and dispatches the next', async () => {
      const h = await open();
      const l0 = leaseOf(await h.admit('r0', { owner: OTHER }));
      await h.admit('r1');
      await h.admit('r2');
      // OTHER frees capacity: r1 is dispatched; its notice is in flight when r1's client goes away.
      await h.store.release({ owner: OTHER, leaseId: l0 });
      const inbox = await h.store.takeInbox({ owner: OWNER });
      expect(h.dispatchedIds(inbox)).toEqual(['r1']);
      const r = await h.store.cancel({ owner: OWNER, requestId: 'r1' });
      expect(r.kind).toBe('released');
      expect(h.dispatchedIds(r.notices)).toEqual(['r2']);
    });

    it('cancel of an unknown request is a no-op', async () => {
      const h = await open();
      expect((await h.store.cancel({ owner: OWNER, requestId: 'nope' })).kind).toBe('unknown');
    });
  });
}
