import type { PromSample } from './prometheus-text.ts';
import { parsePrometheusText } from './prometheus-text.ts';

/**
 * What the scheduler uses from one model server's /metrics, engine-neutral
 * (reference flow-control-anchor §8, "scraped from model servers"). Undefined = not exposed.
 */
export interface EndpointMetrics {
  /** Which family of names was found. */
  readonly engine: 'vllm' | 'sglang' | 'unknown';
  /** Requests queued in the engine (vllm:num_requests_waiting, sglang:num_queue_reqs); summed over series. */
  readonly waitingQueueSize: number | undefined;
  /** Requests in the running batch (vllm:num_requests_running, sglang:num_running_reqs); summed. */
  readonly runningRequests: number | undefined;
  /** KV cache usage, 0..1 (vllm:kv_cache_usage_perc, legacy vllm:gpu_cache_usage_perc, sglang:token_usage); max over series. */
  readonly kvCacheUsage: number | undefined;
  /** Engine KV block size in tokens (cache_config_info block_size / SGLang page_size). */
  readonly cacheBlockSizeTokens: number | undefined;
  /** Engine KV blocks (cache_config_info num_gpu_blocks / SGLang num_pages); summed over engines. */
  readonly cacheNumBlocks: number | undefined;
  /** vllm:lora_requests_info of the latest series (its value is a timestamp; the latest wins). */
  readonly lora: LoraInfo | undefined;
  /** Cumulative prefix-cache query / hit tokens (vllm:prefix_cache_queries_total / _hits_total). */
  readonly prefixCacheQueryTokens: number | undefined;
  readonly prefixCacheHitTokens: number | undefined;
}

export interface LoraInfo {
  readonly running: readonly string[];
  readonly waiting: readonly string[];
  /** Adapter slots (max_lora); undefined when the label is missing or not a number. */
  readonly maxLora: number | undefined;
}

/** Every metric name extractEndpointMetrics reads. */
export const SCRAPED_METRIC_NAMES: ReadonlySet<string> = new Set([
  'vllm:num_requests_waiting',
  'vllm:num_requests_running',
  'vllm:kv_cache_usage_perc',
  'vllm:gpu_cache_usage_perc',
  'vllm:cache_config_info',
  'vllm:lora_requests_info',
  'vllm:prefix_cache_queries_total',
  'vllm:prefix_cache_hits_total',
  'vllm:gpu_prefix_cache_queries_total',
  'vllm:gpu_prefix_cache_hits_total',
  'sglang:num_queue_reqs',
  'sglang:num_running_reqs',
  'sglang:token_usage',
  'sglang:cache_config_info',
]);

/** Parses a /metrics body into EndpointMetrics (only the names in SCRAPED_METRIC_NAMES are read). */
export function parseEndpointMetrics(text: string): EndpointMetrics {
  return extractEndpointMetrics(parsePrometheusText(text, { names: SCRAPED_METRIC_NAMES }).samples);
}

export function extractEndpointMetrics(samples: readonly PromSample[]): EndpointMetrics {
  const byName = new Map<string, PromSample[]>();
  for (const s of samples) {
    let list = byName.get(s.name);
    if (list === undefined) byName.set(s.name, (list = []));
    list.push(s);
  }
  const series = (name: string): PromSample[] => byName.get(name) ?? [];
  const sum = (name: string): number | undefined => {
    const list = series(name).filter((s) => Number.isFinite(s.value));
    return list.length === 0 ? undefined : list.reduce((a, s) => a + s.value, 0);
  };
  const max = (name: string): number | undefined => {
    const list = series(name).filter((s) => Number.isFinite(s.value));
    return list.length === 0 ? undefined : Math.max(...list.map((s) => s.value));
  };
  const labelSum = (name: string, label: string): number | undefined => {
    const values = series(name)
      .map((s) => Number(s.labels[label]))
      .filter((v) => Number.isFinite(v) && v > 0);
    return values.length === 0 ? undefined : values.reduce((a, v) => a + v, 0);
  };
  const labelFirst = (name: string, label: string): number | undefined => {
    for (const s of series(name)) {
      const v = Number(s.labels[label]);
      if (Number.isFinite(v) && v > 0) return v;
    }
    return undefined;
  };

  // Engine family by name prefix (with a names filter, only samples we read are seen).
  const hasVllm = samples.some((s) => s.name.startsWith('vllm:'));
  const hasSglang = samples.some((s) => s.name.startsWith('sglang:'));
  if (hasVllm) {
    return {
      engine: 'vllm',
      waitingQueueSize: sum('vllm:num_requests_waiting'),
      runningRequests: sum('vllm:num_requests_running'),
      kvCacheUsage: clamp01(max('vllm:kv_cache_usage_perc') ?? max('vllm:gpu_cache_usage_perc')),
      cacheBlockSizeTokens: labelFirst('vllm:cache_config_info', 'block_size'),
      cacheNumBlocks: labelSum('vllm:cache_config_info', 'num_gpu_blocks'),
      lora: loraInfo(series('vllm:lora_requests_info')),
      prefixCacheQueryTokens: sum('vllm:prefix_cache_queries_total') ?? sum('vllm:gpu_prefix_cache_queries_total'),
      prefixCacheHitTokens: sum('vllm:prefix_cache_hits_total') ?? sum('vllm:gpu_prefix_cache_hits_total'),
    };
  }
  if (hasSglang) {
    return {
      engine: 'sglang',
      waitingQueueSize: sum('sglang:num_queue_reqs'),
      runningRequests: sum('sglang:num_running_reqs'),
      kvCacheUsage: clamp01(max('sglang:token_usage')),
      cacheBlockSizeTokens: labelFirst('sglang:cache_config_info', 'page_size'),
      cacheNumBlocks: labelSum('sglang:cache_config_info', 'num_pages'),
      lora: undefined,
      prefixCacheQueryTokens: undefined,
      prefixCacheHitTokens: undefined,
    };
  }
  return {
    engine: 'unknown',
    waitingQueueSize: undefined,
    runningRequests: undefined,
    kvCacheUsage: undefined,
    cacheBlockSizeTokens: undefined,
    cacheNumBlocks: undefined,
    lora: undefined,
    prefixCacheQueryTokens: undefined,
    prefixCacheHitTokens: undefined,
  };
}

function loraInfo(list: readonly PromSample[]): LoraInfo | undefined {
  let latest: PromSample | undefined;
  for (const s of list) if (latest === undefined || s.value > latest.value) latest = s;
  if (latest === undefined) return undefined;
  const names = (v: string | undefined): string[] => (v ?? '').split(',').map((x) => x.trim()).filter((x) => x.length > 0);
  const maxLora = Number(latest.labels['max_lora']);
  return {
    running: names(latest.labels['running_lora_adapters']),
    waiting: names(latest.labels['waiting_lora_adapters']),
    maxLora: latest.labels['max_lora'] !== undefined && Number.isFinite(maxLora) ? maxLora : undefined,
  };
}

function clamp01(v: number | undefined): number | undefined {
  if (v === undefined) return undefined;
  return Math.min(1, Math.max(0, v));
}
