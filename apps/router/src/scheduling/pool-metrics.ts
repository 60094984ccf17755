import type { Clock } from '@sluice/flow-control';
import { MetricsScrapeLoop, poolAggregates } from '@sluice/scheduling';
import type { EndpointMetrics, LeaderLeaseLike, MetricsFetcher, MetricsSnapshotStore, PoolMetricsSnapshot, ScrapeTarget } from '@sluice/scheduling';
import type { SluiceMetrics } from '@sluice/telemetry';

/** An endpoint's metrics as the scheduler and the flow store see them, with their age. */
export interface EndpointMetricsReading {
  readonly metrics: EndpointMetrics;
  /** How old the metrics are now (ms): leader-side age at publish + time since this replica saw the snapshot. */
  readonly ageMs: number;
}

export interface PoolMetricsOptions {
  readonly replicaId: string;
  readonly poolName: string;
  readonly clock: Clock;
  readonly fetcher: MetricsFetcher;
  /** Redis LeaderLease, or ALWAYS_LEADER in memory mode. */
  readonly lease: LeaderLeaseLike;
  /** RedisMetricsSnapshotStore, or MemorySnapshotStore in memory mode. */
  readonly store: MetricsSnapshotStore;
  readonly targets: () => readonly ScrapeTarget[];
  readonly metrics: SluiceMetrics;
  /** Metrics older than this are not used for scoring (upstream --metrics-staleness-threshold, 2 s). */
  readonly stalenessMs?: number;
  /** Scrape period; default 50 ms. */
  readonly tickMs?: number;
  /** Called with every new snapshot (leader: each scrape; follower: each newly published one). */
  readonly onSnapshot?: (snapshot: PoolMetricsSnapshot, role: 'leader' | 'follower') => void;
  readonly onError: (error: unknown) => void;
  /** The router's current global in-flight count for an endpoint (for in-flight credit). */
  readonly inFlightOf?: (endpoint: string) => number;
}

/**
 * The router's view of the model servers' /metrics. One replica (the lease holder) scrapes every
 * endpoint each tick and publishes one snapshot; the others read it (MetricsScrapeLoop). Ages are
 * computed without comparing clocks of different machines: the leader's own (publishedAt −
 * lastSuccess) plus the local time since this replica first saw that snapshot.
 */
export class PoolMetrics {
  readonly loop: MetricsScrapeLoop;
  readonly #o: PoolMetricsOptions;
  readonly #stalenessMs: number;
  #snapshot: PoolMetricsSnapshot | null = null;
  #seenAtMs = 0;
  #role: 'leader' | 'follower' | 'none' = 'none';
  #podSeries = new Set<string>();
  /** Global in-flight per endpoint when the current snapshot arrived. */
  #inFlightAtSnapshot = new Map<string, number>();

  constructor(options: PoolMetricsOptions) {
    this.#o = options;
    this.#stalenessMs = options.stalenessMs ?? 2000;
    this.loop = new MetricsScrapeLoop({
      replicaId: options.replicaId,
      clock: options.clock,
      fetcher: options.fetcher,
      lease: options.lease,
      store: options.store,
      targets: options.targets,
      tickMs: options.tickMs ?? 50,
      // Lease TTL is ~600 ms (see runtime): renew every 150 ms, contenders retry every 100 ms.
      renewEveryMs: 150,
      acquireEveryMs: 100,
      onSnapshot: (snapshot, role) => this.#accept(snapshot, role),
      onError: options.onError,
    });
  }

  get role(): 'leader' | 'follower' | 'none' {
    return this.#role;
  }

  get snapshot(): PoolMetricsSnapshot | null {
    return this.#snapshot;
  }

  start(): void {
    this.loop.start();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
  }

  /** Fresh metrics of `endpoint`, or null (never scraped, failing, or older than the staleness threshold). */
  reading(endpoint: string): EndpointMetricsReading | null {
    const s = this.#snapshot;
    if (s === null) return null;
    const e = s.endpoints.find((x) => x.endpoint === endpoint);
    if (e === undefined || e.metrics === null || e.lastSuccessMs === null) return null;
    const ageMs = Math.max(0, s.publishedAtMs - e.lastSuccessMs) + Math.max(0, this.#o.clock.now() - this.#seenAtMs);
    if (ageMs > this.#stalenessMs) return null;
    return { metrics: e.metrics, ageMs };
  }

  /**
   * The metrics the scorers see, with in-flight credit (the idea of upstream #2066, applied to the
   * queue): requests the router sent to the endpoint since the snapshot arrived, and that the
   * scrape therefore could not see, are added to its waiting queue. So between two scrapes the
   * queue-scorer still moves load away from an endpoint that just received a burst.
   * Null when there are no fresh metrics.
   */
  schedulingMetrics(endpoint: string, inFlightNow: number): EndpointMetrics | null {
    const r = this.reading(endpoint);
    if (r === null) return null;
    const credit = Math.max(0, inFlightNow - (this.#inFlightAtSnapshot.get(endpoint) ?? inFlightNow));
    if (credit === 0 || r.metrics.waitingQueueSize === undefined) return r.metrics;
    return { ...r.metrics, waitingQueueSize: r.metrics.waitingQueueSize + credit };
  }

  #accept(snapshot: PoolMetricsSnapshot, role: 'leader' | 'follower'): void {
    this.#role = role;
    const isNew = this.#snapshot === null || snapshot.publishedAtMs !== this.#snapshot.publishedAtMs || snapshot.leaderId !== this.#snapshot.leaderId;
    if (!isNew) return;
    this.#snapshot = snapshot;
    this.#seenAtMs = this.#o.clock.now();
    const inFlightOf = this.#o.inFlightOf;
    this.#inFlightAtSnapshot = new Map(inFlightOf === undefined ? [] : snapshot.endpoints.map((e) => [e.endpoint, inFlightOf(e.endpoint)]));
    this.#exportGauges(snapshot);
    try {
      this.#o.onSnapshot?.(snapshot, role);
    } catch (error) {
      this.#o.onError(error);
    }
  }

  /** inference_pool_* gauges over fresh endpoints (NaN averages are not exported). */
  #exportGauges(snapshot: PoolMetricsSnapshot): void {
    const pool = this.#o.metrics.pool;
    const name = this.#o.poolName;
    const agg = poolAggregates(snapshot, snapshot.publishedAtMs, this.#stalenessMs);
    if (!Number.isNaN(agg.averageKvCacheUtilization)) pool.averageKvCacheUtilization.set({ name }, agg.averageKvCacheUtilization);
    if (!Number.isNaN(agg.averageQueueSize)) pool.averageQueueSize.set({ name }, agg.averageQueueSize);
    const seen = new Set<string>();
    for (const [pod, q] of agg.perEndpointQueueSize) {
      pool.perPodQueueSize.set({ name, model_server_pod: pod }, q);
      seen.add(pod);
    }
    for (const pod of this.#podSeries) if (!seen.has(pod)) this.#o.metrics.deletePodSeries(name, pod);
    this.#podSeries = seen;
  }
}

/** undici-free fetcher on Node's global fetch: rejects on timeout and on non-2xx. */
export const httpMetricsFetcher: MetricsFetcher = {
  async fetchText(url: string, timeoutMs: number): Promise<string> {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) {
      await res.body?.cancel();
      throw new Error(`GET ${url} answered ${res.status}`);
    }
    return await res.text();
  },
};
