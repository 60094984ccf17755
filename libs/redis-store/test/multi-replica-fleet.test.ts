// The multi-replica test: 3 FlowControllers in SEPARATE processes share one Redis pool of
// capacity C. Every check runs over a globally ordered event log: each store call is atomic and
// carries its Redis TIME (admit/enqueue, dispatch, release), so the fleet's calls are totally ordered.
import { createFlowStoreConfig, defaultBandTemplate, DetectorType, FairnessPolicyType } from '@sluice/flow-control';
import type { FairnessPolicyConfig, FlowStoreConfig } from '@sluice/flow-control';
import { uniqueKeyPrefix, waitFor } from '@sluice/testing';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import { closeRedisClient, createRedisClient, deletePoolKeys, RedisFlowStore, ScriptRegistry } from '../src/index.ts';
import { leaseSpans, maxInFlight, noticeLatencies, percentile, priorityInversions, serviceWhileBacklogged } from './helpers/fleet-analysis.ts';
import type { LeaseSpan } from './helpers/fleet-analysis.ts';
import { FleetProcess } from './helpers/fleet-process.ts';
import type { FleetRecord, FleetRequestSpec, FleetWorkerSpec } from './helpers/fleet-worker.ts';

/** Fleet capacity: one endpoint with C concurrent requests, shared by every replica. */
const C = 4;
const REPLICAS = 3;

