import type { FlowKey } from './flow-key.ts';
import type { EvictionOutcome } from './outcome.ts';

/** Id of a router replica (process). Owner of the client connections of its requests. */
export type ReplicaId = string;

/**
 * Far-future order key (ms) for items without a deadline (EDF without TTL, SLO without header).
 * Finite so it survives JSON and Lua number conversion.
 */
export const FAR_FUTURE_MS = 8.64e15;

/** Token estimate of a request, used for token-fairness charges and the tokens detector. */
export interface TokenEstimate {
  /** Prompt tokens not expected to be served from the prefix cache. */
  readonly uncachedPromptTokens: number;
  /** Expected output tokens (min(max_tokens, estimate)). */
  readonly expectedOutputTokens: number;
}

/** Input of `FlowStore.admit`. All values are plain data; no timestamps from the caller's clock. */
export interface AdmitRequest {
  /** Unique id (x-request-id). MUST NOT be reused while the request is queued or leased. */
  readonly requestId: string;
  readonly owner: ReplicaId;
  /** Requested flow; an unprovisioned priority is demoted/promoted to band 0 (see result). */
  readonly flow: FlowKey;
  /** Raw request body length in bytes (the byte limits' unit). */
  readonly bytes: number;
  readonly tokens: TokenEstimate;
  /** Per-request saturation TTL (ms); undefined → band default; 0 → never TTL-evicted. */
  readonly ttlMs?: number;
  /** TTFT objective (ms) for `slo-deadline-ordering-policy`; undefined → no deadline. */
  readonly sloTtftMs?: number;
  /**
   * How long ago (ms, caller's monotonic clock) the router received the request. The store derives
   * `receivedAtMs = now − receivedAgoMs` on its own clock (SLO deadlines start at receipt). Default 0.
   */
  readonly receivedAgoMs?: number;
  /**
   * Endpoint already picked for this request (optional). If the request is dispatched on the fast
   * path, its lease is bound to it in the same call, as `bindLease` right after admit would (saves
   * that call). Ignored when the request is queued or rejected: bind after its dispatch instead.
   */
  readonly endpoint?: string;
}

/**
 * Everything needed to re-create a queued item with its ORIGINAL position (renew after store loss).
 * Returned by admit when the item is queued; the owner keeps it until the item reaches a terminal state.
 */
export interface QueuedRecord {
  readonly requestId: string;
  readonly owner: ReplicaId;
  /** The EFFECTIVE flow (after band-0 fallback). */
  readonly flow: FlowKey;
  readonly bytes: number;
  readonly tokens: TokenEstimate;
  /** Primary order key within the flow (ms, store clock): enqueue time, or a deadline. Lower first. */
  readonly orderKey: number;
  /** Store-assigned admission sequence, strictly increasing; breaks order-key ties. */
  readonly seq: number;
  /** Enqueue time (ms, store clock). */
  readonly enqueuedAtMs: number;
  /** Saturation TTL in ms actually applied (0 = none). */
  readonly ttlMs: number;
}

/** A dispatched request's capacity reservation. Lives until release, cancel or expiry. */
export interface LeaseRecord {
  /** Opaque, unique among live leases. */
  readonly leaseId: string;
  readonly requestId: string;
  readonly owner: ReplicaId;
  readonly flow: FlowKey;
  /** Estimated tokens charged at dispatch (uncached prompt + expected output). */
  readonly estimatedTokens: number;
  /** Dispatch time (ms, store clock). */
  readonly dispatchedAtMs: number;
  /** Endpoint the request was scheduled to, once bound (`bindLease`); null before. */
  readonly endpoint: string | null;
}

/** A notice for an owner about one of its queued items, produced by someone else's store call. */
export type FlowNotice =
  | {
      readonly type: 'dispatched';
      readonly requestId: string;
      readonly lease: LeaseRecord;
      /** Store-clock time the item waited in the queue (ms). */
      readonly queueWaitMs: number;
    }
  | {
      readonly type: 'evicted';
      readonly requestId: string;
      readonly outcome: EvictionOutcome;
      readonly queueWaitMs: number;
    };
