// The llm-d plugin catalog beyond the framework's built-ins (reference flow-control-anchor §5.3).
import type { PluginRegistry } from '../registry.ts';
import { ACTIVE_REQUEST_SCORER, activeRequestScorerFactory } from './active-request-scorer.ts';
import { KV_CACHE_UTILIZATION_SCORER, kvCacheUtilizationScorerFactory } from './kv-cache-utilization-scorer.ts';
import { LOAD_AWARE_SCORER, loadAwareScorerFactory } from './load-aware-scorer.ts';
import { LORA_AFFINITY_FILTER, loraAffinityFilterFactory } from './lora-affinity-filter.ts';
import { LORA_AFFINITY_SCORER, loraAffinityScorerFactory } from './lora-affinity-scorer.ts';
import { NO_HIT_LRU_SCORER, noHitLruScorerFactory } from './no-hit-lru-scorer.ts';
import { PREFIX_CACHE_AFFINITY_FILTER, prefixCacheAffinityFilterFactory } from './prefix-cache-affinity-filter.ts';
import { PREFIX_CACHE_SCORER, prefixCacheScorerFactory } from './prefix-cache-scorer.ts';
import { QUEUE_SCORER, queueScorerFactory } from './queue-scorer.ts';
import { RANDOM_PICKER, randomPickerFactory } from './random-picker.ts';
import { SESSION_AFFINITY_SCORER, sessionAffinityScorerFactory } from './session-affinity-scorer.ts';
import { WEIGHTED_RANDOM_PICKER, weightedRandomPickerFactory } from './weighted-random-picker.ts';

export type { EndpointExtras, RequestExtras, PickObserver } from './plugin-inputs.ts';
export { hasPickObserver, metricsOf, requestExtras, prefixMatchOf } from './plugin-inputs.ts';
export { numberParam, stringParam } from './plugin-params.ts';
export { ACTIVE_REQUEST_SCORER, activeRequestScorerFactory } from './active-request-scorer.ts';
export { KV_CACHE_UTILIZATION_SCORER, kvCacheUtilizationScorerFactory } from './kv-cache-utilization-scorer.ts';
export { LOAD_AWARE_SCORER, loadAwareScorerFactory } from './load-aware-scorer.ts';
export { LORA_AFFINITY_FILTER, loraAffinityFilterFactory } from './lora-affinity-filter.ts';
export { LORA_AFFINITY_SCORER, loraAffinityScorerFactory, loraAffinity } from './lora-affinity-scorer.ts';
export { NO_HIT_LRU_SCORER, noHitLruScorerFactory } from './no-hit-lru-scorer.ts';
export { PREFIX_CACHE_AFFINITY_FILTER, prefixCacheAffinityFilterFactory } from './prefix-cache-affinity-filter.ts';
export { PREFIX_CACHE_SCORER, prefixCacheScorerFactory } from './prefix-cache-scorer.ts';
export { QUEUE_SCORER, queueScorerFactory } from './queue-scorer.ts';
export { RANDOM_PICKER, randomPickerFactory } from './random-picker.ts';
export { SESSION_AFFINITY_SCORER, SESSION_TOKEN_HEADER, SESSION_ID_HEADER, sessionAffinityScorerFactory, encodeSessionToken, decodeSessionToken } from './session-affinity-scorer.ts';
export { WEIGHTED_RANDOM_PICKER, weightedRandomPickerFactory } from './weighted-random-picker.ts';

/** Registers every catalog plugin type on `registry` (throws on a duplicate, like register). */
export function registerCatalogPlugins(registry: PluginRegistry): PluginRegistry {
  return registry
    .register(PREFIX_CACHE_SCORER, prefixCacheScorerFactory)
    .register(KV_CACHE_UTILIZATION_SCORER, kvCacheUtilizationScorerFactory)
    .register(QUEUE_SCORER, queueScorerFactory)
    .register(LOAD_AWARE_SCORER, loadAwareScorerFactory)
    .register(ACTIVE_REQUEST_SCORER, activeRequestScorerFactory)
    .register(NO_HIT_LRU_SCORER, noHitLruScorerFactory)
    .register(LORA_AFFINITY_SCORER, loraAffinityScorerFactory)
    .register(SESSION_AFFINITY_SCORER, sessionAffinityScorerFactory)
    .register(PREFIX_CACHE_AFFINITY_FILTER, prefixCacheAffinityFilterFactory)
    .register(LORA_AFFINITY_FILTER, loraAffinityFilterFactory)
    .register(RANDOM_PICKER, randomPickerFactory)
    .register(WEIGHTED_RANDOM_PICKER, weightedRandomPickerFactory);
}
