import { startSimFleet, type SimFleet } from '@sluice/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

async function setFaults(base: string, faults: Record<string, number>): Promise<void> {
  const response = await fetch(`${base}/admin/config`, { method: 'POST', body: JSON.stringify({ faults }) });
  expect(response.status).toBe(200);
}

const request = { prompt: 'fault injection probe', max_tokens: 20, ignore_eos: true, stream: true };

describe('fault injection', () => {
  let fleet: SimFleet;
  let base = '';

  beforeAll(async () => {
    fleet = await startSimFleet({ count: 1, profile: 'tiny', timeScale: 0.2, args: ['--fault-500-rate', '1'] });
    base = fleet.pods[0]?.url as string;
  });
  afterAll(async () => {
    await fleet?.stop();
  });

  it('rate 1 of 500 from the command line, then 429 set at run time', async () => {
    const first = await fetch(`${base}/v1/completions`, { method: 'POST', body: JSON.stringify(request) });
    expect(first.status).toBe(500);
    expect(((await first.json()) as { error: { type: string } }).error.type).toBe('InternalServerError');
    await setFaults(base, { error500: 0, error429: 1 });
    const second = await fetch(`${base}/v1/completions`, { method: 'POST', body: JSON.stringify(request) });
    expect(second.status).toBe(429);
    expect(((await second.json()) as { error: { type: string } }).error.type).toBe('RateLimitError');
  });

  it('connection reset mid-stream: status 200, some tokens, then the stream breaks without [DONE]', async () => {
    await setFaults(base, { error500: 0, error429: 0, reset: 1, stall: 0 });
    const response = await fetch(`${base}/v1/completions`, { method: 'POST', body: JSON.stringify(request) });
    expect(response.status).toBe(200);
    let text = '';
    const failure = await (async () => {
      try {
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) text += Buffer.from(chunk).toString();
        return null;
      } catch (error) {
        return error;
      }
    })();
    expect(failure).not.toBeNull();
    expect(text).not.toContain('[DONE]');
  });

  it('stall: the stream stops sending but the socket stays open', async () => {
    await setFaults(base, { reset: 0, stall: 1 });
    const controller = new AbortController();
    const response = await fetch(`${base}/v1/completions`, { method: 'POST', body: JSON.stringify(request), signal: controller.signal });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    let text = '';
    // Read until no byte arrives for a while (well past the 20 tokens' normal duration, ~10 ms).
    for (;;) {
      const next = await Promise.race([reader.read(), new Promise<'silent'>((resolve) => setTimeout(() => resolve('silent'), 400))]);
      if (next === 'silent') break;
      if (next.done) throw new Error('stream ended; a stall keeps it open');
      text += Buffer.from(next.value).toString();
    }
    expect(text).not.toContain('[DONE]');
    controller.abort();
    await setFaults(base, { stall: 0 });
  });
});
