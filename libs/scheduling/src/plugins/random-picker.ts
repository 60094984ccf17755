import type { PluginFactory } from '../registry.ts';
import type { Picker, ScoredEndpoint } from '../types.ts';
import { numberParam } from './plugin-params.ts';

export const RANDOM_PICKER = 'random-picker';

/** Uniformly random endpoints, ignoring scores (injected RNG ctx.random). `maxNumOfEndpoints` default 1. */
export const randomPickerFactory: PluginFactory = (spec): Picker => {
  const max = numberParam(spec, 'maxNumOfEndpoints', 1, { min: 1, integer: true });
  return {
    kind: 'picker',
    type: RANDOM_PICKER,
    name: spec.name,
    pick: (ctx, scored) => {
      const shuffled: ScoredEndpoint[] = [...scored];
      for (let i = shuffled.length - 1; i > 0; i--) {
        const j = Math.floor(ctx.random() * (i + 1));
        [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
      }
      return shuffled.slice(0, max);
    },
  };
};
