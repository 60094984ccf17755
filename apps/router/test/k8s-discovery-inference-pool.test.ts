import { spawn } from 'node:child_process';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRouterConfig } from '@sluice/config';
import { ChildRegistry, FakeKubeApi, freePort, SIM_BIN, waitFor } from '@sluice/testing';
import type { KubeObject } from '@sluice/testing';
import { podEndpoints, podReadiness, poolSelection } from '../src/endpoints/k8s-pod-endpoints.ts';
import { startRouter } from '../src/index.ts';
import type { RunningRouter } from '../src/index.ts';
import { adminState, metricValue } from './helpers/http.ts';
import { testRouterConfig } from './helpers/router-config.ts';

const PODS = 'v1/pods';
const POOLS = 'inference.networking.k8s.io/v1/inferencepools';
const NAMESPACE = 'llm';
/** Linux routes all of 127/8 to loopback: each "pod" gets its own address, all on one port (as in a cluster). */
const POD_IPS = ['127.0.0.2', '127.0.0.3', '127.0.0.4'];

function pod(name: string, ip: string, pool: string): KubeObject {
  return {
    metadata: { name, namespace: NAMESPACE, labels: { 'sluice.dev/pool': pool, app: 'sim' } },
    spec: { containers: [{ name: 'sim' }] },
    status: { phase: 'Running', podIP: ip, conditions: [{ type: 'Ready', status: 'True' }] },
  };
}

function inferencePool(matchLabels: Record<string, string>, port: number): KubeObject {
  return {
    apiVersion: 'inference.networking.k8s.io/v1',
    kind: 'InferencePool',
    metadata: { name: 'sluice-pool', namespace: NAMESPACE },
    spec: { selector: { matchLabels }, targetPorts: [{ number: port }], endpointPickerRef: { name: 'sluice-router', port: { number: 8080 } } },
  };
}

/** One `sluice-sim --host IP --port PORT`, ready when GET /health answers 200. */
async function startSimAt(children: ChildRegistry, host: string, port: number, name: string): Promise<void> {
  const child = spawn(process.execPath, [SIM_BIN, '--host', host, '--port', String(port), '--profile', 'tiny', '--time-scale', '0.05', '--pod-name', name], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`${name} exited: ${output}`);
      const res = await fetch(`http://${host}:${port}/health`);
      await res.arrayBuffer();
      return res.status === 200;
    },
    { timeoutMs: 20_000, what: `${name} on ${host}:${port}` },
  );
}