/** Deterministic PRNG (mulberry32) so a failure can be replayed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function fleetConfig(fairness: FairnessPolicyConfig, priorities: readonly number[]): FlowStoreConfig {
  const band = { ...defaultBandTemplate(60_000), fairness };
  return createFlowStoreConfig({
    detector: { type: DetectorType.Concurrency, mode: 'requests', maxConcurrency: C, maxTokenConcurrency: 1e9 },
    priorityBands: priorities.map((priority) => ({ ...band, priority })),
    defaultPriorityBand: band,
    leaseTtlMs: 10_000,
    replicaTtlMs: 10_000,
  });
}

describe('3 replicas in separate processes share one pool of capacity C', () => {
  const redisUrl = inject('redisUrl');
  const client = createRedisClient({ mode: 'single', url: redisUrl });
  const scripts = ScriptRegistry.fromDirectory();
  const prefix = uniqueKeyPrefix('fleet');
  const workers: FleetProcess[] = [];
  const stores: RedisFlowStore[] = [];
  /** Every cross-replica notice latency measured in this file (ms). */
  const latencies: number[] = [];
  let pools = 0;

  afterEach(async () => {
    for (const w of workers.splice(0)) w.kill();
    for (const s of stores.splice(0)) await deletePoolKeys(client, s.keys);
  });
  afterAll(async () => {
    await closeRedisClient(client);
  });

  async function openPool(config: FlowStoreConfig): Promise<{ store: RedisFlowStore; spec: (replicaId: string, requests: FleetRequestSpec[]) => FleetWorkerSpec }> {
    const pool = `fleet-${++pools}`;
    const store = new RedisFlowStore({ client, scripts, keyPrefix: prefix, pool, config });
    stores.push(store);
    await store.publishEndpoints({ owner: 'observer', snapshot: { endpoints: [{ name: 'ep-0' }] } });
    return { store, spec: (replicaId, requests) => ({ redisUrl, keyPrefix: prefix, pool, replicaId, config, renewIntervalMs: 500, safetyTickMs: 250, requests }) };
  }

  async function runFleet(specs: FleetWorkerSpec[]): Promise<FleetRecord[]> {
    const fleet = specs.map((s) => new FleetProcess(s));
    workers.push(...fleet);
    const crashedWorker = (): void => {
      const crashed = fleet.find((w) => w.crashed);
      if (crashed) throw new Error(`worker crashed: ${crashed.stderr}`);
    };
    // Every replica booted and started its controller before any of them admits anything.
    await waitFor(
      () => {
        crashedWorker();
        return fleet.every((w) => w.ready);
      },
      { timeoutMs: 60_000, what: 'every replica to be ready', intervalMs: 10 },
    );
    for (const w of fleet) w.go();
    await waitFor(
      () => {
        crashedWorker();
        return fleet.every((w) => w.done);
      },
      { timeoutMs: 60_000, what: 'every replica to finish', intervalMs: 10 },
    );
    const records = fleet.flatMap((w) => w.records);
    latencies.push(...noticeLatencies(records));
    return records;
  }

  it('mixed priorities and tenants: in-flight never above C, zero priority inversions, every request once', async () => {
    const { store, spec } = await openPool(fleetConfig({ type: FairnessPolicyType.RoundRobin }, [10, 5]));
    const random = rng(20261122);
    const specs = Array.from({ length: REPLICAS }, (_, r) =>
      spec(
        `replica-${r}`,
        Array.from({ length: 60 }, (_, i) => ({
          id: `r${r}-${i}`,
          tenant: `tenant-${Math.floor(random() * 4)}`,
          priority: [0, 5, 10][Math.floor(random() * 3)]!,
          delayMs: Math.floor(random() * 4),
          holdMs: 2 + Math.floor(random() * 8),
          prompt: 10,
          output: 10,
        })),
      ),
    );
    const records = await runFleet(specs);
    expect(records).toHaveLength(REPLICAS * 60);
    expect(new Set(records.map((r) => r.id)).size).toBe(records.length);
    expect(records.filter((r) => !r.dispatched)).toEqual([]);
    const queued = records.filter((r) => r.admitKind === 'queued').length;
    expect(queued).toBeGreaterThan(records.length / 4); // the pool really was contended
    expect(maxInFlight(leaseSpans(records))).toBe(C);
    expect(priorityInversions(records)).toEqual([]);
    // Non-vacuous: higher- and lower-priority items really waited at the same time, often.
    const overlapping = records.filter(
      (h) => h.admitKind === 'queued' && records.some((l) => l.admitKind === 'queued' && l.priority < h.priority && l.admitAtMs < h.dispatchAtMs! && l.dispatchAtMs! > h.admitAtMs),
    );
    expect(overlapping.length).toBeGreaterThan(10);
    const st = await store.stats();
    expect([st.len, st.leases.count, st.replicas.length]).toEqual([0, 0, 0]); // deregistered on exit
  });

  for (const policy of ['round-robin', 'token-fairness'] as const) {
    it(`${policy}: two backlogged tenants admitted on different replicas get equal service (±5%)`, async () => {
      const fairness: FairnessPolicyConfig =
        policy === 'round-robin' ? { type: FairnessPolicyType.RoundRobin } : { type: FairnessPolicyType.TokenFairness };
      const { store, spec } = await openPool(fleetConfig(fairness, []));
      // Hold the whole capacity so every request of both tenants is queued before service starts.
      const blockers: { leaseId: string; from: number }[] = [];
      for (let i = 0; i < C; i++) {
        const r = await store.admit({ requestId: `block-${i}`, owner: 'observer', flow: { fairnessId: 'blocker', priority: 0 }, bytes: 1, tokens: { uncachedPromptTokens: 0, expectedOutputTokens: 0 } });
        if (r.kind !== 'dispatched') throw new Error('blocker was not dispatched');
        blockers.push({ leaseId: r.lease.leaseId, from: r.lease.dispatchedAtMs });
      }
      // Tenant "alpha" is admitted on replica-0 and replica-2, "beta" on replica-1 and replica-2.
      // Token fairness: beta's requests are 3× larger, so equal token service = 3 alpha per beta.
      const big = policy === 'token-fairness' ? 3 : 1;
      const random = rng(policy === 'round-robin' ? 7 : 11);
      const make = (replica: number, tenant: string, count: number, size: number): FleetRequestSpec[] =>
        Array.from({ length: count }, (_, i) => ({
          id: `${tenant}-r${replica}-${i}`,
          tenant,
          priority: 0,
          delayMs: 0,
          holdMs: 1 + Math.floor(random() * 3),
          prompt: 50 * size,
          output: 50 * size,
        }));
      const alphaEach = 60 * big;
      const betaEach = 60;
      const specs = [
        spec('replica-0', make(0, 'alpha', alphaEach, 1)),
        spec('replica-1', make(1, 'beta', betaEach, big)),
        spec('replica-2', [...make(2, 'alpha', alphaEach, 1), ...make(2, 'beta', betaEach, big)]),
      ];
      const fleet = runFleet(specs);
      const total = 2 * alphaEach + 2 * betaEach;
      await waitFor(async () => (await store.stats()).len === total, { timeoutMs: 30_000, what: 'both tenants to be backlogged', intervalMs: 10 });
      const blockerSpans: LeaseSpan[] = [];
      for (const b of blockers) {
        const r = await store.release({ owner: 'observer', leaseId: b.leaseId });
        blockerSpans.push({ from: b.from, to: r.storeNowMs! });
      }
      const records = await fleet;
      expect(records.filter((r) => !r.dispatched)).toEqual([]);
      expect(maxInFlight([...leaseSpans(records), ...blockerSpans])).toBe(C);
      const service = serviceWhileBacklogged(records, ['alpha', 'beta'], (r) => (policy === 'round-robin' ? 1 : r.tokens));
      const alpha = service.get('alpha')!;
      const beta = service.get('beta')!;
      expect(alpha + beta).toBeGreaterThan(0);
      expect(Math.abs(alpha - beta) / ((alpha + beta) / 2)).toBeLessThanOrEqual(0.05);
    });
  }

  it('cross-replica dispatch notices: latency from the Redis TIME of the dispatch to the owner\'s receipt', () => {
    const sorted = [...latencies].sort((a, b) => a - b);
    const summary = { count: sorted.length, p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99), maxMs: sorted.at(-1) };
    console.log(`cross-replica notice latency: ${JSON.stringify(summary)}`);
    expect(sorted.length).toBeGreaterThan(60);
    // Loose bound: on a shared 2-core machine running 3 workers, vitest and Redis, a descheduled
    // worker adds tens of ms. The < 5 ms p99 target is measured without that load by bench-flow
    // (crossReplicaNoticeP99Ms); here it is reported, and only gross regressions fail.
    expect(summary.p99Ms).toBeLessThan(250);
  });
});
