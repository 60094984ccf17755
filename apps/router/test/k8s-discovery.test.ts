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
const OBJECTIVES = 'inference.networking.x-k8s.io/v1alpha2/inferenceobjectives';
const NAMESPACE = TEST_NAMESPACE;

interface Served {
  readonly startedAt: number;
  readonly endpoint: string | null;
}

/** Keeps `workers` requests in flight through the official openai client until stopped; records every outcome. */
function driveTraffic(client: OpenAI, workers: number) {
  const served: Served[] = [];
  const failures: string[] = [];
  let running = true;
  const loops = Array.from({ length: workers }, async (_, w) => {
    while (running) {
      const startedAt = performance.now();
      try {
        const { response } = await client.chat.completions
          .create({ model: 'qwen', messages: [{ role: 'user', content: `worker ${w} asks about sluice gates` }], max_tokens: 3 })
          .withResponse();
        served.push({ startedAt, endpoint: response.headers.get('x-gateway-destination-endpoint-served') });
      } catch (error) {
        failures.push(String(error));
      }
    }
  });
  return {
    served,
    failures,
    /** Requests started after `since` (performance.now() ms). */
    servedSince: (since: number) => served.filter((s) => s.startedAt >= since),
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}

describe('Kubernetes discovery (pods by label selector, fake API server, real simulators)', () => {
  let fleet: SimFleet;
  let api: FakeKubeApi;
  let router: RunningRouter;
  let traffic: ReturnType<typeof driveTraffic>;
  /** The router's discovery log lines (level, msg, fields). */
  const logs: Record<string, unknown>[] = [];
  const logged = (level: string, msg: string, fields: Record<string, unknown> = {}) =>
    logs.some((l) => l['level'] === level && String(l['msg']).includes(msg) && Object.entries(fields).every(([k, v]) => l[k] === v));
  const addr = (i: number) => fleet.pods[i]!.address;

  /** Waits until the router routes to exactly `expected` (healthy endpoints in /admin/state); returns the moment it did. */
  const routesTo = async (expected: string[], what: string): Promise<number> =>
    await waitFor(
      async () => {
        const state = await adminState(router.url);
        const healthy = state.endpoints.filter((e) => e.healthy).map((e) => e.name).sort();
        return JSON.stringify(healthy) === JSON.stringify([...expected].sort()) ? performance.now() : undefined;
      },
      { timeoutMs: 10_000, what },
    );

  /** After `since`, at least `count` requests were served, all by `allowed`; returns the endpoints seen. */
  const servedOnlyBy = async (since: number, allowed: string[], count: number): Promise<Set<string>> => {
    const after = await waitFor(() => (traffic.servedSince(since).length >= count ? traffic.servedSince(since) : undefined), { timeoutMs: 15_000, what: `${count} requests after the change` });
    const seen = new Set(after.map((s) => s.endpoint ?? '(none)'));
    for (const endpoint of seen) expect(allowed, `served by ${endpoint} after the change`).toContain(endpoint);
    return seen;
  };

  const metrics = async (): Promise<string> => await (await fetch(`${router.url}/metrics`)).text();

  beforeAll(async () => {
    fleet = await startSimFleet({ count: 3, profile: 'tiny', timeScale: 0.05 });
    api = await FakeKubeApi.start();
    api.upsert(PODS, simPod('sim-0', fleet.pods[0]!.port, true));
    api.upsert(PODS, simPod('sim-1', fleet.pods[1]!.port, true));
    api.upsert(PODS, simPod('other', fleet.pods[2]!.port, true, { app: 'other' })); // never selected
    const raw = kubernetesRouterConfig({ namespace: NAMESPACE, labelSelector: 'app=sim', targetPort: 'http', objectives: true, apiServer: api.url, restartBackoff: '100ms' });
    const logger = discoveryLogCapture(logs);
    router = await startRouter({ config: parseRouterConfig(raw, { env: {}, source: '<test>' }), logger });
    traffic = driveTraffic(new OpenAI({ baseURL: `${router.url}/v1`, apiKey: 'unused', maxRetries: 0 }), 4);
  });

  afterAll(async () => {
    try {
      await traffic?.stop();
      await router?.shutdown(500);
      await api?.stop();
    } finally {
      await fleet?.stop();
    }
  });

  it('starts with the ready pods the selector matches', async () => {
    const since = await routesTo([addr(0), addr(1)], 'the two selected pods');
    expect(await servedOnlyBy(since, [addr(0), addr(1)], 20)).toEqual(new Set([addr(0), addr(1)]));
    expect(metricValue(await metrics(), 'inference_pool_ready_pods', { name: 'test' })).toBe(2);
  });

  it('a new ready pod joins; a pod going unready leaves; a deleted pod disappears — traffic keeps flowing', async () => {
    // A new pod that is not ready yet gets no traffic; once Ready it does.
    api.upsert(PODS, simPod('sim-2', fleet.pods[2]!.port, false));
    await waitFor(() => logged('info', 'pod added', { pod: 'sim-2', readiness: 'not-ready' }), { timeoutMs: 10_000, what: 'sim-2 seen, not ready' });
    expect((await adminState(router.url)).endpoints.map((e) => e.name)).not.toContain(addr(2));
    api.update(PODS, 'sim-2', (p) => ((p.status as { conditions: { status: string }[] }).conditions[0]!.status = 'True'), NAMESPACE);
    let since = await routesTo([addr(0), addr(1), addr(2)], 'sim-2 to join');
    expect(await servedOnlyBy(since, [addr(0), addr(1), addr(2)], 30)).toContain(addr(2));

    api.update(PODS, 'sim-1', (p) => ((p.status as { conditions: { status: string }[] }).conditions[0]!.status = 'False'), NAMESPACE);
    since = await routesTo([addr(0), addr(2)], 'sim-1 (unready) to leave');
    await servedOnlyBy(since, [addr(0), addr(2)], 30);

    // Terminating (deletionTimestamp set) is out at once, then the DELETED event.
    api.update(PODS, 'sim-0', (p) => (p.metadata.deletionTimestamp = new Date().toISOString()), NAMESPACE);
    since = await routesTo([addr(2)], 'sim-0 (terminating) to leave');
    api.remove(PODS, 'sim-0', NAMESPACE);
    await servedOnlyBy(since, [addr(2)], 20);
    expect(metricValue(await metrics(), 'inference_pool_ready_pods', { name: 'test' })).toBe(1);
    expect(traffic.failures).toEqual([]);
    expect(logged('info', 'pod readiness changed', { pod: 'sim-1', readiness: 'not-ready', was: 'ready' })).toBe(true);
    expect(logged('info', 'pod readiness changed', { pod: 'sim-0', readiness: 'terminating' })).toBe(true);
    expect(logged('info', 'pod removed', { pod: 'sim-0' })).toBe(true);
    expect(logs.some((l) => l['pod'] === 'other')).toBe(false);
  });

  it('an expired watch (410 Gone) re-lists and catches up; an ended watch re-watches', async () => {
    const listsBefore = api.requests.filter((r) => r === `list ${PODS}`).length;
    // The change happens while the watch is gone: only the re-list can reveal it.
    api.expireWatches(PODS);
    api.update(PODS, 'sim-1', (p) => ((p.status as { conditions: { status: string }[] }).conditions[0]!.status = 'True'), NAMESPACE);
    let since = await routesTo([addr(1), addr(2)], 'sim-1 back after the re-list');
    expect(api.requests.filter((r) => r === `list ${PODS}`).length).toBeGreaterThan(listsBefore);
    await servedOnlyBy(since, [addr(1), addr(2)], 20);
    const text = await metrics();
    expect(metricValue(text, 'sluice_discovery_watch_restarts_total', { resource: 'pods', reason: 'relist' })).toBeGreaterThanOrEqual(1);

    api.endWatches(PODS);
    api.upsert(PODS, simPod('sim-0', fleet.pods[0]!.port, true));
    since = await routesTo([addr(0), addr(1), addr(2)], 'sim-0 back after the re-watch');
    await servedOnlyBy(since, [addr(0), addr(1), addr(2)], 20);
    expect(metricValue(await metrics(), 'sluice_discovery_watch_restarts_total', { resource: 'pods', reason: 'rewatch' })).toBeGreaterThanOrEqual(1);
    expect(traffic.failures).toEqual([]);
    expect(logged('warn', 'resourceVersion expired (410 Gone); re-listing', { resource: 'pods' })).toBe(true);
    expect(logged('info', 'watch ended; re-watching', { resource: 'pods' })).toBe(true);
  });

  it('an unreachable API server keeps the last known set; changes apply once it is back', async () => {
    api.failRequests(503);
    await waitFor(async () => (metricValue(await metrics(), 'sluice_discovery_watch_restarts_total', { resource: 'pods', reason: 'error' }) ?? 0) >= 2, {
      timeoutMs: 10_000,
      what: 'the watch to fail and be retried',
    });
    const since = performance.now();
    const seen = await servedOnlyBy(since, [addr(0), addr(1), addr(2)], 30);
    expect(seen.size).toBe(3);
    api.failRequests(null);
    api.remove(PODS, 'sim-2', NAMESPACE);
    const after = await routesTo([addr(0), addr(1)], 'sim-2 to leave after the API server is back');
    await servedOnlyBy(after, [addr(0), addr(1)], 20);
    expect(traffic.failures).toEqual([]);
    expect(logged('warn', 'watch failed; keeping the last known objects', { resource: 'pods', consecutive_failures: 1 })).toBe(true);
  });

  it('an InferenceObjective for this pool makes its priority usable through the objective header', async () => {
    const ask = async () => {
      const { response } = await new OpenAI({ baseURL: `${router.url}/v1`, apiKey: 'unused', maxRetries: 0 }).chat.completions
        .create({ model: 'qwen', messages: [{ role: 'user', content: 'gold?' }], max_tokens: 2 }, { headers: { 'x-gateway-inference-objective': 'gold' } })
        .withResponse();
      expect(response.status).toBe(200);
    };
    const goldDispatched = async () => metricValue(await metrics(), 'inference_extension_flow_control_requests_total', { outcome: 'Dispatched', priority: '57' }) ?? 0;
    await ask();
    expect(await goldDispatched()).toBe(0); // unknown objective: the model's own priority

    api.upsert(OBJECTIVES, { apiVersion: 'inference.networking.x-k8s.io/v1alpha2', kind: 'InferenceObjective', metadata: { name: 'gold', namespace: NAMESPACE }, spec: { priority: 57, poolRef: { name: 'test' } } });
    api.upsert(OBJECTIVES, { metadata: { name: 'elsewhere', namespace: NAMESPACE }, spec: { priority: 99, poolRef: { name: 'another-pool' } } });
    await waitFor(async () => (await ask(), (await goldDispatched()) >= 1), { timeoutMs: 10_000, what: 'a gold request dispatched at priority 57' });
    expect(metricValue(await metrics(), 'inference_objective_request_total', { objective: 'gold' })).toBeGreaterThanOrEqual(1);
    expect(router.deps.models.objectivePriority('elsewhere')).toBeUndefined();
    expect(router.deps.models.objectivePriority('premium-traffic')).toBe(100); // configured objectives stay

    api.remove(OBJECTIVES, 'gold', NAMESPACE);
    await waitFor(() => router.deps.models.objectivePriority('gold') === undefined, { timeoutMs: 10_000, what: 'gold to be forgotten' });
  });
});
