import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimFleet, waitFor } from '@sluice/testing';
import type { SimFleet } from '@sluice/testing';
import { startRouter } from '../src/index.ts';
import type { RunningRouter } from '../src/index.ts';
import { adminState, chatBody, postJson } from './helpers/http.ts';
import { resolveTestConfig } from './helpers/router-config.ts';

/**
 * Graceful shutdown: readiness turns false and new requests get 503 rejected-shutting-down at once,
 * while the request in flight AND the one queued behind it are still served within the drain
 * timeout; then every lease is released.
 */
describe('graceful shutdown', () => {
  let fleet: SimFleet;
  let router: RunningRouter;

  beforeAll(async () => {
    fleet = await startSimFleet({ count: 1, profile: 'tiny', args: ['--latency-mode', 'fixed', '--ttft-ms', '20', '--itl-ms', '20'] });
    router = await startRouter({ config: resolveTestConfig({ endpoints: fleet.pods.map((p) => p.address), maxConcurrency: 1, drainTimeout: '10s' }) });
  });

  afterAll(async () => {
    try {
      await router?.shutdown(500);
    } finally {
      await fleet?.stop();
    }
  });

  it('drains in-flight and queued requests, refuses new ones, releases every lease', async () => {
    const streamBody = JSON.stringify({ model: 'qwen', prompt: 'long answer', max_tokens: 30, ignore_eos: true, stream: true });
    const inFlight = postJson(router.url, '/v1/completions', streamBody).then(async (r) => ({ status: r.status, text: await r.text() }));
    await waitFor(async () => (await adminState(router.url)).leases.count === 1, { timeoutMs: 5000, what: 'the first request to hold the slot' });
    const queued = postJson(router.url, '/v1/chat/completions', chatBody('qwen')).then(async (r) => ({ status: r.status, text: await r.text() }));
    await waitFor(async () => (await adminState(router.url)).queue.len === 1, { timeoutMs: 5000, what: 'the second request to queue' });

    const stopped = router.shutdown();
    const ready = await fetch(`${router.url}/readyz`);
    expect(ready.status).toBe(503);
    const refused = await postJson(router.url, '/v1/chat/completions', chatBody('qwen'));
    expect(refused.status).toBe(503);
    expect(refused.headers.get('x-llm-d-request-dropped-reason')).toBe('rejected-shutting-down');

    const first = await inFlight;
    expect(first.status).toBe(200);
    expect(first.text).toContain('data: [DONE]');
    expect((await queued).status).toBe(200);
    await stopped;
    const stats = await router.deps.store.stats();
    expect(stats.leases.count).toBe(0);
    expect(stats.len).toBe(0);
  });
});
