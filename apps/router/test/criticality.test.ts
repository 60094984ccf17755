import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimFleet } from '@sluice/testing';
import type { SimFleet } from '@sluice/testing';
import { startRouter } from '../src/index.ts';
import type { RunningRouter } from '../src/index.ts';
import { expectNoLeakedLease, postJson } from './helpers/http.ts';
import { resolveTestConfig } from './helpers/router-config.ts';

const PER_MODEL = 30;

/** Client-side TTFT (ms): from sending the request to the first body chunk of the stream. */
async function streamedTtft(url: string, model: string): Promise<{ status: number; ttftMs: number }> {
  const started = performance.now();
  const res = await postJson(url, '/v1/chat/completions', JSON.stringify({ model, messages: [{ role: 'user', content: 'ping' }], max_tokens: 10, ignore_eos: true, stream: true }));
  const reader = res.body!.getReader();
  await reader.read();
  const ttftMs = performance.now() - started;
  if (process.env['DEBUG_CRIT']) console.log(model, Math.round(started), Math.round(ttftMs), res.headers.get('x-sluice-queue-wait-ms'), res.headers.get('x-gateway-destination-endpoint-served'));
  while (!(await reader.read()).done);
  return { status: res.status, ttftMs };
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * Criticality under saturation (the Alibaba ACK example): `qwen` (Critical → priority 100) and
 * `travel-helper` (Standard → 0) send equal load, far above the pool's 2 concurrent slots. Strict
 * priority between bands serves Critical first: its mean TTFT must be at most half of Standard's,
 * and every Critical request succeeds.
 */
describe('criticality under saturation', () => {
  let fleet: SimFleet;
  let router: RunningRouter;

  beforeAll(async () => {
    // Two pods × one slot, ~220 ms per request: queueing, not machine noise, dominates TTFT.
    fleet = await startSimFleet({ count: 2, profile: 'tiny', args: ['--latency-mode', 'fixed', '--ttft-ms', '20', '--itl-ms', '20'] });
    router = await startRouter({ config: resolveTestConfig({ endpoints: fleet.pods.map((p) => p.address), maxConcurrency: 1 }) });
  });

  afterAll(async () => {
    try {
      await router?.shutdown(1000);
    } finally {
      await fleet?.stop();
    }
  });

  it('Critical mean TTFT ≤ 0.5 × Standard, every Critical request succeeds', async () => {
    await streamedTtft(router.url, 'qwen'); // warm the connections and code paths
    const runs = Array.from({ length: PER_MODEL * 2 }, (_, i) => {
      const model = i % 2 === 0 ? 'qwen' : 'travel-helper';
      return streamedTtft(router.url, model).then((r) => ({ model, ...r }));
    });
    const results = await Promise.all(runs);
    const critical = results.filter((r) => r.model === 'qwen');
    const standard = results.filter((r) => r.model === 'travel-helper');
    expect(critical.every((r) => r.status === 200)).toBe(true);
    expect(standard.every((r) => r.status === 200)).toBe(true);
    const c = mean(critical.map((r) => r.ttftMs));
    const s = mean(standard.map((r) => r.ttftMs));
    console.info(`criticality: mean TTFT Critical ${c.toFixed(1)} ms, Standard ${s.toFixed(1)} ms, ratio ${(c / s).toFixed(2)}`);
    expect(c).toBeLessThanOrEqual(0.5 * s);
    await expectNoLeakedLease(router.url);
  });
});
