import { describe, expect, it } from 'vitest';
import type { Sequence } from '../src/engine/sequence.ts';
import { EngineHarness, engineConfig, tokens } from './helpers/engine-harness.ts';

describe('preemption under KV pressure', () => {
  it('preempts the most recently admitted running request, puts it at the front of waiting, and still finishes everything', () => {
    // 8 blocks = 128 tokens. Three requests of 30 prompt + 60 output tokens need up to 6 blocks each.
    const h = new EngineHarness(engineConfig({ kvCacheTokens: 8 * 16, maxNumSeqs: 8 }));
    const runs = [h.submit(tokens('a', 30), 60), h.submit(tokens('b', 30), 60), h.submit(tokens('c', 30), 60)];
    let firstVictim: Sequence | undefined;
    let victimAtFront = false;
    let admittedOrder: number[] = [];
    // Inspect the engine after every step until the first preemption.
    const probe = (): void => {
      if (admittedOrder.length === 0 && h.engine.running.length === 3) admittedOrder = h.engine.running.map((s) => s.id);
      if (firstVictim === undefined && h.engine.stats.preemptions > 0) {
        firstVictim = runs.map((r) => r.seq).find((s) => s.numPreemptions > 0);
        victimAtFront = h.engine.waiting[0] === firstVictim;
      }
    };
    while (h.clock.pendingTimers > 0) {
      h.clock.runUntilIdle(h.clock.now());
      probe();
      h.clock.advanceTo(h.clock.now() + 1);
      probe();
    }
    expect(admittedOrder).toEqual([1, 2, 3]);
    expect(h.engine.stats.preemptions).toBeGreaterThan(0);
    expect(firstVictim?.id).toBe(3);
    expect(victimAtFront).toBe(true);
    for (const run of runs) {
      expect(run.seq.finishReason).toBe('length');
      expect(run.rec.tokenTimes).toHaveLength(60);
    }
    expect(h.engine.kv.usage()).toBe(0);
    expect(h.engine.numRunning + h.engine.numWaiting).toBe(0);
  });

  it('a preempted request re-prefills cheaply from its still-cached blocks', () => {
    const h = new EngineHarness(engineConfig({ kvCacheTokens: 8 * 16 }));
    const runs = [h.submit(tokens('a', 40), 40), h.submit(tokens('b', 40), 40)];
    h.run();
    const victim = runs.find((r) => r.seq.numPreemptions > 0);
    expect(victim).toBeDefined();
    // It was counted as a prefix-cache query again when it was re-admitted.
    expect(h.engine.stats.prefixQueries).toBeGreaterThan(80);
    expect(runs.every((r) => r.rec.tokenTimes.length === 40)).toBe(true);
  });
});
