import { runFlowStoreConformance } from '@sluice/flow-control/conformance';
import { afterAll, inject } from 'vitest';
import { closeRedisClient, createRedisClient } from '../src/index.ts';
import { redisConformanceFactory } from './helpers/redis-conformance.ts';

const client = createRedisClient({ mode: 'single', url: inject('redisUrl') });
afterAll(async () => {
  await closeRedisClient(client);
});

runFlowStoreConformance('RedisFlowStore (single node)', redisConformanceFactory(() => client, 'flow-store-single'));
