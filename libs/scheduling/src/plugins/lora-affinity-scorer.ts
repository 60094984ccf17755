import type { PluginFactory } from '../registry.ts';
import type { EndpointView, Scorer } from '../types.ts';
import { metricsOf } from './plugin-inputs.ts';
import { requestExtras } from './plugin-inputs.ts';

export const LORA_AFFINITY_SCORER = 'lora-affinity-scorer';

/**
 * Affinity of an endpoint for the request's LoRA adapter (vllm:lora_requests_info):
 * 1.0 the adapter is running there; 0.8 it is not, but the endpoint has a free adapter slot
 * (running adapters < max_lora); 0.6 the adapter is in its waiting set; 0 otherwise (and 0 without
 * LoRA metrics). A base-model request scores 1 everywhere (neutral). No parameters.
 */
export function loraAffinity(adapter: string, endpoint: EndpointView): number {
  const lora = metricsOf(endpoint)?.lora;
  if (lora === undefined) return 0;
  if (lora.running.includes(adapter)) return 1;
  if (lora.maxLora !== undefined && lora.running.length < lora.maxLora) return 0.8;
  if (lora.waiting.includes(adapter)) return 0.6;
  return 0;
}

export const loraAffinityScorerFactory: PluginFactory = (spec): Scorer => ({
  kind: 'scorer',
  type: LORA_AFFINITY_SCORER,
  name: spec.name,
  score: (ctx, endpoints) => {
    const adapter = requestExtras(ctx).loraAdapter;
    if (adapter === undefined || adapter === null || adapter === '') return endpoints.map(() => 1);
    return endpoints.map((e) => loraAffinity(adapter, e));
  },
});
