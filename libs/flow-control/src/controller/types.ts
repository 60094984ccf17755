import type { FlowKey } from '../types/flow-key.ts';
import type { LeaseRecord, TokenEstimate } from '../types/items.ts';
import type { FlowOutcome } from '../types/outcome.ts';

/** A request asking the FlowController for admission. */
export interface FlowRequest {
  /** Unique request id (x-request-id). */
  readonly requestId: string;
  readonly flow: FlowKey;
  /** Raw body length in bytes. */
  readonly bytes: number;
  readonly tokens: TokenEstimate;
  /** Saturation TTL override in ms (e.g. the caller's remaining deadline); undefined → band default. */
  readonly ttlMs?: number;
  /** TTFT objective (ms) for slo-deadline ordering. */
  readonly sloTtftMs?: number;
  /** Controller-clock ms when the router received the request (default: now). */
  readonly receivedAtMs?: number;
  /**
   * Endpoint already picked (optional): bound to the lease in the admit call itself when the request
   * is dispatched on the fast path (no separate bindLease). Ignored if it queues.
   */
  readonly endpoint?: string;
}

/** Terminal result of `FlowController.admit`. */
export type FlowAdmission =
  | {
      readonly dispatched: true;
      readonly lease: LeaseRecord;
      /**
       * Controller-clock ms from receipt (`receivedAtMs`, else the `admit` call) to dispatch; exactly 0
       * on the fast path. This is the `x-sluice-queue-wait-ms` header value.
       */
      readonly queueWaitMs: number;
      readonly flow: FlowKey;
    }
  | {
      readonly dispatched: false;
      readonly outcome: FlowOutcome;
      /** Suggested Retry-After (ms, whole seconds) for rejections; undefined for evictions. */
      readonly retryAfterMs?: number;
      readonly queueWaitMs: number;
      readonly flow: FlowKey;
    };

/**
 * What `FlowController.admit` needs from a cancellation signal: an AbortSignal satisfies it, and so
 * does any cheaper per-request object (the router uses an EventEmitter-based one: on Node 20 every
 * AbortSignal created makes the young-generation GC promote whatever is live, see
 * apps/router/src/http/client-abort.ts). The listener is added once and removed when the request
 * leaves flow control.
 */
export interface CancelSignal {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}
