import { describe, expect, it } from 'vitest';
import { parseEndpointMetrics, parsePrometheusText } from '../../src/scraping/index.ts';

describe('parsePrometheusText', () => {
  it('parses names with colons, labels with escapes, special values and timestamps; skips comments', () => {
    const text = [
      '# HELP vllm:num_requests_waiting Number of requests waiting.',
      '# TYPE vllm:num_requests_waiting gauge',
      'vllm:num_requests_waiting{model_name="m",engine="0"} 3.0',
      'plain_metric 42 1700000000000',
      'escaped{path="C:\\\\dir",quote="say \\"hi\\"",nl="a\\nb",} 1e-3',
      'special{v="nan"} NaN',
      'inf_up +Inf',
      'inf_down -Inf',
      '  spaced { a = "1" , b="2" }   7  ',
      'with_exemplar_total 5 # {trace_id="abc"} 1.0',
      '',
      '# EOF',
    ].join('\r\n');
    const { samples, malformedLines } = parsePrometheusText(text);
    expect(malformedLines).toBe(0);
    expect(samples.map((s) => s.name)).toEqual(['vllm:num_requests_waiting', 'plain_metric', 'escaped', 'special', 'inf_up', 'inf_down', 'spaced', 'with_exemplar_total']);
    expect(samples[0]).toEqual({ name: 'vllm:num_requests_waiting', labels: { model_name: 'm', engine: '0' }, value: 3 });
    expect(samples[1]!.value).toBe(42);
    expect(samples[2]!.labels).toEqual({ path: 'C:\\dir', quote: 'say "hi"', nl: 'a\nb' });
    expect(samples[2]!.value).toBe(0.001);
    expect(samples[3]!.value).toBeNaN();
    expect(samples[4]!.value).toBe(Infinity);
    expect(samples[5]!.value).toBe(-Infinity);
    expect(samples[6]).toEqual({ name: 'spaced', labels: { a: '1', b: '2' }, value: 7 });
    expect(samples[7]!.value).toBe(5);
  });

  it('skips and counts malformed lines instead of throwing', () => {
    const { samples, malformedLines } = parsePrometheusText(['good 1', 'bad{a="1" 2', 'novalue', '9starts_with_digit 1', 'bad_value abc', 'unterminated{a="x} 1', 'good2 2'].join('\n'));
    expect(samples.map((s) => s.name)).toEqual(['good', 'good2']);
    expect(malformedLines).toBe(5);
  });
});

describe('parseEndpointMetrics: vLLM', () => {
  it('maps queue, running, KV usage, cache config, LoRA (latest series wins) and prefix-cache counters', () => {
    const m = parseEndpointMetrics(
      [
        'vllm:num_requests_waiting{engine="0",model_name="m"} 2',
        'vllm:num_requests_waiting{engine="1",model_name="m"} 3',
        'vllm:num_requests_running{engine="0",model_name="m"} 7',
        'vllm:kv_cache_usage_perc{engine="0",model_name="m"} 0.25',
        'vllm:kv_cache_usage_perc{engine="1",model_name="m"} 0.5',
        'vllm:cache_config_info{block_size="16",num_gpu_blocks="1000",engine="0"} 1',
        'vllm:cache_config_info{block_size="16",num_gpu_blocks="1000",engine="1"} 1',
        'vllm:lora_requests_info{max_lora="4",running_lora_adapters="old",waiting_lora_adapters=""} 1700000000',
        'vllm:lora_requests_info{max_lora="4",running_lora_adapters="a,b",waiting_lora_adapters="c"} 1700000005',
        'vllm:prefix_cache_queries_total{model_name="m"} 1000',
        'vllm:prefix_cache_hits_total{model_name="m"} 600',
      ].join('\n'),
    );
    expect(m).toEqual({
      engine: 'vllm',
      waitingQueueSize: 5,
      runningRequests: 7,
      kvCacheUsage: 0.5,
      cacheBlockSizeTokens: 16,
      cacheNumBlocks: 2000,
      lora: { running: ['a', 'b'], waiting: ['c'], maxLora: 4 },
      prefixCacheQueryTokens: 1000,
      prefixCacheHitTokens: 600,
    });
  });

  it('falls back to the legacy vllm:gpu_cache_usage_perc and leaves missing values undefined', () => {
    const m = parseEndpointMetrics('vllm:gpu_cache_usage_perc{model_name="m"} 0.75\n');
    expect(m.engine).toBe('vllm');
    expect(m.kvCacheUsage).toBe(0.75);
    expect(m.waitingQueueSize).toBeUndefined();
    expect(m.cacheNumBlocks).toBeUndefined();
    expect(m.lora).toBeUndefined();
  });

  it('prefers kv_cache_usage_perc over the legacy name and clamps to [0, 1]', () => {
    expect(parseEndpointMetrics('vllm:gpu_cache_usage_perc 0.1\nvllm:kv_cache_usage_perc 0.2\n').kvCacheUsage).toBe(0.2);
    expect(parseEndpointMetrics('vllm:kv_cache_usage_perc 1.5\n').kvCacheUsage).toBe(1);
  });
});

describe('parseEndpointMetrics: SGLang', () => {
  // Shaped as SGLang's /metrics (names per reference §8).
  const fixture = [
    '# HELP sglang:num_running_reqs The number of running requests.',
    '# TYPE sglang:num_running_reqs gauge',
    'sglang:num_running_reqs{model_name="qwen",tp_rank="0"} 12.0',
    '# TYPE sglang:num_queue_reqs gauge',
    'sglang:num_queue_reqs{model_name="qwen",tp_rank="0"} 4.0',
    '# TYPE sglang:token_usage gauge',
    'sglang:token_usage{model_name="qwen",tp_rank="0"} 0.62',
    '# TYPE sglang:cache_config_info gauge',
    'sglang:cache_config_info{model_name="qwen",page_size="1",num_pages="520000"} 1.0',
    'sglang:gen_throughput{model_name="qwen",tp_rank="0"} 1234.5',
  ].join('\n');

  it('maps num_queue_reqs, num_running_reqs, token_usage and page_size/num_pages', () => {
    expect(parseEndpointMetrics(fixture)).toEqual({
      engine: 'sglang',
      waitingQueueSize: 4,
      runningRequests: 12,
      kvCacheUsage: 0.62,
      cacheBlockSizeTokens: 1,
      cacheNumBlocks: 520000,
      lora: undefined,
      prefixCacheQueryTokens: undefined,
      prefixCacheHitTokens: undefined,
    });
  });

  it('an unknown engine gives all-undefined metrics', () => {
    const m = parseEndpointMetrics('process_cpu_seconds_total 3\n');
    expect(m.engine).toBe('unknown');
    expect(m.waitingQueueSize).toBeUndefined();
  });
});

describe('parsePrometheusText names filter', () => {
  it('returns only the wanted names and skips the rest without counting them as malformed', () => {
    const { samples, malformedLines } = parsePrometheusText('a 1\nb{x="1"} 2\nc 3\n', { names: new Set(['b']) });
    expect(samples).toEqual([{ name: 'b', labels: { x: '1' }, value: 2 }]);
    expect(malformedLines).toBe(0);
  });
});
