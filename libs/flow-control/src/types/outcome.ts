/**
 * Terminal outcomes of a request inside flow control (reference §1.7). The string values are
 * low-cardinality metric labels (`outcome` on the queue-duration histogram) and stable wire values
 * (the Redis store returns them from Lua).
 */
export const FlowOutcome = {
  Dispatched: 'dispatched',
  RejectedCapacity: 'rejected-capacity',
  RejectedNoEndpoints: 'rejected-no-endpoints',
  RejectedOther: 'rejected-other',
  EvictedTtl: 'evicted-ttl',
  EvictedNoEndpoints: 'evicted-no-endpoints',
  EvictedContextCancelled: 'evicted-context-cancelled',
  EvictedOther: 'evicted-other',
} as const;

export type FlowOutcome = (typeof FlowOutcome)[keyof typeof FlowOutcome];

/** Outcomes a request can end with before it was ever queued. */
export type RejectionOutcome =
  | typeof FlowOutcome.RejectedCapacity
  | typeof FlowOutcome.RejectedNoEndpoints
  | typeof FlowOutcome.RejectedOther;

/** Outcomes that remove an already queued request. */
export type EvictionOutcome =
  | typeof FlowOutcome.EvictedTtl
  | typeof FlowOutcome.EvictedNoEndpoints
  | typeof FlowOutcome.EvictedContextCancelled
  | typeof FlowOutcome.EvictedOther;

/** Values of the `x-llm-d-request-dropped-reason` response header. */
export const DroppedReason = {
  Saturated: 'rejected-saturated',
  NoEndpoints: 'rejected-no-endpoints',
  TtlExpired: 'rejected-ttl-expired',
  ContextCancelled: 'rejected-context-cancelled',
  ShuttingDown: 'rejected-shutting-down',
  Other: 'rejected-other',
  /** Sluice: a tenant requests/tokens-per-minute limit (429, before flow control). */
  RateLimited: 'rejected-rate-limited',
} as const;
export type DroppedReason = (typeof DroppedReason)[keyof typeof DroppedReason];

/** HTTP translation of a non-dispatched outcome. */
export interface OutcomeResponse {
  /** HTTP status code. */
  readonly status: number;
  /** Value for `x-llm-d-request-dropped-reason`. */
  readonly reason: DroppedReason;
}

/**
 * Translate an outcome to the client response, as the router does (reference §1.7).
 * `poolHasEndpoints` is evaluated at translation time (it decides 429 vs 503 for a TTL eviction).
 * `shuttingDown` maps the `*-other` outcomes to 503 `rejected-shutting-down`; otherwise they are 500.
 * Throws for `dispatched`, which is not a drop.
 */
export function outcomeToResponse(
  outcome: FlowOutcome,
  ctx: { poolHasEndpoints: boolean; shuttingDown?: boolean },
): OutcomeResponse {
  switch (outcome) {
    case FlowOutcome.RejectedCapacity:
      return { status: 429, reason: DroppedReason.Saturated };
    case FlowOutcome.RejectedNoEndpoints:
    case FlowOutcome.EvictedNoEndpoints:
      return { status: 503, reason: DroppedReason.NoEndpoints };
    case FlowOutcome.EvictedTtl:
      return ctx.poolHasEndpoints
        ? { status: 429, reason: DroppedReason.TtlExpired }
        : { status: 503, reason: DroppedReason.NoEndpoints };
    case FlowOutcome.EvictedContextCancelled:
      return { status: 503, reason: DroppedReason.ContextCancelled };
    case FlowOutcome.RejectedOther:
    case FlowOutcome.EvictedOther:
      return ctx.shuttingDown
        ? { status: 503, reason: DroppedReason.ShuttingDown }
        : { status: 500, reason: DroppedReason.Other };
    case FlowOutcome.Dispatched:
      throw new Error('outcomeToResponse: "dispatched" is not a dropped request');
  }
}
