import type { BandTemplate, FlowStoreConfig } from '../types/config.ts';
import { DetectorType } from '../types/detector.ts';
import { FairnessPolicyType, OrderingPolicyType, UsageLimitPolicyType } from '../types/policies.ts';

/** Router defaults (reference §1.9). */
export const FLOW_DEFAULTS = {
  requestTtlMs: 60_000,
  bandMaxBytes: 1_000_000_000,
  bandMaxRequests: 5000,
  leaseTtlMs: 30_000,
  replicaTtlMs: 15_000,
  flowIdleTimeoutMs: 300_000,
  bandIdleTimeoutMs: 600_000,
  dispatchBatchMax: 32,
  retryAfterMaxSec: 60,
  maxConcurrency: 100,
  maxTokenConcurrency: 1_000_000,
  queueDepthThreshold: 5,
  kvCacheUtilThreshold: 0.8,
  metricsStalenessThresholdMs: 200,
} as const;

/** The default band template: global-strict + fcfs, 1 GB, 5000 requests, 60 s TTL. */
export function defaultBandTemplate(requestTtlMs: number = FLOW_DEFAULTS.requestTtlMs): BandTemplate {
  return {
    maxBytes: FLOW_DEFAULTS.bandMaxBytes,
    maxRequests: FLOW_DEFAULTS.bandMaxRequests,
    fairness: { type: FairnessPolicyType.GlobalStrict },
    ordering: { type: OrderingPolicyType.Fcfs },
    requestTtlMs,
  };
}

/**
 * A complete FlowStoreConfig with router defaults, shallow-overridden by `overrides`.
 * Default detector: utilization-detector (upstream default); usage limit: static 1.0.
 */
export function createFlowStoreConfig(overrides: Partial<FlowStoreConfig> = {}): FlowStoreConfig {
  const ttl = overrides.defaultRequestTtlMs ?? FLOW_DEFAULTS.requestTtlMs;
  return {
    maxBytes: 0,
    maxRequests: 0,
    defaultRequestTtlMs: ttl,
    noEndpointRequestTtlMs: ttl,
    priorityBands: [],
    defaultPriorityBand: defaultBandTemplate(ttl),
    defaultNegativePriorityBand: null,
    usageLimit: { type: UsageLimitPolicyType.Static, threshold: 1 },
    detector: {
      type: DetectorType.Utilization,
      queueDepthThreshold: FLOW_DEFAULTS.queueDepthThreshold,
      kvCacheUtilThreshold: FLOW_DEFAULTS.kvCacheUtilThreshold,
      metricsStalenessThresholdMs: FLOW_DEFAULTS.metricsStalenessThresholdMs,
      inFlightCredit: true,
    },
    leaseTtlMs: FLOW_DEFAULTS.leaseTtlMs,
    replicaTtlMs: FLOW_DEFAULTS.replicaTtlMs,
    flowIdleTimeoutMs: FLOW_DEFAULTS.flowIdleTimeoutMs,
    bandIdleTimeoutMs: FLOW_DEFAULTS.bandIdleTimeoutMs,
    dispatchBatchMax: FLOW_DEFAULTS.dispatchBatchMax,
    retryAfterMaxSec: FLOW_DEFAULTS.retryAfterMaxSec,
    ...overrides,
  };
}
