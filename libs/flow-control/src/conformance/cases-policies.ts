import { describe, expect, it } from 'vitest';
import type { FlowStoreConfig } from '../types/config.ts';
import type { FairnessPolicyConfig, OrderingPolicyType } from '../types/policies.ts';
import { FairnessPolicyType, OrderingPolicyType as Ordering, UsageLimitPolicyType } from '../types/policies.ts';
import { DetectorType } from '../types/detector.ts';
import type { Harness } from './harness.ts';
import { drainOneByOne, leaseOf, testConfig } from './harness.ts';

type Open = (config?: FlowStoreConfig, endpoints?: number) => Promise<Harness>;

/** testConfig with the default band's policies replaced. */
export function policyConfig(fairness: FairnessPolicyConfig, ordering: OrderingPolicyType = Ordering.Fcfs, over: Partial<FlowStoreConfig> = {}): FlowStoreConfig {
  const base = testConfig(over);
  return { ...base, defaultPriorityBand: { ...base.defaultPriorityBand, fairness, ordering: { type: ordering } } };
}

/** Priority bands, usage limits, fairness and ordering policies (reference §1.5, §1.8, §2). */
export function policyCases(open: Open): void {
  describe('priority bands', () => {
    it('strict priority between bands, FCFS inside', async () => {
      const h = await open();
      await h.store.provisionBands({ priorities: [10, -5] });
      const hold = leaseOf(await h.admit('hold'));
      for (const [id, priority] of [['low1', -5], ['mid1', 0], ['high1', 10], ['mid2', 0], ['high2', 10]] as const) {
        h.time.advance(1);
        expect((await h.admit(id, { priority })).kind).toBe('queued');
      }
      expect(await drainOneByOne(h, hold)).toEqual(['high1', 'high2', 'mid1', 'mid2', 'low1']);
    });

    it('an unprovisioned priority falls back to band 0', async () => {
      const h = await open();
      const r = await h.admit('r1', { priority: 42 });
      expect(r.flow).toEqual({ fairnessId: 'tenant-a', priority: 0 });
      if (r.kind === 'dispatched') expect(r.lease.flow.priority).toBe(0);
      expect((await h.store.stats()).bands.map((b) => b.priority)).toEqual([0]);
    });

    it('negative priorities use the negative band template', async () => {
      const base = testConfig();
      const h = await open({ ...base, defaultNegativePriorityBand: { ...base.defaultPriorityBand, maxRequests: 1 } });
      await h.store.provisionBands({ priorities: [-3, 4] });
      leaseOf(await h.admit('hold'));
      expect((await h.admit('n1', { priority: -3 })).kind).toBe('queued');
      const n2 = await h.admit('n2', { priority: -3 });
      expect(n2.kind).toBe('rejected');
      expect((await h.admit('p1', { priority: 4 })).kind).toBe('queued');
      expect((await h.admit('p2', { priority: 4 })).kind).toBe('queued');
      const bands = (await h.store.stats()).bands;
      expect(bands.map((b) => [b.priority, b.capacityRequests, b.static])).toEqual([
        [4, h.config.defaultPriorityBand.maxRequests, false],
        [0, h.config.defaultPriorityBand.maxRequests, true],
        [-3, 1, false],
      ]);
    });
  });

  describe('usage limits and head-of-line stop', () => {
    const concurrency4 = { type: DetectorType.Concurrency, mode: 'requests', maxConcurrency: 4, maxTokenConcurrency: 1e6 } as const;

    it('static-usage-limit-policy threshold gates every band at saturation >= threshold', async () => {
      const h = await open(testConfig({ detector: concurrency4, usageLimit: { type: UsageLimitPolicyType.Static, threshold: 0.5 } }));
      expect((await h.admit('r1')).kind).toBe('dispatched');
      expect((await h.admit('r2')).kind).toBe('dispatched');
      expect((await h.admit('r3')).kind).toBe('queued');
      expect((await h.store.stats()).bands[0]!.ceiling).toBe(0.5);
    });

    it('priority-holdback-policy holds low bands back while high bands keep dispatching', async () => {
      const h = await open(
        testConfig({ detector: concurrency4, usageLimit: { type: UsageLimitPolicyType.PriorityHoldback, minCeiling: 0.5, maxCeiling: 1, domain: 'rank' } }),
      );
      await h.store.provisionBands({ priorities: [10] });
      expect((await h.store.stats()).bands.map((b) => b.ceiling)).toEqual([1, 0.5]);
      const low1 = leaseOf(await h.admit('low1'));
      leaseOf(await h.admit('low2'));
      expect((await h.admit('low3')).kind).toBe('queued'); // saturation 0.5 >= 0.5
      leaseOf(await h.admit('high1', { priority: 10 }));
      leaseOf(await h.admit('high2', { priority: 10 }));
      expect((await h.admit('high3', { priority: 10 })).kind).toBe('queued'); // saturation 1.0
      // One slot frees: the high band goes first although low3 is older (head-of-line stop).
      expect(h.dispatchedIds(await h.release(low1))).toEqual(['high3']);
    });

    it('priority-holdback-policy value domain spreads ceilings by priority value', async () => {
      const h = await open(testConfig({ usageLimit: { type: UsageLimitPolicyType.PriorityHoldback, minCeiling: 0.2, maxCeiling: 1, domain: 'value' } }));
      await h.store.provisionBands({ priorities: [100, -100, 50] });
      const ceilings = (await h.store.stats()).bands.map((b) => b.ceiling);
      expect(ceilings.map((c) => Math.round(c * 1000) / 1000)).toEqual([1, 0.8, 0.6, 0.2]);
    });
  });

  describe('fairness policies', () => {
    it('global-strict-fairness-policy: the band behaves as one FCFS queue', async () => {
      const h = await open(policyConfig({ type: FairnessPolicyType.GlobalStrict }));
      const hold = leaseOf(await h.admit('hold', { fairnessId: 'tenant-z' }));
      for (const [id, fid] of [['a1', 'tenant-a'], ['a2', 'tenant-a'], ['b1', 'tenant-b'], ['a3', 'tenant-a']]) {
        h.time.advance(1);
        await h.admit(id!, { fairnessId: fid });
      }
      expect(await drainOneByOne(h, hold)).toEqual(['a1', 'a2', 'b1', 'a3']);
    });

    it('round-robin-fairness-policy: one dispatch turn per flow, ids ascending', async () => {
      const h = await open(policyConfig({ type: FairnessPolicyType.RoundRobin }));
      const hold = leaseOf(await h.admit('hold', { fairnessId: 'tenant-z' }));
      for (const [id, fid] of [['a1', 'tenant-a'], ['a2', 'tenant-a'], ['a3', 'tenant-a'], ['b1', 'tenant-b'], ['b2', 'tenant-b'], ['c1', 'tenant-c']]) {
        h.time.advance(1);
        await h.admit(id!, { fairnessId: fid });
      }
      expect(await drainOneByOne(h, hold)).toEqual(['a1', 'b1', 'c1', 'a2', 'b2', 'a3']);
    });

    it('token-fairness-policy: service is shared in tokens, not turns', async () => {
      const h = await open(policyConfig({ type: FairnessPolicyType.TokenFairness }));
      const hold = leaseOf(await h.admit('hold', { fairnessId: 'tenant-z' }));
      for (let i = 1; i <= 3; i++) await h.admit(`h${i}`, { fairnessId: 'heavy', prompt: 900, output: 100 });
      for (let i = 1; i <= 5; i++) await h.admit(`l${i}`, { fairnessId: 'light', prompt: 10, output: 10 });
      // heavy and light both start at 0; tie → 'heavy'. heavy is then at 1000 tokens, light catches up.
      expect(await drainOneByOne(h, hold)).toEqual(['h1', 'l1', 'l2', 'l3', 'l4', 'l5', 'h2', 'h3']);
    });

    it('token-fairness-policy: per-tenant weights divide the charge', async () => {
      const h = await open(policyConfig({ type: FairnessPolicyType.TokenFairness, weights: { heavy: 50 } }));
      const hold = leaseOf(await h.admit('hold', { fairnessId: 'tenant-z' }));
      for (let i = 1; i <= 3; i++) await h.admit(`h${i}`, { fairnessId: 'heavy', prompt: 900, output: 100 });
      for (let i = 1; i <= 3; i++) await h.admit(`l${i}`, { fairnessId: 'light', prompt: 10, output: 10 });
      expect(await drainOneByOne(h, hold)).toEqual(['h1', 'l1', 'h2', 'l2', 'h3', 'l3']);
    });

    it('token-fairness-policy: a returning tenant is lifted to the active minimum (no banked credit)', async () => {
      const h = await open(policyConfig({ type: FairnessPolicyType.TokenFairness }));
      let lease = leaseOf(await h.admit('hold', { fairnessId: 'tenant-z' }));
      for (let i = 1; i <= 6; i++) await h.admit(`h${i}`, { fairnessId: 'heavy', prompt: 900, output: 100 });
      const served: string[] = [];
      for (let i = 0; i < 4; i++) {
        const next = h.dispatchedIds(await h.release(lease));
        served.push(...next);
        lease = next[0]!;
      }
      expect(served).toEqual(['h1', 'h2', 'h3', 'h4']); // heavy is at 4000 tokens; light was idle
      for (let i = 1; i <= 3; i++) await h.admit(`l${i}`, { fairnessId: 'light' });
      // light is lifted to 4000 (heavy's counter): tie → heavy first, then light's 3 × 20 tokens.
      expect(await drainOneByOne(h, lease)).toEqual(['h5', 'l1', 'l2', 'l3', 'h6']);
    });

    it('token-fairness-policy: release settles the charge with actual usage', async () => {
      const h = await open(policyConfig({ type: FairnessPolicyType.TokenFairness }));
      const a1 = leaseOf(await h.admit('a1', { fairnessId: 'tenant-a', prompt: 500, output: 500 }));
      await h.admit('b1', { fairnessId: 'tenant-b' });
      await h.admit('b2', { fairnessId: 'tenant-b' });
      await h.admit('a2', { fairnessId: 'tenant-a' });
      // a1 estimated 1000 but used 20: tenant-a drops to 20, tenant-b is at 0.
      const first = h.dispatchedIds(await h.release(a1, undefined, 20));
      expect(first).toEqual(['b1']);
      expect(await drainOneByOne(h, 'b1')).toEqual(['a2', 'b2']);
    });
  });

  describe('ordering policies', () => {
    it('fcfs-ordering-policy: earlier enqueue first', async () => {
      const h = await open(policyConfig({ type: FairnessPolicyType.GlobalStrict }, Ordering.Fcfs));
      const hold = leaseOf(await h.admit('hold'));
      for (const id of ['x', 'y', 'z']) {
        h.time.advance(5);
        await h.admit(id, { ttlMs: id === 'x' ? 9000 : 1000 });
      }
      expect(await drainOneByOne(h, hold)).toEqual(['x', 'y', 'z']);
    });

    it('edf-ordering-policy: earliest enqueue + TTL first; no TTL last', async () => {
      const h = await open(policyConfig({ type: FairnessPolicyType.GlobalStrict }, Ordering.Edf));
      const hold = leaseOf(await h.admit('hold'));
      await h.admit('e1', { ttlMs: 5000 });
      await h.admit('e0', { ttlMs: 0 });
      h.time.advance(10);
      await h.admit('e2', { ttlMs: 1000 });
      await h.admit('e3', { ttlMs: 3000, fairnessId: 'tenant-b' });
      expect(await drainOneByOne(h, hold)).toEqual(['e2', 'e3', 'e1', 'e0']);
    });

    it('slo-deadline-ordering-policy: receipt + TTFT objective first; none last; ties by arrival', async () => {
      const h = await open(policyConfig({ type: FairnessPolicyType.GlobalStrict }, Ordering.SloDeadline));
      const hold = leaseOf(await h.admit('hold'));
      await h.admit('s1', { sloTtftMs: 500 });
      await h.admit('s2');
      await h.admit('s3', { sloTtftMs: 200 });
      await h.admit('s4', { sloTtftMs: 400, receivedAgoMs: 300 });
      await h.admit('s5', { sloTtftMs: 200 });
      await h.admit('s6', { sloTtftMs: -1 });
      expect(await drainOneByOne(h, hold)).toEqual(['s4', 's3', 's5', 's1', 's2', 's6']);
    });
  });
}
