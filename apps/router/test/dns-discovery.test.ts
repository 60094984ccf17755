import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRouterConfig } from '@sluice/config';
import { createSystemClock } from '@sluice/flow-control';
import { freePort, startSimFleet } from '@sluice/testing';
import type { SimFleet } from '@sluice/testing';
import { EndpointHealth } from '../src/endpoints/endpoint-health.ts';
import { startRouter } from '../src/index.ts';
import type { RunningRouter } from '../src/index.ts';
import { adminState, chatBody, expectNoLeakedLease, postJson } from './helpers/http.ts';
import { testRouterConfig } from './helpers/router-config.ts';

/**
 * `pool.dns` discovery: the pool is `localhost:<sim port>`, resolved by the OS resolver (127.0.0.1,
 * and ::1 where localhost has an IPv6 entry — the simulator listens on IPv4 only, so that one stays
 * unhealthy and is never picked).
 */
describe('DNS discovery', () => {
  let fleet: SimFleet;
  let router: RunningRouter;

  beforeAll(async () => {
    fleet = await startSimFleet({ count: 1, profile: 'tiny', timeScale: 0.1 });
    const raw = testRouterConfig({ endpoints: [] });
    const pool = raw['pool'] as Record<string, unknown>;
    delete pool['endpoints'];
    pool['dns'] = { name: 'localhost', port: fleet.pods[0]!.port, refresh: '200ms' };
    router = await startRouter({ config: parseRouterConfig(raw, { env: {}, source: '<test>' }) });
  });

  afterAll(async () => {
    try {
      await router?.shutdown(500);
    } finally {
      await fleet?.stop();
    }
  });

  it('routes to the resolved address', async () => {
    const state = await adminState(router.url);
    expect(state.endpoints.map((e) => e.name)).toContain(fleet.pods[0]!.address);
    expect(state.endpoints.find((e) => e.name === fleet.pods[0]!.address)?.healthy).toBe(true);
    const res = await postJson(router.url, '/v1/chat/completions', chatBody('qwen', { max_tokens: 2 }));
    expect(res.status).toBe(200);
    expect(res.headers.get('x-gateway-destination-endpoint-served')).toBe(fleet.pods[0]!.address);
    await res.arrayBuffer();
    await expectNoLeakedLease(router.url);
  });

  it('a changed endpoint set keeps known state, probes new endpoints and drops removed ones', async () => {
    const pod = fleet.pods[0]!;
    const dead = `127.0.0.1:${await freePort()}`;
    const changes: string[][] = [];
    const health = new EndpointHealth({
      endpoints: [{ name: pod.address, url: pod.url }],
      settings: { path: '/health', intervalMs: 60_000, timeoutMs: 500, failureThreshold: 1, backoffInitialMs: 100, backoffMaxMs: 1000 },
      clock: createSystemClock(),
      onChange: (healthy) => changes.push([...healthy]),
    });
    await health.start();
    await health.setEndpoints([{ name: pod.address, url: pod.url }, { name: dead, url: `http://${dead}` }]);
    expect(health.snapshot().map((s) => [s.name, s.healthy])).toEqual([[pod.address, true], [dead, false]]);
    await health.setEndpoints([{ name: dead, url: `http://${dead}` }]);
    expect(health.healthyNames()).toEqual([]);
    expect(changes).toEqual([[pod.address], []]);
    await health.stop();
  });
});
