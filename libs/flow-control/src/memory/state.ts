import type { FairnessBandState } from '../policies/fairness.ts';
import type { DrainWindow } from '../policies/retry-after.ts';
import type { BandTemplate } from '../types/config.ts';
import type { FlowKey } from '../types/flow-key.ts';
import type { LeaseRecord, ReplicaId, TokenEstimate } from '../types/items.ts';
import type { BandCandidates } from './band-candidates.ts';
import type { HeapItem } from './item-heap.ts';
import type { ItemHeap } from './item-heap.ts';

/** A queued item inside MemoryFlowStore. */
export interface MemItem extends HeapItem {
  readonly requestId: string;
  readonly owner: ReplicaId;
  readonly flow: FlowState;
  readonly bytes: number;
  readonly tokens: TokenEstimate;
  readonly orderKey: number;
  readonly seq: number;
  readonly enqueuedAtMs: number;
  readonly ttlMs: number;
}

/** One flow (fairness id within a band). */
export interface FlowState {
  readonly key: FlowKey;
  readonly band: BandState;
  readonly heap: ItemHeap<MemItem>;
  bytes: number;
  /** Live leases of this flow (a flow with leases is never GC'd). */
  leases: number;
  /** Store-clock ms of the last admit, dispatch, eviction or lease release of this flow. */
  lastActiveMs: number;
  /** Token-fairness virtual counter; undefined until first lifted/charged. */
  virtualTokens: number | undefined;
  /** Position in its band's candidate heap (owned by BandCandidates); −1 while empty. */
  candidateIndex: number;
}

/** One priority band. */
export interface BandState {
  readonly priority: number;
  readonly template: BandTemplate;
  /** Static bands (configured, and band 0) are never GC'd. */
  readonly isStatic: boolean;
  readonly flows: Map<string, FlowState>;
  /** Flows with at least one queued item (the fairness candidates), indexed for the policy. */
  readonly candidates: BandCandidates;
  len: number;
  bytes: number;
  lastActiveMs: number;
  readonly fairness: FairnessBandState;
  readonly drain: DrainWindow;
}

/** A live lease inside MemoryFlowStore. */
export interface MemLease {
  record: LeaseRecord;
  expiresAtMs: number;
  readonly flow: FlowState;
}

/** Endpoint of the last published snapshot, timed on the store clock. */
export interface MemEndpoint {
  readonly name: string;
  readonly waitingQueueSize: number | undefined;
  readonly kvCacheUsage: number | undefined;
  readonly updatedAtMs: number;
}
