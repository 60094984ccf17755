import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'router',
    include: ['test/**/*.test.ts'],
    globalSetup: ['@sluice/testing/redis-global-setup'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Each file starts its own simulators and routers; running files one at a time keeps the
    // 2-core machine from turning timing-sensitive scenarios into noise.
    fileParallelism: false,
  },
});
