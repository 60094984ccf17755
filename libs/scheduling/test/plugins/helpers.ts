import type { EndpointMetrics } from '../../src/scraping/index.ts';
import type { CycleContext, EndpointView } from '../../src/types.ts';
import type { EndpointExtras, RequestExtras } from '../../src/plugins/catalog.ts';
import type { PluginSpec } from '../../src/registry.ts';

export function metrics(partial: Partial<EndpointMetrics>): EndpointMetrics {
  return {
    engine: 'vllm',
    waitingQueueSize: undefined,
    runningRequests: undefined,
    kvCacheUsage: undefined,
    cacheBlockSizeTokens: undefined,
    cacheNumBlocks: undefined,
    lora: undefined,
    prefixCacheQueryTokens: undefined,
    prefixCacheHitTokens: undefined,
    ...partial,
  };
}

export function ep(name: string, extra: Partial<EndpointView> & EndpointExtras = {}): EndpointView & EndpointExtras {
  return { name, healthy: true, inFlight: 0, inFlightTokens: 0, ...extra };
}

/** A cycle context; `randoms` are returned in order by ctx.random (then 0.5 forever). */
export function ctx(extras: RequestExtras = {}, options: { nowMs?: number; randoms?: number[] } = {}): CycleContext {
  const queue = [...(options.randoms ?? [])];
  return {
    request: { requestId: 'r1', model: 'm', targetModel: 'm', priority: 0, fairnessId: 'f', ...extras },
    nowMs: options.nowMs ?? 1_000_000,
    random: () => queue.shift() ?? 0.5,
  };
}

export function spec(type: string, parameters: Record<string, unknown> = {}): PluginSpec {
  return { name: type, type, parameters };
}

export const deps = { random: () => 0.5 };
