import { defineProject } from 'vitest/config';

export default defineProject({ test: { name: 'tokenizer:unit', include: ['test/**/*.test.ts'] } });
