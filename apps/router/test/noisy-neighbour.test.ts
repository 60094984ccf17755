import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimFleet } from '@sluice/testing';
import type { SimFleet } from '@sluice/testing';
import { startRouter } from '../src/index.ts';
import type { RunningRouter } from '../src/index.ts';
import { expectNoLeakedLease, postJson } from './helpers/http.ts';
import { resolveTestConfig } from './helpers/router-config.ts';

interface Sample {
  readonly tenant: string;
  readonly queueWaitMs: number;
  /** Client-side time to the first streamed byte: queue wait + engine TTFT + proxy. */
  readonly ttftMs: number;
}

/** One streamed request for `tenant` in band 0 (travel-helper, Standard). */
async function send(url: string, tenant: string): Promise<Sample> {
  const started = performance.now();
  const res = await postJson(url, '/v1/completions', JSON.stringify({ model: 'travel-helper', prompt: 'go', max_tokens: 4, ignore_eos: true, stream: true }), {
    'x-gateway-inference-fairness-id': tenant,
  });
  const reader = res.body!.getReader();
  await reader.read();
  const ttftMs = performance.now() - started;
  while (!(await reader.read()).done);
  if (res.status !== 200) throw new Error(`${tenant}: status ${res.status}`);
  return { tenant, queueWaitMs: Number(res.headers.get('x-sluice-queue-wait-ms')), ttftMs };
}

/**
 * Open-loop arrivals: `count` requests, one every `intervalMs` (the first `fill.count` one every
 * `fill.intervalMs`), regardless of completions.
 */
async function openLoop(url: string, tenant: string, count: number, intervalMs: number, fill = { count: 0, intervalMs: 0 }): Promise<Sample[]> {
  const pending: Promise<Sample>[] = [];
  for (let i = 0; i < count; i++) {
    pending.push(send(url, tenant));
    await new Promise((r) => setTimeout(r, i < fill.count ? fill.intervalMs : intervalMs));
  }
  return await Promise.all(pending);
}

function p90(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(0.9 * sorted.length) - 1)]!;
}

const B_COUNT = 20;
const B_INTERVAL_MS = 200; // 5 req/s
const SLOTS = 16; // 4 pods × maxConcurrency 4
const A_FILL_INTERVAL_MS = 28; // A's first 16: one per 1/16 of a ~450 ms request, so slots free evenly
const A_COUNT = 150;
const A_INTERVAL_MS = 20; // then 50 req/s: 10× B, ~1.4× the pool's capacity (16 slots / ~0.45 s)

/**
 * Noisy neighbour: tenant A sends 10× tenant B's rate into the same band (priority 0), ~1.4×
 * what the pool serves (4 pods × 4 slots, ~450 ms per request, mostly engine time). The simulator's
 * latencies are fixed, so a slot frees exactly one request time after it was filled: A's first 16
 * requests are spaced 1/16 of a request time apart, so that slots free evenly (every ~28 ms) rather
 * than in waves, and B's round-robin turn comes within about one such gap. Under round-robin fairness B still
 * gets the next free slot on its turn, so what B sees (time to first token, which includes its queue
 * wait) stays within 1.5× of what it sees alone. Under global-strict (one FCFS queue across
 * tenants) B waits behind A's whole backlog: that run is printed for contrast.
 */
describe('noisy neighbour in one band', () => {
  let fleet: SimFleet;
  let roundRobin: RunningRouter;
  let globalStrict: RunningRouter;

  beforeAll(async () => {
    fleet = await startSimFleet({ count: 4, profile: 'tiny', args: ['--latency-mode', 'fixed', '--ttft-ms', '400', '--itl-ms', '10'] });
    const endpoints = fleet.pods.map((p) => p.address);
    roundRobin = await startRouter({ config: resolveTestConfig({ endpoints, maxConcurrency: 4 }) });
    globalStrict = await startRouter({ config: resolveTestConfig({ endpoints, maxConcurrency: 4, fairness: 'global-strict-fairness-policy' }) });
  });

  afterAll(async () => {
    try {
      await roundRobin?.shutdown(1000);
      await globalStrict?.shutdown(1000);
    } finally {
      await fleet?.stop();
    }
  });

  it('round-robin keeps B within 1.5× of its solo latency; global-strict does not', async () => {
    await send(roundRobin.url, 'warm-up');
    await send(globalStrict.url, 'warm-up');
    const alone = await openLoop(roundRobin.url, 'tenant-b', B_COUNT, B_INTERVAL_MS);
    await expectNoLeakedLease(roundRobin.url);

    const [, bWithA] = await Promise.all([openLoop(roundRobin.url, 'tenant-a', A_COUNT, A_INTERVAL_MS, { count: SLOTS, intervalMs: A_FILL_INTERVAL_MS }), openLoop(roundRobin.url, 'tenant-b', B_COUNT, B_INTERVAL_MS)]);
    await expectNoLeakedLease(roundRobin.url);

    const [, bStrict] = await Promise.all([openLoop(globalStrict.url, 'tenant-a', A_COUNT, A_INTERVAL_MS, { count: SLOTS, intervalMs: A_FILL_INTERVAL_MS }), openLoop(globalStrict.url, 'tenant-b', B_COUNT, B_INTERVAL_MS)]);
    await expectNoLeakedLease(globalStrict.url);

    const row = (label: string, s: Sample[]) =>
      `${label.padEnd(28)} p90 queue wait ${p90(s.map((x) => x.queueWaitMs)).toFixed(1).padStart(8)} ms   p90 TTFT ${p90(s.map((x) => x.ttftMs)).toFixed(1).padStart(8)} ms`;
    console.info(['noisy neighbour, tenant B:', row('alone', alone), row('with A, round-robin', bWithA), row('with A, global-strict', bStrict)].join('\n'));

    expect(p90(bWithA.map((x) => x.ttftMs))).toBeLessThanOrEqual(1.5 * p90(alone.map((x) => x.ttftMs)));
    expect(p90(bStrict.map((x) => x.queueWaitMs))).toBeGreaterThan(p90(bWithA.map((x) => x.queueWaitMs)));
  });
});
