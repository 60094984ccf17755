import type { EndpointSnapshot } from '../types/detector.ts';
import type { FlowKey } from '../types/flow-key.ts';
import type { AdmitRequest, FlowNotice, LeaseRecord, QueuedRecord, ReplicaId } from '../types/items.ts';
import type { EvictionOutcome, RejectionOutcome } from '../types/outcome.ts';
import type { EndpointLoad, FlowStoreStats } from './stats.ts';

/**
 * # FlowStore contract
 *
 * The shared state of flow control for ONE inference pool: bands, flows, queued items, leases,
 * replica heartbeats, endpoint snapshot, policy state. Implemented by MemoryFlowStore (single
 * replica, executable spec) and RedisFlowStore (one Lua script per operation). Both MUST pass
 * `runFlowStoreConformance`.
 *
 * Rules every implementation MUST follow:
 * - **Atomic.** Each method is one atomic step (one Lua call). No method observes a half-done other.
 * - **The store owns the clock.** Inputs carry no absolute timestamps; all `*AtMs` values in results
 *   are store-clock milliseconds; all `*Ms` durations are milliseconds.
 * - **Dispatch is part of every mutating call.** admit, release, cancel, expire, reap and dispatch end
 *   with a dispatch cycle of at most `config.dispatchBatchMax` items (dispatch: its `max`).
 *   A dispatch cycle repeats: compute saturation (detector over leases + endpoint snapshot), compute
 *   band ceilings (usage-limit policy); walk bands by priority descending; if `saturation >= ceiling`
 *   stop the cycle (head-of-line stop); an empty band is skipped; otherwise fairness picks a flow,
 *   ordering picks its head (lowest `(orderKey, seq)`), the item becomes a lease; repeat.
 * - **Notices.** Items dispatched or evicted by a call belong to their owner. Those of the CALLER
 *   (`owner` argument) are returned in `notices` and MUST NOT also go to its inbox; those of any other
 *   owner are appended to that owner's inbox, in the order produced. Exception: `publishEndpoints`
 *   sends every notice, the caller's too, to the inboxes.
 * - **Exactly once.** Each admitted request reaches exactly one terminal state (dispatched, evicted,
 *   cancelled); each lease is freed exactly once (release, cancel, expiry or dead-owner reap).
 * - **Config is fixed** at construction (`FlowStoreConfig`, plain JSON). Replicas sharing a Redis
 *   pool MUST use identical configs.
 * - **Order tie-break.** Within a flow and in global-strict fairness, items are ordered by
 *   `(orderKey asc, seq asc)`. Flows are compared by `compareIds(fairnessId)`.
 */
export interface FlowStore {
  /**
   * Admit one request (called by the owner replica's FlowController, once per request).
   * Steps: refresh the owner's heartbeat; resolve the band (unprovisioned priority → band 0, the
   * result's `flow` says which); capacity check (global bytes, global count, band bytes, band count;
   * each only if its limit > 0); on failure → `rejected` with `rejected-capacity`, or
   * `rejected-no-endpoints` when the pool currently has zero endpoints; otherwise enqueue with its order
   * key and run a dispatch cycle. If the new item was dispatched in that cycle the result is
   * `dispatched` with `queueWaitMs: 0` (fast path), else `queued`.
   * `rejected` carries `retryAfterMs`: ceil-to-second estimate of when the band will have drained
   * enough (band length / recent band drain rate), in [1 s, retryAfterMaxSec].
   */
  admit(req: AdmitRequest): Promise<AdmitResult>;

  /**
   * Free a lease (called by the owner when the response ended, errored or was aborted).
   * Settles the token-fairness charge with `actualTokens` (uncached prompt + actual output; undefined →
   * keep the estimate), then runs a dispatch cycle. Unknown/already-freed lease → `released: false`
   * (idempotent; still dispatches).
   */
  release(req: { owner: ReplicaId; leaseId: string; actualTokens?: number }): Promise<ReleaseResult>;

  /**
   * Client went away (owner call). Queued → removed, outcome `evicted-context-cancelled` (returned, not
   * noticed). Already dispatched (possibly by another replica a moment ago, notice still in flight) →
   * its lease is released (`kind: 'released'`). Unknown → `kind: 'unknown'`. Then a dispatch cycle.
   */
  cancel(req: { owner: ReplicaId; requestId: string }): Promise<CancelResult>;

  /**
   * The owner's exact per-item TTL timer fired. If the item is queued and its budget is used up
   * (store clock; budget = item TTL while the pool has endpoints, `noEndpointRequestTtlMs` while empty,
   * charged from max(enqueue time, last empty↔non-empty change)) → evicted with `evicted-ttl` or
   * `evicted-no-endpoints`. Not yet expired → `pending` with the remaining ms (re-arm the timer).
   * Already dispatched → `dispatched` with the lease (the request proceeds; nothing is freed).
   * Unknown → `unknown`. Then a dispatch cycle.
   */
  expire(req: { owner: ReplicaId; requestId: string }): Promise<ExpireResult>;

