import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimFleet, waitFor } from '@sluice/testing';
import type { SimFleet } from '@sluice/testing';
import { startRouter } from '../src/index.ts';
import type { RunningRouter } from '../src/index.ts';
import { resolveTestConfig } from './helpers/router-config.ts';
import { adminState, chatBody, expectNoLeakedLease, postJson } from './helpers/http.ts';

/**
 * The table of bad input and faults, against one in-process router (real HTTP) in front of three
 * simulator processes with fixed latencies (20 ms to the first token, 20 ms per token), a capacity
 * of one request per endpoint, and fast health checks. After every case /admin/state must show no
 * leaked lease and nothing queued. Cases run in order: the last ones kill pods.
 */
describe('bad input and faults', () => {
  let fleet: SimFleet;
  let router: RunningRouter;
  let url: string;

  beforeAll(async () => {
    fleet = await startSimFleet({ count: 3, profile: 'tiny', args: ['--latency-mode', 'fixed', '--ttft-ms', '20', '--itl-ms', '20'] });
    const config = resolveTestConfig({ endpoints: fleet.pods.map((p) => p.address), maxConcurrency: 1, bodyLimit: '64Ki', healthIntervalMs: 100, logLevel: process.env['ROUTER_TEST_LOG'] ?? 'warn' });
    router = await startRouter({ config });
    url = router.url;
  });

  afterAll(async () => {
    try {
      await router?.shutdown(1000);
    } finally {
      await fleet?.stop();
    }
  });

  const simRunning = async (port: number): Promise<number> => ((await (await fetch(`http://127.0.0.1:${port}/admin/stats`)).json()) as { running: number }).running;

  it('malformed JSON → 400 invalid_json', async () => {
    const res = await postJson(url, '/v1/chat/completions', '{"model": "qwen", "messages": [');
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { type: string; code: string; message: string; param: unknown } };
    expect(body.error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_json', param: null });
    await expectNoLeakedLease(url);
  });

  it('oversized body → 413', async () => {
    const res = await postJson(url, '/v1/completions', JSON.stringify({ model: 'qwen', prompt: 'word '.repeat(20_000) }));
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('request_too_large');
    await expectNoLeakedLease(url);
  });

  it('unknown model → 404 model_not_found', async () => {
    const res = await postJson(url, '/v1/chat/completions', chatBody('gpt-nope'));
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string; param: string } }).error).toMatchObject({ code: 'model_not_found', param: 'model' });
    await expectNoLeakedLease(url);
  });

  it('missing model → 400 missing_model', async () => {
    const res = await postJson(url, '/v1/chat/completions', JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] }));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('missing_model');
    await expectNoLeakedLease(url);
  });

  it('x-gateway-model-name names the model when the body has none', async () => {
    const res = await postJson(url, '/v1/chat/completions', JSON.stringify({ messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 }), { 'x-gateway-model-name': 'qwen' });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    await expectNoLeakedLease(url);
  });

  it('client disconnects while queued: the request leaves the queue and never takes a slot', async () => {
    // Fill the pool's three slots with long streams, then queue one more and walk away.
    const holders = Array.from({ length: 3 }, () => new AbortController());
    const held = holders.map(async (c) => {
      const res = await postJson(url, '/v1/completions', JSON.stringify({ model: 'qwen', prompt: 'hold', max_tokens: 400, stream: true }), {}, c.signal);
      expect(res.status).toBe(200);
      return res;
    });
    const responses = await Promise.all(held);
    const queued = new AbortController();
    const waiting = postJson(url, '/v1/chat/completions', chatBody('qwen'), { 'x-gateway-inference-fairness-id': 'walker' }, queued.signal).catch((e: unknown) => e);
    await waitFor(async () => (await adminState(url)).queue.len === 1, { timeoutMs: 5000, what: 'one queued request' });
    queued.abort();
    expect(await waiting).toBeInstanceOf(Error);
    const after = await waitFor(async () => {
      const s = await adminState(url);
      return s.queue.len === 0 ? s : undefined;
    }, { timeoutMs: 5000, what: 'the queue to empty' });
    expect(after.leases.count).toBe(3);
    expect(after.flows.find((f) => f.fairnessId === 'walker')?.leases ?? 0).toBe(0);
    for (const c of holders) c.abort();
    await Promise.all(responses.map((r) => r.body?.cancel().catch(() => undefined)));
    await expectNoLeakedLease(url);
  });

  it('client disconnects while streaming: upstream aborted, slot freed', async () => {
    const c = new AbortController();
    const res = await postJson(url, '/v1/completions', JSON.stringify({ model: 'qwen', prompt: 'stream me', max_tokens: 400, stream: true }), {}, c.signal);
    expect(res.status).toBe(200);
    const served = res.headers.get('x-gateway-destination-endpoint-served')!;
    const pod = fleet.pods.find((p) => p.address === served)!;
    const reader = res.body!.getReader();
    await reader.read();
    expect(await simRunning(pod.port)).toBe(1);
    c.abort();
    await waitFor(async () => (await simRunning(pod.port)) === 0, { timeoutMs: 5000, what: `${pod.name} to stop generating` });
    await expectNoLeakedLease(url);
  });

  it('pod dies mid-stream: clean SSE error event, slot freed', async () => {
    const res = await postJson(url, '/v1/completions', JSON.stringify({ model: 'qwen', prompt: 'doomed', max_tokens: 400, stream: true }));
    expect(res.status).toBe(200);
    const served = res.headers.get('x-gateway-destination-endpoint-served')!;
    const index = fleet.pods.findIndex((p) => p.address === served);
    const reader = res.body!.getReader();
    await reader.read();
    await fleet.kill(index);
    let text = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += Buffer.from(value).toString();
    }
    expect(text).toContain('"code":"upstream_stream_error"');
    await expectNoLeakedLease(url);
  });

  it('all pods down → 503 rejected-no-endpoints with Retry-After', async () => {
    for (let i = 0; i < fleet.pods.length; i++) await fleet.kill(i);
    await waitFor(async () => (await adminState(url)).endpoints.every((e) => !e.healthy), { timeoutMs: 5000, what: 'every endpoint marked down' });
    const res = await postJson(url, '/v1/chat/completions', chatBody('qwen'));
    expect(res.status).toBe(503);
    expect(res.headers.get('x-llm-d-request-dropped-reason')).toBe('rejected-no-endpoints');
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('rejected-no-endpoints');
    await expectNoLeakedLease(url);
  });
});
