import { concurrencySaturation } from '../detectors/concurrency.ts';
import { creditSinceMs, utilizationSaturation } from '../detectors/utilization.ts';
import { liftedVirtualTokens, tokenWeight } from '../policies/fairness.ts';
import type { FairnessBandState } from '../policies/fairness.ts';
import { newDrainWindow, recordDrain } from '../policies/retry-after.ts';
import { computeCeilings } from '../policies/usage-limit.ts';
import type { EndpointLoad, FlowStats, FlowStoreStats } from '../store/stats.ts';
import type { BandTemplate, FlowStoreConfig } from '../types/config.ts';
import { DetectorType } from '../types/detector.ts';
import type { EndpointSnapshot } from '../types/detector.ts';
import { compareIds } from '../types/flow-key.ts';
import type { FlowKey } from '../types/flow-key.ts';
import type { LeaseRecord, QueuedRecord, ReplicaId } from '../types/items.ts';
import { FlowOutcome } from '../types/outcome.ts';
import type { EvictionOutcome } from '../types/outcome.ts';
import { FairnessPolicyType } from '../types/policies.ts';
import { BandCandidates } from './band-candidates.ts';
import { ItemHeap } from './item-heap.ts';
import type { BandState, FlowState, MemEndpoint, MemItem, MemLease } from './state.ts';

/**
 * The shared state of one MemoryFlowStore incarnation and its bookkeeping: bands, flows, queued
 * items, leases, replicas, endpoint snapshot, counters. Every mutation keeps the totals (len, bytes,
 * lease tokens, per-endpoint in-flight, in-flight credit) consistent. No clock: callers pass `now`.
 */
export class MemoryBooks {
  bands = new Map<number, BandState>();
  bandsDesc: BandState[] = [];
  desiredPriorities = new Set<number>();
  items = new Map<string, MemItem>();
  leases = new Map<string, MemLease>();
  replicas = new Map<ReplicaId, number>();
  seq = 0;
  totalLen = 0;
  totalBytes = 0;
  leaseTokens = 0;
  bound = new Map<string, { requests: number; tokens: number }>();
  endpoints: MemEndpoint[] = [];
  endpointNames: string[] = [];
  /** Ceilings per band of bandsDesc; depend only on the band set, so cached with it. */
  bandCeilings: number[] = [];
  creditSince = Infinity;
  creditLeases = 0;
  regimeChangedAtMs: number;
  readonly incarnation: string;
  private readonly config: FlowStoreConfig;

  constructor(config: FlowStoreConfig, now: number, incarnation: string) {
    this.config = config;
    this.incarnation = incarnation;
    this.regimeChangedAtMs = now;
    for (const b of config.priorityBands) this.createBand(b.priority, b, true, now);
    if (!this.bands.has(0)) this.createBand(0, config.defaultPriorityBand, true, now);
  }

  /** Heartbeat: the replica is alive until now + replicaTtlMs. */
  touchReplica(owner: ReplicaId, now: number): void {
    this.replicas.set(owner, now + this.config.replicaTtlMs);
  }

  /** Create a band (static: never GC'd) and recompute band order and ceilings. */
  createBand(priority: number, template: BandTemplate, isStatic: boolean, now: number): BandState {
    const fairness: FairnessBandState = { rrCursor: null, virtualFloor: 0 };
    const band: BandState = {
      priority,
      template,
      isStatic,
      flows: new Map(),
      candidates: new BandCandidates(template.fairness, fairness),
      len: 0,
      bytes: 0,
      lastActiveMs: now,
      fairness,
      drain: newDrainWindow(now),
    };
    this.bands.set(priority, band);
    this.bandsChanged();
    return band;
  }

  /** The band for `priority`, created from the templates if missing. */
  ensureBand(priority: number, now: number): BandState {
    const existing = this.bands.get(priority);
    if (existing) return existing;
    const template =
      priority < 0 && this.config.defaultNegativePriorityBand ? this.config.defaultNegativePriorityBand : this.config.defaultPriorityBand;
    return this.createBand(priority, template, false, now);
  }

