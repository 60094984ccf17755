import type { Rng } from '../stats/rng.ts';
import { plainSpec } from './types.ts';
import type { Workload } from './types.ts';
import { randomWords } from './words.ts';

/**
 * vLLM bench's `random` dataset: lengths uniform integers in [L·(1−r), L·(1+r)] (r = rangeRatio),
 * plus one fixed random prefix of `prefixLen` tokens shared by every request.
 */
export interface RandomWorkloadConfig {
  inputLen: number;
  outputLen: number;
  rangeRatio: number;
  prefixLen: number;
}

export function lengthIn(rng: Rng, length: number, rangeRatio: number): number {
  const low = Math.max(1, Math.floor(length * (1 - rangeRatio)));
  const high = Math.max(low, Math.ceil(length * (1 + rangeRatio)));
  return rangeRatio === 0 ? length : rng.int(low, high);
}

export function createRandomWorkload(config: RandomWorkloadConfig, rng: Rng): Workload {
  const prefix = randomWords(rng.fork('prefix'), config.prefixLen);
  const bodies = rng.fork('bodies');
  return {
    next: () => {
      const inputLen = lengthIn(bodies, config.inputLen, config.rangeRatio);
      const outputLen = lengthIn(bodies, config.outputLen, config.rangeRatio);
      return plainSpec(prefix, randomWords(bodies, inputLen), outputLen);
    },
  };
}
