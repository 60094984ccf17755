export { ChildRegistry, stopChild } from './child-registry.ts';
export { FakeClock } from './fake-clock.ts';
export type { FakeTimerHandle } from './fake-clock.ts';
export { freePort } from './free-port.ts';
export { uniqueKeyPrefix } from './key-prefix.ts';
export { HOW_TO_GET_REDIS, ping, startRedis, startRedisServer } from './redis-provider.ts';
export type { RedisHandle, RedisSource, StartRedisOptions } from './redis-provider.ts';
export { SIM_BIN, startSimFleet } from './sim-fleet.ts';
export type { SimFleet, SimFleetOptions, SimPod } from './sim-fleet.ts';
export { waitFor } from './wait-for.ts';

import { fileURLToPath } from 'node:url';

/** Absolute path of the vitest globalSetup that provides `inject('redisUrl')`. */
export const redisGlobalSetupPath = fileURLToPath(new URL('./redis-global-setup.ts', import.meta.url));
export { FakeKubeApi, parseLabelSelector } from './fake-kube-api.ts';
export type { FakeKubeApiOptions, KubeObject } from './fake-kube-api.ts';
