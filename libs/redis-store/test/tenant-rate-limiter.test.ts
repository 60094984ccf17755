import { runRateLimiterConformance } from '@sluice/flow-control/conformance';
import { uniqueKeyPrefix } from '@sluice/testing';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { closeRedisClient, createRedisClient, deletePoolKeys, PoolKeys, RedisTenantRateLimiter, ScriptRegistry } from '../src/index.ts';

const client = createRedisClient({ mode: 'single', url: inject('redisUrl') });
const scripts = ScriptRegistry.fromDirectory();
const prefix = uniqueKeyPrefix('rate-limit');
const pools: PoolKeys[] = [];
afterAll(async () => {
  for (const keys of pools) await deletePoolKeys(client, keys);
  await closeRedisClient(client);
});
const freshKeys = (): PoolKeys => {
  const keys = new PoolKeys(prefix, `pool-${pools.length + 1}`);
  pools.push(keys);
  return keys;
};

runRateLimiterConformance('RedisTenantRateLimiter', (time, settings) => new RedisTenantRateLimiter({ client, scripts, keys: freshKeys(), nowOverride: () => time.nowMs(), ...settings }));

describe('RedisTenantRateLimiter on Redis TIME', () => {
  it('uses the server clock, keeps every key in the pool slot, and lets idle tenant keys expire', async () => {
    const keys = freshKeys();
    // A 20 s window: the bounds below keep seconds of slack for a loaded machine between the calls.
    const limiter = new RedisTenantRateLimiter({ client, scripts, keys, windowMs: 20_000 });
    const first = await limiter.reserve({ tenant: 'tenant {a}', reservationId: 'r1', tokens: 50, limits: { requestsPerMinute: 3, tokensPerMinute: 300 } });
    expect(first).toEqual({ admitted: true, remainingRequests: 0, remainingTokens: 50 });
    const second = await limiter.reserve({ tenant: 'tenant {a}', reservationId: 'r2', tokens: 1, limits: { requestsPerMinute: 3 } });
    expect(second).toMatchObject({ admitted: false, limit: 'requests', tooLarge: false });
    if (!second.admitted) expect(second.retryAfterMs).toBeGreaterThan(15_000);
    expect(await limiter.outstanding()).toEqual([{ tenant: 'tenant {a}', reservations: 1, reservedTokens: 50 }]);
    const stored = await client.keys(`${keys.base}*`);
    expect(stored.sort()).toEqual([keys.key('rl:open'), keys.key('rl:opentok'), keys.key('rl:tenant {a}:log'), keys.key('rl:tenant {a}:tok')].sort());
    const ttl = await client.pttl(keys.key('rl:tenant {a}:log'));
    expect(ttl).toBeGreaterThan(15_000); // window + 1 s grace, minus the time since the write
    expect(ttl).toBeLessThanOrEqual(21_000);
    expect(await limiter.settle('tenant {a}', 'r1', 20)).toEqual({ settled: true, refundedTokens: 30 });
    expect(await limiter.outstanding()).toEqual([]);
  });
});
