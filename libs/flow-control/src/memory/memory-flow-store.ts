import { computeOrderKey } from '../policies/ordering.ts';
import { retryAfterMs } from '../policies/retry-after.ts';
import type {
  AdmitResult,
  CancelResult,
  DeregisterResult,
  DispatchResult,
  ExpireResult,
  FlowStore,
  ReapResult,
  ReleaseResult,
  RenewRequest,
  RenewResult,
} from '../store/flow-store.ts';
import type { InboxReader } from '../store/inbox-reader.ts';
import type { EndpointLoad, FlowStoreStats } from '../store/stats.ts';
import type { TimeSource } from '../time/clock.ts';
import type { FlowStoreConfig } from '../types/config.ts';
import type { EndpointSnapshot } from '../types/detector.ts';
import { compareIds } from '../types/flow-key.ts';
import type { FlowKey } from '../types/flow-key.ts';
import type { AdmitRequest, FlowNotice, LeaseRecord, QueuedRecord, ReplicaId } from '../types/items.ts';
import { FlowOutcome } from '../types/outcome.ts';
import { MemoryBooks } from './books.ts';
import { MemoryInbox } from './memory-inbox.ts';
import type { MemItem } from './state.ts';

/** Options of MemoryFlowStore. */
export interface MemoryFlowStoreOptions {
  readonly config: FlowStoreConfig;
  /** The store clock. */
  readonly time: TimeSource;
  /** Incarnation prefix (a new incarnation is made on construction and on resetState). */
  readonly incarnationPrefix?: string;
}

/** Per-call accumulator of notices and the dispatch count. */
interface CallContext {
  /** The caller; its notices come back in the result. '' = nobody: every notice goes to an inbox. */
  readonly owner: ReplicaId;
  readonly now: number;
  readonly notices: FlowNotice[];
  dispatchedCount: number;
  /** The admitting request: its dispatch is reported through the admit result. */
  readonly selfRequestId?: string;
  selfLease?: LeaseRecord;
}

const DEFAULT_REAP_MAX = 1000;
/** Owner of calls whose notices all go to inboxes (never a replica id: replica ids are non-empty). */
const NO_CALLER: ReplicaId = '';

/**
 * The embedded single-replica FlowStore and the executable specification of the contract
 * (see FlowStore). Every method runs synchronously to completion before resolving, so each is atomic.
 */
export class MemoryFlowStore implements FlowStore {
  readonly config: FlowStoreConfig;
  private readonly time: TimeSource;
  private readonly incarnationPrefix: string;
  private incarnationCounter = 0;
  private readonly inbox = new MemoryInbox();
  /** All shared state; replaced wholesale by resetState. */
  private b: MemoryBooks;

  constructor(options: MemoryFlowStoreOptions) {
    this.config = options.config;
    this.time = options.time;
    this.incarnationPrefix = options.incarnationPrefix ?? 'memory';
    this.b = this.freshBooks();
  }

  /**
   * Drop ALL shared state, as a Redis restart would (test helper for renew re-creation), and take a
   * new incarnation. Inboxes are dropped too.
   */
  resetState(): void {
    this.b = this.freshBooks();
    this.inbox.clearAll();
  }

  /** In-process push delivery of inboxes. */
  inboxReader(): InboxReader {
    return this.inbox;
  }

