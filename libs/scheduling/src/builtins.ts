import { HEALTH_FILTER, healthFilterFactory } from './plugins/health-filter.ts';
import { LEAST_IN_FLIGHT_SCORER, leastInFlightScorerFactory } from './plugins/least-in-flight-scorer.ts';
import { MAX_SCORE_PICKER, maxScorePickerFactory } from './plugins/max-score-picker.ts';
import { registerCatalogPlugins } from './plugins/catalog.ts';
import { KV_CACHE_UTILIZATION_SCORER } from './plugins/kv-cache-utilization-scorer.ts';
import { PREFIX_CACHE_SCORER } from './plugins/prefix-cache-scorer.ts';
import { QUEUE_SCORER } from './plugins/queue-scorer.ts';
import { PluginRegistry } from './registry.ts';

/** A new registry holding every built-in scheduling plugin type: the framework's and the llm-d catalog. */
export function createBuiltinRegistry(): PluginRegistry {
  return registerCatalogPlugins(
    new PluginRegistry()
      .register(HEALTH_FILTER, healthFilterFactory)
      .register(LEAST_IN_FLIGHT_SCORER, leastInFlightScorerFactory)
      .register(MAX_SCORE_PICKER, maxScorePickerFactory),
  );
}

/**
 * The profile used when a config declares no scheduling plugins at all — llm-d's built-in default
 * (reference flow-control-anchor §5.2): queue-scorer 2, kv-cache-utilization-scorer 2,
 * prefix-cache-scorer 3, max-score-picker. Sluice puts its health filter first (upstream gets
 * only ready pods from its datastore; our router hands the scheduler every known endpoint with its
 * health flag). Plugin specs and the profile, ready for `buildScheduler`.
 */
export function defaultSchedulingPlugins() {
  return {
    plugins: [
      { name: HEALTH_FILTER, type: HEALTH_FILTER, parameters: {} },
      { name: QUEUE_SCORER, type: QUEUE_SCORER, parameters: {} },
      { name: KV_CACHE_UTILIZATION_SCORER, type: KV_CACHE_UTILIZATION_SCORER, parameters: {} },
      { name: PREFIX_CACHE_SCORER, type: PREFIX_CACHE_SCORER, parameters: {} },
      { name: MAX_SCORE_PICKER, type: MAX_SCORE_PICKER, parameters: {} },
    ],
    profiles: [
      {
        name: 'default',
        plugins: [
          { pluginRef: HEALTH_FILTER },
          { pluginRef: QUEUE_SCORER, weight: 2 },
          { pluginRef: KV_CACHE_UTILIZATION_SCORER, weight: 2 },
          { pluginRef: PREFIX_CACHE_SCORER, weight: 3 },
          { pluginRef: MAX_SCORE_PICKER },
        ],
      },
    ],
  } as const;
}
