import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@sluice/testing';
import { closeRedisClient, createRedisClient, LeaderElection, LeaderLease, PoolKeys, ReplicaRegistry, ScriptRegistry } from '../src/index.ts';
import type { RedisClient } from '../src/index.ts';
import { RedisProcess } from './helpers/redis-process.ts';

describe('leader lease and replica registry', () => {
  let redis: RedisProcess;
  let client: RedisClient;
  const scripts = ScriptRegistry.fromDirectory();
  const keys = new PoolKeys('t-leases', 'pool-a');

  beforeAll(async () => {
    redis = await RedisProcess.start();
    client = createRedisClient({ mode: 'single', url: redis.url });
  });
  afterAll(async () => {
    await closeRedisClient(client);
    await redis.destroy();
  });

  it('lets one holder at a time acquire, renew and release', async () => {
    const a = new LeaderLease({ client, scripts, key: keys.leader('scraper'), token: 'replica-a', leaseMs: 5000 });
    const b = new LeaderLease({ client, scripts, key: keys.leader('scraper'), token: 'replica-b', leaseMs: 5000 });
    expect(await a.tryAcquire()).toBe(true);
    expect(await b.tryAcquire()).toBe(false);
    expect(await a.tryAcquire()).toBe(true);
    expect(await b.renew()).toBe(false);
    expect(await b.release()).toBe(false);
    expect(await a.holder()).toBe('replica-a');
    expect(await a.renew()).toBe(true);
    expect(await client.pttl(a.key)).toBeGreaterThan(4000);
    expect(await a.release()).toBe(true);
    expect(await b.tryAcquire()).toBe(true);
    expect(await a.renew()).toBe(false);
  });

  it('hands the lease over once it expires (Redis server clock)', async () => {
    const a = new LeaderLease({ client, scripts, key: keys.leader('expiring'), token: 'a', leaseMs: 30 });
    const b = new LeaderLease({ client, scripts, key: keys.leader('expiring'), token: 'b', leaseMs: 30 });
    expect(await a.tryAcquire()).toBe(true);
    const deadline = Date.now() + 2000;
    let acquired = false;
    while (!acquired && Date.now() < deadline) acquired = await b.tryAcquire();
    expect(acquired).toBe(true);
    expect(await a.renew()).toBe(false);
  });

  it('tracks live and dead replicas by heartbeat expiry', async () => {
    let now = 1_000_000;
    const registry = new ReplicaRegistry({ client, scripts, key: keys.replicas, nowOverride: () => now });
    expect(await registry.heartbeat('r1', 1000)).toBe(1_001_000);
    await registry.heartbeat('r2', 3000);
    now += 1500;
    expect(await registry.list()).toEqual({ live: ['r2'], dead: ['r1'], nowMs: 1_001_500 });
    expect(await registry.remove('r1')).toBe(true);
    expect((await registry.list()).dead).toEqual([]);
  });

  it('uses the Redis clock when no override is given', async () => {
    const registry = new ReplicaRegistry({ client, scripts, key: keys.key('replicas-real') });
    const expiry = await registry.heartbeat('r1', 10_000);
    expect(Math.abs(expiry - (Date.now() + 10_000))).toBeLessThan(2000);
    expect((await registry.list()).live).toEqual(['r1']);
  });

  it('LeaderElection: one leader at a time; graceful stop hands over at once; a dead leader is replaced after its lease', async () => {
    const events: string[] = [];
    const elect = (token: string) =>
      new LeaderElection({
        lease: new LeaderLease({ client, scripts, key: keys.leader('election'), token, leaseMs: 300 }),
        intervalMs: 50,
        onChange: (leader) => events.push(`${token}:${leader}`),
      });
    const a = elect('a');
    const b = elect('b');
    a.start();
    await waitFor(() => a.isLeader, { timeoutMs: 2000, what: 'a to lead' });
    b.start();
    await waitFor(() => events.length >= 1, { timeoutMs: 2000, what: 'the first change' });
    expect(b.isLeader).toBe(false);
    await a.stop();
    await waitFor(() => b.isLeader, { timeoutMs: 2000, what: 'b to take over after a graceful stop' });
    expect(a.isLeader).toBe(false);

    // b "dies" without releasing: its lease lapses after leaseMs and c takes over
    const bLease = new LeaderLease({ client, scripts, key: keys.leader('election'), token: 'b', leaseMs: 300 });
    await b.stop();
    expect(await bLease.tryAcquire()).toBe(true);
    const c = elect('c');
    c.start();
    try {
      await waitFor(() => c.isLeader, { timeoutMs: 3000, what: 'c to take over after the lease lapsed' });
    } finally {
      await c.stop();
    }
    expect(events).toEqual(['a:true', 'a:false', 'b:true', 'b:false', 'c:true', 'c:false']);
  });
});