  async admit(req: AdmitRequest): Promise<AdmitResult> {
    const ctx = this.context(req.owner, req.requestId);
    this.b.touchReplica(req.owner, ctx.now);
    const band = this.b.bands.get(req.flow.priority) ?? this.b.bands.get(0)!;
    const flowKey: FlowKey = { fairnessId: req.flow.fairnessId, priority: band.priority };
    if (this.b.items.has(req.requestId) || this.b.leases.has(req.requestId)) {
      this.cycle(ctx, this.config.dispatchBatchMax);
      return { kind: 'rejected', outcome: FlowOutcome.RejectedOther, retryAfterMs: 1000, flow: flowKey, ...this.cycleResult(ctx) };
    }
    if (!this.b.hasCapacity(band, req.bytes)) {
      const outcome = this.b.endpoints.length === 0 ? FlowOutcome.RejectedNoEndpoints : FlowOutcome.RejectedCapacity;
      const retry = retryAfterMs(band.drain, ctx.now, band.len, this.config.retryAfterMaxSec);
      this.cycle(ctx, this.config.dispatchBatchMax);
      return { kind: 'rejected', outcome, retryAfterMs: retry, flow: flowKey, ...this.cycleResult(ctx) };
    }
    const ttlMs = Math.max(0, req.ttlMs ?? band.template.requestTtlMs);
    const receivedAtMs = ctx.now - Math.max(0, req.receivedAgoMs ?? 0);
    const orderKey = computeOrderKey(band.template.ordering.type, {
      enqueuedAtMs: ctx.now,
      ttlMs,
      receivedAtMs,
      sloTtftMs: req.sloTtftMs,
    });
    const record: QueuedRecord = {
      requestId: req.requestId,
      owner: req.owner,
      flow: flowKey,
      bytes: req.bytes,
      tokens: req.tokens,
      orderKey,
      seq: ++this.b.seq,
      enqueuedAtMs: ctx.now,
      ttlMs,
    };
    this.b.enqueue(record, ctx.now);
    this.cycle(ctx, this.config.dispatchBatchMax);
    if (ctx.selfLease) {
      const lease = this.b.leases.get(req.requestId);
      if (req.endpoint !== undefined && lease) {
        this.b.bind(lease, req.endpoint); // fast path with a pre-picked endpoint (= bindLease right after)
        ctx.selfLease = lease.record;
      }
      return { kind: 'dispatched', lease: ctx.selfLease, queueWaitMs: 0, flow: flowKey, ...this.cycleResult(ctx) };
    }
    return { kind: 'queued', record, incarnation: this.b.incarnation, flow: flowKey, ...this.cycleResult(ctx) };
  }

  async release(req: { owner: ReplicaId; leaseId: string; actualTokens?: number }): Promise<ReleaseResult> {
    const ctx = this.context(req.owner);
    const lease = this.b.leases.get(req.leaseId);
    if (lease) this.b.freeLease(lease, ctx.now, req.actualTokens);
    this.cycle(ctx, this.config.dispatchBatchMax);
    return { released: lease !== undefined, ...this.cycleResult(ctx) };
  }

  async cancel(req: { owner: ReplicaId; requestId: string }): Promise<CancelResult> {
    const ctx = this.context(req.owner);
    const item = this.b.items.get(req.requestId);
    let result: CancelResult;
    if (item) {
      this.b.removeItem(item, ctx.now);
      result = { kind: 'removed', outcome: FlowOutcome.EvictedContextCancelled, queueWaitMs: ctx.now - item.enqueuedAtMs, notices: [], dispatchedCount: 0 };
    } else {
      const lease = this.b.leases.get(req.requestId);
      if (lease) {
        this.b.freeLease(lease, ctx.now, undefined);
        result = { kind: 'released', leaseId: lease.record.leaseId, notices: [], dispatchedCount: 0 };
      } else {
        result = { kind: 'unknown', notices: [], dispatchedCount: 0 };
      }
    }
    this.cycle(ctx, this.config.dispatchBatchMax);
    return { ...result, ...this.cycleResult(ctx) };
  }

  async expire(req: { owner: ReplicaId; requestId: string }): Promise<ExpireResult> {
    const ctx = this.context(req.owner);
    let result: ExpireResult;
    const item = this.b.items.get(req.requestId);
    if (item) {
      const remaining = this.b.remainingBudgetMs(item, ctx.now);
      if (remaining !== null && remaining <= 0) {
        this.b.removeItem(item, ctx.now);
        result = { kind: 'evicted', outcome: this.b.ttlOutcome(), queueWaitMs: ctx.now - item.enqueuedAtMs, notices: [], dispatchedCount: 0 };
      } else {
        result = { kind: 'pending', remainingMs: remaining, notices: [], dispatchedCount: 0 };
      }
    } else {
      const lease = this.b.leases.get(req.requestId);
      result = lease
        ? { kind: 'dispatched', lease: lease.record, queueWaitMs: 0, notices: [], dispatchedCount: 0 }
        : { kind: 'unknown', notices: [], dispatchedCount: 0 };
    }
    this.cycle(ctx, this.config.dispatchBatchMax);
    return { ...result, ...this.cycleResult(ctx) };
  }

