import type { EngineConfig } from '../../src/engine/engine-config.ts';
import { Engine, type StepPlan } from '../../src/engine/engine.ts';
import { EngineLoop } from '../../src/engine/engine-loop.ts';
import { SeededRandom } from '../../src/engine/rng.ts';
import { Sequence, type SequenceListener } from '../../src/engine/sequence.ts';
import { VirtualClock } from '../../src/engine/virtual-clock.ts';

/** Records token times of one sequence (virtual ms). */
export class Recorder implements SequenceListener {
  readonly tokenTimes: number[] = [];
  finishedAt = -1;
  onProgress(seq: Sequence, finished: boolean, nowMs: number): void {
    while (this.tokenTimes.length < seq.visibleOutputTokens) this.tokenTimes.push(nowMs);
    if (finished) this.finishedAt = nowMs;
  }
}

/** Small deterministic engine settings; override what a test is about. */
export function engineConfig(overrides: Partial<EngineConfig> = {}, cost: Partial<EngineConfig['cost']> = {}): EngineConfig {
  return {
    model: 'test/model',
    blockSize: 16,
    kvCacheTokens: 4096,
    maxNumSeqs: 8,
    maxNumBatchedTokens: 512,
    maxLoras: 1,
    loraLoadMs: 0,
    timeScale: 1,
    ...overrides,
    cost: { t0Ms: 10, prefillMsPerToken: 0.1, seqMs: 1, ctxMsPer1k: 2, jitter: 0, ...cost },
  };
}

/** A pure engine driven by a virtual clock, with helpers to submit word prompts. */
export class EngineHarness {
  readonly clock = new VirtualClock();
  readonly engine: Engine;
  readonly loop: EngineLoop;
  readonly plans: { plan: StepPlan; endMs: number }[] = [];
  private nextId = 1;

  constructor(config: EngineConfig = engineConfig(), frontendOverheadMs = 0) {
    this.engine = new Engine(config, new SeededRandom(7));
    this.loop = new EngineLoop(this.engine, this.clock, {
      frontendOverheadMs: () => frontendOverheadMs,
      fixedLatency: () => null,
      onStep: (plan, endMs) => this.plans.push({ plan: { ...plan }, endMs }),
    });
  }

  /** Submits `promptTokens` (array of words) generating exactly `outputTokens` tokens. */
  submit(promptTokens: readonly string[], outputTokens: number, extra: { lora?: string; stop?: Set<string> } = {}): { seq: Sequence; rec: Recorder } {
    const rec = new Recorder();
    const id = this.nextId++;
    const seq = new Sequence({ id, promptTokens, maxTokens: outputTokens, targetOutputTokens: outputTokens, wordSeed: id, listener: rec, lora: extra.lora ?? null, stop: extra.stop ?? null });
    this.loop.submit(seq);
    return { seq, rec };
  }

  run(): number {
    return this.clock.runUntilIdle();
  }
}

/** `count` distinct words with a tag. */
export function tokens(tag: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${tag}${i}`);
}
