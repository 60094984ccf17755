import { describe, expect, it } from 'vitest';
import type { Clock, TimerHandle } from '../src/engine/clock.ts';
import { Engine } from '../src/engine/engine.ts';
import { EngineLoop } from '../src/engine/engine-loop.ts';
import { SeededRandom } from '../src/engine/rng.ts';
import { Sequence } from '../src/engine/sequence.ts';
import { VirtualClock } from '../src/engine/virtual-clock.ts';
import { engineConfig, Recorder, tokens } from './helpers/engine-harness.ts';

/** A virtual clock with Node's timer behaviour: delays round up to whole milliseconds, at least 1. */
class CoarseClock implements Clock {
  constructor(readonly inner: VirtualClock) {}
  now(): number {
    return this.inner.now();
  }
  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    return this.inner.setTimeout(callback, Math.max(1, Math.ceil(delayMs)));
  }
  clearTimeout(handle: TimerHandle): void {
    this.inner.clearTimeout(handle);
  }
}

describe('engine loop on coarse (1 ms) timers', () => {
  it('keeps the modelled token rate when steps are shorter than the timer granularity', () => {
    // Step = 0.25 ms (t0 only). 400 tokens should take ~100 ms, not 400 timer ticks.
    const config = engineConfig({}, { t0Ms: 0.25, prefillMsPerToken: 0, seqMs: 0, ctxMsPer1k: 0 });
    const inner = new VirtualClock();
    const engine = new Engine(config, new SeededRandom(1));
    const loop = new EngineLoop(engine, new CoarseClock(inner), { frontendOverheadMs: () => 0, fixedLatency: () => null });
    const rec = new Recorder();
    loop.submit(new Sequence({ id: 1, promptTokens: tokens('p', 8), maxTokens: 400, targetOutputTokens: 400, wordSeed: 1, listener: rec }));
    const end = inner.runUntilIdle();
    expect(rec.tokenTimes).toHaveLength(400);
    expect(end).toBeGreaterThanOrEqual(100);
    expect(end).toBeLessThan(100 * 1.1);
  });
});
