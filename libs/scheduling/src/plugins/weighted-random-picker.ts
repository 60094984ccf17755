import type { PluginFactory } from '../registry.ts';
import type { Picker } from '../types.ts';
import { numberParam } from './plugin-params.ts';

export const WEIGHTED_RANDOM_PICKER = 'weighted-random-picker';

/**
 * Picks with probability proportional to score, without replacement (A-Res: key = U^(1/score),
 * take the largest keys; U from ctx.random). Endpoints scoring ≤ 0 come last. When every score is
 * ≤ 0 it is uniform random. `maxNumOfEndpoints` default 1.
 */
export const weightedRandomPickerFactory: PluginFactory = (spec): Picker => {
  const max = numberParam(spec, 'maxNumOfEndpoints', 1, { min: 1, integer: true });
  return {
    kind: 'picker',
    type: WEIGHTED_RANDOM_PICKER,
    name: spec.name,
    pick: (ctx, scored) => {
      const allZero = scored.every((s) => !(s.score > 0));
      const keyed = scored.map((s) => {
        const u = ctx.random();
        const key = allZero ? u : s.score > 0 ? Math.pow(u, 1 / s.score) : -1 + u;
        return { s, key };
      });
      keyed.sort((a, b) => b.key - a.key);
      return keyed.slice(0, max).map((k) => k.s);
    },
  };
};
