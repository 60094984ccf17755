import type { ReapResult } from '../store/flow-store.ts';
import type { FlowStoreStats } from '../store/stats.ts';
import type { FlowKey } from '../types/flow-key.ts';
import type { FlowOutcome } from '../types/outcome.ts';

/**
 * Hooks for metrics and logs. Implemented in the composition root (prom-client lives there, never
 * here). Every hook is optional, synchronous and MUST NOT throw (errors are swallowed).
 */
export interface FlowObserver {
  /**
   * A request left flow control with `outcome`. `queueWaitMs` is the time since `admit` was called
   * (controller clock; 0 on the fast path): the `request_queue_duration_seconds{outcome}` histogram.
   */
  onFinished?(e: { flow: FlowKey; bytes: number; outcome: FlowOutcome; queueWaitMs: number }): void;
  /** A store call dispatched `size` ≥ 1 items (all owners): the dispatch batch size histogram. */
  onDispatchBatch?(size: number): void;
  /** Housekeeping result: reaped leases, dead replicas, removed flows (delete their series). */
  onReap?(result: ReapResult): void;
  /**
   * Store snapshot taken on every safety tick (only when this hook is present): queue size/bytes per
   * band and flow, pool saturation, leases in flight.
   */
  onStats?(stats: FlowStoreStats): void;
  /** Leases of this replica the store no longer knew (reaped while we thought them live). */
  onLostLeases?(leaseIds: readonly string[]): void;
  /** A background store call failed (renew, reap, inbox, timers). The loop continues. */
  onError?(operation: string, error: unknown): void;
}
