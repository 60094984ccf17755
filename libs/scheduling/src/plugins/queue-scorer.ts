import type { PluginFactory } from '../registry.ts';
import type { Scorer } from '../types.ts';
import { metricsOf } from './plugin-inputs.ts';

export const QUEUE_SCORER = 'queue-scorer';

/**
 * Min-max on the engines' waiting queues over the candidates: (maxQ − q) / (maxQ − minQ); 1 for
 * every candidate when all queues are equal. An endpoint without a queue metric scores 0 (unknown
 * load is not preferred); when no candidate has one, all score 1. No parameters.
 */
export const queueScorerFactory: PluginFactory = (spec): Scorer => ({
  kind: 'scorer',
  type: QUEUE_SCORER,
  name: spec.name,
  score: (_ctx, endpoints) => {
    const queues = endpoints.map((e) => metricsOf(e)?.waitingQueueSize);
    const known = queues.filter((q): q is number => q !== undefined);
    if (known.length === 0) return endpoints.map(() => 1);
    const min = Math.min(...known);
    const max = Math.max(...known);
    return queues.map((q) => (q === undefined ? 0 : max === min ? 1 : (max - q) / (max - min)));
  },
});
