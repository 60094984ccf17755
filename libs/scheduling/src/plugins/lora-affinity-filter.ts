import type { PluginFactory } from '../registry.ts';
import type { Filter } from '../types.ts';
import { loraAffinity } from './lora-affinity-scorer.ts';
import { requestExtras } from './plugin-inputs.ts';

export const LORA_AFFINITY_FILTER = 'lora-affinity-filter';

/**
 * For a LoRA request: keeps the endpoints where the adapter is running or waiting (affinity 1.0 or
 * 0.6); if there are none, the endpoints with a free adapter slot (0.8); if there are none either,
 * every candidate (never empties the set: the engine can still swap the adapter in). Base-model
 * requests pass unchanged. No parameters.
 */
export const loraAffinityFilterFactory: PluginFactory = (spec): Filter => ({
  kind: 'filter',
  type: LORA_AFFINITY_FILTER,
  name: spec.name,
  filter: (ctx, endpoints) => {
    const adapter = requestExtras(ctx).loraAdapter;
    if (adapter === undefined || adapter === null || adapter === '') return endpoints;
    const affinity = endpoints.map((e) => loraAffinity(adapter, e));
    const loaded = endpoints.filter((_, i) => affinity[i] === 1 || affinity[i] === 0.6);
    if (loaded.length > 0) return loaded;
    const free = endpoints.filter((_, i) => affinity[i] === 0.8);
    return free.length > 0 ? free : endpoints;
  },
});
