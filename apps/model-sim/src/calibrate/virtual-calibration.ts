import { tokenize } from '@sluice/tokenizer';
import { loadConfig } from '../config.ts';
import type { EngineConfig } from '../engine/engine-config.ts';
import { Engine } from '../engine/engine.ts';
import { EngineLoop } from '../engine/engine-loop.ts';
import { SeededRandom } from '../engine/rng.ts';
import { Sequence, type SequenceListener } from '../engine/sequence.ts';
import { VirtualClock } from '../engine/virtual-clock.ts';
import {
  CALIBRATION_PROFILE,
  CONCURRENT_OUTPUT_TOKENS,
  CONCURRENT_STREAMS,
  PROMPTS,
  SINGLE_STREAM_OUTPUT_TOKENS,
  TTFT_SAMPLES,
  median,
  type CalibrationResult,
} from './scenarios.ts';

/** Token times of one sequence (virtual clock ms). */
class TokenTimes implements SequenceListener {
  readonly times: number[] = [];
  done = false;
  onProgress(seq: Sequence, finished: boolean, nowMs: number): void {
    while (this.times.length < seq.visibleOutputTokens) this.times.push(nowMs);
    if (finished) this.done = true;
  }
}

/** A fresh engine + loop on a virtual clock with the calibration profile at `timeScale`. */
export function virtualSim(timeScale: number, profile = CALIBRATION_PROFILE): { clock: VirtualClock; engine: Engine; loop: EngineLoop; submit: (prompt: string, outputTokens: number) => { seq: Sequence; times: TokenTimes } } {
  const config = loadConfig(['--profile', profile, '--time-scale', String(timeScale)]);
  const engineConfig: EngineConfig = {
    model: config.model,
    blockSize: config.blockSize,
    kvCacheTokens: config.kvCacheTokens,
    maxNumSeqs: config.maxNumSeqs,
    maxNumBatchedTokens: config.maxNumBatchedTokens,
    maxLoras: config.maxLoras,
    loraLoadMs: config.loraLoadMs,
    timeScale,
    cost: { t0Ms: config.t0Ms, prefillMsPerToken: config.prefillMsPerToken, seqMs: config.seqMs, ctxMsPer1k: config.ctxMsPer1k, jitter: config.jitter },
  };
  const clock = new VirtualClock();
  const engine = new Engine(engineConfig, new SeededRandom(config.seed));
  const loop = new EngineLoop(engine, clock, { frontendOverheadMs: () => config.frontendOverheadMs, fixedLatency: () => null });
  let nextId = 1;
  const submit = (prompt: string, outputTokens: number): { seq: Sequence; times: TokenTimes } => {
    const times = new TokenTimes();
    const id = nextId++;
    const seq = new Sequence({ id, promptTokens: tokenize(prompt), maxTokens: outputTokens, targetOutputTokens: outputTokens, wordSeed: id, listener: times });
    loop.submit(seq);
    return { seq, times };
  };
  return { clock, engine, loop, submit };
}

function ttftOf(seq: Sequence, times: TokenTimes): number {
  return ((times.times[0] as number) - seq.arrivalMs) / 1000;
}

/** Mean of all inter-token gaps, pooled over streams, in seconds. */
export function pooledMeanItl(streams: readonly TokenTimes[]): number {
  let sum = 0;
  let gaps = 0;
  for (const s of streams) {
    if (s.times.length < 2) continue;
    sum += (s.times[s.times.length - 1] as number) - (s.times[0] as number);
    gaps += s.times.length - 1;
  }
  return sum / gaps / 1000;
}

/** Runs the four calibration scenarios on the pure engine (deterministic, instant). Seconds at `timeScale`. */
export function runVirtualCalibration(timeScale: number): CalibrationResult {
  // Same request sequence as the HTTP calibration, one engine for the TTFT scenarios.
  const ttft = virtualSim(timeScale);
  ttft.submit(PROMPTS.warmUp(), 2);
  ttft.clock.runUntilIdle();
  const coldSamples: number[] = [];
  for (let i = 0; i < TTFT_SAMPLES; i++) {
    const run = ttft.submit(PROMPTS.cold(i), 1);
    ttft.clock.runUntilIdle();
    coldSamples.push(ttftOf(run.seq, run.times));
  }
  const warmSamples: number[] = [];
  for (let i = 0; i < TTFT_SAMPLES; i++) {
    const prefix = PROMPTS.sharedPrefix(`warm${i}`);
    ttft.submit(`${prefix} ${PROMPTS.question('warmup')}`, 1);
    ttft.clock.runUntilIdle();
    const run = ttft.submit(`${prefix} ${PROMPTS.question('measured')}`, 1);
    ttft.clock.runUntilIdle();
    warmSamples.push(ttftOf(run.seq, run.times));
  }

  const single = virtualSim(timeScale);
  const singleRun = single.submit(PROMPTS.single(), SINGLE_STREAM_OUTPUT_TOKENS);
  single.clock.runUntilIdle();

  const concurrent = virtualSim(timeScale);
  const streams: TokenTimes[] = [];
  const sharedPrefix = PROMPTS.sharedPrefix('group');
  for (let i = 0; i < CONCURRENT_STREAMS; i++) streams.push(concurrent.submit(`${sharedPrefix} ${PROMPTS.question(`user${i}`)}`, CONCURRENT_OUTPUT_TOKENS).times);
  concurrent.clock.runUntilIdle();

  return {
    coldTtftS: median(coldSamples),
    warmTtftS: median(warmSamples),
    singleItlS: pooledMeanItl([singleRun.times]),
    concurrentItlS: pooledMeanItl(streams),
  };
}
