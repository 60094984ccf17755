import { runFlowStoreConformance } from '@sluice/flow-control/conformance';
import { afterAll, beforeAll } from 'vitest';
import { closeRedisClient, createRedisClient } from '../src/index.ts';
import type { RedisClient } from '../src/index.ts';
import { RedisClusterProcesses } from './helpers/redis-cluster.ts';
import { redisConformanceFactory } from './helpers/redis-conformance.ts';

let cluster: RedisClusterProcesses | undefined;
let client: RedisClient | undefined;

beforeAll(async () => {
  cluster = await RedisClusterProcesses.start(3);
  client = createRedisClient({ mode: 'cluster', nodes: cluster.seeds });
});
afterAll(async () => {
  if (client !== undefined) await closeRedisClient(client);
  await cluster?.stop();
});

runFlowStoreConformance(
  'RedisFlowStore (3-master cluster)',
  redisConformanceFactory(() => {
    if (client === undefined) throw new Error('cluster not started');
    return client;
  }, 'flow-store-cluster'),
);
