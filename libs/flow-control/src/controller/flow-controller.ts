import type { CycleResult, DeregisterResult, DispatchResult, FlowStore } from '../store/flow-store.ts';
import type { InboxReader, InboxSubscription } from '../store/inbox-reader.ts';
import type { Clock, TimerHandle } from '../time/clock.ts';
import type { EndpointSnapshot } from '../types/detector.ts';
import type { FlowKey } from '../types/flow-key.ts';
import type { FlowNotice, LeaseRecord, QueuedRecord, ReplicaId } from '../types/items.ts';
import { FlowOutcome } from '../types/outcome.ts';
import type { FlowObserver } from './observer.ts';
import type { CancelSignal, FlowAdmission, FlowRequest } from './types.ts';

/** Options of a FlowController (one per router replica and pool). */
export interface FlowControllerOptions {
  readonly store: FlowStore;
  /** Push delivery of this replica's inbox (notices produced by other replicas' store calls). */
  readonly inbox: InboxReader;
  readonly replicaId: ReplicaId;
  readonly clock: Clock;
  readonly observer?: FlowObserver;
  /** Heartbeat + lease renewal period (ms). MUST be well below the store's leaseTtlMs and replicaTtlMs. Default 5000. */
  readonly renewIntervalMs?: number;
  /** Safety tick period (ms): reap (which also dispatches) and stats. Default 1000. */
  readonly safetyTickMs?: number;
  /**
   * Every Nth renew lists ALL waiting requests (`queued`), so the store can report the ones it lost
   * (`lostItems`). The renews in between carry leases only, unless the store lost its state
   * (incarnation changed), forgot our heartbeat, or reported lost leases: then the next renew is full
   * at once. Default 6 (30 s at the default interval).
   */
  readonly fullRenewEvery?: number;
}

/** A request waiting inside flow control. */
interface Waiter {
  readonly req: FlowRequest;
  readonly startedAtMs: number;
  state: 'admitting' | 'queued' | 'cancelling' | 'done';
  flow: FlowKey;
  record: QueuedRecord | null;
  /** Notices that arrived before the admit call returned (another replica was faster). */
  readonly early: FlowNotice[];
  aborted: boolean;
  /** expire() once answered 'unknown'; a second time ends the request. */
  unknownOnce: boolean;
  timer: TimerHandle | null;
  detach: () => void;
  resolve: (a: FlowAdmission) => void;
}

/**
 * Per-replica front of flow control over any FlowStore. `admit` resolves once the request reaches a
 * terminal state: dispatched (with its lease, which the caller MUST `release` when the response
 * ends) or dropped (with the outcome). Queued requests learn of their dispatch from store call
 * results or the inbox; exact per-item TTL timers call `store.expire`; an AbortSignal cancels whether
 * the request is still queued or was just dispatched elsewhere. One batched renew per interval keeps
 * the heartbeat and all leases alive; a slow safety tick reaps. No module state; clock injected.
 */
export class FlowController {
  private readonly store: FlowStore;
  private readonly inbox: InboxReader;
  private readonly replicaId: ReplicaId;
  private readonly clock: Clock;
  private readonly observer: FlowObserver;
  private readonly renewIntervalMs: number;
  private readonly safetyTickMs: number;
  private readonly waiters = new Map<string, Waiter>();
  private readonly held = new Map<string, LeaseRecord>();
  private incarnation = '';
  private subscription: InboxSubscription | null = null;
  private renewTimer: TimerHandle | null = null;
  private tickTimer: TimerHandle | null = null;
  private running = false;
  private renewing: Promise<void> | null = null;
  private readonly fullRenewEvery: number;
  /** Renews since the last full one; a full renew is due when it reaches fullRenewEvery. */
  private renewsSinceFull = 0;
  /** Next renew must list every queued record (state loss or lost heartbeat suspected). */
  private fullRenewDue = true;
  /** Run another renew as soon as the one in flight returns. */
  private renewAgain = false;

