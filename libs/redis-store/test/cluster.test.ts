import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeRedisClient, createBlockingClient, createRedisClient, isCluster, LeaderLease, PoolKeys, ReplicaRegistry, ScriptRegistry } from '../src/index.ts';
import type { RedisClient } from '../src/index.ts';
import { RedisClusterProcesses } from './helpers/redis-cluster.ts';

describe('3-master Redis Cluster', () => {
  let cluster: RedisClusterProcesses;
  let client: RedisClient;
  const scripts = ScriptRegistry.fromDirectory();

  beforeAll(async () => {
    cluster = await RedisClusterProcesses.start(3);
    client = createRedisClient({ mode: 'cluster', nodes: cluster.seeds });
  }, 30_000);
  afterAll(async () => {
    if (client !== undefined) await closeRedisClient(client);
    await cluster?.stop();
  });

  it('spreads pools over the masters and runs scripts on each, surviving SCRIPT FLUSH', async () => {
    expect(isCluster(client)).toBe(true);
    const pools = Array.from({ length: 12 }, (_, i) => new PoolKeys('t-cluster', `pool-${i}`));
    const slots = await Promise.all(pools.map((p) => client.call('CLUSTER', 'KEYSLOT', p.replicas) as Promise<number>));
    const owningMasters = new Set(slots.map((slot) => Math.floor(slot / Math.ceil(16384 / 3))));
    expect(owningMasters.size).toBe(3);

    for (const keys of pools) {
      const registry = new ReplicaRegistry({ client, scripts, key: keys.replicas });
      await registry.heartbeat('r1', 10_000);
      expect((await registry.list()).live).toEqual(['r1']);
    }
    if (!isCluster(client)) throw new Error('expected cluster');
    await Promise.all(client.nodes('master').map((node) => node.script('FLUSH')));
    for (const keys of pools) {
      const lease = new LeaderLease({ client, scripts, key: keys.leader('scraper'), token: 'r1', leaseMs: 5000 });
      expect(await lease.tryAcquire()).toBe(true);
      expect(await lease.renew()).toBe(true);
      expect(await lease.release()).toBe(true);
    }
  });

  it('serves BLPOP on a dedicated blocking connection', async () => {
    const keys = new PoolKeys('t-cluster', 'inbox-pool');
    const blocking = createBlockingClient({ mode: 'cluster', nodes: cluster.seeds });
    try {
      const popped = blocking.blpop(keys.inbox('r1'), 5);
      await client.rpush(keys.inbox('r1'), 'hello');
      expect(await popped).toEqual([keys.inbox('r1'), 'hello']);
    } finally {
      await closeRedisClient(blocking);
    }
  });
});
