import { createFlowStoreConfig, DetectorType } from '@sluice/flow-control';
import type { FlowStoreConfig } from '@sluice/flow-control';
import { uniqueKeyPrefix, waitFor } from '@sluice/testing';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import { closeRedisClient, createRedisClient, deletePoolKeys, RedisFlowStore, ScriptRegistry } from '../src/index.ts';
import { WorkerProcess } from './helpers/worker-process.ts';
import type { WorkerSpec } from './helpers/replica-worker.ts';

/** Fleet capacity: one endpoint with CAPACITY concurrent requests, shared by every replica. */
const CAPACITY = 4;

function fleetConfig(): FlowStoreConfig {
  return createFlowStoreConfig({
    detector: { type: DetectorType.Concurrency, mode: 'requests', maxConcurrency: CAPACITY, maxTokenConcurrency: 1e9 },
    leaseTtlMs: 2000,
    replicaTtlMs: 1200,
    defaultRequestTtlMs: 60_000,
  });
}

describe('replicas in separate processes share one pool', () => {
  const redisUrl = inject('redisUrl');
  const client = createRedisClient({ mode: 'single', url: redisUrl });
  const scripts = ScriptRegistry.fromDirectory();
  const prefix = uniqueKeyPrefix('multi-process');
  const workers: WorkerProcess[] = [];
  const stores: RedisFlowStore[] = [];
  let pools = 0;

  afterEach(async () => {
    for (const w of workers.splice(0)) w.kill();
    for (const s of stores.splice(0)) await deletePoolKeys(client, s.keys);
  });
  afterAll(async () => {
    await closeRedisClient(client);
  });

  /** A pool with one endpoint published, plus its observer store. */
  async function openPool(): Promise<{ store: RedisFlowStore; spec: (replicaId: string, requests: number) => WorkerSpec }> {
    const pool = `fleet-${++pools}`;
    const config = fleetConfig();
    const store = new RedisFlowStore({ client, scripts, keyPrefix: prefix, pool, config });
    stores.push(store);
    await store.publishEndpoints({ owner: 'observer', snapshot: { endpoints: [{ name: 'ep-0' }] } });
    return {
      store,
      spec: (replicaId, requests) => ({ redisUrl, keyPrefix: prefix, pool, replicaId, config, requests, holdMs: [5, 25], renewIntervalMs: 200, safetyTickMs: 100 }),
    };
  }

  /** Samples the fleet-wide lease count until `until()` holds; returns the highest count seen. */
  async function watchLeases(store: RedisFlowStore, until: () => boolean, timeoutMs: number): Promise<number> {
    let max = 0;
    await waitFor(
      async () => {
        max = Math.max(max, (await store.stats()).leases.count);
        return until();
      },
      { timeoutMs, what: 'the replicas to finish', intervalMs: 5 },
    );
    return max;
  }

  it('3 processes: every request dispatched exactly once, fleet concurrency never above capacity', async () => {
    const { store, spec } = await openPool();
    for (let i = 0; i < 3; i++) workers.push(new WorkerProcess(spec(`replica-${i}`, 30)));
    const maxLeases = await watchLeases(store, () => workers.every((w) => w.done), 60_000);
    const finished = workers.flatMap((w) => w.finished);
    expect(finished).toHaveLength(90);
    expect(new Set(finished.map((l) => l.id)).size).toBe(90);
    expect(finished.every((l) => l.dispatched === true)).toBe(true);
    expect(maxLeases).toBeLessThanOrEqual(CAPACITY);
    expect(maxLeases).toBeGreaterThan(0);
    const st = await store.stats();
    expect([st.len, st.leases.count]).toEqual([0, 0]);
  });

  it('SIGKILL of a replica: its leases and queued items are reaped, the others finish, no capacity leaks', async () => {
    const { store, spec } = await openPool();
    const victim = new WorkerProcess(spec('victim', 40));
    workers.push(victim);
    await waitFor(async () => (await store.stats()).leases.count > 0 && victim.finished.length >= 3, { timeoutMs: 30_000, what: 'the victim to hold leases' });
    victim.kill('SIGKILL');
    await victim.exited;
    const survivors = [new WorkerProcess(spec('survivor-0', 25)), new WorkerProcess(spec('survivor-1', 25))];
    workers.push(...survivors);
    const maxLeases = await watchLeases(store, () => survivors.every((w) => w.done), 60_000);
    const finished = survivors.flatMap((w) => w.finished);
    expect(finished).toHaveLength(50);
    expect(finished.every((l) => l.dispatched === true)).toBe(true);
    expect(maxLeases).toBeLessThanOrEqual(CAPACITY);
    const st = await waitFor(
      async () => {
        const s = await store.stats();
        return s.leases.count === 0 && s.len === 0 && !s.replicas.some((r) => r.id === 'victim') ? s : undefined;
      },
      { timeoutMs: 10_000, what: 'the victim to be reaped' },
    );
    expect(st.leases.count).toBe(0);
  });
});
