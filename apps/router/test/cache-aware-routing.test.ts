import { parseRouterConfig } from '@sluice/config';
import { startSimFleet, uniqueKeyPrefix, waitFor } from '@sluice/testing';
import type { SimFleet } from '@sluice/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startRouter } from '../src/runtime.ts';
import type { RunningRouter } from '../src/runtime.ts';
import { hotSpotRatio, prefixCacheCounters, sampleLoad, sendAll, sharedPrefixWorkload } from './helpers/prefix-workload.ts';

// Issue 6 must-shows, reduced to CI size with the same shape: the scaled shared-prefix scenario's
// simulator (qwen3-32b-h100-tp2 at token scale 10, loadtest/scenarios/shared-prefix-scaled.yaml)
// on 4 pods, time-scaled; prompts of 600 + 120 words. Each configuration uses its own prompts
// (new seed), so the pods' caches from earlier configurations cannot help it. The full ladder is
// in `npm run bench:scheduling`.
const SIM_ARGS = ['--kv-cache-tokens', '30733', '--max-model-len', '4096', '--max-num-batched-tokens', '820', '--t0-ms', '130', '--prefill-ms-per-token', '0.7', '--seq-ms', '0.3', '--ctx-ms-per-1k', '5'];
const TIME_SCALE = 0.1;

let fleet: SimFleet | undefined;
let model = '';
const redisUrl = inject('redisUrl');

beforeAll(async () => {
  fleet = await startSimFleet({ count: 4, profile: 'qwen3-32b-h100-tp2', timeScale: TIME_SCALE, args: SIM_ARGS });
  const body = (await (await fetch(`${fleet.pods[0]!.url}/v1/models`)).json()) as { data: { id: string }[] };
  model = body.data[0]!.id;
}, 60_000);
afterAll(async () => {
  await fleet?.stop();
});

/**
 * default: no scheduling plugins (queue 2, kv 2, prefix 3). prefix-only: prefix-cache-scorer alone.
 * default+active: the default plus active-request-scorer 2 (Sluice's GLOBAL in-flight counts).
 */
type Weights = 'default' | 'prefix-only' | 'default+active';

const PROFILES: Record<Exclude<Weights, 'default'>, { plugins: { type: string }[]; refs: { pluginRef: string; weight?: number }[] }> = {
  'prefix-only': {
    plugins: [{ type: 'health-filter' }, { type: 'prefix-cache-scorer' }, { type: 'max-score-picker' }],
    refs: [{ pluginRef: 'health-filter' }, { pluginRef: 'prefix-cache-scorer', weight: 3 }, { pluginRef: 'max-score-picker' }],
  },
  'default+active': {
    plugins: [{ type: 'health-filter' }, { type: 'queue-scorer' }, { type: 'kv-cache-utilization-scorer' }, { type: 'prefix-cache-scorer' }, { type: 'active-request-scorer' }, { type: 'max-score-picker' }],
    refs: [
      { pluginRef: 'health-filter' },
      { pluginRef: 'queue-scorer', weight: 2 },
      { pluginRef: 'kv-cache-utilization-scorer', weight: 2 },
      { pluginRef: 'prefix-cache-scorer', weight: 3 },
      { pluginRef: 'active-request-scorer', weight: 2 },
      { pluginRef: 'max-score-picker' },
    ],
  },
};

function routerConfig(o: { redis: boolean; prefixIndex: 'local' | 'global'; weights: Weights }) {
  const profile = o.weights === 'default' ? null : PROFILES[o.weights];
  return parseRouterConfig(
    {
      apiVersion: 'sluice.dev/v1alpha1',
      kind: 'RouterConfig',
      server: { port: 0, host: '127.0.0.1' },
      ...(o.redis ? { redis: { url: redisUrl } } : {}),
      pool: { name: 'cache-test', endpoints: fleet!.pods.map((p) => p.address), healthCheck: { interval: '1s', timeout: '1s' } },
      proxy: { firstByteTimeout: '30s', streamIdleTimeout: '30s' },
      logging: { level: 'warn' },
      endpointPicker: {
        apiVersion: 'llm-d.ai/v1alpha1',
        kind: 'EndpointPickerConfig',
        plugins: [
          { type: 'approx-prefix-cache-producer', parameters: { prefixIndex: o.prefixIndex } },
          ...(profile?.plugins ?? []),
        ],
        ...(profile === null ? {} : { schedulingProfiles: [{ name: 'default', plugins: profile.refs }] }),
      },
    },
    { env: {}, source: '<cache-aware-routing test>' },
  );
}

async function withRouters<T>(replicas: number, o: { redis: boolean; prefixIndex: 'local' | 'global'; weights: Weights }, run: (urls: string[]) => Promise<T>): Promise<T> {
  const env = { SLUICE_REDIS_KEY_PREFIX: uniqueKeyPrefix('cache-routing') };
  const routers: RunningRouter[] = [];
  try {
    for (let i = 0; i < replicas; i++) routers.push(await startRouter({ config: routerConfig(o), env }));
    // Traffic starts once every router holds fresh scraped metrics for every pod (with Redis: the
    // leader scraped and published, and each follower read the snapshot).
    await waitFor(() => routers.every((r) => fleet!.pods.every((p) => r.deps.poolMetrics.schedulingMetrics(p.address, 0) !== null)), {
      timeoutMs: 10_000,
      what: 'every router to hold scraped metrics for every pod',
    });
    return await run(routers.map((r) => r.url));
  } finally {
    await Promise.all(routers.map((r) => r.shutdown(1000)));
  }
}

