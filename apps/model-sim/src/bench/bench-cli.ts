import { parseArgs } from 'node:util';
import { Agent, request } from 'undici';
import { spawnSim } from '../calibrate/sim-process.ts';

/**
 * `npm run bench:sim [-- --streams 1000 --seconds 10 --max-tokens 300]`: starts one sluice-sim
 * process with near-zero step cost (so it is CPU-bound, not timer-bound), keeps `streams`
 * streamed completions open at all times from this process, and reports the tokens/s the sim
 * streamed (its own vllm:generation_tokens_total) and the sim's CPU ms per 1,000 tokens
 * (process.cpuUsage() of the sim, read through GET /admin/stats).
 */

interface SimStats {
  cpuUsage: { user: number; system: number };
  running: number;
  waiting: number;
  stats: { generationTokens: number };
}

async function stats(url: string): Promise<SimStats> {
  const response = await request(`${url}/admin/stats`);
  return (await response.body.json()) as SimStats;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      streams: { type: 'string', default: '1000' },
      seconds: { type: 'string', default: '10' },
      'max-tokens': { type: 'string', default: '300' },
      'time-scale': { type: 'string', default: '0.001' },
    },
  });
  const streams = Number(values.streams);
  const seconds = Number(values.seconds);
  const maxTokens = Number(values['max-tokens']);
  const timeScale = Number(values['time-scale']);
  const sim = await spawnSim([
    '--profile', 'llama3-8b-h100',
    '--time-scale', String(timeScale),
    '--jitter', '0',
    '--max-num-seqs', String(Math.max(1024, streams)),
    '--pod-name', 'bench',
  ]);
  console.log(`sim ${sim.url} (pid ${sim.pid}); ${streams} concurrent streams, max_tokens ${maxTokens}, time scale ${timeScale}`);
  const agent = new Agent({ connections: streams + 16, keepAliveTimeout: 60_000 });
  // Output lengths spread over [maxTokens/2, maxTokens] so streams do not all finish in the same step.
  const bodies = Array.from({ length: 16 }, (_, i) =>
    JSON.stringify({ prompt: 'benchmark the simulator with a short shared prompt of about twenty words so that prefill is cheap and decode dominates', max_tokens: Math.round(maxTokens * (0.5 + i / 30)), ignore_eos: true, stream: true }),
  );
  let stopping = false;
  let clientBytes = 0;
  let failures = 0;
  const origin = new URL(sim.url).origin;
  // Raw dispatch handlers (no body stream objects): the client must stay cheaper than the sim.
  let sent = 0;
  const streamOnce = async (): Promise<void> =>
    await new Promise<void>((resolve) => {
      let status = 0;
      agent.dispatch(
        { origin, path: '/v1/completions', method: 'POST', body: bodies[sent++ % bodies.length] as string, headers: { 'content-type': 'application/json' } },
        {
          onConnect: () => undefined,
          onHeaders: (statusCode) => {
            status = statusCode;
            return true;
          },
          onData: (chunk) => {
            clientBytes += chunk.length;
            return true;
          },
          onComplete: () => {
            if (status !== 200) failures++;
            resolve();
          },
          onError: () => {
            failures++;
            resolve();
          },
        },
      );
    });
  const worker = async (): Promise<void> => {
    while (!stopping) await streamOnce();
  };
  const workers = Array.from({ length: streams }, async () => await worker());
  try {
    // Warm-up until every stream is open, then measure a window.
    const warmUntil = performance.now() + 15_000;
    while (performance.now() < warmUntil && (await stats(sim.url)).running < streams) await new Promise((r) => setTimeout(r, 200));
    await new Promise((r) => setTimeout(r, 1000));
    const before = await stats(sim.url);
    const t0 = performance.now();
    const bytes0 = clientBytes;
    // Sample the sim's running count through the window: the mean is the concurrency actually served.
    const runningSamples: number[] = [];
    while (performance.now() - t0 < seconds * 1000) {
      await new Promise((r) => setTimeout(r, 250));
      runningSamples.push((await stats(sim.url)).running);
    }
    const after = await stats(sim.url);
    const meanRunning = runningSamples.reduce((a, b) => a + b, 0) / runningSamples.length;
    const elapsedS = (performance.now() - t0) / 1000;
    const tokens = after.stats.generationTokens - before.stats.generationTokens;
    const cpuMs = (after.cpuUsage.user + after.cpuUsage.system - before.cpuUsage.user - before.cpuUsage.system) / 1000;
    const tokensPerS = tokens / elapsedS;
    const cpuShare = cpuMs / (elapsedS * 1000);
    const tokensPerCpuS = tokens / (cpuMs / 1000);
    console.log(`window ${elapsedS.toFixed(1)} s, failures: ${failures}`);
    console.log(`streams running in the sim:      mean ${meanRunning.toFixed(0)}, min ${Math.min(...runningSamples)} (sampled every 250 ms)`);
    console.log(`streamed tokens/s (wall):        ${tokensPerS.toFixed(0)}`);
    console.log(`sim CPU used:                    ${(cpuShare * 100).toFixed(0)} % of one core (user+system)`);
    console.log(`sim CPU ms per 1,000 tokens:     ${((cpuMs / tokens) * 1000).toFixed(1)}`);
    console.log(`tokens per sim CPU-second:       ${tokensPerCpuS.toFixed(0)}  (= tokens/s on one dedicated core)`);
    console.log(`client received:                 ${((clientBytes - bytes0) / elapsedS / 1e6).toFixed(1)} MB/s`);
    // On a shared machine the sim may get less than a core, so the verdict uses CPU per token:
    // ≥ 20,000 tokens/s on one core ⇔ ≤ 50 CPU ms per 1,000 tokens. Wall tokens/s is printed too.
    console.log(`target ≥ 20,000 tokens/s per core with ${streams} streams: ${tokensPerCpuS >= 20_000 ? 'PASS' : 'FAIL'}${cpuShare < 0.9 ? ` (the sim got only ${(cpuShare * 100).toFixed(0)} % of a core: the machine is busy or the client is the bottleneck)` : ''}`);
  } finally {
    stopping = true;
    await sim.stop();
    await Promise.allSettled(workers);
    await agent.destroy();
  }
}

await main();
