import { describe, expect, it } from 'vitest';
import type { FlowStoreConfig } from '../types/config.ts';
import { DetectorType } from '../types/detector.ts';
import type { EndpointMetrics } from '../types/detector.ts';
import type { Harness } from './harness.ts';
import { OWNER, leaseOf, testConfig } from './harness.ts';

type Open = (config?: FlowStoreConfig, endpoints?: number) => Promise<Harness>;

/** Admit `n` requests and count how many were dispatched on the fast path. */
async function admitMany(h: Harness, n: number, prefix: string, opts: { prompt?: number; output?: number } = {}): Promise<number> {
  let dispatched = 0;
  for (let i = 0; i < n; i++) if ((await h.admit(`${prefix}${i}`, opts)).kind === 'dispatched') dispatched++;
  return dispatched;
}

function utilization(over: Partial<{ queueDepthThreshold: number; kvCacheUtilThreshold: number; metricsStalenessThresholdMs: number; inFlightCredit: boolean }> = {}): FlowStoreConfig {
  return testConfig({
    dispatchBatchMax: 8,
    detector: { type: DetectorType.Utilization, queueDepthThreshold: 5, kvCacheUtilThreshold: 0.8, metricsStalenessThresholdMs: 200, inFlightCredit: false, ...over },
  });
}

async function publish(h: Harness, endpoints: EndpointMetrics[]): Promise<number> {
  return (await h.store.publishEndpoints({ owner: OWNER, snapshot: { endpoints } })).dispatchedCount;
}