  /**
   * Owner heartbeat plus lease renewal, one call per renew interval per replica.
   * Sets the replica's heartbeat expiry to now + replicaTtlMs and each listed live lease's expiry to
   * now + leaseTtlMs. If `incarnation` differs from the store's (the store lost its state, e.g. a
   * Redis restart), every listed lease and queued item that is absent is re-created (queued items with
   * their ORIGINAL orderKey, seq and enqueuedAtMs; the seq counter moves past them) and the store's
   * incarnation is returned so the owner adopts it. With a matching incarnation, absent leases are
   * reported in `lostLeases` (they were reaped) and nothing is re-created.
   * A listed lease that is absent while the SAME owner's request with that id is queued (a renew
   * re-created it from a snapshot taken before its dispatch notice arrived) is turned back into a
   * lease, with any incarnation: the item is removed and the lease re-created (`recreatedLeases`).
   * A listed queued item whose lease exists (or was just re-created) is never re-enqueued.
   * `queued` MAY be partial (the owner sends it only when needed, see FlowController); `lostItems`
   * then covers the listed ones only.
   * Then a dispatch cycle.
   */
  renew(req: RenewRequest): Promise<RenewResult>;

  /**
   * Housekeeping (safety tick of any replica; idempotent, bounded by `max` per category, default 1000):
   * replicas whose heartbeat expired (the `max` earliest expiries, ties by id) → their queued items
   * removed (`evicted-other`, no notice) and their leases freed and their inboxes deleted; `deadReplicas`
   * is SORTED by `compareIds`; leases past expiry → freed (with the dead owners' leases, oldest
   * `dispatchedAtMs` first, ties by lease id, at most `max`); queued items past their budget →
   * evicted (notices to their owners; the caller's own in `notices`); idle flows (empty, no leases,
   * idle ≥ flowIdleTimeoutMs) and idle dynamic bands deleted (reported so metric series can be dropped).
   * Then a dispatch cycle.
   */
  reap(req: { owner: ReplicaId; max?: number }): Promise<ReapResult>;

  /** Run one dispatch cycle of at most `max` items (default dispatchBatchMax). Safety tick. */
  dispatch(req: { owner: ReplicaId; max?: number }): Promise<DispatchResult>;

  /**
   * Record which endpoint a lease was scheduled to (after picking). Per-endpoint in-flight counts feed
   * the hybrid concurrency detector and `stats().endpoints`. Unknown lease → false. Does not dispatch.
   */
  bindLease(req: { leaseId: string; endpoint: string }): Promise<boolean>;

  /**
   * Replace the pool's ready endpoints and their metrics (called by whoever scrapes / discovers:
   * the metrics leader, or the single replica). Zero endpoints ⇒ "no endpoints" regime. A change
   * between empty and non-empty resets TTL budgets (reference §1.4 step 7). Then a dispatch cycle
   * (capacity may have appeared).
   * **Exception to the notice rule:** EVERY notice of this call goes to its owner's inbox, the
   * caller's own too, and the result's `notices` is always empty. The publisher (metrics leader,
   * discovery loop) is usually not the code that waits for its replica's requests, so nothing can be
   * lost by ignoring the result. (`owner` is kept for the signature; it gets no notices back.)
   */
  publishEndpoints(req: { owner: ReplicaId; snapshot: EndpointSnapshot }): Promise<DispatchResult>;

  /**
   * Desired priorities (from InferenceObjectives). Bands missing for these priorities are created
   * from the templates; dynamic bands no longer desired become eligible for idle GC. Replaces the
   * previous desired set. Static bands and band 0 always exist.
   */
  provisionBands(req: { priorities: readonly number[] }): Promise<void>;

  /** Read-only snapshot for metrics and /admin/state. Not atomic with anything else. */
  stats(): Promise<FlowStoreStats>;

  /**
   * Cheap read of `stats().endpoints` alone: the endpoints of the last snapshot, in snapshot order,
   * with the leases bound to each (one small script call in Redis; no flows, bands or replicas).
   */
  endpointLoad(): Promise<EndpointLoad[]>;

  /**
   * Graceful shutdown of `owner`: its heartbeat entry and inbox are removed at once (it no longer
   * shows in `stats().replicas`). The owner SHOULD first release its leases and cancel its queued
   * items; any that remain are removed / freed as for a dead replica (`removedItems`,
   * `releasedLeases`; no notices). Then a dispatch cycle. Idempotent. A later call by the same owner
   * (admit, renew) registers it again.
   */
  deregister(req: { owner: ReplicaId }): Promise<DeregisterResult>;

  /**
   * Non-blocking read of up to `max` notices from an owner's inbox (FIFO), removing them.
   * Blocking delivery is the InboxReader's job; this is the poll fallback.
   */
  takeInbox(req: { owner: ReplicaId; max?: number }): Promise<FlowNotice[]>;

