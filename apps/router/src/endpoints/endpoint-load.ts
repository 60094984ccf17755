import type { EndpointLoad as StoreEndpointLoad } from '@sluice/flow-control';

/** Release counters at the moment a store read was issued (see EndpointLoad.mark). */
export interface LoadMark {
  readonly started: ReadonlyMap<string, number>;
  readonly settled: ReadonlyMap<string, number>;
}

/**
 * Requests in flight per endpoint, GLOBAL across router replicas: the last store snapshot
 * (`stats().endpoints[].inFlight`, leases bound to each endpoint) plus this replica's own binds and
 * releases since that snapshot was requested. Exact within one replica; other replicas' changes show
 * up with the next snapshot (the poll period). Never reports less than this replica's own count.
 */
export class EndpointLoad {
  private readonly snapshot = new Map<string, { inFlight: number; inFlightTokens: number }>();
  /** Local binds (+1) and releases (−1) not yet reflected in `snapshot`. */
  private readonly delta = new Map<string, number>();
  /** Local changes made after the pending snapshot request started. */
  private pending: Map<string, number> | null = null;
  /** This replica's own requests per endpoint: exact at every moment. */
  private readonly own = new Map<string, number>();
  /** Release counters when the pending snapshot was requested, and when the current one was. */
  private requestedMark: LoadMark | null = null;
  private snapshotMark: LoadMark | null = null;
  /** Releases of this replica's requests sent to the store, per endpoint (monotonic). */
  private readonly releasesStarted = new Map<string, number>();
  /** Of those, the ones the store has answered (monotonic). started − settled = in flight to the store. */
  private readonly releasesSettled = new Map<string, number>();

  /** Call right before requesting stats; pass the result to `applySnapshot`. */
  beginSnapshot(): void {
    this.pending = new Map();
    this.requestedMark = this.mark();
  }

  applySnapshot(endpoints: readonly StoreEndpointLoad[]): void {
    this.snapshot.clear();
    for (const e of endpoints) this.snapshot.set(e.name, { inFlight: e.inFlight, inFlightTokens: e.inFlightTokens });
    this.delta.clear();
    this.snapshotMark = this.requestedMark;
    if (this.pending) for (const [name, d] of this.pending) this.delta.set(name, d);
    this.pending = null;
  }

  /** A request of this replica was bound to (+1) or left (−1) `endpoint`. */
  add(endpoint: string, change: 1 | -1): void {
    this.own.set(endpoint, (this.own.get(endpoint) ?? 0) + change);
    this.delta.set(endpoint, (this.delta.get(endpoint) ?? 0) + change);
    if (this.pending) this.pending.set(endpoint, (this.pending.get(endpoint) ?? 0) + change);
  }

  /**
   * Global estimate, never below this replica's own exact count (a snapshot read that raced a
   * bindLease in flight can miss a binding; our own requests are never missed).
   */
  inFlight(endpoint: string): number {
    // Our releases already counted in `delta` (−1) but not yet applied by the store when the
    // snapshot was read would be counted twice as load: subtract those pending at the request.
    const mark = this.snapshotMark;
    const pendingAtSnapshot = mark === null ? 0 : (mark.started.get(endpoint) ?? 0) - (mark.settled.get(endpoint) ?? 0);
    const global = (this.snapshot.get(endpoint)?.inFlight ?? 0) + (this.delta.get(endpoint) ?? 0) - pendingAtSnapshot;
    return Math.max(0, global, this.own.get(endpoint) ?? 0);
  }

  /** A release of a request bound to `endpoint` was sent to the store (pair with releaseSettled). */
  releaseStarted(endpoint: string): void {
    this.releasesStarted.set(endpoint, (this.releasesStarted.get(endpoint) ?? 0) + 1);
  }

  /** The store answered (or failed) a release started with releaseStarted. */
  releaseSettled(endpoint: string): void {
    this.releasesSettled.set(endpoint, (this.releasesSettled.get(endpoint) ?? 0) + 1);
  }

  /**
   * Call right before reading in-flight counts from the store (e.g. the prefix lookup); pass the
   * mark to {@link correctStoreCount} with what the store returned.
   */
  mark(): LoadMark {
    return { started: new Map(this.releasesStarted), settled: new Map(this.releasesSettled) };
  }

  /**
   * A global in-flight count read from the store after `mark`, corrected with what this replica
   * knows better. It subtracts every release of ours the read may still include: those not yet
   * settled at the mark, and those started since (the count is stale by the time the pick uses it).
   * It never returns less than this replica's own exact count. Invariant: with one replica the
   * result equals the true count (the read can only include releases this method subtracts), so a
   * just-freed endpoint never looks full and the picker never breaks a tie onto a full pod.
   */
  correctStoreCount(endpoint: string, storeCount: number, mark: LoadMark): number {
    const startedNow = this.releasesStarted.get(endpoint) ?? 0;
    const startedAtMark = mark.started.get(endpoint) ?? 0;
    const pendingAtMark = startedAtMark - (mark.settled.get(endpoint) ?? 0);
    const maybeCounted = pendingAtMark + (startedNow - startedAtMark);
    return Math.max(0, storeCount - maybeCounted, this.own.get(endpoint) ?? 0);
  }

  /** This replica's own requests bound to `endpoint` (exact). */
  ownInFlight(endpoint: string): number {
    return Math.max(0, this.own.get(endpoint) ?? 0);
  }

  inFlightTokens(endpoint: string): number {
    return this.snapshot.get(endpoint)?.inFlightTokens ?? 0;
  }
}
