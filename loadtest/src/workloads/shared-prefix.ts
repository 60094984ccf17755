import type { Rng } from '../stats/rng.ts';
import { plainSpec } from './types.ts';
import type { RequestSpec, Workload } from './types.ts';
import { randomWords } from './words.ts';

/**
 * inference-perf's shared_prefix dataset: numGroups random system prompts of systemPromptLen
 * tokens; promptsPerGroup questions of questionLen tokens each; every (group, prompt) pair is
 * shuffled once with the seeded RNG and served cyclically (request i → pair i mod N).
 * Multi-turn: each pair is a session; request i sends round ⌊i / N⌋ of session (i mod N), with
 * a fresh question per round (see RequestSpec.session for how the context grows).
 */
export interface SharedPrefixConfig {
  numGroups: number;
  promptsPerGroup: number;
  systemPromptLen: number;
  questionLen: number;
  outputLen: number;
  multiTurn: boolean;
}

interface Pair {
  group: number;
  prompt: number;
  question: string;
}

export function createSharedPrefixWorkload(config: SharedPrefixConfig, rng: Rng): Workload {
  const systemRng = rng.fork('system');
  const systems = Array.from({ length: config.numGroups }, () => randomWords(systemRng, config.systemPromptLen));
  const questionRng = rng.fork('questions');
  const pairs: Pair[] = [];
  for (let g = 0; g < config.numGroups; g++) {
    for (let p = 0; p < config.promptsPerGroup; p++) pairs.push({ group: g, prompt: p, question: randomWords(questionRng, config.questionLen) });
  }
  rng.fork('shuffle').shuffle(pairs);
  const laterRounds = rng.fork('rounds');
  let index = 0;
  return {
    next: (): RequestSpec => {
      const pair = pairs[index % pairs.length] as Pair;
      const round = Math.floor(index / pairs.length);
      index++;
      const system = systems[pair.group] as string;
      if (!config.multiTurn) return plainSpec(system, pair.question, config.outputLen);
      const question = round === 0 ? pair.question : randomWords(laterRounds, config.questionLen);
      return { ...plainSpec(system, question, config.outputLen), session: { id: `g${pair.group}-p${pair.prompt}`, round } };
    },
  };
}
