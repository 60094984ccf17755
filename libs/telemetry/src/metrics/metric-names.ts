/**
 * Metric names, label sets and buckets. Names follow the GIE/llm-d "legacy twin" families
 * (reference §8, DESIGN.md §5) so dashboards and autoscalers built for the Endpoint Picker work
 * unchanged; Sluice-only metrics use the `sluice_` prefix. All durations are in SECONDS.
 */
export const MetricName = {
  queueSize: 'inference_extension_flow_control_queue_size',
  queueBytes: 'inference_extension_flow_control_queue_bytes',
  requestQueueDuration: 'inference_extension_flow_control_request_queue_duration_seconds',
  flowControlRequests: 'inference_extension_flow_control_requests_total',
  poolSaturation: 'inference_extension_flow_control_pool_saturation',
  leasesInFlight: 'sluice_flow_control_leases_in_flight',
  dispatchBatchSize: 'sluice_flow_control_dispatch_batch_size',
  reapedLeases: 'sluice_flow_control_reaped_leases_total',
  redisScriptCallsPerWrite: 'sluice_redis_script_calls_per_write',
  requestTotal: 'inference_objective_request_total',
  requestErrorTotal: 'inference_objective_request_error_total',
  requestDuration: 'inference_objective_request_duration_seconds',
  requestTtft: 'inference_objective_request_ttft_seconds',
  requestTpot: 'inference_objective_request_tpot_seconds',
  readyPods: 'inference_pool_ready_pods',
  discoveryWatchRestarts: 'sluice_discovery_watch_restarts_total',
  averageKvCacheUtilization: 'inference_pool_average_kv_cache_utilization',
  averageQueueSize: 'inference_pool_average_queue_size',
  perPodQueueSize: 'inference_pool_per_pod_queue_size',
  prefixIndexerHitRatio: 'inference_extension_prefix_indexer_hit_ratio',
  prefixIndexerSize: 'inference_extension_prefix_indexer_size',
  prefixIndexAddedLatency: 'sluice_prefix_index_added_latency_seconds',
  schedulerE2eDuration: 'inference_extension_scheduler_e2e_duration_seconds',
  pluginDuration: 'inference_extension_plugin_duration_seconds',
  authRequests: 'sluice_auth_requests_total',
  authSpoofedHeaders: 'sluice_auth_spoofed_headers_total',
  authPriorityClamped: 'sluice_auth_priority_clamped_total',
  authAdminDenied: 'sluice_auth_admin_denied_total',
  inputRejected: 'sluice_http_input_rejected_total',
  tenantRateLimited: 'sluice_tenant_rate_limited_total',
  tenantReservedTokens: 'sluice_tenant_rate_limit_reserved_tokens_total',
  tenantRefundedTokens: 'sluice_tenant_rate_limit_refunded_tokens_total',
  tenantOutstandingReservations: 'sluice_tenant_rate_limit_outstanding_reservations',
  tenantOutputCapped: 'sluice_tenant_rate_limit_output_capped_total',
} as const;

export const FLOW_LABELS = ['priority', 'fairness_id', 'inference_pool'] as const;
export const QUEUE_DURATION_LABELS = ['outcome', 'priority', 'inference_pool'] as const;
export const REQUEST_LABELS = ['model_name', 'target_model_name', 'objective'] as const;
export const POOL_LABELS = ['inference_pool'] as const;

/**
 * Flow-control outcomes (the `outcome` label; reference §8). Dispatched is the success case; the
 * others map to HTTP statuses in the router.
 */
export const FlowOutcome = {
  Dispatched: 'Dispatched',
  RejectedCapacity: 'RejectedCapacity',
  RejectedNoEndpoints: 'RejectedNoEndpoints',
  RejectedOther: 'RejectedOther',
  EvictedTTL: 'EvictedTTL',
  EvictedNoEndpoints: 'EvictedNoEndpoints',
  EvictedContextCancelled: 'EvictedContextCancelled',
  EvictedOther: 'EvictedOther',
} as const;
export type FlowOutcome = (typeof FlowOutcome)[keyof typeof FlowOutcome];

/**
 * Bucket boundaries. Reference §8 names the metrics but gives no buckets; these are ours:
 * - queue wait spans the fast path (~1 ms, one Redis round trip) to TTL eviction (60 s default);
 * - TTFT uses vLLM's `time_to_first_token_seconds` buckets, so router and engine views line up;
 * - TPOT uses vLLM's inter-token buckets plus two sub-10 ms buckets for fast (simulated) engines;
 * - scheduling and plugin timings are sub-millisecond work.
 */
export const Buckets = {
  queueDurationSeconds: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 30, 60, 120],
  requestDurationSeconds: [0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60, 120, 180, 240, 300, 600, 1200, 3600],
  ttftSeconds: [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80, 160, 640, 2560],
  tpotSeconds: [0.001, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80],
  schedulerSeconds: [0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5],
  pluginSeconds: [0.00001, 0.00002, 0.00005, 0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1],
  ratio: [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1],
  dispatchBatchSize: [1, 2, 4, 8, 16, 32, 64, 128],
  scriptCallsPerWrite: [1, 2, 4, 8, 16, 32, 64, 128, 256],
} as const;

/** Value that replaces a client-derived label once its cap is reached (reference §8). */
export const OTHER_LABEL_VALUE = 'other';