  async renew(req: RenewRequest): Promise<RenewResult> {
    const ctx = this.context(req.owner);
    const heartbeatWasMissing = !this.b.replicas.has(req.owner);
    this.b.touchReplica(req.owner, ctx.now);
    const renewed: string[] = [];
    const recreatedLeases: string[] = [];
    const recreatedItems: string[] = [];
    const lost: string[] = [];
    const recreate = req.incarnation !== this.b.incarnation;
    for (const rec of req.leases) {
      const lease = this.b.leases.get(rec.leaseId);
      const queuedTwin = lease ? undefined : this.b.items.get(rec.leaseId);
      if (lease) {
        lease.expiresAtMs = ctx.now + this.config.leaseTtlMs;
        renewed.push(rec.leaseId);
      } else if (queuedTwin && queuedTwin.owner === req.owner) {
        // The owner holds this lease but the store has the request queued (an earlier renew
        // re-created it from a stale snapshot after state loss): the lease wins, the item goes.
        this.b.removeItem(queuedTwin, ctx.now);
        this.b.addLease(rec, ctx.now);
        recreatedLeases.push(rec.leaseId);
      } else if (recreate) {
        this.b.addLease(rec, ctx.now);
        recreatedLeases.push(rec.leaseId);
      } else {
        lost.push(rec.leaseId);
      }
    }
    const lostItems: string[] = [];
    for (const rec of req.queued) {
      if (this.b.items.has(rec.requestId) || this.b.leases.has(rec.requestId)) continue;
      if (!recreate) {
        lostItems.push(rec.requestId);
        continue;
      }
      this.b.ensureBand(rec.flow.priority, ctx.now);
      this.b.enqueue(rec, ctx.now);
      if (rec.seq > this.b.seq) this.b.seq = rec.seq;
      recreatedItems.push(rec.requestId);
    }
    this.cycle(ctx, this.config.dispatchBatchMax);
    return {
      incarnation: this.b.incarnation,
      renewedLeases: renewed,
      recreatedLeases,
      recreatedItems,
      lostLeases: lost,
      lostItems,
      heartbeatWasMissing,
      ...this.cycleResult(ctx),
    };
  }

  async reap(req: { owner: ReplicaId; max?: number }): Promise<ReapResult> {
    const ctx = this.context(req.owner);
    const max = req.max ?? DEFAULT_REAP_MAX;
    const dead: ReplicaId[] = [];
    let reapedLeases = 0;
    let evictedItems = 0;
    // The `max` earliest expired heartbeats (ties by id), reported sorted by id (compareIds).
    const expired: [ReplicaId, number][] = [];
    for (const [id, expiresAt] of this.b.replicas) if (expiresAt <= ctx.now) expired.push([id, expiresAt]);
    expired.sort((x, y) => x[1] - y[1] || compareIds(x[0], y[0]));
    for (const [id] of expired.slice(0, max)) dead.push(id);
    dead.sort(compareIds);
    const deadSet = new Set(dead);
    for (const id of dead) {
      this.b.replicas.delete(id);
      this.inbox.delete(id);
    }
    if (deadSet.size > 0) {
      for (const item of [...this.b.items.values()]) {
        if (!deadSet.has(item.owner)) continue;
        this.b.removeItem(item, ctx.now);
        evictedItems++;
      }
    }
    // Leases of dead owners or past expiry: oldest dispatch first (ties by lease id), at most max.
    const victims = [...this.b.leases.values()].filter((l) => deadSet.has(l.record.owner) || l.expiresAtMs <= ctx.now);
    victims.sort((x, y) => x.record.dispatchedAtMs - y.record.dispatchedAtMs || compareIds(x.record.leaseId, y.record.leaseId));
    for (const lease of victims) {
      if (reapedLeases >= max) break;
      this.b.freeLease(lease, ctx.now, undefined);
      reapedLeases++;
    }
    let ttlEvicted = 0;
    for (const item of [...this.b.items.values()]) {
      if (ttlEvicted >= max) break;
      const remaining = this.b.remainingBudgetMs(item, ctx.now);
      if (remaining === null || remaining > 0) continue;
      this.b.removeItem(item, ctx.now);
      this.route(ctx, item.owner, { type: 'evicted', requestId: item.requestId, outcome: this.b.ttlOutcome(), queueWaitMs: ctx.now - item.enqueuedAtMs });
      ttlEvicted++;
    }
    const { removedFlows, removedBands } = this.b.collectGarbage(ctx.now);
    this.cycle(ctx, this.config.dispatchBatchMax);
    return {
      deadReplicas: dead,
      reapedLeases,
      evictedItems: evictedItems + ttlEvicted,
      removedFlows,
      removedBands,
      ...this.cycleResult(ctx),
    };
  }

