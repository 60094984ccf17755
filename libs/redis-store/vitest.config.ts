import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'redis-store',
    include: ['test/**/*.test.ts'],
    globalSetup: ['@sluice/testing/redis-global-setup'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
