import { FakeClock } from '@sluice/testing';
import { describe, expect, it } from 'vitest';
import { MemorySnapshotStore, MetricsScrapeLoop, poolAggregates } from '../../src/scraping/index.ts';
import type { LeaderLeaseLike, MetricsFetcher, PoolMetricsSnapshot, ScrapeTarget } from '../../src/scraping/index.ts';

/** A lease with a TTL on the fake clock, shared by several loops (what Redis SET NX PX does). */
class ClockLease implements LeaderLeaseLike {
  constructor(
    private readonly shared: { holder: string | null; expiresMs: number },
    private readonly id: string,
    private readonly clock: FakeClock,
    private readonly ttlMs: number,
  ) {}
  tryAcquire(): Promise<boolean> {
    const now = this.clock.now();
    if (this.shared.holder === null || this.shared.expiresMs <= now || this.shared.holder === this.id) {
      this.shared.holder = this.id;
      this.shared.expiresMs = now + this.ttlMs;
      return Promise.resolve(true);
    }
    return Promise.resolve(false);
  }
  release(): Promise<boolean> {
    if (this.shared.holder !== this.id) return Promise.resolve(false);
    this.shared.holder = null;
    return Promise.resolve(true);
  }
}

/** Serves canned /metrics bodies per URL; `pending` URLs never answer until released. */
class CannedFetcher implements MetricsFetcher {
  readonly bodies = new Map<string, string>();
  readonly calls: string[] = [];
  readonly pending = new Map<string, () => void>();
  hang = new Set<string>();
  fetchText(url: string): Promise<string> {
    this.calls.push(url);
    if (this.hang.has(url)) return new Promise((resolve) => this.pending.set(url, () => resolve(this.bodies.get(url) ?? '')));
    const body = this.bodies.get(url);
    return body === undefined ? Promise.reject(new Error(`connect ECONNREFUSED ${url}`)) : Promise.resolve(body);
  }
}

const vllm = (waiting: number, kv: number) => `vllm:num_requests_waiting ${waiting}\nvllm:num_requests_running 1\nvllm:kv_cache_usage_perc ${kv}\n`;
/** Lets every pending promise continuation run (one macrotask turn). */
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

function setup(targets: ScrapeTarget[]) {
  const clock = new FakeClock();
  const fetcher = new CannedFetcher();
  const store = new MemorySnapshotStore();
  const shared = { holder: null as string | null, expiresMs: 0 };
  const snapshots: { replica: string; role: string; snapshot: PoolMetricsSnapshot }[] = [];
  const errors: unknown[] = [];
  const make = (replicaId: string) =>
    new MetricsScrapeLoop({
      replicaId,
      clock,
      fetcher,
      lease: new ClockLease(shared, replicaId, clock, 600),
      store,
      targets: () => targets,
      onSnapshot: (snapshot, role) => snapshots.push({ replica: replicaId, role, snapshot }),
      onError: (e) => errors.push(e),
    });
  return { clock, fetcher, store, shared, snapshots, errors, make };
}

