import type { UtilizationDetectorConfig } from '../types/detector.ts';

/** One endpoint's metrics with their store-clock timestamp. */
export interface TimedEndpointMetrics {
  readonly name: string;
  readonly waitingQueueSize: number | undefined;
  readonly kvCacheUsage: number | undefined;
  /** Store-clock ms when the metrics were taken (publish time − metricsAgeMs). */
  readonly updatedAtMs: number;
}

/**
 * `utilization-detector` saturation (reference §3.1) plus in-flight credit (upstream #2066):
 * mean over endpoints of max(waiting/queueDepthThreshold, kv/kvCacheUtilThreshold), where missing or
 * stale metrics (`nowMs − updatedAtMs > metricsStalenessThresholdMs`) score 1.0; plus, when enabled,
 * `creditLeases / (N · queueDepthThreshold)`, where creditLeases counts live leases dispatched at or
 * after the OLDEST endpoint's updatedAtMs (requests the scrape cannot have seen yet). Zero endpoints → 1.0.
 */
export function utilizationSaturation(
  cfg: UtilizationDetectorConfig,
  endpoints: readonly TimedEndpointMetrics[],
  nowMs: number,
  creditLeases: number,
): number {
  const n = endpoints.length;
  if (n === 0) return 1;
  let sum = 0;
  for (const e of endpoints) {
    const stale = nowMs - e.updatedAtMs > cfg.metricsStalenessThresholdMs;
    if (stale || e.waitingQueueSize === undefined || e.kvCacheUsage === undefined) {
      sum += 1;
      continue;
    }
    sum += Math.max(e.waitingQueueSize / cfg.queueDepthThreshold, e.kvCacheUsage / cfg.kvCacheUtilThreshold);
  }
  const credit = cfg.inFlightCredit ? creditLeases / (n * cfg.queueDepthThreshold) : 0;
  return sum / n + credit;
}

/** The time from which leases count as in-flight credit: the oldest endpoint's updatedAtMs. */
export function creditSinceMs(endpoints: readonly TimedEndpointMetrics[]): number {
  let min = Infinity;
  for (const e of endpoints) if (e.updatedAtMs < min) min = e.updatedAtMs;
  return min;
}
