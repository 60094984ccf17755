import { defineConfig } from 'vitest/config';

// One vitest project per workspace folder that has a vitest.config.ts.
// `npm test` runs all of them; `npx vitest run --project <name>` runs one.
export default defineConfig({
  test: {
    projects: ['apps/*/vitest.config.ts', 'libs/*/vitest.config.ts', 'loadtest/vitest.config.ts', 'deploy/vitest.config.ts'],
  },
});
