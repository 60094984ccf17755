import type { PluginFactory } from '../registry.ts';
import type { EndpointView, Filter } from '../types.ts';
import { prefixMatchOf } from './plugin-inputs.ts';
import { numberParam, stringParam } from './plugin-params.ts';

export const PREFIX_CACHE_AFFINITY_FILTER = 'prefix-cache-affinity-filter';

/**
 * Epsilon-greedy prefix stickiness with a load gate.
 * 1. With probability `explorationProbability` (default 0; ctx.random) it passes every candidate.
 * 2. Sticky = candidates whose prefix ratio (matched / total blocks) ≥ `affinityThreshold` (0.80).
 *    None sticky (or no prefix info) → every candidate.
 * 3. Load gate, so stickiness cannot build a hot spot. With TTFT estimated as
 *    inFlightTokens / `peakPrefillThroughput` (tokens/s, default 15928) × 1000 ms:
 *    if min TTFT over sticky − min TTFT over non-sticky > `maxTTFTPenaltyMs` (default 18000;
 *    0 disables the gate = always stick), or min inFlightTokens over sticky − over non-sticky >
 *    `maxTokensInFlightPenalty` (default 0 = disabled), stickiness is dropped: every candidate.
 * 4. Otherwise only the sticky candidates. `ttftSource` accepts only `estimate` for now
 *    (the latency predictor comes with the latency issue).
 */
export const prefixCacheAffinityFilterFactory: PluginFactory = (spec): Filter => {
  const threshold = numberParam(spec, 'affinityThreshold', 0.8, { min: 0, max: 1 });
  const exploration = numberParam(spec, 'explorationProbability', 0, { min: 0, max: 1 });
  const maxTtftPenaltyMs = numberParam(spec, 'maxTTFTPenaltyMs', 18000, { min: 0 });
  const maxTokensPenalty = numberParam(spec, 'maxTokensInFlightPenalty', 0, { min: 0 });
  const peakPrefill = numberParam(spec, 'peakPrefillThroughput', 15928, { min: 1 });
  stringParam(spec, 'ttftSource', 'estimate', ['estimate']);
  const ttftMs = (e: EndpointView): number => (e.inFlightTokens / peakPrefill) * 1000;
  const minOf = (list: readonly EndpointView[], f: (e: EndpointView) => number): number => Math.min(...list.map(f));
  return {
    kind: 'filter',
    type: PREFIX_CACHE_AFFINITY_FILTER,
    name: spec.name,
    filter: (ctx, endpoints) => {
      if (exploration > 0 && ctx.random() < exploration) return endpoints;
      const sticky = endpoints.filter((e) => {
        const { ratio, info } = prefixMatchOf(ctx, e.name);
        return info !== undefined && info.totalBlocks > 0 && ratio > 0 && ratio >= threshold;
      });
      if (sticky.length === 0 || sticky.length === endpoints.length) return sticky.length === 0 ? endpoints : sticky;
      const others = endpoints.filter((e) => !sticky.includes(e));
      if (maxTtftPenaltyMs > 0 && minOf(sticky, ttftMs) - minOf(others, ttftMs) > maxTtftPenaltyMs) return endpoints;
      if (maxTokensPenalty > 0 && minOf(sticky, (e) => e.inFlightTokens) - minOf(others, (e) => e.inFlightTokens) > maxTokensPenalty) return endpoints;
      return sticky;
    },
  };
};
