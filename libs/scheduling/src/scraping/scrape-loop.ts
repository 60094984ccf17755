import type { EndpointMetrics } from './endpoint-metrics.ts';
import { parseEndpointMetrics } from './endpoint-metrics.ts';

/** One endpoint to scrape. */
export interface ScrapeTarget {
  readonly name: string;
  /** Full URL of its metrics page, e.g. http://10.0.0.7:8000/metrics. */
  readonly metricsUrl: string;
}

/**
 * The I/O the loop needs, injected by the composition root (undici/fetch there).
 * MUST reject (not hang) after `timeoutMs`, and reject on a non-2xx status.
 */
export interface MetricsFetcher {
  fetchText(url: string, timeoutMs: number): Promise<string>;
}

/**
 * The leader lease (the shape of @sluice/redis-store LeaderLease). `tryAcquire` takes a free lease
 * or extends one this holder already has; true = held. Memory mode passes ALWAYS_LEADER.
 */
export interface LeaderLeaseLike {
  tryAcquire(): Promise<boolean>;
  release(): Promise<boolean>;
}

export const ALWAYS_LEADER: LeaderLeaseLike = {
  tryAcquire: () => Promise.resolve(true),
  release: () => Promise.resolve(true),
};

/** Where the leader publishes snapshots and followers read them (Redis, or MemorySnapshotStore). */
export interface MetricsSnapshotStore {
  publish(snapshot: PoolMetricsSnapshot): Promise<void>;
  read(): Promise<PoolMetricsSnapshot | null>;
}

/** Injected time source (FakeClock in tests). Milliseconds. */
export interface ScrapeClock {
  now(): number;
  setTimeout(callback: () => void, delayMs: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The last scrape state of one endpoint. Times are ms on the leader's clock. */
export interface EndpointScrape {
  readonly endpoint: string;
  /** Metrics of the last successful scrape; null until one succeeds. */
  readonly metrics: EndpointMetrics | null;
  /** When the last successful scrape finished (null = never). Staleness = now − this. */
  readonly lastSuccessMs: number | null;
  readonly consecutiveFailures: number;
  readonly lastError: string | null;
}

/** What the leader publishes every tick. */
export interface PoolMetricsSnapshot {
  readonly publishedAtMs: number;
  /** Id of the publishing replica. */
  readonly leaderId: string;
  readonly endpoints: readonly EndpointScrape[];
}

export interface ScrapeLoopOptions {
  readonly replicaId: string;
  readonly clock: ScrapeClock;
  readonly fetcher: MetricsFetcher;
  readonly lease: LeaderLeaseLike;
  readonly store: MetricsSnapshotStore;
  /** The current endpoints (re-read every tick, so pool changes apply at the next tick). */
  readonly targets: () => readonly ScrapeTarget[];
  /** Called with every snapshot this replica produced (leader) or read (follower). Must not throw. */
  readonly onSnapshot: (snapshot: PoolMetricsSnapshot, role: 'leader' | 'follower') => void;
  /** Called on lease, store or unexpected errors; the loop continues. */
  readonly onError?: (error: unknown) => void;
  /** Tick period; default 50 ms. */
  readonly tickMs?: number;
  /** Per-request scrape timeout handed to the fetcher; default 1000 ms. */
  readonly scrapeTimeoutMs?: number;
  /** How long a tick waits for its scrapes before publishing what it has; default 0.8 × tickMs. */
  readonly publishWithinMs?: number;
  /** Leader: renew the lease this often; default 200 ms (lease TTL should be ~3×). */
  readonly renewEveryMs?: number;
  /** Follower: try to take the lease this often; default 100 ms. */
  readonly acquireEveryMs?: number;
}

interface EndpointState {
  metrics: EndpointMetrics | null;
  lastSuccessMs: number | null;
  consecutiveFailures: number;
  lastError: string | null;
  inFlight: Promise<void> | null;
}

/**
 * The metrics scrape loop. Pure scheduling logic: time, HTTP, the lease and the snapshot store are
 * injected. Every tick (50 ms): refresh the lease when due; the leader scrapes every endpoint that
 * has no scrape in flight (so a slow endpoint never piles up requests or delays the others beyond
 * `publishWithinMs`), then publishes one snapshot; a follower reads the published snapshot.
 * Failover: a follower takes the lease within leaseTTL + acquireEveryMs of the leader's death.
 * Ticks never overlap: the next tick is scheduled when the current one ends.
 */
export class MetricsScrapeLoop {
  readonly #o: Required<Omit<ScrapeLoopOptions, 'onError'>> & { onError: (error: unknown) => void };
  readonly #states = new Map<string, EndpointState>();
  #leader = false;
  #nextLeaseCheckMs = Number.NEGATIVE_INFINITY;
  #timer: unknown = undefined;
  #running = false;
  #currentTick: Promise<void> | null = null;

  constructor(options: ScrapeLoopOptions) {
    const tickMs = options.tickMs ?? 50;
    this.#o = {
      ...options,
      onError: options.onError ?? (() => {}),
      tickMs,
      scrapeTimeoutMs: options.scrapeTimeoutMs ?? 1000,
      publishWithinMs: options.publishWithinMs ?? Math.floor(tickMs * 0.8),
      renewEveryMs: options.renewEveryMs ?? 200,
      acquireEveryMs: options.acquireEveryMs ?? 100,
    };
  }

  get isLeader(): boolean {
    return this.#leader;
  }

  /** Starts ticking (first tick now). */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#schedule(0);
  }

