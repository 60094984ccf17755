import { describe, expect, it } from 'vitest';
import { buildRequest } from '../../src/client/body.ts';
import { prefixCacheDelta, sumMetric } from '../../src/client/prom-scrape.ts';
import { reconcileChunkTokens } from '../../src/client/stream-client.ts';
import { plainSpec } from '../../src/workloads/types.ts';

describe('chunk token attribution', () => {
  it('keeps word counts when they match the server, so multi-token chunks stay multi-token', () => {
    const record = { completionTokens: 3, chunks: [{ time: 1, text: ' a b', tokens: 2 }, { time: 2, text: ' c', tokens: 1 }] };
    reconcileChunkTokens(record);
    expect(record.chunks.map((c) => c.tokens)).toEqual([2, 1]);
  });

  it('falls back to one token per text chunk when that matches the server and words do not', () => {
    // the server says 2 tokens; the first chunk's single token decodes to two words
    const record = { completionTokens: 2, chunks: [{ time: 1, text: ' New York', tokens: 2 }, { time: 2, text: '!', tokens: 1 }, { time: 2, text: '', tokens: 0 }] };
    reconcileChunkTokens(record);
    expect(record.chunks.map((c) => c.tokens)).toEqual([1, 1, 0]);
  });
});

describe('request bodies and headers', () => {
  it('completion body: exact word-count prompt, max_tokens + ignore_eos, usage requested; control headers', () => {
    const spec = { ...plainSpec('sys one two', 'q1 q2', 7), tenant: 't-1', objective: 'critical', sloTtftMs: 500, sloTpotMs: 50 };
    const built = buildRequest(spec, { type: 'completion', model: 'm', streaming: true }, null);
    expect(built.path).toBe('/v1/completions');
    expect(built.body).toMatchObject({ model: 'm', prompt: 'sys one two q1 q2', max_tokens: 7, ignore_eos: true, stream: true, stream_options: { include_usage: true } });
    expect(built.promptTokens).toBe(5);
    expect(built.headers).toMatchObject({ 'x-gateway-inference-fairness-id': 't-1', 'x-gateway-inference-objective': 'critical', 'x-slo-ttft-ms': '500', 'x-slo-tpot-ms': '50' });
  });

  it('chat body counts template tokens (3 per message + 2)', () => {
    const built = buildRequest(plainSpec('a b', 'c', 3), { type: 'chat', model: 'm', streaming: false }, null);
    expect(built.path).toBe('/v1/chat/completions');
    expect(built.promptTokens).toBe(3 + 2 * 3 + 2);
    expect(built.body.stream_options).toBeUndefined();
  });
});

describe('Prometheus counters', () => {
  const text = ['# HELP vllm:prefix_cache_hits_total x', 'vllm:prefix_cache_hits_total{model_name="a",engine="0"} 64', 'vllm:prefix_cache_hits_total{model_name="b"} 16', 'vllm:prefix_cache_queries_total 200', 'vllm:prefix_cache_hits_total_other 5'].join('\n');

  it('sums every series of a name and ignores longer names', () => {
    expect(sumMetric(text, 'vllm:prefix_cache_hits_total')).toBe(80);
    expect(sumMetric(text, 'vllm:prefix_cache_queries_total')).toBe(200);
    expect(sumMetric(text, 'missing')).toBeNull();
  });

  it('hit rate is Δhits/Δqueries over pods that answered both times', () => {
    const before = new Map([['p1', { hits: 10, queries: 100 }], ['p2', { hits: 0, queries: 0 }], ['p3', null]]);
    const after = new Map([['p1', { hits: 40, queries: 200 }], ['p2', { hits: 10, queries: 100 }], ['p3', { hits: 1, queries: 1 }]]);
    const delta = prefixCacheDelta(before, after);
    expect(delta?.hits).toBe(40);
    expect(delta?.queries).toBe(200);
    expect(delta?.hit_rate).toBeCloseTo(0.2, 12);
    expect(Object.keys(delta?.pods ?? {})).toEqual(['p1', 'p2']);
  });
});
