import { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRouterConfig } from '@sluice/config';
import { startSimFleet } from '@sluice/testing';
import type { SimFleet } from '@sluice/testing';
import { startRouter } from '../src/index.ts';
import type { RunningRouter } from '../src/index.ts';
import { chatBody, expectNoLeakedLease, metricValue, postJson } from './helpers/http.ts';
import { testRouterConfig } from './helpers/router-config.ts';

interface RawAnswer {
  status: number;
  body: string;
  /** ms from the first byte sent to the answer. */
  elapsedMs: number;
}

/** Writes `chunks` on a raw socket (one per call), then waits for the server's answer and close. */
async function rawRequest(port: number, text: string): Promise<RawAnswer> {
  return await new Promise<RawAnswer>((resolve, reject) => {
    const socket = new Socket();
    let data = '';
    const started = performance.now();
    socket.setTimeout(15_000, () => {
      socket.destroy();
      reject(new Error(`no answer within 15 s; got ${JSON.stringify(data)}`));
    });
    socket.on('data', (chunk: Buffer) => (data += chunk.toString('utf8')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0);
      resolve({ status, body: data.slice(data.indexOf('\r\n\r\n') + 4), elapsedMs: performance.now() - started });
    });
    socket.connect(port, '127.0.0.1', () => socket.write(text));
  });
}

/**
 * Input hardening of the HTTP surface: header size, JSON nesting depth, prompt size and slow
 * clients, each answered with an OpenAI-style error (and counted), never a crash or a leaked lease.
 */
describe('hardening: input limits and slow clients', () => {
  let fleet: SimFleet;
  let router: RunningRouter;

  beforeAll(async () => {
    fleet = await startSimFleet({ count: 1, profile: 'tiny', timeScale: 0.1 });
    const raw = testRouterConfig({ endpoints: fleet.pods.map((p) => p.address) });
    const server = { ...(raw['server'] as Record<string, unknown>), maxHeaderSize: '8Ki', maxJsonDepth: 16, maxPromptTokens: 2000, headersTimeout: '1s', requestTimeout: '2s' };
    router = await startRouter({ config: parseRouterConfig({ ...raw, server }, { env: {}, source: '<test>' }) });
  });

  afterAll(async () => {
    try {
      await router?.shutdown(1000);
    } finally {
      await fleet?.stop();
    }
  });

  it('headers above server.maxHeaderSize → 431 with an OpenAI-style body', async () => {
    const answer = await rawRequest(router.port, `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nx-padding: ${'a'.repeat(12 * 1024)}\r\ncontent-length: 2\r\n\r\n{}`);
    expect(answer.status).toBe(431);
    expect(JSON.parse(answer.body)).toEqual({ error: { message: 'The request headers are too large.', type: 'invalid_request_error', param: null, code: 'headers_too_large' } });
  });

  it('JSON nested deeper than server.maxJsonDepth → 400 json_too_deep (brackets inside strings do not count)', async () => {
    const deep = `{"model":"qwen","messages":[{"role":"user","content":"x"}],"extra":${'['.repeat(5000)}${']'.repeat(5000)}}`;
    const res = await postJson(router.url, '/v1/chat/completions', deep);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('json_too_deep');
    const inString = await postJson(router.url, '/v1/chat/completions', JSON.stringify({ model: 'qwen', messages: [{ role: 'user', content: '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[{{{{{{{{{{{{{{{{{{{{{' }], max_tokens: 4 }));
    expect(inString.status).toBe(200);
    await inString.text();
  });

  it('a prompt above server.maxPromptTokens → 400 context_length_exceeded', async () => {
    const res = await postJson(router.url, '/v1/chat/completions', chatBody('qwen', { messages: [{ role: 'user', content: 'lorem ipsum dolor sit amet '.repeat(2000) }] }));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string; type: string } }).error).toMatchObject({ code: 'context_length_exceeded', type: 'invalid_request_error' });
  });

  it('a client that stalls while sending headers gets 408 and is disconnected', async () => {
    const answer = await rawRequest(router.port, 'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n');
    expect(answer.status).toBe(408);
    expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'request_timeout' } });
    expect(answer.elapsedMs).toBeLessThan(5000);
  });

  it('a client that stalls while sending the body gets 408 after server.requestTimeout', async () => {
    const answer = await rawRequest(router.port, 'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"model":');
    expect(answer.status).toBe(408);
    expect(answer.elapsedMs).toBeLessThan(6000);
  });

  it('every refusal is counted; nothing leaks', async () => {
    const text = await (await fetch(`${router.url}/metrics`)).text();
    for (const reason of ['headers_too_large', 'json_depth', 'prompt_too_large', 'request_timeout']) {
      expect(metricValue(text, 'sluice_http_input_rejected_total', { reason }), reason).toBeGreaterThanOrEqual(1);
    }
    await expectNoLeakedLease(router.url);
  });
});
