import { createFlowStoreConfig, createSystemClock, DetectorType, FlowController } from '@sluice/flow-control';
import type { FlowAdmission } from '@sluice/flow-control';
import { waitFor } from '@sluice/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeRedisClient, createRedisClient, RedisFlowStore, RedisInboxReader, ScriptRegistry } from '../src/index.ts';
import type { RedisClient } from '../src/index.ts';
import { RedisProcess } from './helpers/redis-process.ts';

const CAPACITY = 4;

describe('Redis restarts and loses every key while requests are queued and leased', () => {
  let redis: RedisProcess;
  const clients: RedisClient[] = [];
  const controllers: FlowController[] = [];

  beforeAll(async () => {
    redis = await RedisProcess.start();
  });
  afterAll(async () => {
    for (const c of controllers) await c.stop().catch(() => undefined);
    for (const c of clients) await closeRedisClient(c);
    await redis.destroy();
  });

  it('owners re-create their leases and queued items on renew; every admitted request finishes once', async () => {
    const config = createFlowStoreConfig({
      detector: { type: DetectorType.Concurrency, mode: 'requests', maxConcurrency: CAPACITY, maxTokenConcurrency: 1e9 },
      leaseTtlMs: 3000,
      replicaTtlMs: 2000,
    });
    const scripts = ScriptRegistry.fromDirectory();
    const stores = ['replica-a', 'replica-b'].map((replicaId) => {
      const client = createRedisClient({ mode: 'single', url: redis.url });
      client.on('error', () => {});
      clients.push(client);
      const store = new RedisFlowStore({ client, scripts, keyPrefix: 'restart', pool: 'p', config });
      const controller = new FlowController({
        store,
        inbox: new RedisInboxReader({ client, keys: store.keys, blockSeconds: 1 }),
        replicaId,
        clock: createSystemClock(),
        renewIntervalMs: 150,
        safetyTickMs: 100,
      });
      controllers.push(controller);
      return { store, controller };
    });
    // The metrics leader republishes the endpoint list on its tick, so it comes back after the
    // restart. It publishes under its own id: notices for the replicas' items go to their inboxes
    // (publishing as 'replica-a' would hand a's notices to this loop, which drops them).
    let publishing = true;
    const publisher = (async () => {
      while (publishing) {
        await stores[0]!.store.publishEndpoints({ owner: 'metrics-leader', snapshot: { endpoints: [{ name: 'ep-0' }] } }).catch(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    for (const s of stores) await s.controller.start();

    const results: FlowAdmission[] = [];
    const all = stores.flatMap(({ controller }, r) =>
      Array.from({ length: 30 }, async (_, i) => {
        const admission = await controller.admit({
          requestId: `r${r}-${i}`,
          flow: { fairnessId: `tenant-${i % 3}`, priority: 0 },
          bytes: 10,
          tokens: { uncachedPromptTokens: 5, expectedOutputTokens: 5 },
        });
        if (admission.dispatched) {
          await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 30));
          await controller.release(admission.lease.leaseId);
        }
        results.push(admission);
      }),
    );
    await waitFor(() => results.length >= 8, { timeoutMs: 20_000, what: 'some requests to finish before the crash' });
    const before = await stores[0]!.store.stats();
    expect(before.len).toBeGreaterThan(0);

    await redis.stop();
    await redis.start();

    await Promise.all(all);
    publishing = false;
    await publisher;
    expect(results).toHaveLength(60);
    expect(results.filter((a) => !a.dispatched)).toEqual([]);
    const after = await waitFor(
      async () => {
        const s = await stores[0]!.store.stats();
        return s.len === 0 && s.leases.count === 0 ? s : undefined;
      },
      { timeoutMs: 10_000, what: 'an empty, lease-free pool' },
    );
    expect(after.incarnation).not.toBe(before.incarnation);
  });
});
