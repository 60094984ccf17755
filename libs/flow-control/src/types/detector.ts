/** Saturation detector plugin types (reference §3). */
export const DetectorType = {
  Concurrency: 'concurrency-detector',
  Utilization: 'utilization-detector',
} as const;
export type DetectorType = (typeof DetectorType)[keyof typeof DetectorType];

/**
 * `concurrency-detector`. Load is the store's own lease table (leases are global across replicas).
 * - requests: Σ activeLeases / (readyEndpoints · maxConcurrency)
 * - tokens:   Σ leaseTokens  / (readyEndpoints · maxTokenConcurrency)
 * - hybrid:   mean over ready endpoints of max(req_e/maxConcurrency, tok_e/maxTokenConcurrency), where
 *             leases bound to an endpoint count there and unbound leases are spread evenly.
 * Zero ready endpoints → saturation 1.0. Plain JSON.
 */
export interface ConcurrencyDetectorConfig {
  readonly type: typeof DetectorType.Concurrency;
  readonly mode: 'requests' | 'tokens' | 'hybrid';
  /** Requests per READY endpoint at saturation 1.0. Default 100. */
  readonly maxConcurrency: number;
  /** Tokens (estimated, uncached prompt + expected output) per READY endpoint at 1.0. Default 1e6. */
  readonly maxTokenConcurrency: number;
}

/**
 * `utilization-detector` over the endpoint metrics snapshot held by the store.
 * Per endpoint: max(waiting/queueDepthThreshold, kvCacheUsage/kvCacheUtilThreshold); stale or missing
 * metrics score 1.0. Pool = unweighted mean; zero endpoints → 1.0.
 * In-flight credit (upstream #2066): leases dispatched after the snapshot's metrics were taken and still
 * active add `count / (endpoints · queueDepthThreshold)`, so the gate holds between scrapes.
 * Plain JSON.
 */
export interface UtilizationDetectorConfig {
  readonly type: typeof DetectorType.Utilization;
  /** Waiting requests per endpoint at score 1.0; > 0. Default 5. */
  readonly queueDepthThreshold: number;
  /** KV-cache usage fraction at score 1.0; in (0, 1]. Default 0.8. */
  readonly kvCacheUtilThreshold: number;
  /** Metrics older than this (ms, store clock) count as saturated (score 1.0). Default 200. */
  readonly metricsStalenessThresholdMs: number;
  /** Count leases dispatched since the snapshot as load. Default true. */
  readonly inFlightCredit: boolean;
}

export type DetectorConfig = ConcurrencyDetectorConfig | UtilizationDetectorConfig;

/**
 * One endpoint as published to the store by the metrics scraper (or by endpoint discovery for the
 * concurrency detector, which only needs the list). Plain JSON.
 */
export interface EndpointMetrics {
  /** Endpoint name (pod name or host:port); unique within the pool. */
  readonly name: string;
  /** vLLM `num_requests_waiting`. Absent → metrics unknown → stale for the utilization detector. */
  readonly waitingQueueSize?: number;
  /** KV-cache usage as a fraction in [0, 1]. */
  readonly kvCacheUsage?: number;
  /** Age of these metrics (ms) at the moment of the publish call; 0 = just scraped. */
  readonly metricsAgeMs?: number;
}

/** The ready endpoints of the pool with their latest metrics. Replaces the previous snapshot. */
export interface EndpointSnapshot {
  readonly endpoints: readonly EndpointMetrics[];
}
