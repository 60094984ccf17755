import type { PoolMetricsSnapshot } from './scrape-loop.ts';

/**
 * The values behind the `inference_pool_*` gauges (reference §8 "Pool"), computed from one
 * snapshot over endpoints whose metrics are fresh (scraped within `maxAgeMs` of `nowMs`).
 * Averages and population standard deviations are over endpoints that expose the value; NaN when none does.
 */
export interface PoolAggregates {
  readonly readyEndpoints: number;
  readonly averageKvCacheUtilization: number;
  readonly stdDevKvCacheUtilization: number;
  readonly averageQueueSize: number;
  readonly stdDevQueueSize: number;
  readonly averageRunningRequests: number;
  readonly stdDevRunningRequests: number;
  /** endpoint → waiting queue size (per_endpoint_queue_size). */
  readonly perEndpointQueueSize: ReadonlyMap<string, number>;
}

export function poolAggregates(snapshot: PoolMetricsSnapshot, nowMs: number, maxAgeMs: number): PoolAggregates {
  const fresh = snapshot.endpoints.filter((e) => e.metrics !== null && e.lastSuccessMs !== null && nowMs - e.lastSuccessMs <= maxAgeMs);
  const kv: number[] = [];
  const queue: number[] = [];
  const running: number[] = [];
  const perEndpointQueueSize = new Map<string, number>();
  for (const e of fresh) {
    const m = e.metrics!;
    if (m.kvCacheUsage !== undefined) kv.push(m.kvCacheUsage);
    if (m.waitingQueueSize !== undefined) {
      queue.push(m.waitingQueueSize);
      perEndpointQueueSize.set(e.endpoint, m.waitingQueueSize);
    }
    if (m.runningRequests !== undefined) running.push(m.runningRequests);
  }
  return {
    readyEndpoints: fresh.length,
    averageKvCacheUtilization: mean(kv),
    stdDevKvCacheUtilization: stdDev(kv),
    averageQueueSize: mean(queue),
    stdDevQueueSize: stdDev(queue),
    averageRunningRequests: mean(running),
    stdDevRunningRequests: stdDev(running),
    perEndpointQueueSize,
  };
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((a, v) => a + v, 0) / values.length;
}

function stdDev(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const m = mean(values);
  return Math.sqrt(values.reduce((a, v) => a + (v - m) ** 2, 0) / values.length);
}
