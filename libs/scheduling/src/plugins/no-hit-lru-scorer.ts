import type { PluginFactory } from '../registry.ts';
import type { CycleContext, Scorer } from '../types.ts';
import type { PickObserver } from './plugin-inputs.ts';
import { requestExtras } from './plugin-inputs.ts';
import { numberParam, stringParam } from './plugin-params.ts';

export const NO_HIT_LRU_SCORER = 'no-hit-lru-scorer';

/**
 * Spreads "cold" requests (no looked-up endpoint holds any of the prefix, or no prefix info) over the pool,
 * so new KV growth does not pile onto one pod: least-recently-picked-for-a-cold-request first.
 * With n candidates, those never picked for a cold request score 1; the others, oldest first at
 * rank r (counting the never-picked ones before them), score 1 − r / n. Warm requests: 0.5 for all.
 * State: an LRU of endpoints (at most `lruSize`, default 1024), updated by onPicked for cold
 * requests only; the router calls onPicked after each pick. `prefixPluginType`/`prefixPluginName`
 * are accepted for config compatibility.
 */
export const noHitLruScorerFactory: PluginFactory = (spec): Scorer & PickObserver => {
  const lruSize = numberParam(spec, 'lruSize', 1024, { min: 1, integer: true });
  stringParam(spec, 'prefixPluginType', '');
  stringParam(spec, 'prefixPluginName', '');
  /** endpoint → order of its last cold pick; Map order = oldest first. */
  const lru = new Map<string, number>();
  let seq = 0;
  /** Cold = no prefix info, or no looked-up endpoint holds even the first block. */
  const isCold = (ctx: CycleContext): boolean => {
    const info = requestExtras(ctx).prefixMatch;
    if (info === undefined || info.totalBlocks <= 0) return true;
    for (const m of info.matchedBlocks.values()) if (m > 0) return false;
    return true;
  };
  return {
    kind: 'scorer',
    type: NO_HIT_LRU_SCORER,
    name: spec.name,
    score: (ctx, endpoints) => {
      if (!isCold(ctx)) return endpoints.map(() => 0.5);
      const n = endpoints.length;
      const never = endpoints.filter((e) => !lru.has(e.name)).length;
      const used = endpoints.filter((e) => lru.has(e.name)).sort((a, b) => lru.get(a.name)! - lru.get(b.name)!);
      const rank = new Map(used.map((e, i) => [e.name, never + i]));
      return endpoints.map((e) => (lru.has(e.name) ? 1 - rank.get(e.name)! / n : 1));
    },
    onPicked: (ctx, endpoint) => {
      if (!isCold(ctx)) return;
      lru.delete(endpoint.name);
      lru.set(endpoint.name, ++seq);
      if (lru.size > lruSize) lru.delete(lru.keys().next().value!);
    },
  };
};
