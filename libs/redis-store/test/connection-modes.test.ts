import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeRedisClient, createBlockingClient, createRedisClient, LeaderLease, parseHostPorts, PoolKeys, ScriptRegistry } from '../src/index.ts';
import { RedisProcess } from './helpers/redis-process.ts';
import { SentinelProcess } from './helpers/redis-sentinel.ts';

describe('connection factory', () => {
  it('parses host:port seed lists and rejects malformed entries', () => {
    expect(parseHostPorts('10.0.0.1:6379, redis-b:7000')).toEqual([
      { host: '10.0.0.1', port: 6379 },
      { host: 'redis-b', port: 7000 },
    ]);
    expect(() => parseHostPorts('nohost')).toThrow(/invalid host:port/);
    expect(() => parseHostPorts('h:70000')).toThrow(/invalid host:port/);
  });

  describe('Sentinel', () => {
    let master: RedisProcess;
    let sentinel: SentinelProcess;

    beforeAll(async () => {
      master = await RedisProcess.start();
      sentinel = await SentinelProcess.start('sluice-master', master.port);
    });
    afterAll(async () => {
      await sentinel?.stop();
      await master?.destroy();
    });

    it('finds the master through Sentinel and runs scripts and blocking reads on it', async () => {
      const config = { mode: 'sentinel' as const, sentinels: [{ host: '127.0.0.1', port: sentinel.port }], name: 'sluice-master' };
      const client = createRedisClient(config);
      const blocking = createBlockingClient(config);
      try {
        const keys = new PoolKeys('t-sentinel', 'pool');
        const lease = new LeaderLease({ client, scripts: ScriptRegistry.fromDirectory(), key: keys.leader('scraper'), token: 'r1', leaseMs: 5000 });
        expect(await lease.tryAcquire()).toBe(true);
        expect(await lease.renew()).toBe(true);
        const popped = blocking.blpop(keys.inbox('r1'), 5);
        await client.rpush(keys.inbox('r1'), 'notice');
        expect(await popped).toEqual([keys.inbox('r1'), 'notice']);
        expect(client.options.enableAutoPipelining).toBe(false);
        expect(blocking.options.enableAutoPipelining).toBe(false);
      } finally {
        await closeRedisClient(blocking);
        await closeRedisClient(client);
      }
    });
  });
});