  constructor(options: FlowControllerOptions) {
    this.store = options.store;
    this.inbox = options.inbox;
    this.replicaId = options.replicaId;
    this.clock = options.clock;
    this.observer = options.observer ?? {};
    this.renewIntervalMs = options.renewIntervalMs ?? 5000;
    this.safetyTickMs = options.safetyTickMs ?? 1000;
    this.fullRenewEvery = Math.max(1, Math.floor(options.fullRenewEvery ?? 6));
  }

  /** Subscribe to the inbox, register the heartbeat and start the renew and safety loops. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.subscription = this.inbox.subscribe(this.replicaId, (notices) => {
      for (const n of notices) this.onNotice(n);
    });
    await this.renewNow();
    this.renewTimer = this.clock.setTimeout(() => this.renewLoop(), this.renewIntervalMs);
    this.tickTimer = this.clock.setTimeout(() => this.tickLoop(), this.safetyTickMs);
  }

  /**
   * Stop: every waiting request is removed from the store and resolved `evicted-other` (HTTP 503
   * rejected-shutting-down); loops and the inbox subscription end. Held leases stay valid until
   * released or expired.
   */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    if (this.renewTimer !== null) this.clock.clearTimeout(this.renewTimer);
    if (this.tickTimer !== null) this.clock.clearTimeout(this.tickTimer);
    const cancels: Promise<unknown>[] = [];
    for (const w of [...this.waiters.values()]) {
      if (w.state === 'queued') cancels.push(this.store.cancel({ owner: this.replicaId, requestId: w.req.requestId }).catch(() => undefined));
      this.finish(w, { dispatched: false, outcome: FlowOutcome.EvictedOther, queueWaitMs: this.waited(w), flow: w.flow });
    }
    await Promise.all(cancels);
    await this.subscription?.stop();
    this.subscription = null;
  }

  /**
   * Ask for admission. Resolves with the terminal result; rejects only when the store call itself
   * fails (the caller maps that to a 5xx). An already aborted signal → `evicted-context-cancelled`.
   */
  admit(req: FlowRequest, signal?: CancelSignal): Promise<FlowAdmission> {
    if (!this.running) {
      return Promise.resolve({ dispatched: false, outcome: FlowOutcome.RejectedOther, queueWaitMs: 0, flow: req.flow });
    }
    if (signal?.aborted) {
      return Promise.resolve({ dispatched: false, outcome: FlowOutcome.EvictedContextCancelled, queueWaitMs: 0, flow: req.flow });
    }
    if (this.waiters.has(req.requestId)) return Promise.reject(new Error(`request ${req.requestId} is already in flow control`));
    const startedAtMs = this.clock.now();
    return new Promise<FlowAdmission>((resolve, reject) => {
      const w: Waiter = {
        req,
        startedAtMs,
        state: 'admitting',
        flow: req.flow,
        record: null,
        early: [],
        aborted: false,
        unknownOnce: false,
        timer: null,
        detach: noDetach,
        resolve,
      };
      this.waiters.set(req.requestId, w);
      if (signal) w.detach = listenForAbort(signal, () => this.onAbort(w));
      this.store
        .admit({
          requestId: req.requestId,
          owner: this.replicaId,
          flow: req.flow,
          bytes: req.bytes,
          tokens: req.tokens,
          ttlMs: req.ttlMs,
          sloTtftMs: req.sloTtftMs,
          receivedAgoMs: req.receivedAtMs === undefined ? 0 : Math.max(0, startedAtMs - req.receivedAtMs),
          endpoint: req.endpoint,
        })
        .then((r) => {
          this.onCycle(r);
          w.flow = r.flow;
          if (r.kind === 'dispatched') this.onDispatched(w, r.lease, 0);
          else if (r.kind === 'rejected') {
            this.finish(w, { dispatched: false, outcome: r.outcome, retryAfterMs: r.retryAfterMs, queueWaitMs: 0, flow: r.flow });
          } else this.onQueued(w, r.record, r.incarnation);
        })
        .catch((err: unknown) => {
          if (w.state !== 'done') {
            w.state = 'done';
            w.detach();
            this.waiters.delete(req.requestId);
          }
          reject(err);
        });
    });
  }

  /** Free a lease this controller handed out; settles token fairness with `actualTokens`. */
  async release(leaseId: string, actualTokens?: number): Promise<void> {
    this.held.delete(leaseId);
    this.onCycle(await this.store.release({ owner: this.replicaId, leaseId, actualTokens }));
  }

  /** Record the endpoint a lease was scheduled to (per-endpoint in-flight accounting). */
  async bindLease(leaseId: string, endpoint: string): Promise<void> {
    const lease = this.held.get(leaseId);
    if (lease) this.held.set(leaseId, { ...lease, endpoint });
    await this.store.bindLease({ leaseId, endpoint });
  }

  /**
   * Publish the pool's endpoints and metrics through this controller (scraper leader, discovery, the
   * single replica). The store delivers every notice of this call to the inboxes; any notice that
   * still comes back in the reply is routed here too, so no waiter can miss its dispatch.
   */
  async publishEndpoints(snapshot: EndpointSnapshot): Promise<DispatchResult> {
    const r = await this.store.publishEndpoints({ owner: this.replicaId, snapshot });
    this.onCycle(r);
    return r;
  }

  /**
   * Graceful shutdown, after `stop()` and after releasing the leases: remove this replica's heartbeat
   * and inbox from the store at once (instead of lingering until replicaTtlMs). Leases still held
   * here are freed by the store and forgotten here.
   */
  async deregister(): Promise<DeregisterResult> {
    const r = await this.store.deregister({ owner: this.replicaId });
    this.held.clear();
    return r;
  }

  /** Requests currently waiting in this controller, and leases it holds. */
  counts(): { waiting: number; leases: number } {
    return { waiting: this.waiters.size, leases: this.held.size };
  }

  // ---- internals -------------------------------------------------------------------------

  /** Wait so far (ms): from receipt (`receivedAtMs`, else the admit call) to now. */
  private waited(w: Waiter): number {
    return Math.max(0, this.clock.now() - (w.req.receivedAtMs ?? w.startedAtMs));
  }

  private finish(w: Waiter, admission: FlowAdmission): void {
    if (w.state === 'done') return;
    w.state = 'done';
    if (w.timer !== null) this.clock.clearTimeout(w.timer);
    w.timer = null;
    w.detach();
    this.waiters.delete(w.req.requestId);
    const outcome = admission.dispatched ? FlowOutcome.Dispatched : admission.outcome;
    this.safely(() => this.observer.onFinished?.({ flow: admission.flow, bytes: w.req.bytes, outcome, queueWaitMs: admission.queueWaitMs }));
    w.resolve(admission);
  }

  private onDispatched(w: Waiter, lease: LeaseRecord, queueWaitMs: number): void {
    if (w.state === 'done' || w.state === 'cancelling' || w.aborted) {
      // Nobody wants it any more (shutdown or client gone): give the capacity back at once.
      this.background('release', this.store.release({ owner: this.replicaId, leaseId: lease.leaseId }));
      this.finish(w, { dispatched: false, outcome: FlowOutcome.EvictedContextCancelled, queueWaitMs: this.waited(w), flow: w.flow });
      return;
    }
    this.held.set(lease.leaseId, lease);
    this.finish(w, { dispatched: true, lease, queueWaitMs, flow: lease.flow });
  }

  private onQueued(w: Waiter, record: QueuedRecord, incarnation: string): void {
    if (this.incarnation === '') this.incarnation = incarnation;
    else if (incarnation !== this.incarnation) {
      // the store lost state: re-create ours, queued items included
      this.fullRenewDue = true;
      void this.renewNow();
    }
    if (w.state === 'done') {
      this.background('cancel', this.store.cancel({ owner: this.replicaId, requestId: record.requestId }));
      return;
    }
    w.state = 'queued';
    w.record = record;
    for (const n of w.early.splice(0)) this.onNotice(n);
    if (w.state !== 'queued') return;
    if (w.aborted) {
      this.onAbort(w);
      return;
    }
    if (record.ttlMs > 0) this.armTtl(w, record.ttlMs);
  }

  private armTtl(w: Waiter, delayMs: number): void {
    if (w.timer !== null) this.clock.clearTimeout(w.timer);
    w.timer = this.clock.setTimeout(() => {
      w.timer = null;
      void this.onTtl(w);
    }, delayMs);
  }

  private async onTtl(w: Waiter): Promise<void> {
    if (w.state !== 'queued') return;
    try {
      const r = await this.store.expire({ owner: this.replicaId, requestId: w.req.requestId });
      this.onCycle(r);
      if (r.kind === 'evicted') this.finish(w, { dispatched: false, outcome: r.outcome, queueWaitMs: this.waited(w), flow: w.flow });
      else if (r.kind === 'dispatched') this.onDispatched(w, r.lease, this.waited(w));
      else if (r.kind === 'pending' && r.remainingMs !== null && w.state === 'queued') this.armTtl(w, Math.max(1, r.remainingMs));
      else if (r.kind === 'unknown' && w.state === 'queued') {
        // Gone from the store: its notice is in flight (wait one tick for it) or it was reaped.
        if (w.unknownOnce) this.finish(w, { dispatched: false, outcome: FlowOutcome.EvictedOther, queueWaitMs: this.waited(w), flow: w.flow });
        else {
          w.unknownOnce = true;
          this.armTtl(w, this.safetyTickMs);
        }
      }
    } catch (err) {
      this.safely(() => this.observer.onError?.('expire', err));
      if (w.state === 'queued') this.armTtl(w, this.safetyTickMs);
    }
  }

  private onAbort(w: Waiter): void {
    w.aborted = true;
    if (w.state !== 'queued') return; // admitting: handled when the admit call returns
    w.state = 'cancelling';
    if (w.timer !== null) this.clock.clearTimeout(w.timer);
    w.timer = null;
    const finishCancelled = (): void => {
      this.finish(w, { dispatched: false, outcome: FlowOutcome.EvictedContextCancelled, queueWaitMs: this.waited(w), flow: w.flow });
    };
    this.store
      .cancel({ owner: this.replicaId, requestId: w.req.requestId })
      .then((r) => {
        this.onCycle(r);
        finishCancelled();
      })
      .catch((err: unknown) => {
        this.safely(() => this.observer.onError?.('cancel', err));
        finishCancelled();
      });
  }

  private onNotice(n: FlowNotice): void {
    const w = this.waiters.get(n.requestId);
    if (!w) {
      if (n.type !== 'dispatched') return;
      // A second dispatch of a request whose lease we already hold (its queued twin was re-created
      // by a stale renew after state loss): the store's lease (same id) now stands for ours. Keep it.
      if (this.held.has(n.lease.leaseId)) return;
      // Dispatched for a request nobody waits for (cancelled in a race): free it at once.
      this.background('release', this.store.release({ owner: this.replicaId, leaseId: n.lease.leaseId }));
      return;
    }
    if (w.state === 'admitting') {
      w.early.push(n);
      return;
    }
    if (n.type === 'dispatched') {
      if (w.state === 'cancelling') {
        // Cancel in progress: the cancel call releases (or already released) the lease; release is idempotent.
        this.background('release', this.store.release({ owner: this.replicaId, leaseId: n.lease.leaseId }));
        return;
      }
      this.onDispatched(w, n.lease, this.waited(w));
    } else if (w.state === 'queued') {
      this.finish(w, { dispatched: false, outcome: n.outcome, queueWaitMs: this.waited(w), flow: w.flow });
    }
  }

  private onCycle(r: CycleResult): void {
    if (r.dispatchedCount > 0) this.safely(() => this.observer.onDispatchBatch?.(r.dispatchedCount));
    for (const n of r.notices) this.onNotice(n);
  }

  /**
   * One renew call (coalesced if one is in flight). Leases always; queued records only when a full
   * renew is due (see `fullRenewEvery`), so a replica with 10k waiters does not ship them all every
   * interval.
   */
  private renewNow(): Promise<void> {
    if (this.renewing) {
      this.renewAgain = true;
      return this.renewing;
    }
    const full = this.fullRenewDue || this.renewsSinceFull + 1 >= this.fullRenewEvery;
    const queued: QueuedRecord[] = [];
    if (full) for (const w of this.waiters.values()) if (w.state === 'queued' && w.record) queued.push(w.record);
    const sentIncarnation = this.incarnation;
    this.renewing = this.store
      .renew({ owner: this.replicaId, incarnation: sentIncarnation, leases: [...this.held.values()], queued })
      .then((r) => {
        if (full) {
          this.fullRenewDue = false;
          this.renewsSinceFull = 0;
        } else this.renewsSinceFull++;
        // State loss (a lean renew re-created leases only), forgotten heartbeat (reaped as dead) or
        // reaped leases: list every queued record in a follow-up renew right away. After state loss
        // the follow-up still sends the OLD incarnation, so the store re-creates the queued items.
        if (!full && (r.incarnation !== sentIncarnation || r.heartbeatWasMissing === true || r.lostLeases.length > 0)) {
          this.fullRenewDue = true;
          this.renewAgain = true;
        }
        if (full || r.incarnation === sentIncarnation) this.incarnation = r.incarnation;
        if (r.lostLeases.length > 0) {
          for (const id of r.lostLeases) this.held.delete(id);
          this.safely(() => this.observer.onLostLeases?.(r.lostLeases));
        }
        this.onCycle(r);
        for (const id of r.lostItems ?? []) {
          const w = this.waiters.get(id);
          if (w?.state === 'queued') this.finish(w, { dispatched: false, outcome: FlowOutcome.EvictedOther, queueWaitMs: this.waited(w), flow: w.flow });
        }
        this.settleRecreated(r.recreatedLeases, r.recreatedItems);
      })
      .catch((err: unknown) => this.safely(() => this.observer.onError?.('renew', err)))
      .finally(() => {
        this.renewing = null;
        if (this.renewAgain && this.running) {
          this.renewAgain = false;
          void this.renewNow();
        }
      });
    return this.renewing;
  }

  /**
   * The renew re-created state from a snapshot taken when it was sent; things moved on while it was
   * in flight. A re-created lease we no longer hold (released meanwhile) is released again. A
   * re-created item whose request is no longer waiting (its dispatch notice arrived meanwhile): if we
   * hold its lease, the next renew (at once) lists the lease and the store turns the queued twin back
   * into it; otherwise nobody wants it: cancel it.
   */
  private settleRecreated(leaseIds: readonly string[], ids: readonly string[]): void {
    for (const id of leaseIds) {
      if (!this.held.has(id)) this.background('release', this.store.release({ owner: this.replicaId, leaseId: id }));
    }
    for (const id of ids) {
      if (this.waiters.get(id)?.state === 'queued') continue;
      if (this.held.has(id)) this.renewAgain = true;
      else this.background('cancel', this.store.cancel({ owner: this.replicaId, requestId: id }));
    }
  }

  private renewLoop(): void {
    void this.renewNow().finally(() => {
      if (this.running) this.renewTimer = this.clock.setTimeout(() => this.renewLoop(), this.renewIntervalMs);
    });
  }

  private tickLoop(): void {
    void this.tick().finally(() => {
      if (this.running) this.tickTimer = this.clock.setTimeout(() => this.tickLoop(), this.safetyTickMs);
    });
  }

  private async tick(): Promise<void> {
    try {
      const r = await this.store.reap({ owner: this.replicaId });
      this.safely(() => this.observer.onReap?.(r));
      this.onCycle(r);
      if (this.observer.onStats) {
        const stats = await this.store.stats();
        this.safely(() => this.observer.onStats?.(stats));
      }
    } catch (err) {
      this.safely(() => this.observer.onError?.('safety-tick', err));
    }
  }

  private background(operation: string, p: Promise<CycleResult>): void {
    p.then((r) => this.onCycle(r)).catch((err: unknown) => this.safely(() => this.observer.onError?.(operation, err)));
  }

  private safely(fn: () => void): void {
    try {
      fn();
    } catch {
      // Observer hooks must not break flow control.
    }
  }
}

/** A waiter's `detach` when it has no signal. */
function noDetach(): void {}

/**
 * Adds `onAbort` to `signal` once and returns what removes it. A function of its own so that the
 * listener is an anonymous argument: tsx names every closure bound to a name with a defineProperty
 * call, and admit() runs per request.
 */
function listenForAbort(signal: CancelSignal, onAbort: () => void): () => void {
  signal.addEventListener('abort', onAbort, { once: true });
  return () => signal.removeEventListener('abort', onAbort);
}
