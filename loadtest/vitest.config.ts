import { defineProject } from 'vitest/config';

// Unit tests (pure metric/workload code) and integration tests against real sluice-sim processes.
// Files run one at a time: the fidelity self-test measures latencies, and this project's own
// simulator-heavy files must not steal its CPU (each file takes seconds).
export default defineProject({ test: { name: 'loadtest', include: ['test/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 60_000, fileParallelism: false } });
