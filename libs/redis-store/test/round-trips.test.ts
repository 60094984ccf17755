import { conformanceTestConfig } from '@sluice/flow-control/conformance';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeRedisClient, createRedisClient, RedisFlowStore, ScriptRegistry } from '../src/index.ts';
import type { RedisClient } from '../src/index.ts';
import { RedisProcess } from './helpers/redis-process.ts';

/**
 * Counts the commands clients send (not the ones scripts run inside Redis) with MONITOR, whose
 * lines mark script-issued commands with source "lua". Returns command name → count.
 */
async function countClientCommands(client: RedisClient, body: () => Promise<void>): Promise<Record<string, number>> {
  if (!(client instanceof Redis)) throw new Error('single-node client expected');
  const monitor = await client.monitor();
  const counts: Record<string, number> = {};
  monitor.on('monitor', (_time: string, args: string[], source: string) => {
    if (source === 'lua') return;
    const name = (args[0] ?? '').toLowerCase();
    counts[name] = (counts[name] ?? 0) + 1;
  });
  try {
    await body();
    await client.ping('end-of-measurement');
    await waitFor(() => (counts.ping ?? 0) > 0, 5000);
  } finally {
    monitor.disconnect();
  }
  delete counts.ping;
  return counts;
}

async function waitFor(predicate: () => boolean, deadlineMs: number): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (!predicate()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('round trips per request (own redis-server, commandstats)', () => {
  let redis: RedisProcess;
  let client: RedisClient;

  beforeAll(async () => {
    redis = await RedisProcess.start();
    client = createRedisClient({ mode: 'single', url: redis.url, autoPipelining: false });
  });
  afterAll(async () => {
    await closeRedisClient(client);
    await redis.destroy();
  });

  it('unsaturated fast path: admit + release = 2 EVALSHA, nothing else', async () => {
    const config = conformanceTestConfig({ detector: { type: 'concurrency-detector', mode: 'requests', maxConcurrency: 100, maxTokenConcurrency: 1e9 } });
    const store = new RedisFlowStore({ client, scripts: ScriptRegistry.fromDirectory(), keyPrefix: 'rt', pool: 'fast', config });
    await store.publishEndpoints({ owner: 'r1', snapshot: { endpoints: [{ name: 'ep-0' }] } });
    await store.admit({ requestId: 'warm', owner: 'r1', flow: { fairnessId: 't', priority: 0 }, bytes: 1, tokens: { uncachedPromptTokens: 1, expectedOutputTokens: 1 } });
    await store.release({ owner: 'r1', leaseId: 'warm' });
    const n = 50;
    const counts = await countClientCommands(client, async () => {
      for (let i = 0; i < n; i++) {
        const admitted = await store.admit({ requestId: `r${i}`, owner: 'r1', flow: { fairnessId: `t${i % 7}`, priority: 0 }, bytes: 10, tokens: { uncachedPromptTokens: 5, expectedOutputTokens: 5 } });
        expect(admitted.kind).toBe('dispatched');
        expect((await store.release({ owner: 'r1', leaseId: `r${i}` })).released).toBe(true);
      }
    });
    expect(counts).toEqual({ evalsha: 2 * n });
  });

  it('queued path: the dispatch notice of the caller rides on the reply of the call that frees capacity', async () => {
    const store = new RedisFlowStore({ client, scripts: ScriptRegistry.fromDirectory(), keyPrefix: 'rt', pool: 'queued', config: conformanceTestConfig() });
    await store.publishEndpoints({ owner: 'r1', snapshot: { endpoints: [{ name: 'ep-0' }] } });
    const counts = await countClientCommands(client, async () => {
      const holder = await store.admit({ requestId: 'a', owner: 'r1', flow: { fairnessId: 't', priority: 0 }, bytes: 1, tokens: { uncachedPromptTokens: 1, expectedOutputTokens: 1 } });
      const waiter = await store.admit({ requestId: 'b', owner: 'r1', flow: { fairnessId: 't', priority: 0 }, bytes: 1, tokens: { uncachedPromptTokens: 1, expectedOutputTokens: 1 } });
      expect([holder.kind, waiter.kind]).toEqual(['dispatched', 'queued']);
      const released = await store.release({ owner: 'r1', leaseId: 'a' });
      expect(released.notices.map((n) => [n.type, n.requestId])).toEqual([['dispatched', 'b']]);
    });
    expect(counts).toEqual({ evalsha: 3 });
  });
});
