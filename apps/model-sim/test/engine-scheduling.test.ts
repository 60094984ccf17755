import { describe, expect, it } from 'vitest';
import { stepCostMs } from '../src/engine/engine-config.ts';
import { EngineHarness, engineConfig, tokens } from './helpers/engine-harness.ts';

describe('engine step loop (virtual clock)', () => {
  it('charges T0 + p·prefill + s·seqs + k·context/1000 per step, scaled by the time scale', () => {
    const config = engineConfig({ timeScale: 0.5 });
    const h = new EngineHarness(config);
    const { seq, rec } = h.submit(tokens('p', 100), 3);
    h.run();
    const prefill = stepCostMs(config.cost, 100, 1, 100) * 0.5;
    expect(h.plans[0]?.plan.durationMs).toBeCloseTo(prefill, 9);
    expect(rec.tokenTimes[0]).toBeCloseTo(prefill, 9);
    // Decode steps: one token each, context = 101 then 102 tokens.
    expect(h.plans[1]?.plan).toMatchObject({ prefillTokens: 0, decodeSeqs: 1, numSeqs: 1, contextTokens: 101 });
    expect((rec.tokenTimes[1] as number) - (rec.tokenTimes[0] as number)).toBeCloseTo(stepCostMs(config.cost, 0, 1, 101) * 0.5, 9);
    expect(seq.finishReason).toBe('length');
    expect(h.engine.stats.generationTokens).toBe(3);
  });

  it('chunks a long prefill over the per-step token budget', () => {
    const h = new EngineHarness(engineConfig({ maxNumBatchedTokens: 512 }));
    const { rec } = h.submit(tokens('p', 1000), 1);
    h.run();
    expect(h.plans.map((p) => p.plan.prefillTokens)).toEqual([512, 488]);
    expect(rec.tokenTimes[0]).toBe(h.plans[1]?.endMs);
  });

  it('runs decodes first and gives the rest of the budget to a new prefill, which slows that step for everyone', () => {
    const config = engineConfig({ maxNumBatchedTokens: 512 });
    const h = new EngineHarness(config);
    const a = h.submit(tokens('a', 20), 10);
    // Let A reach decoding, then add a long prompt.
    h.clock.runUntilIdle(40);
    const b = h.submit(tokens('b', 2000), 2);
    h.run();
    const mixed = h.plans.filter((p) => p.plan.decodeSeqs === 1 && p.plan.prefillTokens > 0);
    expect(mixed.map((p) => p.plan.prefillTokens)).toEqual([511, 511, 511, 467]);
    // A's gaps across the mixed steps equal those steps' durations.
    const gaps = a.rec.tokenTimes.slice(1).map((t, i) => t - (a.rec.tokenTimes[i] as number));
    expect(Math.max(...gaps)).toBeCloseTo(Math.max(...mixed.map((p) => p.plan.durationMs)), 9);
    expect(b.seq.finishReason).toBe('length');
  });

  it('admits waiting requests FCFS up to max_num_seqs', () => {
    const h = new EngineHarness(engineConfig({ maxNumSeqs: 2 }));
    const runs = [h.submit(tokens('x', 10), 5), h.submit(tokens('y', 10), 5), h.submit(tokens('z', 10), 5)];
    h.clock.runUntilIdle(0);
    expect(h.engine.numRunning).toBe(2);
    expect(h.engine.numWaiting).toBe(1);
    h.run();
    const firstTokens = runs.map((r) => r.rec.tokenTimes[0] as number);
    expect(firstTokens[0]).toBe(firstTokens[1]);
    expect(firstTokens[2]).toBeGreaterThanOrEqual(runs[0]?.rec.finishedAt as number);
  });

  it('is deterministic for a seed, jitter included', () => {
    const times = (): number[] => {
      const h = new EngineHarness(engineConfig({}, { jitter: 0.1 }));
      const runs = [h.submit(tokens('q', 300), 20), h.submit(tokens('r', 50), 20)];
      h.run();
      return runs.flatMap((r) => r.rec.tokenTimes);
    };
    const first = times();
    expect(times()).toEqual(first);
    // Jitter is within ±10 %: step gaps vary but stay inside the bound.
    const base = engineConfig().cost;
    const gap = (first[2] as number) - (first[1] as number);
    const nominal = stepCostMs(base, 0, 2, 0);
    expect(gap).toBeGreaterThan(nominal * 0.9 - 1);
  });

  it('finishes on a stop word without showing it, and counts it as generated', () => {
    const h = new EngineHarness();
    const probe = h.submit(tokens('s', 5), 30);
    h.run();
    const third = probe.seq.outputWord(2);
    const h2 = new EngineHarness();
    const stopped = h2.submit(tokens('s', 5), 30, { stop: new Set([third]) });
    h2.run();
    const firstMatch = Array.from({ length: 30 }, (_, i) => stopped.seq.outputWord(i)).indexOf(third);
    expect(stopped.seq.finishReason).toBe('stop');
    expect(stopped.seq.numOutputTokens).toBe(firstMatch + 1);
    expect(stopped.seq.visibleOutputTokens).toBe(firstMatch);
  });

  it('abort frees a running sequence\'s blocks at once, even mid-step, and removes a waiting one', () => {
    const h = new EngineHarness(engineConfig({ maxNumSeqs: 1 }));
    const running = h.submit(tokens('r', 200), 50);
    const waiting = h.submit(tokens('w', 20), 5);
    h.clock.runUntilIdle(0); // first step planned, in flight
    expect(h.loop.stepInFlight).toBe(true);
    expect(h.engine.kv.usage()).toBeGreaterThan(0);
    h.loop.abort(waiting.seq);
    expect(h.engine.numWaiting).toBe(0);
    h.loop.abort(running.seq);
    expect(h.engine.numRunning).toBe(0);
    expect(h.engine.kv.usage()).toBe(0);
    h.run();
    expect(running.rec.tokenTimes).toHaveLength(0);
    expect(running.seq.finishReason).toBe('abort');
    expect(h.engine.stats.finished.abort).toBe(2);
  });
});