  /** Stops ticking, waits for the current tick, and releases the lease if held. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#o.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#currentTick;
    await Promise.all([...this.#states.values()].map((s) => s.inFlight));
    if (this.#leader) {
      this.#leader = false;
      try {
        await this.#o.lease.release();
      } catch (error) {
        this.#o.onError(error);
      }
    }
  }

  /** One tick (also callable directly by tests). Never throws. */
  async tick(): Promise<void> {
    const o = this.#o;
    try {
      await this.#leaseStep();
      if (this.#leader) {
        await this.#scrapeAll();
        const snapshot = this.#snapshot();
        o.onSnapshot(snapshot, 'leader');
        await o.store.publish(snapshot);
      } else {
        const snapshot = await o.store.read();
        if (snapshot !== null) o.onSnapshot(snapshot, 'follower');
      }
    } catch (error) {
      o.onError(error);
    }
  }

  async #leaseStep(): Promise<void> {
    const now = this.#o.clock.now();
    if (now < this.#nextLeaseCheckMs) return;
    try {
      this.#leader = await this.#o.lease.tryAcquire();
    } catch (error) {
      // Unknown lease state: stop scraping rather than risk two leaders.
      this.#leader = false;
      this.#o.onError(error);
    }
    this.#nextLeaseCheckMs = now + (this.#leader ? this.#o.renewEveryMs : this.#o.acquireEveryMs);
  }

  async #scrapeAll(): Promise<void> {
    const o = this.#o;
    const targets = o.targets();
    const live = new Set(targets.map((t) => t.name));
    for (const name of this.#states.keys()) if (!live.has(name)) this.#states.delete(name);
    const started: Promise<void>[] = [];
    for (const target of targets) {
      let state = this.#states.get(target.name);
      if (state === undefined) {
        state = { metrics: null, lastSuccessMs: null, consecutiveFailures: 0, lastError: null, inFlight: null };
        this.#states.set(target.name, state);
      }
      if (state.inFlight !== null) continue;
      const s = state;
      s.inFlight = o.fetcher.fetchText(target.metricsUrl, o.scrapeTimeoutMs).then(
        (text) => {
          s.metrics = parseEndpointMetrics(text);
          s.lastSuccessMs = o.clock.now();
          s.consecutiveFailures = 0;
          s.lastError = null;
          s.inFlight = null;
        },
        (error: unknown) => {
          s.consecutiveFailures++;
          s.lastError = error instanceof Error ? error.message : String(error);
          s.inFlight = null;
        },
      );
      started.push(s.inFlight);
    }
    if (started.length === 0) return;
    let timer: unknown;
    const deadline = new Promise<void>((resolve) => {
      timer = o.clock.setTimeout(resolve, o.publishWithinMs);
    });
    await Promise.race([Promise.all(started), deadline]);
    o.clock.clearTimeout(timer);
  }

  #snapshot(): PoolMetricsSnapshot {
    const endpoints: EndpointScrape[] = [];
    for (const [endpoint, s] of this.#states) {
      endpoints.push({ endpoint, metrics: s.metrics, lastSuccessMs: s.lastSuccessMs, consecutiveFailures: s.consecutiveFailures, lastError: s.lastError });
    }
    return { publishedAtMs: this.#o.clock.now(), leaderId: this.#o.replicaId, endpoints };
  }

  #schedule(delayMs: number): void {
    this.#timer = this.#o.clock.setTimeout(() => {
      if (!this.#running) return;
      const started = this.#o.clock.now();
      this.#currentTick = this.tick().finally(() => {
        this.#currentTick = null;
        if (this.#running) this.#schedule(Math.max(0, this.#o.tickMs - (this.#o.clock.now() - started)));
      });
    }, delayMs);
  }
}

/** Snapshot store for memory mode (single replica) and tests: holds the last published snapshot. */
export class MemorySnapshotStore implements MetricsSnapshotStore {
  #last: PoolMetricsSnapshot | null = null;

  publish(snapshot: PoolMetricsSnapshot): Promise<void> {
    this.#last = snapshot;
    return Promise.resolve();
  }

  read(): Promise<PoolMetricsSnapshot | null> {
    return Promise.resolve(this.#last);
  }
}
