import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'scheduling',
    include: ['test/**/*.test.ts'],
  },
});