/** Saturation detectors (reference §3) and in-flight credit (#2066). */
export function detectorCases(open: Open): void {
  describe('concurrency-detector', () => {
    it('requests mode: maxConcurrency is per ready endpoint', async () => {
      const h = await open(testConfig({ detector: { type: DetectorType.Concurrency, mode: 'requests', maxConcurrency: 2, maxTokenConcurrency: 1e6 } }), 3);
      expect(await admitMany(h, 8, 'r')).toBe(6);
      expect((await h.store.stats()).saturation).toBe(1);
    });

    it('no ready endpoints → saturation 1.0, nothing dispatches; endpoints appearing dispatch the queue', async () => {
      const h = await open(testConfig({ detector: { type: DetectorType.Concurrency, mode: 'requests', maxConcurrency: 2, maxTokenConcurrency: 1e6 } }), 0);
      expect(await admitMany(h, 3, 'r')).toBe(0);
      expect((await h.store.stats()).saturation).toBe(1);
      const r = await h.store.publishEndpoints({ owner: OWNER, snapshot: { endpoints: [{ name: 'ep-0' }] } });
      expect(r.dispatchedCount).toBe(2);
      expect(r.notices).toEqual([]); // publishEndpoints notices every owner through its inbox
      expect(h.dispatchedIds(await h.store.takeInbox({ owner: OWNER }))).toEqual(['r0', 'r1']);
    });

    it('tokens mode: Σ estimated tokens / (endpoints · maxTokenConcurrency)', async () => {
      const h = await open(testConfig({ detector: { type: DetectorType.Concurrency, mode: 'tokens', maxConcurrency: 1, maxTokenConcurrency: 100 } }), 1);
      expect(await admitMany(h, 5, 'r', { prompt: 30, output: 10 })).toBe(3); // 0, 0.4, 0.8 pass; 1.2 stops
    });

    it('hybrid mode: per endpoint max(request ratio, token ratio), averaged', async () => {
      const h = await open(testConfig({ detector: { type: DetectorType.Concurrency, mode: 'hybrid', maxConcurrency: 10, maxTokenConcurrency: 100 } }), 1);
      expect(await admitMany(h, 4, 'r', { prompt: 50, output: 10 })).toBe(2); // tokens bind before requests
    });

    it('hybrid mode counts bound leases on their endpoint and spreads unbound ones', async () => {
      const h = await open(testConfig({ detector: { type: DetectorType.Concurrency, mode: 'hybrid', maxConcurrency: 2, maxTokenConcurrency: 100 } }), 2);
      const big = leaseOf(await h.admit('big', { prompt: 100, output: 0 }));
      expect(await h.store.bindLease({ leaseId: big, endpoint: 'ep-0' })).toBe(true);
      expect(await h.store.bindLease({ leaseId: 'nope', endpoint: 'ep-0' })).toBe(false);
      const small = leaseOf(await h.admit('small', { prompt: 0, output: 0 }));
      await h.store.bindLease({ leaseId: small, endpoint: 'ep-1' });
      // ep-0: max(1/2, 100/100) = 1; ep-1: max(1/2, 0) = 0.5 → 0.75 (unbound would give 0.5).
      const st = await h.store.stats();
      expect(st.saturation).toBeCloseTo(0.75, 9);
      expect(st.endpoints).toEqual([
        { name: 'ep-0', inFlight: 1, inFlightTokens: 100 },
        { name: 'ep-1', inFlight: 1, inFlightTokens: 0 },
      ]);
      await h.release(big);
      expect((await h.store.stats()).endpoints[0]).toEqual({ name: 'ep-0', inFlight: 0, inFlightTokens: 0 });
    });
  });

  describe('utilization-detector', () => {
    it('mean over endpoints of max(waiting/queueDepthThreshold, kv/kvCacheUtilThreshold)', async () => {
      const h = await open(utilization(), 0);
      await publish(h, [
        { name: 'a', waitingQueueSize: 5, kvCacheUsage: 0.1, metricsAgeMs: 0 },
        { name: 'b', waitingQueueSize: 0, kvCacheUsage: 0.4, metricsAgeMs: 0 },
      ]);
      expect((await h.store.stats()).saturation).toBeCloseTo(0.75, 9);
      expect((await h.admit('r1')).kind).toBe('dispatched');
      await publish(h, [
        { name: 'a', waitingQueueSize: 10, kvCacheUsage: 0, metricsAgeMs: 0 },
        { name: 'b', waitingQueueSize: 0, kvCacheUsage: 0.8, metricsAgeMs: 0 },
      ]);
      expect((await h.store.stats()).saturation).toBeCloseTo(1.5, 9);
      expect((await h.admit('r2')).kind).toBe('queued');
    });

    it('stale or missing metrics count as saturated (fail closed)', async () => {
      const h = await open(utilization(), 0);
      await publish(h, [{ name: 'a', waitingQueueSize: 0, kvCacheUsage: 0, metricsAgeMs: 201 }]);
      expect((await h.admit('r1')).kind).toBe('queued');
      await publish(h, [{ name: 'a' }]);
      expect((await h.store.stats()).saturation).toBe(1);
      expect(await publish(h, [{ name: 'a', waitingQueueSize: 0, kvCacheUsage: 0, metricsAgeMs: 0 }])).toBe(1);
      h.time.advance(201); // the same snapshot ages on the store clock
      expect((await h.admit('r2')).kind).toBe('queued');
      expect((await h.store.stats()).saturation).toBe(1);
    });

    it('no endpoints → saturation 1.0', async () => {
      const h = await open(utilization(), 0);
      await publish(h, []);
      expect((await h.admit('r1')).kind).toBe('queued');
    });

    it('in-flight credit: leases dispatched since the snapshot count as load until the next scrape', async () => {
      const h = await open(utilization({ queueDepthThreshold: 2, inFlightCredit: true }), 0);
      await publish(h, [{ name: 'a', waitingQueueSize: 0, kvCacheUsage: 0, metricsAgeMs: 0 }]);
      expect(await admitMany(h, 4, 'r')).toBe(2); // each lease adds 1/(1·2): 0, 0.5 pass; 1.0 stops
      h.time.advance(50);
      // The scrape now sees the two dispatched requests running (not waiting): credit resets.
      const r = await h.store.publishEndpoints({ owner: OWNER, snapshot: { endpoints: [{ name: 'a', waitingQueueSize: 0, kvCacheUsage: 0.1, metricsAgeMs: 0 }] } });
      expect(r.dispatchedCount).toBe(2);
    });

    it('without in-flight credit the gate overshoots between scrapes (upstream behaviour)', async () => {
      const h = await open(utilization({ queueDepthThreshold: 2, inFlightCredit: false }), 0);
      await publish(h, [{ name: 'a', waitingQueueSize: 0, kvCacheUsage: 0, metricsAgeMs: 0 }]);
      expect(await admitMany(h, 4, 'r')).toBe(4);
    });
  });
}
