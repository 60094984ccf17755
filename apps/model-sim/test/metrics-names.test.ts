import { startSimFleet, type SimFleet } from '@sluice/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePrometheus, type Sample } from './helpers/prometheus.ts';

/** vLLM 0.26.0 metric families (reference §2.1), by type. */
const VLLM_026_FAMILIES: Record<string, 'gauge' | 'counter' | 'histogram'> = {
  'vllm:num_requests_running': 'gauge',
  'vllm:num_requests_waiting': 'gauge',
  'vllm:num_requests_waiting_by_reason': 'gauge',
  'vllm:kv_cache_usage_perc': 'gauge',
  'vllm:cache_config_info': 'gauge',
  'vllm:engine_sleep_state': 'gauge',
  'vllm:lora_requests_info': 'gauge',
  'vllm:prompt_tokens_total': 'counter',
  'vllm:prompt_tokens_cached_total': 'counter',
  'vllm:prompt_tokens_by_source_total': 'counter',
  'vllm:generation_tokens_total': 'counter',
  'vllm:request_success_total': 'counter',
  'vllm:num_preemptions_total': 'counter',
  'vllm:prefix_cache_hits_total': 'counter',
  'vllm:prefix_cache_queries_total': 'counter',
  'vllm:external_prefix_cache_hits_total': 'counter',
  'vllm:external_prefix_cache_queries_total': 'counter',
  'vllm:mm_cache_hits_total': 'counter',
  'vllm:mm_cache_queries_total': 'counter',
  'vllm:estimated_flops_per_gpu_total': 'counter',
  'vllm:estimated_read_bytes_per_gpu_total': 'counter',
  'vllm:estimated_write_bytes_per_gpu_total': 'counter',
  'vllm:time_to_first_token_seconds': 'histogram',
  'vllm:inter_token_latency_seconds': 'histogram',
  'vllm:request_time_per_output_token_seconds': 'histogram',
  'vllm:e2e_request_latency_seconds': 'histogram',
  'vllm:request_queue_time_seconds': 'histogram',
  'vllm:request_prefill_time_seconds': 'histogram',
  'vllm:request_decode_time_seconds': 'histogram',
  'vllm:request_inference_time_seconds': 'histogram',
  'vllm:request_prompt_tokens': 'histogram',
  'vllm:request_generation_tokens': 'histogram',
  'vllm:request_max_num_generation_tokens': 'histogram',
  'vllm:request_params_max_tokens': 'histogram',
  'vllm:request_params_n': 'histogram',
  'vllm:request_prefill_kv_computed_tokens': 'histogram',
  'vllm:iteration_tokens_total': 'histogram',
};

/** What the issue requires the simulator to expose. */
const REQUIRED = [
  'vllm:num_requests_running',
  'vllm:num_requests_waiting',
  'vllm:kv_cache_usage_perc',
  'vllm:cache_config_info',
  'vllm:prefix_cache_queries_total',
  'vllm:prefix_cache_hits_total',
  'vllm:prompt_tokens_total',
  'vllm:generation_tokens_total',
  'vllm:request_success_total',
  'vllm:num_preemptions_total',
  'vllm:time_to_first_token_seconds',
  'vllm:inter_token_latency_seconds',
  'vllm:e2e_request_latency_seconds',
  'vllm:request_queue_time_seconds',
  'vllm:lora_requests_info',
];

/** Family of a sample name (histogram series carry _bucket/_sum/_count). */
function familyOf(name: string, types: Map<string, string>): string {
  if (types.has(name)) return name;
  const base = name.replace(/_(bucket|sum|count)$/u, '');
  if (types.get(base) === 'histogram') return base;
  return name;
}

describe('metric names and labels match vLLM 0.26', () => {
  let fleet: SimFleet;
  let text = '';
  let samples: Sample[] = [];
  const types = new Map<string, string>();

  beforeAll(async () => {
    fleet = await startSimFleet({ count: 1, profile: 'tiny', timeScale: 0.2, args: ['--lora-modules', 'food-review-1', '--max-loras', '2'] });
    const url = fleet.pods[0]?.url as string;
    // One finished request so histograms and counters have data.
    const response = await fetch(`${url}/v1/completions`, { method: 'POST', body: JSON.stringify({ prompt: 'a b c', max_tokens: 3, ignore_eos: true }) });
    await response.json();
    text = await (await fetch(`${url}/metrics`)).text();
    samples = parsePrometheus(text);
    for (const match of text.matchAll(/^# TYPE (\S+) (\S+)$/gmu)) types.set(match[1] as string, match[2] as string);
  });
  afterAll(async () => {
    await fleet?.stop();
  });

  it('exposes only families vLLM 0.26 has, with the same type', () => {
    for (const [family, type] of types) {
      expect(VLLM_026_FAMILIES[family], `unexpected family ${family}`).toBeDefined();
      expect(type, family).toBe(VLLM_026_FAMILIES[family]);
    }
    for (const sample of samples) expect(VLLM_026_FAMILIES[familyOf(sample.name, types)], sample.name).toBeDefined();
  });

  it('exposes every required family with model_name and engine labels', () => {
    for (const family of REQUIRED) {
      const series = samples.filter((s) => familyOf(s.name, types) === family);
      expect(series.length, `missing ${family}`).toBeGreaterThan(0);
      for (const s of series) {
        expect(s.labels.model_name, `${s.name} model_name`).toBe('sim/tiny');
        expect(s.labels.engine, `${s.name} engine`).toBe('0');
      }
    }
  });

  it('counters carry the _total suffix exactly once and the success counter uses finished_reason', () => {
    expect(text).not.toMatch(/_total_total/u);
    expect(samples.find((s) => s.name === 'vllm:request_success_total' && s.labels.finished_reason === 'length')?.value).toBe(1);
    expect(samples.some((s) => 'finish_reason' in s.labels)).toBe(false);
  });

  it('cache_config_info and lora_requests_info carry their info labels', () => {
    const cache = samples.find((s) => s.name === 'vllm:cache_config_info');
    expect(cache?.labels).toMatchObject({ block_size: '16', num_gpu_blocks: '128', enable_prefix_caching: 'True' });
    expect(cache?.value).toBe(1);
    const lora = samples.find((s) => s.name === 'vllm:lora_requests_info');
    expect(lora?.labels).toMatchObject({ max_lora: '2', running_lora_adapters: '', waiting_lora_adapters: '' });
  });

  it('histograms use vLLM bucket lists', () => {
    const ttftBuckets = samples.filter((s) => s.name === 'vllm:time_to_first_token_seconds_bucket').map((s) => s.labels.le);
    expect(ttftBuckets.slice(0, 4)).toEqual(['0.001', '0.005', '0.01', '0.02']);
    expect(ttftBuckets[ttftBuckets.length - 1]).toBe('+Inf');
    const itlBuckets = samples.filter((s) => s.name === 'vllm:inter_token_latency_seconds_bucket').map((s) => s.labels.le);
    expect(itlBuckets.slice(0, 3)).toEqual(['0.01', '0.025', '0.05']);
    expect(samples.find((s) => s.name === 'vllm:inter_token_latency_seconds_count')?.value).toBe(2);
  });
});
