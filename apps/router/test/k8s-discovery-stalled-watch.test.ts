import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRouterConfig } from '@sluice/config';
import { FakeKubeApi, startSimFleet, waitFor } from '@sluice/testing';
import type { SimFleet } from '@sluice/testing';
import { startRouter } from '../src/index.ts';
import type { RunningRouter } from '../src/index.ts';
import { adminState, metricValue } from './helpers/http.ts';
import { discoveryLogCapture, kubernetesRouterConfig, simPod, TEST_NAMESPACE } from './helpers/k8s.ts';

const PODS = 'v1/pods';
const NAMESPACE = TEST_NAMESPACE;
/** Short, so the test sees the server end watches and the router's deadline (1.25× = 2.5 s) fire. */
const WATCH_TIMEOUT_S = 2;

describe('Kubernetes discovery: bounded watches (timeoutSeconds, and a stalled connection)', () => {
  let fleet: SimFleet;
  let api: FakeKubeApi;
  let router: RunningRouter;
  const logs: Record<string, unknown>[] = [];
  const failures: string[] = [];
  let running = true;
  let traffic: Promise<void> | null = null;
  const metrics = async (): Promise<string> => await (await fetch(`${router.url}/metrics`)).text();
  const restarts = async (reason: string): Promise<number> => metricValue(await metrics(), 'sluice_discovery_watch_restarts_total', { resource: 'pods', reason }) ?? 0;
  const healthy = async (): Promise<string[]> => (await adminState(router.url)).endpoints.filter((e) => e.healthy).map((e) => e.name).sort();

  beforeAll(async () => {
    fleet = await startSimFleet({ count: 2, profile: 'tiny', timeScale: 0.05 });
    api = await FakeKubeApi.start();
    api.upsert(PODS, simPod('sim-0', fleet.pods[0]!.port));
    const raw = kubernetesRouterConfig({ namespace: NAMESPACE, labelSelector: 'app=sim', targetPort: 'http', apiServer: api.url, restartBackoff: '100ms', watchTimeout: `${WATCH_TIMEOUT_S}s` });
    const logger = discoveryLogCapture(logs);
    router = await startRouter({ config: parseRouterConfig(raw, { env: {}, source: '<test>' }), logger });
    const client = new OpenAI({ baseURL: `${router.url}/v1`, apiKey: 'unused', maxRetries: 0 });
    traffic = (async () => {
      while (running) {
        try {
          await client.chat.completions.create({ model: 'qwen', messages: [{ role: 'user', content: 'still there?' }], max_tokens: 2 });
        } catch (error) {
          failures.push(String(error));
        }
      }
    })();
  });

  afterAll(async () => {
    running = false;
    try {
      await traffic;
      await router?.shutdown(500);
      await api?.stop();
    } finally {
      await fleet?.stop();
    }
  });

  it('asks the server to end each watch after watchTimeout (with bookmarks) and re-watches when it does', async () => {
    await waitFor(async () => JSON.stringify(await healthy()) === JSON.stringify([fleet.pods[0]!.address]), { timeoutMs: 10_000, what: 'sim-0 routed' });
    const query = api.watchQueries[0]!;
    expect(query.get('timeoutSeconds')).toBe(String(WATCH_TIMEOUT_S));
    expect(query.get('allowWatchBookmarks')).toBe('true');
    await waitFor(async () => (await restarts('rewatch')) >= 1, { timeoutMs: 10_000, what: 'a server-ended watch to be re-opened' });
    expect(await restarts('stalled')).toBe(0);
  });

  it('aborts a watch that outlives its deadline in silence, re-watches, and catches up on what it missed', async () => {
    // The server (or a middlebox) goes silent without closing the connection: no events, no timeout.
    await waitFor(() => api.openWatches(PODS) === 1, { timeoutMs: 10_000, what: 'an open pod watch' });
    expect(api.stall(PODS)).toBe(1);
    const stalledAt = performance.now();
    api.upsert(PODS, simPod('sim-1', fleet.pods[1]!.port)); // only a new watch can deliver this
    const both = [fleet.pods[0]!.address, fleet.pods[1]!.address].sort();
    await waitFor(async () => JSON.stringify(await healthy()) === JSON.stringify(both), { timeoutMs: 10_000, what: 'sim-1 routed after the stalled watch was replaced' });
    const recoveredMs = performance.now() - stalledAt;
    expect(await restarts('stalled')).toBe(1);
    // Not before the stalled watch's deadline (1.25 × watchTimeout after it opened, which was before the stall).
    expect(recoveredMs).toBeLessThan(WATCH_TIMEOUT_S * 1250 + 3000);
    expect(logs.some((l) => l['level'] === 'warn' && String(l['msg']).includes('watch open past its deadline') && l['resource'] === 'pods')).toBe(true);
    expect(failures).toEqual([]);
  });
});
