import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimFleet } from '@sluice/testing';
import type { SimFleet } from '@sluice/testing';
import { startRouter } from '../src/index.ts';
import type { RunningRouter } from '../src/index.ts';
import { adminState, chatBody, expectNoLeakedLease, postJson } from './helpers/http.ts';
import { resolveTestConfig } from './helpers/router-config.ts';

/**
 * Retry before the first byte: the pool holds one simulator and one real HTTP server that passes
 * health checks but answers every inference request with 503. Every request still succeeds (the
 * router retries on the other endpoint), and the 503 endpoint is passively marked down with backoff.
 */
describe('retry on another endpoint before the first byte', () => {
  let fleet: SimFleet;
  let unavailable: Server;
  let unavailableAddress: string;
  let posts503 = 0;
  let router: RunningRouter;

  beforeAll(async () => {
    fleet = await startSimFleet({ count: 1, profile: 'tiny', timeScale: 0.1 });
    unavailable = createServer((req, res) => {
      if (req.method === 'POST') posts503++;
      res.writeHead(req.method === 'GET' ? 200 : 503, { 'content-type': 'application/json' });
      res.end(req.method === 'GET' ? '' : '{"error":{"message":"overloaded","type":"server_error","param":null,"code":null}}');
    });
    await new Promise<void>((resolve) => unavailable.listen(0, '127.0.0.1', resolve));
    unavailableAddress = `127.0.0.1:${(unavailable.address() as AddressInfo).port}`;
    router = await startRouter({ config: resolveTestConfig({ endpoints: [unavailableAddress, fleet.pods[0]!.address], maxConcurrency: 8 }) });
  });

  afterAll(async () => {
    try {
      await router?.shutdown(500);
      await new Promise((resolve) => unavailable?.close(resolve));
    } finally {
      await fleet?.stop();
    }
  });

  it('every request succeeds on the healthy endpoint; the 503 endpoint is marked down', async () => {
    const served: string[] = [];
    for (let i = 0; i < 12; i++) {
      const res = await postJson(router.url, '/v1/chat/completions', chatBody('qwen', { max_tokens: 2 }));
      expect(res.status).toBe(200);
      served.push(res.headers.get('x-gateway-destination-endpoint-served')!);
      await res.arrayBuffer();
    }
    expect(new Set(served)).toEqual(new Set([fleet.pods[0]!.address]));
    expect(posts503).toBeGreaterThan(0);
    const state = await adminState(router.url);
    expect(state.endpoints.find((e) => e.name === unavailableAddress)).toBeDefined();
    await expectNoLeakedLease(router.url);
  });
});
