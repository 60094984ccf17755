import { startSimFleet } from '@sluice/testing';
import type { SimFleet } from '@sluice/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sumMetric } from '../../src/client/prom-scrape.ts';
import { runScenario } from '../../src/run/run-scenario.ts';
import type { RunReport } from '../../src/run/run-scenario.ts';
import { parseScenario } from '../../src/scenario/load-scenario.ts';
import { median } from '../../src/stats/summarize.ts';

/**
 * Harness fidelity self-test (as inference-perf's e2e): a real sluice-sim in fixed-latency mode
 * (constant TTFT and ITL, zero jitter; ignore_eos + exact max_tokens) measured by the full harness.
 *
 * 1. Ground truth = the configured values. TTFT and request latency are "send → later event", so
 *    nothing on the client can make them shorter: strict lower bounds. TPOT is a difference of two
 *    arrival stamps (lag on the first stamp shortens it by lag/(n−1)), so its lower bound allows
 *    50 ms of such lag. Upper bounds are bounded slack as inference-perf's (TTFT +0.25 s, latency
 *    +0.5 s), with per-token slack at 25 ms + 20 %: the sim emits tokens with setTimeout, which fires
 *    late when other processes hold this shared 2-core machine, and that is real time.
 * 2. Measurement accuracy = what the server itself recorded for the same requests (its
 *    vllm:time_to_first_token_seconds / vllm:inter_token_latency_seconds sums): the harness's mean
 *    TTFT is ≥ the server's (causality) and at most 5 % (25 ms) above it (request transfer and the
 *    sim's HTTP parsing before it stamps arrival); its pooled ITL mean is within 3 % of the
 *    server's. This isolates harness error from simulator lateness.
 * A separate warm-up run (JIT, keep-alive connections) precedes the measured run.
 */
const TTFT_MS = 500;
const ITL_MS = 60;
const OUTPUT = 10;
const PROMPT = 40;

const SCENARIO = `
name: fidelity
seed: 3
api: { type: completion, model: auto }
workload: { type: random, inputLen: ${PROMPT}, outputLen: ${OUTPUT} }
load:
  interval: 0
  requestTimeout: 20
  stages:
    - { type: concurrent, numRequests: 12, concurrency: 6 }
    - { type: poisson, rate: 6, duration: 1.5 }
`;

interface ServerSums {
  ttftSum: number;
  ttftCount: number;
  itlSum: number;
  itlCount: number;
}

async function serverSums(url: string): Promise<ServerSums> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const read = (name: string): number => sumMetric(text, name) ?? Number.NaN;
  return {
    ttftSum: read('vllm:time_to_first_token_seconds_sum'),
    ttftCount: read('vllm:time_to_first_token_seconds_count'),
    itlSum: read('vllm:inter_token_latency_seconds_sum'),
    itlCount: read('vllm:inter_token_latency_seconds_count'),
  };
}

describe('fidelity: fixed-latency simulator measured by the harness', () => {
  let fleet: SimFleet | undefined;
  let report: RunReport;
  let server: { ttftMean: number; itlMean: number; ttftCount: number; itlCount: number };

  beforeAll(async () => {
    fleet = await startSimFleet({ count: 1, profile: 'tiny', args: ['--latency-mode', 'fixed', '--ttft-ms', String(TTFT_MS), '--itl-ms', String(ITL_MS), '--jitter', '0'] });
    const pod = fleet.pods[0];
    if (pod === undefined) throw new Error('no pod');
    const scenario = parseScenario(SCENARIO, 'inline:fidelity');
    // Warm-up run (JIT, keep-alive connections), not measured.
    const warmUp = { ...scenario, api: { ...scenario.api, model: 'sim/tiny' }, load: { ...scenario.load, stages: [{ type: 'concurrent' as const, numRequests: 6, concurrency: 6 }] } };
    await runScenario(warmUp, { name: 'direct', baseUrl: pod.url, metricsUrls: [], implementation: 'direct' }, { timeScale: 1, progress: false });
    const before = await serverSums(pod.url);
    report = await runScenario({ ...scenario, api: { ...scenario.api, model: 'sim/tiny' } }, { name: 'direct', baseUrl: pod.url, metricsUrls: [`${pod.url}/metrics`], implementation: 'direct' }, { timeScale: 1, progress: false });
    const after = await serverSums(pod.url);
    server = {
      ttftMean: (after.ttftSum - before.ttftSum) / (after.ttftCount - before.ttftCount),
      itlMean: (after.itlSum - before.itlSum) / (after.itlCount - before.itlCount),
      ttftCount: after.ttftCount - before.ttftCount,
      itlCount: after.itlCount - before.itlCount,
    };
  });

  afterAll(async () => {
    await fleet?.stop();
  });

  it('every request succeeded with exact token counts', () => {
    expect(report.summary.failures.count).toBe(0);
    expect(report.summary.successes.count).toBeGreaterThan(12);
    expect(report.summary.successes.token_count_mismatches).toBe(0);
    expect(report.summary.successes.output_tokens?.min).toBe(OUTPUT);
    expect(report.summary.successes.output_tokens?.max).toBe(OUTPUT);
    expect(report.summary.successes.prompt_tokens).toMatchObject({ min: PROMPT, max: PROMPT });
  });

  it('per request: never below the configured values, bounded slack above them', () => {
    const ttft = TTFT_MS / 1000;
    const itl = ITL_MS / 1000;
    const latency = ttft + (OUTPUT - 1) * itl;
    const measured = report.perRequest;
    expect(measured.length).toBeGreaterThan(12);
    for (const row of measured) {
      expect(row.ttft).not.toBeNull();
      expect(row.ttft as number).toBeGreaterThanOrEqual(ttft);
      expect(row.ttft as number).toBeLessThan(ttft + 0.25);
      expect(row.tpot as number).toBeGreaterThanOrEqual(itl - 0.05 / (OUTPUT - 1));
      expect(row.tpot as number).toBeLessThan(itl * 1.2 + 0.025);
      expect(row.request_latency).toBeGreaterThanOrEqual(latency);
      expect(row.request_latency).toBeLessThan(latency * 1.2 + 0.5);
    }
  });

  it('agrees with what the server recorded for the same requests within a few percent', () => {
    const lat = report.summary.successes.latency;
    const clientTtft = lat.time_to_first_token?.mean ?? Number.NaN;
    const clientItl = lat.inter_token_latency?.mean ?? Number.NaN;
    const detail = JSON.stringify({ clientTtft, serverTtft: server.ttftMean, clientItl, serverItl: server.itlMean });
    expect(server.ttftCount).toBe(report.summary.successes.count);
    expect(server.itlCount).toBe(report.summary.successes.count * (OUTPUT - 1));
    expect(clientTtft, detail).toBeGreaterThanOrEqual(server.ttftMean);
    expect(clientTtft - server.ttftMean, detail).toBeLessThan(0.05 * (TTFT_MS / 1000));
    expect(clientItl / server.itlMean, detail).toBeGreaterThan(0.97);
    expect(clientItl / server.itlMean, detail).toBeLessThan(1.03);
  });

  it('medians are close to the configured values', () => {
    const measured = report.perRequest;
    expect(median(measured.map((r) => r.ttft ?? Number.NaN)) / (TTFT_MS / 1000)).toBeLessThan(1.1);
    expect(median(measured.map((r) => r.tpot ?? Number.NaN)) / (ITL_MS / 1000)).toBeLessThan(1.1);
  });
});
