import { parseRouterConfig } from '@sluice/config';
import { ChildRegistry, startSimFleet, uniqueKeyPrefix, waitFor } from '@sluice/testing';
import type { SimFleet } from '@sluice/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startRouter } from '../src/runtime.ts';
import type { RunningRouter } from '../src/runtime.ts';
import { spawnRouter } from './helpers/router-process.ts';

// Metrics scraping: one scrape leader per pool publishes the pods' /metrics snapshot; everyone
// scores with it; the utilization detector gets it through the flow store; failover < 1 s.
let fleet: SimFleet | undefined;
const registry = new ChildRegistry();
const redisUrl = inject('redisUrl');

beforeAll(async () => {
  fleet = await startSimFleet({ count: 2, profile: 'tiny', timeScale: 0.05 });
}, 30_000);
afterAll(async () => {
  await registry.stopAll(2000);
  await fleet?.stop();
});

function config(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'sluice.dev/v1alpha1',
    kind: 'RouterConfig',
    server: { port: 0, host: '127.0.0.1' },
    pool: { name: 'scrape-test', endpoints: fleet!.pods.map((p) => p.address), healthCheck: { interval: '200ms', timeout: '500ms' } },
    logging: { level: 'warn' },
    ...extra,
  };
}

interface Decisions {
  scrapeRole: string;
  prefixIndex: { mode: string } | null;
  decisions: { picked: string; candidates: { endpoint: string; scores: Record<string, number> }[] }[];
}
const decisions = async (url: string): Promise<Decisions> => (await (await fetch(`${url}/admin/decisions`)).json()) as Decisions;

describe('memory mode', () => {
  let router: RunningRouter | undefined;
  afterAll(async () => {
    await router?.shutdown(500);
  });

  it('scrapes locally, exports inference_pool_* gauges, scores with KV usage, and feeds the utilization detector', async () => {
    // flowControl on with the default utilization-detector: without metrics every pod counts as
    // saturated and requests would queue; with the scraped snapshot in the store they pass.
    const cfg = config({ endpointPicker: { apiVersion: 'llm-d.ai/v1alpha1', kind: 'EndpointPickerConfig', featureGates: ['flowControl'] } });
    router = await startRouter({ config: parseRouterConfig(cfg, { env: {}, source: '<test>' }) });
    await waitFor(async () => (await decisions(router!.url)).scrapeRole === 'leader', { timeoutMs: 5000, what: 'scrape leader' });
    await waitFor(async () => (await (await fetch(`${router!.url}/metrics`)).text()).includes('inference_pool_average_kv_cache_utilization{name="scrape-test"}'), { timeoutMs: 5000, what: 'pool gauges' });
    const res = await fetch(`${router.url}/v1/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'sim/tiny', prompt: Array.from({ length: 200 }, (_, i) => `word${i}`).join(' '), max_tokens: 2 }),
      signal: AbortSignal.timeout(10_000),
    });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    expect(Number(res.headers.get('x-sluice-queue-wait-ms'))).toBeLessThan(1000);
    const d = await decisions(router.url);
    expect(d.prefixIndex?.mode).toBe('local');
    const last = d.decisions[0]!;
    expect(last.candidates).toHaveLength(2);
    for (const c of last.candidates) expect(Object.keys(c.scores).sort()).toEqual(['kv-cache-utilization-scorer', 'prefix-cache-scorer', 'queue-scorer']);
    const text = await (await fetch(`${router.url}/metrics`)).text();
    expect(text).toMatch(/inference_extension_plugin_duration_seconds_count\{extension_point="scorer",plugin_type="queue-scorer",plugin_name="queue-scorer"\} [1-9]/);
    expect(text).toMatch(/inference_extension_scheduler_e2e_duration_seconds_count [1-9]/);
    expect(text).toMatch(/inference_extension_prefix_indexer_hit_ratio_count [1-9]/);
  });
});

describe('Redis mode: one scrape leader per pool', () => {
  it('exactly one of two replicas scrapes; when it is killed the other takes over within 1 s', async () => {
    const env = { SLUICE_REDIS_KEY_PREFIX: uniqueKeyPrefix('scrape-leader'), REDIS_URL: redisUrl };
    const a = await spawnRouter(registry, config(), env);
    const b = await spawnRouter(registry, config(), env);
    const roles = async () => [(await decisions(a.url)).scrapeRole, (await decisions(b.url)).scrapeRole];
    await waitFor(async () => (await roles()).sort().join() === 'follower,leader', { timeoutMs: 5000, what: 'one leader and one follower' });
    const [roleA] = await roles();
    const [leader, follower] = roleA === 'leader' ? [a, b] : [b, a];
    expect((await decisions(follower.url)).prefixIndex?.mode).toBe('global');
    await leader.kill();
    const killedAt = performance.now();
    await waitFor(async () => (await decisions(follower.url)).scrapeRole === 'leader', { timeoutMs: 3000, intervalMs: 10, what: 'failover' });
    const failoverMs = performance.now() - killedAt;
    console.log(`scrape leader failover after SIGKILL: ${failoverMs.toFixed(0)} ms`);
    expect(failoverMs).toBeLessThan(1000);
    await follower.terminate();
  });
});