  /** Upstream `hasCapacity`: global bytes, global count, band bytes, band count; each only if > 0. */
  hasCapacity(band: BandState, bytes: number): boolean {
    const c = this.config;
    if (c.maxBytes > 0 && this.totalBytes + bytes > c.maxBytes) return false;
    if (c.maxRequests > 0 && this.totalLen + 1 > c.maxRequests) return false;
    if (band.template.maxBytes > 0 && band.bytes + bytes > band.template.maxBytes) return false;
    if (band.template.maxRequests > 0 && band.len + 1 > band.template.maxRequests) return false;
    return true;
  }

  /** The flow of `fairnessId` in `band`, created empty on first use. */
  flowFor(band: BandState, fairnessId: string, now: number): FlowState {
    let flow = band.flows.get(fairnessId);
    if (!flow) {
      flow = {
        key: { fairnessId, priority: band.priority },
        band,
        heap: new ItemHeap<MemItem>(),
        bytes: 0,
        leases: 0,
        lastActiveMs: now,
        virtualTokens: undefined,
        candidateIndex: -1,
      };
      band.flows.set(fairnessId, flow);
    }
    return flow;
  }

  /** Put a record in its flow's queue (no capacity check). Lifts a token-fairness counter. */
  enqueue(rec: QueuedRecord, now: number): void {
    const band = this.bands.get(rec.flow.priority) ?? this.ensureBand(rec.flow.priority, now);
    const flow = this.flowFor(band, rec.flow.fairnessId, now);
    if (flow.heap.size === 0 && band.template.fairness.type === FairnessPolicyType.TokenFairness) {
      // The flow is not a candidate while empty, so the candidates' minimum is the others' minimum.
      const othersMin = band.candidates.minVirtualTokens();
      flow.virtualTokens = liftedVirtualTokens(flow.virtualTokens, othersMin === undefined ? [] : [othersMin], band.fairness.virtualFloor);
    }
    const item: MemItem = {
      requestId: rec.requestId,
      owner: rec.owner,
      flow,
      bytes: rec.bytes,
      tokens: rec.tokens,
      orderKey: rec.orderKey,
      seq: rec.seq,
      enqueuedAtMs: rec.enqueuedAtMs,
      ttlMs: rec.ttlMs,
      heapIndex: -1,
    };
    flow.heap.push(item);
    if (band.candidates.has(flow)) band.candidates.update(flow);
    else band.candidates.add(flow);
    this.items.set(rec.requestId, item);
    flow.bytes += rec.bytes;
    band.len += 1;
    band.bytes += rec.bytes;
    this.totalLen += 1;
    this.totalBytes += rec.bytes;
    flow.lastActiveMs = now;
    band.lastActiveMs = now;
  }

  /** Take a queued item out of its flow and all counters (dispatch, cancel, eviction). */
  removeItem(item: MemItem, now: number): void {
    const flow = item.flow;
    flow.heap.remove(item);
    if (flow.heap.size === 0) flow.band.candidates.remove(flow);
    else flow.band.candidates.update(flow);
    this.items.delete(item.requestId);
    flow.bytes -= item.bytes;
    flow.band.len -= 1;
    flow.band.bytes -= item.bytes;
    this.totalLen -= 1;
    this.totalBytes -= item.bytes;
    flow.lastActiveMs = now;
    flow.band.lastActiveMs = now;
  }

  /** Record a live lease (dispatch or renew re-creation); expires leaseTtlMs from now. */
  addLease(rec: LeaseRecord, now: number): MemLease {
    const band = this.ensureBand(rec.flow.priority, now);
    const flow = this.flowFor(band, rec.flow.fairnessId, now);
    const lease: MemLease = { record: { ...rec, endpoint: null }, expiresAtMs: now + this.config.leaseTtlMs, flow };
    this.leases.set(rec.leaseId, lease);
    flow.leases += 1;
    this.leaseTokens += rec.estimatedTokens;
    if (rec.dispatchedAtMs >= this.creditSince) this.creditLeases += 1;
    if (rec.endpoint !== null) {
      const b = this.bound.get(rec.endpoint) ?? { requests: 0, tokens: 0 };
      b.requests += 1;
      b.tokens += rec.estimatedTokens;
      this.bound.set(rec.endpoint, b);
      lease.record = { ...lease.record, endpoint: rec.endpoint };
    }
    return lease;
  }