  async dispatch(req: { owner: ReplicaId; max?: number }): Promise<DispatchResult> {
    const ctx = this.context(req.owner);
    this.cycle(ctx, req.max ?? this.config.dispatchBatchMax);
    return this.cycleResult(ctx);
  }

  async bindLease(req: { leaseId: string; endpoint: string }): Promise<boolean> {
    const lease = this.b.leases.get(req.leaseId);
    if (!lease) return false;
    this.b.bind(lease, req.endpoint);
    return true;
  }

  async endpointLoad(): Promise<EndpointLoad[]> {
    return this.b.endpointLoad();
  }

  async deregister(req: { owner: ReplicaId }): Promise<DeregisterResult> {
    const ctx = this.context(req.owner);
    this.b.replicas.delete(req.owner);
    this.inbox.delete(req.owner);
    let removedItems = 0;
    for (const item of [...this.b.items.values()]) {
      if (item.owner !== req.owner) continue;
      this.b.removeItem(item, ctx.now);
      removedItems++;
    }
    const mine = [...this.b.leases.values()].filter((l) => l.record.owner === req.owner);
    mine.sort((x, y) => x.record.dispatchedAtMs - y.record.dispatchedAtMs || compareIds(x.record.leaseId, y.record.leaseId));
    for (const lease of mine) this.b.freeLease(lease, ctx.now, undefined);
    this.cycle(ctx, this.config.dispatchBatchMax);
    return { removedItems, releasedLeases: mine.length, ...this.cycleResult(ctx) };
  }

  async publishEndpoints(req: { owner: ReplicaId; snapshot: EndpointSnapshot }): Promise<DispatchResult> {
    // Every notice goes to its owner's inbox, the caller's too (the publisher is often not the
    // FlowController that waits for them): `notices` is always empty.
    const ctx = this.context(NO_CALLER);
    this.b.setEndpoints(req.snapshot, ctx.now);
    this.cycle(ctx, this.config.dispatchBatchMax);
    return this.cycleResult(ctx);
  }

  async provisionBands(req: { priorities: readonly number[] }): Promise<void> {
    const now = this.time.nowMs();
    this.b.desiredPriorities = new Set(req.priorities);
    for (const p of this.b.desiredPriorities) this.b.ensureBand(p, now);
  }

  async stats(): Promise<FlowStoreStats> {
    return this.b.snapshot(this.time.nowMs());
  }

  async takeInbox(req: { owner: ReplicaId; max?: number }): Promise<FlowNotice[]> {
    return this.inbox.take(req.owner, req.max ?? 100);
  }

  async close(): Promise<void> {
    await this.inbox.stopAll();
  }

  // ---- internals -------------------------------------------------------------------------

  private freshBooks(): MemoryBooks {
    return new MemoryBooks(this.config, this.time.nowMs(), `${this.incarnationPrefix}-${++this.incarnationCounter}`);
  }

  private context(owner: ReplicaId, selfRequestId?: string): CallContext {
    return { owner, now: this.time.nowMs(), notices: [], dispatchedCount: 0, selfRequestId };
  }

  private cycleResult(ctx: CallContext): { notices: FlowNotice[]; dispatchedCount: number; storeNowMs: number } {
    return { notices: ctx.notices, dispatchedCount: ctx.dispatchedCount, storeNowMs: ctx.now };
  }

  /** Send a notice to its owner: the caller's go to the call result, others' to their inbox. */
  private route(ctx: CallContext, owner: ReplicaId, notice: FlowNotice): void {
    if (owner === ctx.owner) ctx.notices.push(notice);
    else this.inbox.push(owner, notice);
  }

  /** One dispatch cycle of at most `max` items (see the FlowStore contract). */
  private cycle(ctx: CallContext, max: number): void {
    while (ctx.dispatchedCount < max) {
      const item = this.b.nextDispatchable(ctx.now);
      if (!item) return;
      this.dispatchItem(ctx, item);
    }
  }

  private dispatchItem(ctx: CallContext, item: MemItem): void {
    const lease = this.b.leaseItem(item, ctx.now);
    ctx.dispatchedCount += 1;
    if (item.requestId === ctx.selfRequestId) {
      ctx.selfLease = lease.record;
      return;
    }
    this.route(ctx, item.owner, { type: 'dispatched', requestId: item.requestId, lease: lease.record, queueWaitMs: ctx.now - item.enqueuedAtMs });
  }
}