describe('Kubernetes discovery through an InferencePool', () => {
  const children = new ChildRegistry();
  let api: FakeKubeApi;
  let router: RunningRouter;
  let port: number;
  const at = (i: number) => `${POD_IPS[i]}:${port}`;

  const healthy = async () => (await adminState(router.url)).endpoints.filter((e) => e.healthy).map((e) => e.name).sort();
  const routesTo = async (expected: string[], what: string) =>
    await waitFor(async () => (JSON.stringify(await healthy()) === JSON.stringify([...expected].sort()) ? true : undefined), { timeoutMs: 10_000, what });
  const client = () => new OpenAI({ baseURL: `${router.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  /** `n` requests through the openai client; the endpoints that served them. */
  const servedBy = async (n: number): Promise<Set<string>> => {
    const seen = new Set<string>();
    for (let i = 0; i < n; i++) {
      const { response } = await client().chat.completions.create({ model: 'qwen', messages: [{ role: 'user', content: `pool question ${i}` }], max_tokens: 2 }).withResponse();
      seen.add(response.headers.get('x-gateway-destination-endpoint-served') ?? '(none)');
    }
    return seen;
  };

  beforeAll(async () => {
    port = await freePort();
    await Promise.all(POD_IPS.map((ip, i) => startSimAt(children, ip, port, `pool-sim-${i}`)));
    api = await FakeKubeApi.start({ expiredAs: 'http' });
    api.upsert(PODS, pod('a-0', POD_IPS[0]!, 'a'));
    api.upsert(PODS, pod('a-1', POD_IPS[1]!, 'a'));
    api.upsert(PODS, pod('b-0', POD_IPS[2]!, 'b'));
    api.upsert(POOLS, inferencePool({ 'sluice.dev/pool': 'a' }, port));
    api.upsert(POOLS, { ...inferencePool({ 'sluice.dev/pool': 'b' }, port), metadata: { name: 'another-pool', namespace: NAMESPACE } });
    const raw = testRouterConfig({ endpoints: [] });
    const pool = raw['pool'] as Record<string, unknown>;
    delete pool['endpoints'];
    pool['kubernetes'] = { namespace: NAMESPACE, inferencePool: 'sluice-pool', apiServer: api.url, restartBackoff: '100ms' };
    router = await startRouter({ config: parseRouterConfig(raw, { env: {}, source: '<test>' }) });
  });

  afterAll(async () => {
    try {
      await router?.shutdown(500);
      await api?.stop();
    } finally {
      await children.stopAll();
    }
  });

  it("routes to the pods the pool's selector matches, on the pool's target port", async () => {
    await routesTo([at(0), at(1)], 'the pool-a pods');
    expect(await servedBy(12)).toEqual(new Set([at(0), at(1)]));
  });

  it('a changed pool selector re-selects the pods', async () => {
    api.upsert(POOLS, inferencePool({ 'sluice.dev/pool': 'b' }, port));
    await routesTo([at(2)], 'the pool-b pod');
    expect(await servedBy(6)).toEqual(new Set([at(2)]));
  });

  it('after compaction (HTTP 410 on re-watch) the pool and pods are re-listed', async () => {
    const lists = () => api.requests.filter((r) => r === `list ${PODS}` || r === `list ${POOLS}`).length;
    const before = lists();
    api.compact();
    api.endWatches();
    api.upsert(PODS, pod('b-1', POD_IPS[0]!, 'b'));
    await routesTo([at(0), at(2)], 'b-1 to join after the re-list');
    expect(lists()).toBeGreaterThanOrEqual(before + 2);
    expect(metricValue(await (await fetch(`${router.url}/metrics`)).text(), 'sluice_discovery_watch_restarts_total', { resource: 'inferencepools', reason: 'relist' })).toBeGreaterThanOrEqual(1);
    expect(await servedBy(12)).toEqual(new Set([at(0), at(2)]));
  });

  it('a deleted InferencePool empties the endpoint set', async () => {
    api.remove(POOLS, 'sluice-pool', NAMESPACE);
    await routesTo([], 'no endpoints without the pool');
  });
});

describe('Kubernetes pod and InferencePool reading (pure)', () => {
  const base = { metadata: { name: 'p' }, spec: { containers: [{ ports: [{ name: 'http', containerPort: 8000 }, { name: 'metrics', containerPort: 9000 }] }] } };
  const status = (over: Record<string, unknown>) => ({ phase: 'Running', podIP: '10.0.0.7', conditions: [{ type: 'Ready', status: 'True' }], ...over });

  it('a pod serves only when Running, with an IP, not terminating, and Ready', () => {
    expect(podReadiness({ ...base, status: status({}) })).toBe('ready');
    expect(podReadiness({ ...base, status: status({ phase: 'Pending' }) })).toBe('not-running');
    expect(podReadiness({ ...base, status: status({ podIP: '' }) })).toBe('no-ip');
    expect(podReadiness({ ...base, status: status({ conditions: [{ type: 'Ready', status: 'False' }] }) })).toBe('not-ready');
    expect(podReadiness({ ...base, status: status({ conditions: [] }) })).toBe('not-ready');
    expect(podReadiness({ ...base, metadata: { name: 'p', deletionTimestamp: '2026-01-01T00:00:00Z' }, status: status({}) })).toBe('terminating');
  });

  it('target ports: numbers, container port names, several ports, IPv6', () => {
    expect(podEndpoints({ ...base, status: status({}) }, ['http', 8200]).endpoints.map((e) => e.name)).toEqual(['10.0.0.7:8000', '10.0.0.7:8200']);
    expect(podEndpoints({ ...base, status: status({}) }, ['grpc'])).toEqual({ endpoints: [], missingPorts: ['grpc'] });
    expect(podEndpoints({ ...base, status: status({ podIP: 'fd00::7' }) }, [8000]).endpoints).toEqual([{ name: '[fd00::7]:8000', url: 'http://[fd00::7]:8000' }]);
    expect(podEndpoints({ ...base, status: status({ phase: 'Failed' }) }, [8000]).endpoints).toEqual([]);
  });

  it('InferencePool v1 and v1alpha2 shapes', () => {
    expect(poolSelection({ spec: { selector: { matchLabels: { b: '2', a: '1' } }, targetPorts: [{ number: 8000 }, { number: 8001 }] } }, 'inference.networking.k8s.io/v1')).toEqual({
      labelSelector: 'a=1,b=2',
      targetPorts: [8000, 8001],
    });
    expect(poolSelection({ spec: { selector: { app: 'vllm' }, targetPortNumber: 8000 } }, 'inference.networking.x-k8s.io/v1alpha2')).toEqual({ labelSelector: 'app=vllm', targetPorts: [8000] });
    expect(poolSelection({ spec: { selector: {} } }, 'inference.networking.k8s.io/v1')).toHaveProperty('error');
  });
});

describe('Kubernetes discovery start-up', () => {
  it('fails with the API server and the resource when the first list fails', async () => {
    const api = await FakeKubeApi.start();
    api.failRequests(403);
    const raw = testRouterConfig({ endpoints: [] });
    const pool = raw['pool'] as Record<string, unknown>;
    delete pool['endpoints'];
    pool['kubernetes'] = { namespace: NAMESPACE, labelSelector: 'app=sim', targetPort: 8000, apiServer: api.url };
    try {
      await expect(startRouter({ config: parseRouterConfig(raw, { env: {}, source: '<test>' }) })).rejects.toThrow(
        new RegExp(`Kubernetes discovery could not start \\(API server ${api.url}, namespace ${NAMESPACE}\\): listing/watching pods failed`),
      );
    } finally {
      await api.stop();
    }
  });
});
