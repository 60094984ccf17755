import { startSimFleet, waitFor, type SimFleet } from '@sluice/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleValue, scrape } from './helpers/prometheus.ts';

/** Opens a streamed completion and resolves once the first bytes arrived; abort() closes the connection. */
async function openStream(base: string, prompt: string): Promise<AbortController> {
  const controller = new AbortController();
  const response = await fetch(`${base}/v1/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ prompt, max_tokens: 1000, ignore_eos: true, stream: true }),
    signal: controller.signal,
  });
  const reader = response.body?.getReader();
  await reader?.read();
  return controller;
}

describe('client disconnect (abort)', () => {
  let fleet: SimFleet;
  let base = '';

  beforeAll(async () => {
    // Time scale 3: 1,000 tokens take ~6 s, so the streams are surely still running when we abort.
    fleet = await startSimFleet({ count: 1, profile: 'tiny', timeScale: 3 });
    base = fleet.pods[0]?.url as string;
  });
  afterAll(async () => {
    await fleet?.stop();
  });

  it('frees the sequence and its KV blocks at once', async () => {
    const labels = { model_name: 'sim/tiny', engine: '0' };
    const streams = await Promise.all([0, 1, 2].map(async (i) => await openStream(base, `user ${i} asks a question about caching`)));
    const busy = await waitFor(
      async () => {
        const samples = await scrape(base);
        const running = sampleValue(samples, 'vllm:num_requests_running', labels) ?? 0;
        return running === 3 ? samples : undefined;
      },
      { timeoutMs: 5000, what: 'three running requests' },
    );
    expect(sampleValue(busy, 'vllm:kv_cache_usage_perc', labels)).toBeGreaterThan(0);

    for (const stream of streams) stream.abort();

    const idle = await waitFor(
      async () => {
        const samples = await scrape(base);
        const running = sampleValue(samples, 'vllm:num_requests_running', labels);
        const usage = sampleValue(samples, 'vllm:kv_cache_usage_perc', labels);
        return running === 0 && usage === 0 ? samples : undefined;
      },
      { timeoutMs: 3000, what: 'running = 0 and kv usage = 0 after the clients closed' },
    );
    expect(sampleValue(idle, 'vllm:request_success_total', { ...labels, finished_reason: 'abort' })).toBe(3);
    // Aborted well before 1,000 tokens each.
    expect(sampleValue(idle, 'vllm:generation_tokens_total', labels)).toBeLessThan(3 * 1000);
  });
});
