import type { PluginFactory } from '../registry.ts';
import type { Scorer } from '../types.ts';
import { metricsOf } from './plugin-inputs.ts';
import { numberParam } from './plugin-params.ts';

export const LOAD_AWARE_SCORER = 'load-aware-scorer';

/**
 * Waiting-queue pressure against `threshold` (default 128 requests): 0.5 when nothing waits,
 * 0.5 · (1 − waiting / threshold) below the threshold, 0 at or above it, and 0 without a metric.
 * The ceiling is 0.5 (as upstream), so double the weight to compare with other scorers.
 */
export const loadAwareScorerFactory: PluginFactory = (spec): Scorer => {
  const threshold = numberParam(spec, 'threshold', 128, { min: 1 });
  return {
    kind: 'scorer',
    type: LOAD_AWARE_SCORER,
    name: spec.name,
    score: (_ctx, endpoints) =>
      endpoints.map((e) => {
        const waiting = metricsOf(e)?.waitingQueueSize;
        if (waiting === undefined) return 0;
        if (waiting <= 0) return 0.5;
        return waiting >= threshold ? 0 : 0.5 * (1 - waiting / threshold);
      }),
  };
};
