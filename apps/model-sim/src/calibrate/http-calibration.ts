import { Agent } from 'undici';
import {
  CONCURRENT_OUTPUT_TOKENS,
  CONCURRENT_STREAMS,
  PROMPTS,
  SINGLE_STREAM_OUTPUT_TOKENS,
  TTFT_SAMPLES,
  median,
  type CalibrationResult,
} from './scenarios.ts';
import { pooledMeanItlS, streamCompletion, ttftS } from './stream-client.ts';

export type ScenarioName = 'cold' | 'warm' | 'single' | 'concurrent';

/**
 * Runs calibration scenarios against a live simulator over HTTP (client-side timing, seconds at
 * the simulator's time scale). Each scenario uses its own prompts so they do not share cache.
 */
export async function runHttpCalibration(baseUrl: string, scenarios: readonly ScenarioName[] = ['cold', 'warm', 'single', 'concurrent']): Promise<Partial<CalibrationResult>> {
  const agent = new Agent({ connections: CONCURRENT_STREAMS + 10 });
  const result: Partial<CalibrationResult> = {};
  const once = async (prompt: string, maxTokens: number): Promise<Awaited<ReturnType<typeof streamCompletion>>> => {
    const r = await streamCompletion(baseUrl, { prompt, max_tokens: maxTokens, ignore_eos: true }, agent);
    if (r.status !== 200) throw new Error(`calibration request failed with HTTP ${r.status}`);
    return r;
  };
  try {
    // Warm-up (JIT, connection pool) with a prompt no scenario shares.
    await once(PROMPTS.warmUp(), 2);
    if (scenarios.includes('cold')) {
      const samples: number[] = [];
      for (let i = 0; i < TTFT_SAMPLES; i++) samples.push(ttftS(await once(PROMPTS.cold(i), 1)));
      result.coldTtftS = median(samples);
    }
    if (scenarios.includes('warm')) {
      const samples: number[] = [];
      for (let i = 0; i < TTFT_SAMPLES; i++) {
        const prefix = PROMPTS.sharedPrefix(`warm${i}`);
        await once(`${prefix} ${PROMPTS.question('warmup')}`, 1);
        samples.push(ttftS(await once(`${prefix} ${PROMPTS.question('measured')}`, 1)));
      }
      result.warmTtftS = median(samples);
    }
    if (scenarios.includes('single')) result.singleItlS = pooledMeanItlS([await once(PROMPTS.single(), SINGLE_STREAM_OUTPUT_TOKENS)]);
    if (scenarios.includes('concurrent')) {
      const prefix = PROMPTS.sharedPrefix('group');
      const streams = await Promise.all(
        Array.from({ length: CONCURRENT_STREAMS }, async (_, i) => await once(`${prefix} ${PROMPTS.question(`user${i}`)}`, CONCURRENT_OUTPUT_TOKENS)),
      );
      result.concurrentItlS = pooledMeanItlS(streams);
    }
  } finally {
    await agent.close();
  }
  return result;
}
