import { defineProject } from 'vitest/config';

// Deployment artifacts: Dockerfile, docker-compose.yml vs `npm run stack`, Kubernetes manifests,
// the Grafana dashboard. Files run one at a time: two of them start real sims and routers.
export default defineProject({
  test: { name: 'deploy', include: ['test/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 60_000, fileParallelism: false },
});
