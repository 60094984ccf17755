import type { FlowNotice } from '@sluice/flow-control';
import { uniqueKeyPrefix, waitFor } from '@sluice/testing';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { closeRedisClient, createRedisClient, PoolKeys, RedisInboxReader } from '../src/index.ts';
import { RedisProcess } from './helpers/redis-process.ts';

function notice(i: number): FlowNotice {
  return { type: 'evicted', requestId: `r${i}`, outcome: 'evicted-ttl', queueWaitMs: i };
}

describe('RedisInboxReader', () => {
  const client = createRedisClient({ mode: 'single', url: inject('redisUrl') });
  const keys = new PoolKeys(uniqueKeyPrefix('inbox-reader'), 'pool');
  afterAll(async () => {
    await client.del(keys.inbox('r1'), keys.inbox('r2'));
    await closeRedisClient(client);
  });

  it('delivers backlog and live notices once, in order, in bounded batches that never overlap', async () => {
    await client.rpush(keys.inbox('r1'), ...Array.from({ length: 150 }, (_, i) => JSON.stringify(notice(i))));
    const reader = new RedisInboxReader({ client, keys, batchMax: 64 });
    const got: FlowNotice[] = [];
    const batchSizes: number[] = [];
    let inCallback = false;
    let overlapped = false;
    const sub = reader.subscribe('r1', (batch) => {
      overlapped ||= inCallback;
      inCallback = true;
      batchSizes.push(batch.length);
      got.push(...batch);
      inCallback = false;
    });
    try {
      await waitFor(() => got.length >= 150, { timeoutMs: 5000, what: 'the backlog' });
      for (let i = 150; i < 200; i++) await client.rpush(keys.inbox('r1'), JSON.stringify(notice(i)));
      await waitFor(() => got.length >= 200, { timeoutMs: 5000, what: 'live notices' });
    } finally {
      await sub.stop();
    }
    expect(got.map((n) => n.requestId)).toEqual(Array.from({ length: 200 }, (_, i) => `r${i}`));
    expect(Math.max(...batchSizes)).toBeLessThanOrEqual(64);
    expect(overlapped).toBe(false);
    expect(await client.llen(keys.inbox('r1'))).toBe(0);
  });

  it('stop() ends delivery: later notices stay in the list', async () => {
    const reader = new RedisInboxReader({ client, keys });
    let calls = 0;
    const sub = reader.subscribe('r2', () => calls++);
    await sub.stop();
    await client.rpush(keys.inbox('r2'), JSON.stringify(notice(1)));
    expect(calls).toBe(0);
    expect(await client.llen(keys.inbox('r2'))).toBe(1);
  });

  it('falls back to BLPOP + LPOP when the server has no BLMPOP (Redis 6.2)', async () => {
    const old = await RedisProcess.start(['--rename-command', 'BLMPOP', '']);
    const oldClient = createRedisClient({ mode: 'single', url: old.url });
    try {
      await oldClient.rpush(keys.inbox('r3'), ...Array.from({ length: 5 }, (_, i) => JSON.stringify(notice(i))));
      const errors: unknown[] = [];
      const got: FlowNotice[] = [];
      const sub = new RedisInboxReader({ client: oldClient, keys, onError: (e) => errors.push(e) }).subscribe('r3', (batch) => got.push(...batch));
      try {
        await waitFor(() => got.length >= 5, { timeoutMs: 5000, what: 'the backlog' });
        await oldClient.rpush(keys.inbox('r3'), JSON.stringify(notice(5)));
        await waitFor(() => got.length >= 6, { timeoutMs: 5000, what: 'a live notice' });
      } finally {
        await sub.stop();
      }
      expect(got.map((n) => n.requestId)).toEqual(['r0', 'r1', 'r2', 'r3', 'r4', 'r5']);
      expect(errors).toEqual([]);
    } finally {
      await closeRedisClient(oldClient);
      await old.stop();
    }
  });
});