/** Hit rate of one configuration (sims' counters, deltas) and its oracle. */
async function cacheRun(seed: number, replicas: number, o: { redis: boolean; prefixIndex: 'local' | 'global' }): Promise<{ hitRate: number; oracle: number }> {
  const workload = sharedPrefixWorkload({ seed, groups: 16, promptsPerGroup: 5, systemLen: 600, questionLen: 120 });
  return await withRouters(replicas, { ...o, weights: 'default' }, async (urls) => {
    const before = await prefixCacheCounters(fleet!.pods);
    const statuses = await sendAll(urls, model, workload.requests, 4, 4);
    expect([...statuses.keys()]).toEqual([200]);
    const after = await prefixCacheCounters(fleet!.pods);
    return { hitRate: (after.hits - before.hits) / (after.queries - before.queries), oracle: workload.oracleHitRate };
  });
}

describe('cache reuse (shared-prefix, 4 pods)', () => {
  it('1 replica reaches ≥ 90% of the oracle hit rate; 3 replicas on the global index stay within 2 points; local index is reported', async () => {
    const one = await cacheRun(101, 1, { redis: false, prefixIndex: 'local' });
    const globalThree = await cacheRun(202, 3, { redis: true, prefixIndex: 'global' });
    const localThree = await cacheRun(303, 3, { redis: true, prefixIndex: 'local' });
    const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
    console.log(
      `cache reuse: oracle ${pct(one.oracle)}; 1 replica ${pct(one.hitRate)} (${pct(one.hitRate / one.oracle)} of oracle); ` +
        `3 replicas global ${pct(globalThree.hitRate)}; 3 replicas local ${pct(localThree.hitRate)} (lost ${(100 * (globalThree.hitRate - localThree.hitRate)).toFixed(1)} points vs global)`,
    );
    expect(one.hitRate).toBeGreaterThanOrEqual(0.9 * one.oracle);
    expect(Math.abs(globalThree.hitRate - one.hitRate)).toBeLessThanOrEqual(0.02 + Math.abs(globalThree.oracle - one.oracle));
    expect(Number.isFinite(localThree.hitRate)).toBe(true);
  });
});

describe('no hot spots', () => {
  // Skewed: one group carries 60 % of the traffic (the llm-d blog's overload shape). Uniform: the
  // scaled scenario's shape (every group equally popular), at the same concurrency.
  const skewed = (seed: number) => sharedPrefixWorkload({ seed, groups: 6, promptsPerGroup: 0, systemLen: 600, questionLen: 120, popularity: [0.6, 0.15, 0.1, 0.05, 0.05, 0.05], total: 240 });
  const uniform = (seed: number) => sharedPrefixWorkload({ seed, groups: 48, promptsPerGroup: 5, systemLen: 600, questionLen: 120 });

  async function loadRun(requests: ReturnType<typeof skewed>['requests'], weights: Weights, label: string): Promise<number> {
    return await withRouters(1, { redis: false, prefixIndex: 'local', weights }, async (urls) => {
      const sampler = sampleLoad(fleet!.pods);
      const statuses = await sendAll(urls, model, requests, 48, 8);
      const load = await sampler.stop();
      expect([...statuses.keys()]).toEqual([200]);
      const ratio = hotSpotRatio(load);
      console.log(`no hot spots: ${label}, ${weights} weights → busiest/mean in-flight ${ratio.toFixed(2)} (${[...load.values()].map((v) => v.toFixed(1)).join(', ')})`);
      return ratio;
    });
  }

  it('prefix-only weights overload one pod (skewed); default weights keep the busiest ≤ 1.5× the mean (scenario shape); + active-request-scorer also on the skewed one', async () => {
    const prefixOnlySkewed = await loadRun(skewed(404).requests, 'prefix-only', 'skewed');
    const defaultSkewed = await loadRun(skewed(505).requests, 'default', 'skewed');
    const defaultUniform = await loadRun(uniform(606).requests, 'default', 'uniform');
    const activeSkewed = await loadRun(skewed(707).requests, 'default+active', 'skewed');
    // The hot group alone is 60 % of the traffic: on one pod that is ≥ 2.4× the mean.
    expect(prefixOnlySkewed).toBeGreaterThan(2);
    expect(defaultUniform).toBeLessThanOrEqual(1.5);
    // Known limit, reported not asserted: the upstream default weights cannot spill a hot group
    // whose KV blocks the engine shares (3 × ~0.8 prefix > 2 queue); adding the global in-flight
    // scorer does.
    expect(Number.isFinite(defaultSkewed)).toBe(true);
    expect(activeSkewed).toBeLessThanOrEqual(1.5);
  });
});
