import type { PluginFactory } from '../registry.ts';
import type { Scorer } from '../types.ts';
import { prefixMatchOf } from './plugin-inputs.ts';
import { numberParam, stringParam } from './plugin-params.ts';

export const PREFIX_CACHE_SCORER = 'prefix-cache-scorer';

/**
 * Prefers endpoints that hold more of the prompt's prefix (reads RequestExtras.prefixMatch):
 *   score = w · min(1, matchedTokens / matchLengthScaleTokens)² + (1 − w) · matchedBlocks / totalBlocks
 * with w = matchLengthWeight (default 0: the plain match ratio) and matchLengthScaleTokens default
 * 8192 (advice: the P95 prompt length). No prefix info → 0 for everyone.
 * `prefixMatchInfoProducerName` is accepted for config compatibility (there is one producer).
 */
export const prefixCacheScorerFactory: PluginFactory = (spec): Scorer => {
  const w = numberParam(spec, 'matchLengthWeight', 0, { min: 0, max: 1 });
  const scale = numberParam(spec, 'matchLengthScaleTokens', 8192, { min: 1 });
  stringParam(spec, 'prefixMatchInfoProducerName', '');
  return {
    kind: 'scorer',
    type: PREFIX_CACHE_SCORER,
    name: spec.name,
    score: (ctx, endpoints) =>
      endpoints.map((e) => {
        const { matchedBlocks, ratio, info } = prefixMatchOf(ctx, e.name);
        if (info === undefined) return 0;
        const lengthTerm = Math.min(1, (matchedBlocks * info.blockSizeTokens) / scale) ** 2;
        return w * lengthTerm + (1 - w) * ratio;
      }),
  };
};
