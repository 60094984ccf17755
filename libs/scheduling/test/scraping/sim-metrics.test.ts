import { startSimFleet } from '@sluice/testing';
import type { SimFleet } from '@sluice/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALWAYS_LEADER, MemorySnapshotStore, MetricsScrapeLoop, parseEndpointMetrics } from '../../src/scraping/index.ts';
import type { MetricsFetcher, PoolMetricsSnapshot } from '../../src/scraping/index.ts';
import { capacityFromCacheConfig } from '../../src/prefix/index.ts';

/** The fetcher the router wires, in its simplest form: global fetch with a timeout. */
const fetcher: MetricsFetcher = {
  async fetchText(url, timeoutMs) {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`);
    return res.text();
  },
};

const realClock = {
  now: () => Date.now(),
  setTimeout: (cb: () => void, ms: number) => setTimeout(cb, ms),
  clearTimeout: (h: unknown) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

describe('scraping a real sluice-sim (tiny profile)', () => {
  let fleet: SimFleet | undefined;
  beforeAll(async () => {
    fleet = await startSimFleet({ count: 1, profile: 'tiny', args: ['--lora-modules', 'ad1,ad2', '--max-loras', '2'] });
  }, 30_000);
  afterAll(async () => {
    await fleet?.stop();
  });

  it('parses its /metrics into vLLM endpoint metrics', async () => {
    const pod = fleet!.pods[0]!;
    const m = parseEndpointMetrics(await fetcher.fetchText(`${pod.url}/metrics`, 5000));
    expect(m.engine).toBe('vllm');
    expect(m.waitingQueueSize).toBe(0);
    expect(m.runningRequests).toBe(0);
    expect(m.kvCacheUsage).toBe(0);
    // tiny: 2048 KV tokens in 16-token blocks.
    expect(m.cacheBlockSizeTokens).toBe(16);
    expect(m.cacheNumBlocks).toBe(128);
    expect(capacityFromCacheConfig(m.cacheBlockSizeTokens, m.cacheNumBlocks, 64)).toBe(32);
    expect(m.lora).toEqual({ running: [], waiting: [], maxLora: 2 });
    expect(m.prefixCacheQueryTokens).toBe(0);
  });

  it('the scrape loop (memory mode) publishes a snapshot of it every tick', async () => {
    const pod = fleet!.pods[0]!;
    const seen: PoolMetricsSnapshot[] = [];
    // The first snapshot whose endpoint carries metrics (a slow first fetch may publish null first).
    let resolveWithMetrics!: () => void;
    const withMetrics = new Promise<void>((r) => (resolveWithMetrics = r));
    const loop = new MetricsScrapeLoop({
      replicaId: 'r1',
      clock: realClock,
      fetcher,
      lease: ALWAYS_LEADER,
      store: new MemorySnapshotStore(),
      targets: () => [{ name: pod.address, metricsUrl: `${pod.url}/metrics` }],
      onSnapshot: (s) => {
        seen.push(s);
        if ((s.endpoints[0]?.metrics ?? null) !== null) resolveWithMetrics();
      },
    });
    loop.start();
    try {
      await Promise.race([withMetrics, new Promise((_, reject) => setTimeout(() => reject(new Error('no snapshot with metrics within 5 s')), 5000))]);
    } finally {
      await loop.stop();
    }
    const last = seen.find((s) => (s.endpoints[0]?.metrics ?? null) !== null)!;
    expect(last.leaderId).toBe('r1');
    expect(last.endpoints).toHaveLength(1);
    expect(last.endpoints[0]!.endpoint).toBe(pod.address);
    expect(last.endpoints[0]!.metrics?.cacheNumBlocks).toBe(128);
    expect(last.endpoints[0]!.consecutiveFailures).toBe(0);
  });
});