  /** Bind a live lease to `endpoint` (replacing any previous binding). */
  bind(lease: MemLease, endpoint: string): void {
    this.unbind(lease);
    lease.record = { ...lease.record, endpoint };
    const b = this.bound.get(endpoint) ?? { requests: 0, tokens: 0 };
    b.requests += 1;
    b.tokens += lease.record.estimatedTokens;
    this.bound.set(endpoint, b);
  }

  /** Per-endpoint in-flight of the snapshot's endpoints (stats().endpoints, endpointLoad()). */
  endpointLoad(): EndpointLoad[] {
    return this.endpoints.map((e) => ({
      name: e.name,
      inFlight: this.bound.get(e.name)?.requests ?? 0,
      inFlightTokens: this.bound.get(e.name)?.tokens ?? 0,
    }));
  }

  /** Remove a lease's contribution from its endpoint's in-flight counts. */
  unbind(lease: MemLease): void {
    const ep = lease.record.endpoint;
    if (ep === null) return;
    const b = this.bound.get(ep);
    if (!b) return;
    b.requests -= 1;
    b.tokens -= lease.record.estimatedTokens;
    if (b.requests <= 0) this.bound.delete(ep);
  }

  /** Free a lease once (release, cancel, expiry, dead owner); settle token fairness with actual tokens. */
  freeLease(lease: MemLease, now: number, actualTokens: number | undefined): void {
    if (this.leases.get(lease.record.leaseId) !== lease) return;
    this.leases.delete(lease.record.leaseId);
    this.unbind(lease);
    this.leaseTokens -= lease.record.estimatedTokens;
    if (lease.record.dispatchedAtMs >= this.creditSince) this.creditLeases -= 1;
    const flow = lease.flow;
    flow.leases -= 1;
    flow.lastActiveMs = now;
    flow.band.lastActiveMs = now;
    const policy = flow.band.template.fairness;
    if (actualTokens !== undefined && policy.type === FairnessPolicyType.TokenFairness && flow.band.flows.get(flow.key.fairnessId) === flow) {
      const delta = (actualTokens - lease.record.estimatedTokens) / tokenWeight(policy, flow.key.fairnessId);
      flow.virtualTokens = (flow.virtualTokens ?? 0) + delta;
      flow.band.candidates.update(flow);
    }
  }

  /** Remaining saturation budget of a queued item (ms), or null when no TTL applies now. */
  remainingBudgetMs(item: MemItem, now: number): number | null {
    const empty = this.endpoints.length === 0;
    const budget = empty ? this.config.noEndpointRequestTtlMs : item.ttlMs;
    if (budget <= 0) return null;
    const start = Math.max(item.enqueuedAtMs, this.regimeChangedAtMs);
    return start + budget - now;
  }

  /** The eviction outcome for an expired budget in the current regime. */
  ttlOutcome(): EvictionOutcome {
    return this.endpoints.length === 0 ? FlowOutcome.EvictedNoEndpoints : FlowOutcome.EvictedTtl;
  }

  /** Pool saturation from the configured detector (≥ 0, 1.0 = gate). */
  saturation(now: number): number {
    const d = this.config.detector;
    if (d.type === DetectorType.Concurrency) {
      return concurrencySaturation(d, {
        endpoints: this.endpointNames,
        totalLeases: this.leases.size,
        totalTokens: this.leaseTokens,
        bound: this.bound,
      });
    }
    return utilizationSaturation(d, this.endpoints, now, this.creditLeases);
  }

  /** Usage-limit ceilings aligned with bandsDesc. */
  ceilings(): number[] {
    return this.bandCeilings;
  }

  /** Re-sort bands (priority descending) and recompute their ceilings after the band set changed. */
  bandsChanged(): void {
    this.bandsDesc = [...this.bands.values()].sort((a, b) => b.priority - a.priority);
    this.bandCeilings = computeCeilings(
      this.config.usageLimit,
      this.bandsDesc.map((b) => b.priority),
    );
  }

  /** The next item the dispatch cycle would lease, or null (gated by HoL, or nothing queued). */
  nextDispatchable(now: number): MemItem | null {
    if (this.totalLen === 0) return null;
    const saturation = this.saturation(now);
    const ceilings = this.ceilings();
    for (let i = 0; i < this.bandsDesc.length; i++) {
      const band = this.bandsDesc[i]!;
      if (saturation >= ceilings[i]!) return null;
      if (band.len === 0) continue;
      // O(log flows): the band's candidate index picks exactly what pickFlow would.
      const head = band.candidates.pick()?.heap.peek();
      if (head) return head;
    }
    return null;
  }

