import type { TestProject } from 'vitest/node';
import { startRedis } from './redis-provider.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** redis:// URL of the Redis this test run uses; read it with `inject('redisUrl')`. */
    redisUrl: string;
    /** Where it came from: env | redis-server | testcontainers. */
    redisSource: string;
  }
}

/**
 * vitest globalSetup: one Redis per test run (see startRedis for the order of sources), shared by
 * the test files of the project that lists this file, stopped when the run ends.
 * Use it in a project's vitest.config.ts as `globalSetup: [redisGlobalSetupPath]`.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const redis = await startRedis();
  project.provide('redisUrl', redis.url);
  project.provide('redisSource', redis.source);
  return async () => {
    await redis.stop();
  };
}
