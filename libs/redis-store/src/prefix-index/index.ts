// The Redis-backed global prefix index (lua/lookupPrefix-2, recordPrefix-5, evictPrefix-2, removePrefixEndpoint-4),
// and the shared metrics snapshot of the scrape leader.
export type { RedisPrefixIndexOptions } from './redis-prefix-index.ts';
export { RedisPrefixIndex } from './redis-prefix-index.ts';
export { RedisMetricsSnapshotStore } from './redis-metrics-snapshot-store.ts';
