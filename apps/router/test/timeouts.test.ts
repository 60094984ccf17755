import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimFleet, waitFor } from '@sluice/testing';
import type { SimFleet } from '@sluice/testing';
import { startRouter } from '../src/index.ts';
import type { RunningRouter } from '../src/index.ts';
import { adminState, expectNoLeakedLease, postJson } from './helpers/http.ts';
import { resolveTestConfig } from './helpers/router-config.ts';

/**
 * Proxy timeouts against a simulator that stalls every response (--fault-stall-rate 1): a
 * non-streamed request that never gets a response head → 504 after the first-byte timeout; a stream
 * that goes silent mid-way → an SSE error event after the stream-idle timeout. Slots are freed.
 */
describe('first-byte and stream-idle timeouts', () => {
  let fleet: SimFleet;
  let router: RunningRouter;

  beforeAll(async () => {
    fleet = await startSimFleet({ count: 1, profile: 'tiny', args: ['--latency-mode', 'fixed', '--ttft-ms', '5', '--itl-ms', '5', '--fault-stall-rate', '1'] });
    router = await startRouter({
      config: resolveTestConfig({ endpoints: [fleet.pods[0]!.address], firstByteTimeout: '300ms', streamIdleTimeout: '300ms', healthIntervalMs: 50 }),
    });
  });

  afterAll(async () => {
    try {
      await router?.shutdown(500);
    } finally {
      await fleet?.stop();
    }
  });

  const healthyAgain = async (): Promise<void> => {
    await waitFor(async () => (await adminState(router.url)).endpoints.every((e) => e.healthy), { timeoutMs: 5000, what: 'the endpoint to be healthy again' });
  };

  it('no response head within the first-byte timeout → 504 upstream_timeout', async () => {
    const res = await postJson(router.url, '/v1/completions', JSON.stringify({ model: 'qwen', prompt: 'hang', max_tokens: 20 }));
    expect(res.status).toBe(504);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('upstream_timeout');
    await expectNoLeakedLease(router.url);
    await healthyAgain();
  });

  it('a stream that goes silent → SSE error event after the stream-idle timeout', async () => {
    const res = await postJson(router.url, '/v1/completions', JSON.stringify({ model: 'qwen', prompt: 'hang', max_tokens: 50, ignore_eos: true, stream: true }));
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('"code":"upstream_stream_error"');
    await expectNoLeakedLease(router.url);
    await healthyAgain();
  });
});
