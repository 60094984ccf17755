import type { DetectorConfig } from './detector.ts';
import type { FairnessPolicyConfig, OrderingPolicyConfig, UsageLimitPolicyConfig } from './policies.ts';

/**
 * A band template (llm-d `defaultPriorityBand` / `defaultNegativePriorityBand`), resolved:
 * every field present, quantities already parsed. Plain JSON.
 */
export interface BandTemplate {
  /** Max queued body bytes in this band; > 0 (per-band limits are never unbounded). */
  readonly maxBytes: number;
  /** Max queued requests in this band; > 0. */
  readonly maxRequests: number;
  readonly fairness: FairnessPolicyConfig;
  readonly ordering: OrderingPolicyConfig;
  /**
   * Saturation TTL (ms) for items of this band that carry no per-request TTL; 0 disables TTL
   * eviction. Defaults to the global `defaultRequestTtlMs`.
   */
  readonly requestTtlMs: number;
}

/** A statically configured band. Static bands are never garbage-collected. */
export interface BandConfig extends BandTemplate {
  readonly priority: number;
}

/**
 * Everything a FlowStore needs, resolved and serialisable (the Redis store passes it to Lua as JSON).
 * Produce it with `resolveFlowStoreConfig` from the llm-d shaped input.
 */
export interface FlowStoreConfig {
  /** Global queued-bytes limit; 0 = unlimited. */
  readonly maxBytes: number;
  /** Global queued-requests limit; 0 = unlimited. */
  readonly maxRequests: number;
  /** Default saturation TTL (ms) when the pool has endpoints; 0 disables. Default 60 000. */
  readonly defaultRequestTtlMs: number;
  /** TTL (ms) while the pool has no endpoints; 0 disables. Default = defaultRequestTtlMs. */
  readonly noEndpointRequestTtlMs: number;
  readonly priorityBands: readonly BandConfig[];
  readonly defaultPriorityBand: BandTemplate;
  /** Template for bands with priority < 0; null → use defaultPriorityBand. */
  readonly defaultNegativePriorityBand: BandTemplate | null;
  readonly usageLimit: UsageLimitPolicyConfig;
  readonly detector: DetectorConfig;
  /** Lease lifetime (ms) after dispatch or the last renew. Default 30 000. */
  readonly leaseTtlMs: number;
  /** Replica heartbeat lifetime (ms) after the last renew/admit. Default 15 000. */
  readonly replicaTtlMs: number;
  /** An empty flow with no leases is deleted after being idle this long (ms). Default 300 000. */
  readonly flowIdleTimeoutMs: number;
  /** A dynamic band that is not desired and empty is deleted after this long (ms). Default 600 000. */
  readonly bandIdleTimeoutMs: number;
  /** Max items dispatched by one store call (admit/release/cancel/dispatch/reap). Default 32. */
  readonly dispatchBatchMax: number;
  /** Upper bound (s) of the Retry-After estimate for a queue-full 429. Default 60. */
  readonly retryAfterMaxSec: number;
}