  /** Release resources held by this store object (connections, listeners). Not the shared state. */
  close(): Promise<void>;
}

/** Result fields shared by every mutating call. */
export interface CycleResult {
  /** Notices for the CALLER's items dispatched or evicted during this call (not in its inbox). */
  readonly notices: readonly FlowNotice[];
  /** Items dispatched in this call, all owners (the dispatch batch size metric). */
  readonly dispatchedCount: number;
  /**
   * The store-clock time of this call (ms; Redis TIME with µs fraction), the `now` of every
   * timestamp it wrote. Calls are atomic and serialized, so these times order them globally
   * (fleet-wide event logs, clock-offset estimates). Optional (additive); both stores return it.
   */
  readonly storeNowMs?: number;
}

export type AdmitResult =
  | (CycleResult & {
      readonly kind: 'dispatched';
      readonly lease: LeaseRecord;
      /** Always 0 on the fast path. */
      readonly queueWaitMs: number;
      /** Effective flow (after band-0 fallback). */
      readonly flow: FlowKey;
    })
  | (CycleResult & {
      readonly kind: 'queued';
      /** Keep it until a terminal state; pass it to renew. */
      readonly record: QueuedRecord;
      /** Store incarnation; pass it to renew. */
      readonly incarnation: string;
      readonly flow: FlowKey;
    })
  | (CycleResult & {
      readonly kind: 'rejected';
      readonly outcome: RejectionOutcome;
      /** Suggested Retry-After in ms (whole seconds), for the 429/503 response. */
      readonly retryAfterMs: number;
      readonly flow: FlowKey;
    });

export interface ReleaseResult extends CycleResult {
  readonly released: boolean;
}

export type CancelResult = CycleResult &
  (
    | { readonly kind: 'removed'; readonly outcome: EvictionOutcome; readonly queueWaitMs: number }
    | { readonly kind: 'released'; readonly leaseId: string }
    | { readonly kind: 'unknown' }
  );

export type ExpireResult = CycleResult &
  (
    | { readonly kind: 'evicted'; readonly outcome: EvictionOutcome; readonly queueWaitMs: number }
    | {
        readonly kind: 'pending';
        /** Ms until the budget runs out; null when no TTL applies in the current regime. */
        readonly remainingMs: number | null;
      }
    | { readonly kind: 'dispatched'; readonly lease: LeaseRecord; readonly queueWaitMs: number }
    | { readonly kind: 'unknown' }
  );

export interface RenewRequest {
  readonly owner: ReplicaId;
  /** Last incarnation the owner saw (from admit/renew); '' if none yet. */
  readonly incarnation: string;
  /** Every live lease this owner holds. */
  readonly leases: readonly LeaseRecord[];
  /** Every item this owner believes is still queued. */
  readonly queued: readonly QueuedRecord[];
}

export interface RenewResult extends CycleResult {
  readonly incarnation: string;
  /** Lease ids renewed in place. */
  readonly renewedLeases: readonly string[];
  /** Lease ids re-created after state loss. */
  readonly recreatedLeases: readonly string[];
  /** Request ids re-enqueued after state loss. */
  readonly recreatedItems: readonly string[];
  /** Lease ids absent with matching incarnation (already reaped): the owner drops them. */
  readonly lostLeases: readonly string[];
  /**
   * Request ids listed in `queued` that are neither queued nor leased, with matching incarnation
   * (e.g. removed because this replica was reaped as dead, or evicted with the notice still in
   * flight). The owner ends them (`evicted-other`) instead of waiting forever. Optional for
   * backwards compatibility; stores SHOULD return it (MemoryFlowStore does).
   */
  readonly lostItems?: readonly string[];
  /**
   * True when the store had no heartbeat entry for the owner before this call: its first call, or
   * it was reaped as dead (its queued items and leases are gone). An owner that sent a partial
   * `queued` list should renew again with all of them to learn `lostItems`. Optional (additive).
   */
  readonly heartbeatWasMissing?: boolean;
}

export interface ReapResult extends CycleResult {
  /** Replicas reaped as dead in this call, sorted by `compareIds`. */
  readonly deadReplicas: readonly ReplicaId[];
  /** Leases freed because they expired or their owner died. */
  readonly reapedLeases: number;
  /** Queued items evicted (TTL or dead owner). */
  readonly evictedItems: number;
  /** Flows deleted by idle GC (drop their metric series). */
  readonly removedFlows: readonly FlowKey[];
  /** Dynamic bands deleted by idle GC. */
  readonly removedBands: readonly number[];
}

export type DispatchResult = CycleResult;

export interface DeregisterResult extends CycleResult {
  /** Queued items of the owner that were still in the store (removed without notice). */
  readonly removedItems: number;
  /** Leases of the owner that were still live (freed). */
  readonly releasedLeases: number;
}
