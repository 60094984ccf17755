import type { PluginFactory } from '../registry.ts';
import type { Scorer } from '../types.ts';
import { metricsOf } from './plugin-inputs.ts';

export const KV_CACHE_UTILIZATION_SCORER = 'kv-cache-utilization-scorer';

/** score = 1 − KV cache usage (0..1). An endpoint without a KV metric scores 0. No parameters. */
export const kvCacheUtilizationScorerFactory: PluginFactory = (spec): Scorer => ({
  kind: 'scorer',
  type: KV_CACHE_UTILIZATION_SCORER,
  name: spec.name,
  score: (_ctx, endpoints) =>
    endpoints.map((e) => {
      const kv = metricsOf(e)?.kvCacheUsage;
      return kv === undefined ? 0 : 1 - kv;
    }),
});
