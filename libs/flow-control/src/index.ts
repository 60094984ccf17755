// @sluice/flow-control: FlowKey, bands, policies, detectors, the FlowStore contract,
// MemoryFlowStore, FlowController and the conformance suite every store passes.

export type { FlowKey } from './types/flow-key.ts';
export { DEFAULT_FAIRNESS_ID, flowKeyString, compareIds, compareFlowKeys } from './types/flow-key.ts';

export type { RejectionOutcome, EvictionOutcome, OutcomeResponse } from './types/outcome.ts';
export { FlowOutcome, DroppedReason, outcomeToResponse } from './types/outcome.ts';

export type {
  FairnessPolicyConfig,
  OrderingPolicyConfig,
  UsageLimitPolicyConfig,
} from './types/policies.ts';
export { FairnessPolicyType, OrderingPolicyType, UsageLimitPolicyType } from './types/policies.ts';

export type {
  ConcurrencyDetectorConfig,
  UtilizationDetectorConfig,
  DetectorConfig,
  EndpointMetrics,
  EndpointSnapshot,
} from './types/detector.ts';
export { DetectorType } from './types/detector.ts';

export type { BandTemplate, BandConfig, FlowStoreConfig } from './types/config.ts';
export { FLOW_DEFAULTS, defaultBandTemplate, createFlowStoreConfig } from './config/defaults.ts';

export type {
  ReplicaId,
  TokenEstimate,
  AdmitRequest,
  QueuedRecord,
  LeaseRecord,
  FlowNotice,
} from './types/items.ts';
export { FAR_FUTURE_MS } from './types/items.ts';

export type {
  FlowStore,
  CycleResult,
  AdmitResult,
  ReleaseResult,
  CancelResult,
  ExpireResult,
  RenewRequest,
  RenewResult,
  ReapResult,
  DispatchResult,
  DeregisterResult,
} from './store/flow-store.ts';
export type { FlowStoreStats, BandStats, FlowStats, EndpointLoad } from './store/stats.ts';
export type { InboxReader, InboxSubscription } from './store/inbox-reader.ts';

export type { TimeSource, Clock, TimerHandle } from './time/clock.ts';
export { createSystemClock, timeSourceOf } from './time/clock.ts';
export { ManualTimeSource } from './time/manual-time-source.ts';

export type {
  ConformanceStoreOptions,
  ConformanceStoreHandle,
  ConformanceStoreFactory,
} from './conformance/factory.ts';

export type { MemoryFlowStoreOptions } from './memory/memory-flow-store.ts';
export { MemoryFlowStore } from './memory/memory-flow-store.ts';

export type { FairnessCandidate, FairnessBandState } from './policies/fairness.ts';
export { pickFlow, tokenWeight, liftedVirtualTokens } from './policies/fairness.ts';
export type { OrderKeyInput } from './policies/ordering.ts';
export { computeOrderKey, compareOrder } from './policies/ordering.ts';
export { computeCeilings } from './policies/usage-limit.ts';
export type { DrainWindow } from './policies/retry-after.ts';
export { DRAIN_WINDOW_MS, newDrainWindow, rollDrainWindow, recordDrain, retryAfterMs } from './policies/retry-after.ts';
export type { LeaseLoad } from './detectors/concurrency.ts';
export { concurrencySaturation } from './detectors/concurrency.ts';
export type { TimedEndpointMetrics } from './detectors/utilization.ts';
export { utilizationSaturation, creditSinceMs } from './detectors/utilization.ts';

// The conformance suite imports vitest, a dev dependency: it is exported only from the test-only
// entry '@sluice/flow-control/conformance', never from here (production images omit vitest).

export type {
  TenantRateLimiter,
  RateLimits,
  RateReserveRequest,
  RateReserveResult,
  RateSettleResult,
  RateLimitKind,
  TenantReservations,
  RateLimiterSettings,
} from './rate-limit/tenant-rate-limiter.ts';
export { RATE_LIMIT_DEFAULTS, limitPerWindow, mergeRateLimits, hasRateLimits } from './rate-limit/tenant-rate-limiter.ts';
export { MemoryTenantRateLimiter } from './rate-limit/memory-tenant-rate-limiter.ts';

export type { FlowControllerOptions } from './controller/flow-controller.ts';
export { FlowController } from './controller/flow-controller.ts';
export type { FlowObserver } from './controller/observer.ts';
export type { FlowRequest, FlowAdmission, CancelSignal } from './controller/types.ts';

export { parseQuantity, parseCountQuantity } from './config/quantity.ts';
export { parseDurationMs } from './config/duration.ts';
export type { PluginSpec, BandInput, FlowControlInput } from './config/resolve.ts';
export { resolveFlowStoreConfig, FlowConfigError } from './config/resolve.ts';