  /** Delete idle flows and idle, undesired dynamic bands; report them. */
  collectGarbage(now: number): { removedFlows: FlowKey[]; removedBands: number[] } {
    const removedFlows: FlowKey[] = [];
    const removedBands: number[] = [];
    for (const band of this.bandsDesc) {
      for (const [id, flow] of band.flows) {
        if (flow.heap.size === 0 && flow.leases === 0 && now - flow.lastActiveMs >= this.config.flowIdleTimeoutMs) {
          band.flows.delete(id);
          removedFlows.push(flow.key);
        }
      }
      if (
        !band.isStatic &&
        !this.desiredPriorities.has(band.priority) &&
        band.flows.size === 0 &&
        now - band.lastActiveMs >= this.config.bandIdleTimeoutMs
      ) {
        this.bands.delete(band.priority);
        removedBands.push(band.priority);
      }
    }
    if (removedBands.length > 0) this.bandsChanged();
    removedFlows.sort((a, b) => b.priority - a.priority || compareIds(a.fairnessId, b.fairnessId));
    return { removedFlows, removedBands };
  }

  /** Turn a queued item into a lease: dequeue, charge token fairness, record the band's drain. */
  leaseItem(item: MemItem, now: number): MemLease {
    const flow = item.flow;
    const band = flow.band;
    this.removeItem(item, now);
    const estimatedTokens = item.tokens.uncachedPromptTokens + item.tokens.expectedOutputTokens;
    const lease = this.addLease(
      { leaseId: item.requestId, requestId: item.requestId, owner: item.owner, flow: flow.key, estimatedTokens, dispatchedAtMs: now, endpoint: null },
      now,
    );
    const policy = band.template.fairness;
    if (policy.type === FairnessPolicyType.TokenFairness) {
      flow.virtualTokens = (flow.virtualTokens ?? 0) + estimatedTokens / tokenWeight(policy, flow.key.fairnessId);
      band.candidates.update(flow);
    }
    recordDrain(band.drain, now);
    return lease;
  }

  /** Replace the endpoint snapshot; an empty↔non-empty change starts new TTL budgets. */
  setEndpoints(snapshot: EndpointSnapshot, now: number): void {
    const wasEmpty = this.endpoints.length === 0;
    this.endpoints = snapshot.endpoints.map((e) => ({
      name: e.name,
      waitingQueueSize: e.waitingQueueSize,
      kvCacheUsage: e.kvCacheUsage,
      updatedAtMs: now - Math.max(0, e.metricsAgeMs ?? 0),
    }));
    this.endpointNames = this.endpoints.map((e) => e.name);
    if (wasEmpty !== (this.endpoints.length === 0)) this.regimeChangedAtMs = now;
    this.creditSince = creditSinceMs(this.endpoints);
    this.creditLeases = 0;
    for (const lease of this.leases.values()) if (lease.record.dispatchedAtMs >= this.creditSince) this.creditLeases++;
  }

  /** The stats() view of these books. */
  snapshot(now: number): FlowStoreStats {
    const flows: FlowStats[] = [];
    for (const band of this.bandsDesc) {
      for (const f of band.flows.values()) flows.push({ flow: f.key, len: f.heap.size, bytes: f.bytes, leases: f.leases });
    }
    return {
      len: this.totalLen,
      bytes: this.totalBytes,
      capacityRequests: this.config.maxRequests,
      capacityBytes: this.config.maxBytes,
      bands: this.bandsDesc.map((b, i) => ({
        priority: b.priority,
        len: b.len,
        bytes: b.bytes,
        capacityRequests: b.template.maxRequests,
        capacityBytes: b.template.maxBytes,
        ceiling: this.bandCeilings[i]!,
        static: b.isStatic,
      })),
      flows,
      leases: { count: this.leases.size, tokens: this.leaseTokens },
      saturation: this.saturation(now),
      endpoints: this.endpointLoad(),
      replicas: [...this.replicas].map(([id, exp]) => ({ id, expiresInMs: exp - now })),
      incarnation: this.incarnation,
    };
  }
}
