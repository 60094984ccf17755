import { PluginConfigError } from '../registry.ts';
import type { PluginFactory } from '../registry.ts';
import type { Picker, ScoredEndpoint } from '../types.ts';

export const MAX_SCORE_PICKER = 'max-score-picker';

/** Scores are compared after rounding to this many steps per unit, so float noise is a tie. */
const TIE_RESOLUTION = 1e9;

/**
 * Picks the highest-scoring endpoints; ties are broken uniformly at random with the injected RNG
 * (ctx.random), so equal endpoints share load. Parameter `maxNumOfEndpoints` (default 1): how many
 * endpoints to return, best first (the rest are fallbacks).
 */
export const maxScorePickerFactory: PluginFactory = (spec): Picker => {
  const max = spec.parameters['maxNumOfEndpoints'] ?? 1;
  if (typeof max !== 'number' || !Number.isInteger(max) || max < 1) {
    throw new PluginConfigError(`plugins.${spec.name}.parameters.maxNumOfEndpoints`, `must be an integer >= 1, got ${JSON.stringify(max)}`);
  }
  return {
    kind: 'picker',
    type: MAX_SCORE_PICKER,
    name: spec.name,
    pick: (ctx, scored) => {
      // Shuffle first (Fisher–Yates with the injected RNG), then a stable sort by score: equal scores
      // end up in random order, so the tie-break is uniform.
      const shuffled: ScoredEndpoint[] = [...scored];
      for (let i = shuffled.length - 1; i > 0; i--) {
        const j = Math.floor(ctx.random() * (i + 1));
        const tmp = shuffled[i]!;
        shuffled[i] = shuffled[j]!;
        shuffled[j] = tmp;
      }
      shuffled.sort((a, b) => Math.round(b.score * TIE_RESOLUTION) - Math.round(a.score * TIE_RESOLUTION));
      return shuffled.slice(0, max);
    },
  };
};
