import type { FlowKey } from '../types/flow-key.ts';
import type { ReplicaId } from '../types/items.ts';

/** Queue occupancy of one band. */
export interface BandStats {
  readonly priority: number;
  readonly len: number;
  readonly bytes: number;
  readonly capacityRequests: number;
  readonly capacityBytes: number;
  /** Current usage-limit ceiling of this band. */
  readonly ceiling: number;
  /** True for statically configured bands and band 0. */
  readonly static: boolean;
}

/** Queue occupancy of one flow. */
export interface FlowStats {
  readonly flow: FlowKey;
  readonly len: number;
  readonly bytes: number;
  /** Leases currently held by this flow. */
  readonly leases: number;
}

/** One endpoint of the last published snapshot and the leases bound to it (`bindLease`). */
export interface EndpointLoad {
  readonly name: string;
  /** Bound leases (requests in flight on this endpoint, all replicas). */
  readonly inFlight: number;
  /** Sum of their estimated tokens. */
  readonly inFlightTokens: number;
}

/** `FlowStore.stats()` result; feeds the Prometheus gauges and /admin/state. */
export interface FlowStoreStats {
  readonly len: number;
  readonly bytes: number;
  /** 0 = unlimited. */
  readonly capacityRequests: number;
  readonly capacityBytes: number;
  readonly bands: readonly BandStats[];
  readonly flows: readonly FlowStats[];
  /** Live leases and their estimated tokens, all owners. */
  readonly leases: { readonly count: number; readonly tokens: number };
  /** Current pool saturation (≥ 0; 1.0 is the gate; not clamped). */
  readonly saturation: number;
  /** Ready endpoints in the last snapshot, with leases bound to each. */
  readonly endpoints: readonly EndpointLoad[];
  readonly replicas: readonly { readonly id: ReplicaId; readonly expiresInMs: number }[];
  readonly incarnation: string;
}
