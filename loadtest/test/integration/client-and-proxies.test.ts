import { startSimFleet } from '@sluice/testing';
import type { SimFleet } from '@sluice/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StreamClient } from '../../src/client/stream-client.ts';
import { runScenario } from '../../src/run/run-scenario.ts';
import { parseScenario } from '../../src/scenario/load-scenario.ts';
import { startProxyProcess } from '../../src/targets/targets.ts';

/** Real sluice-sim pods (tiny profile, fast) behind the built-in balancers and the stream client. */
const BODY = { model: 'sim/tiny', prompt: 'one two three four', max_tokens: 6, ignore_eos: true, stream: true, stream_options: { include_usage: true } };

describe('stream client and built-in balancers against real simulators', () => {
  let fleet: SimFleet | undefined;
  let client: StreamClient;

  beforeAll(async () => {
    fleet = await startSimFleet({ count: 2, profile: 'tiny', args: ['--latency-mode', 'fixed', '--ttft-ms', '30', '--itl-ms', '10', '--jitter', '0'] });
    client = new StreamClient({ requestTimeout: 10, maxConnections: 64 });
  });

  afterAll(async () => {
    await client?.close();
    await fleet?.stop();
  });

  const pods = (): NonNullable<SimFleet>['pods'] => (fleet as SimFleet).pods;

  it('records one chunk time per token, usage from the server and the serving pod', async () => {
    const r = await client.send(`${pods()[0]?.url}/v1/completions`, BODY, { 'content-type': 'application/json' });
    expect(r.failure).toBeNull();
    expect(r.completionTokens).toBe(6);
    expect(r.promptTokens).toBe(4);
    expect(r.endpoint).toBe(pods()[0]?.name);
    const tokenChunks = r.chunks.filter((c) => c.tokens > 0);
    expect(tokenChunks).toHaveLength(6);
    expect((tokenChunks[0]?.time ?? 0) - r.startTime).toBeGreaterThanOrEqual(0.03);
  });

  it('turns HTTP errors and refused connections into labelled failures', async () => {
    const bad = await client.send(`${pods()[0]?.url}/v1/completions`, { ...BODY, model: 'no-such-model' }, { 'content-type': 'application/json' });
    expect(bad.failure?.status).toBe(404);
    expect(bad.failure?.reason).toBe('Not Found');
    expect(bad.failure?.message.length).toBeGreaterThan(0);
    const refused = await client.send('http://127.0.0.1:9/v1/completions', BODY, { 'content-type': 'application/json' });
    expect(refused.failure).toMatchObject({ status: 0, reason: 'ECONNREFUSED' });
  });

  it('round-robin alternates pods and streams SSE through without buffering', async () => {
    const proxy = await startProxyProcess('round-robin', pods().map((p) => p.url));
    try {
      const served: (string | null)[] = [];
      for (let i = 0; i < 4; i++) {
        const r = await client.send(`${proxy.url}/v1/completions`, BODY, { 'content-type': 'application/json' });
        expect(r.failure).toBeNull();
        served.push(r.endpoint);
        // unbuffered: token chunks arrive spread over 5 gaps of 10 ms (50 ms); a buffering proxy would
        // deliver them in one read (span 0). Half the span allows for client lag on a loaded machine.
        const times = r.chunks.filter((c) => c.tokens > 0).map((c) => c.time);
        expect((times[times.length - 1] ?? 0) - (times[0] ?? 0)).toBeGreaterThanOrEqual(0.025);
      }
      expect(served[0]).not.toBe(served[1]);
      expect(served[0]).toBe(served[2]);
      expect(served[1]).toBe(served[3]);
    } finally {
      await proxy.stop();
    }
  });

  it('least-request sends to the pod with fewer requests in flight', async () => {
    const proxy = await startProxyProcess('least-request', pods().map((p) => p.url));
    try {
      const long = client.send(`${proxy.url}/v1/completions`, { ...BODY, max_tokens: 200 }, { 'content-type': 'application/json' });
      const shorts = [];
      for (let i = 0; i < 3; i++) shorts.push(await client.send(`${proxy.url}/v1/completions`, BODY, { 'content-type': 'application/json' }));
      const longResult = await long;
      for (const s of shorts) expect(s.endpoint).not.toBe(longResult.endpoint);
    } finally {
      await proxy.stop();
    }
  });

  it('multi-turn sessions: each round sends the previous prompt + reply + a new question', async () => {
    const scenario = parseScenario(
      `
name: sessions
api: { model: sim/tiny }
workload: { type: shared-prefix, numGroups: 1, promptsPerGroup: 2, systemPromptLen: 20, questionLen: 5, outputLen: 4, multiTurn: true }
load: { interval: 0, stages: [{ type: concurrent, numRequests: 6, concurrency: 6 }] }
`,
      'inline:sessions',
    );
    const report = await runScenario(scenario, { name: 'direct', baseUrl: pods()[0]?.url ?? '', metricsUrls: [], implementation: 'direct' }, { timeScale: 1, progress: false });
    expect(report.summary.failures.count).toBe(0);
    // rounds 0,1,2 of each of the 2 sessions: 25, 25+4+5 = 34, 34+4+5 = 43 prompt tokens
    expect(report.perRequest.map((r) => r.prompt_tokens).sort((a, b) => a - b)).toEqual([25, 25, 34, 34, 43, 43]);
    expect(report.stages[0]?.load_summary.limited_by).toBe('sessions');
  });
});
