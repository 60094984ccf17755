import { uniqueKeyPrefix } from '@sluice/testing';
import { afterAll, beforeAll } from 'vitest';
import { runPrefixIndexConformance } from '@sluice/scheduling/prefix-conformance';
import { closeRedisClient, createRedisClient, PoolKeys, ScriptRegistry } from '../../src/index.ts';
import type { RedisClient } from '../../src/index.ts';
import { RedisPrefixIndex } from '../../src/prefix-index/index.ts';
import { RedisClusterProcesses } from '../helpers/redis-cluster.ts';

// Every key of a pool's prefix index shares the {pool} hash tag, so the scripts run unchanged on Cluster.
let cluster: RedisClusterProcesses | undefined;
let client: RedisClient | undefined;
const scripts = ScriptRegistry.fromDirectory();

beforeAll(async () => {
  cluster = await RedisClusterProcesses.start(3);
  client = createRedisClient({ mode: 'cluster', nodes: cluster.seeds });
});
afterAll(async () => {
  if (client !== undefined) await closeRedisClient(client);
  await cluster?.stop();
});

runPrefixIndexConformance('RedisPrefixIndex (3-master cluster)', ({ defaultCapacityBlocks }) => {
  if (client === undefined) throw new Error('cluster not started');
  const index = new RedisPrefixIndex({ client, scripts, keys: new PoolKeys(uniqueKeyPrefix('prefix-index-cluster'), 'pool'), defaultCapacityBlocks });
  return Promise.resolve({ index, cleanup: () => index.deleteAll() });
});