describe('MetricsScrapeLoop', () => {
  it('the leader scrapes every target and publishes one snapshot; failures keep the last good metrics', async () => {
    const targets = [
      { name: 'a', metricsUrl: 'http://a/metrics' },
      { name: 'b', metricsUrl: 'http://b/metrics' },
    ];
    const t = setup(targets);
    t.fetcher.bodies.set('http://a/metrics', vllm(2, 0.5));
    t.fetcher.bodies.set('http://b/metrics', vllm(4, 0.25));
    const loop = t.make('r1');
    await loop.tick();
    expect(loop.isLeader).toBe(true);
    const first = (await t.store.read())!;
    expect(first.leaderId).toBe('r1');
    expect(first.endpoints.map((e) => [e.endpoint, e.metrics?.waitingQueueSize, e.lastSuccessMs])).toEqual([
      ['a', 2, t.clock.now()],
      ['b', 4, t.clock.now()],
    ]);
    const agg = poolAggregates(first, t.clock.now(), 1000);
    expect(agg.readyEndpoints).toBe(2);
    expect(agg.averageQueueSize).toBe(3);
    expect(agg.stdDevQueueSize).toBe(1);
    expect(agg.averageKvCacheUtilization).toBe(0.375);

    t.fetcher.bodies.delete('http://b/metrics');
    const scrapedAt = t.clock.now();
    t.clock.advance(50);
    await loop.tick();
    t.clock.advance(50);
    await loop.tick();
    const b = (await t.store.read())!.endpoints.find((e) => e.endpoint === 'b')!;
    expect(b.consecutiveFailures).toBe(2);
    expect(b.lastError).toMatch(/ECONNREFUSED/);
    expect(b.metrics?.waitingQueueSize).toBe(4);
    expect(b.lastSuccessMs).toBe(scrapedAt);
    // b is now 100 ms stale: with a 60 ms freshness bound only a counts as ready.
    expect(poolAggregates((await t.store.read())!, t.clock.now(), 60).readyEndpoints).toBe(1);
  });

  it('a hanging endpoint delays a tick by at most publishWithinMs and is not scraped twice at once', async () => {
    const t = setup([
      { name: 'a', metricsUrl: 'http://a/metrics' },
      { name: 'slow', metricsUrl: 'http://slow/metrics' },
    ]);
    t.fetcher.bodies.set('http://a/metrics', vllm(1, 0.1));
    t.fetcher.bodies.set('http://slow/metrics', vllm(9, 0.9));
    t.fetcher.hang.add('http://slow/metrics');
    const loop = t.make('r1');
    let done = false;
    const tick = loop.tick().then(() => (done = true));
    await flush();
    expect(done).toBe(false);
    t.clock.advance(40); // publishWithinMs = 0.8 × 50
    await tick;
    const snap = (await t.store.read())!;
    expect(snap.endpoints.find((e) => e.endpoint === 'slow')!.metrics).toBeNull();
    expect(snap.endpoints.find((e) => e.endpoint === 'a')!.metrics?.waitingQueueSize).toBe(1);
    await loop.tick();
    expect(t.fetcher.calls.filter((u) => u.includes('slow'))).toHaveLength(1);
    t.fetcher.hang.clear();
    t.fetcher.pending.get('http://slow/metrics')!();
    await flush();
    await loop.tick();
    expect((await t.store.read())!.endpoints.find((e) => e.endpoint === 'slow')!.metrics?.waitingQueueSize).toBe(9);
  });

  it('followers read the leader snapshot; when the leader dies another takes over within 1 s', async () => {
    const t = setup([{ name: 'a', metricsUrl: 'http://a/metrics' }]);
    t.fetcher.bodies.set('http://a/metrics', vllm(3, 0.3));
    const leader = t.make('r1');
    const follower = t.make('r2');
    await leader.tick();
    await follower.tick();
    expect(leader.isLeader).toBe(true);
    expect(follower.isLeader).toBe(false);
    expect(t.snapshots.at(-1)).toMatchObject({ replica: 'r2', role: 'follower', snapshot: { leaderId: 'r1' } });

    // r1 dies (stops ticking, never releases). r2 keeps ticking every 50 ms.
    const diedAt = t.clock.now();
    let takeoverAt: number | undefined;
    for (let i = 0; i < 40 && takeoverAt === undefined; i++) {
      t.clock.advance(50);
      await follower.tick();
      if (follower.isLeader) takeoverAt = t.clock.now();
    }
    expect(takeoverAt).toBeDefined();
    expect(takeoverAt! - diedAt).toBeLessThanOrEqual(1000);
    expect((await t.store.read())!.leaderId).toBe('r2');
  });

  it('stop() releases the lease so a follower can take it at its next attempt', async () => {
    const t = setup([]);
    const a = t.make('r1');
    const b = t.make('r2');
    await a.tick();
    await a.stop();
    expect(t.shared.holder).toBeNull();
    await b.tick();
    expect(b.isLeader).toBe(true);
  });

  it('a lease error means not leader (no scraping) and is reported', async () => {
    const clock = new FakeClock();
    const fetcher = new CannedFetcher();
    const errors: unknown[] = [];
    const loop = new MetricsScrapeLoop({
      replicaId: 'r1',
      clock,
      fetcher,
      lease: { tryAcquire: () => Promise.reject(new Error('redis down')), release: () => Promise.resolve(false) },
      store: new MemorySnapshotStore(),
      targets: () => [{ name: 'a', metricsUrl: 'http://a/metrics' }],
      onSnapshot: () => {},
      onError: (e) => errors.push(e),
    });
    await loop.tick();
    expect(loop.isLeader).toBe(false);
    expect(fetcher.calls).toEqual([]);
    expect(errors).toHaveLength(1);
  });

  it('start() ticks every 50 ms on the injected clock and drops endpoints that left', async () => {
    const targets: ScrapeTarget[] = [
      { name: 'a', metricsUrl: 'http://a/metrics' },
      { name: 'b', metricsUrl: 'http://b/metrics' },
    ];
    const t = setup(targets);
    t.fetcher.bodies.set('http://a/metrics', vllm(0, 0));
    t.fetcher.bodies.set('http://b/metrics', vllm(0, 0));
    const loop = t.make('r1');
    loop.start();
    for (let i = 0; i < 4; i++) {
      t.clock.advance(i === 0 ? 0 : 50);
      await flush();
    }
    expect(t.fetcher.calls.filter((u) => u.includes('//a/'))).toHaveLength(4);
    targets.pop();
    t.clock.advance(50);
    await flush();
    await loop.stop();
    expect((await t.store.read())!.endpoints.map((e) => e.endpoint)).toEqual(['a']);
    expect(t.clock.pendingTimers()).toBe(0);
  });
});
