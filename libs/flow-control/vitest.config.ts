import { defineProject } from 'vitest/config';

export default defineProject({ test: { name: 'flow-control', include: ['test/**/*.test.ts'] } });
