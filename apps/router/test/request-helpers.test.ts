import { describe, expect, it } from 'vitest';
import { upstreamRequestHeaders } from '../src/proxy/headers.ts';
import { UsageTap } from '../src/proxy/usage-tap.ts';
import { identityFromHeaders } from '../src/request/identity.ts';
import { ModelResolver } from '../src/request/model-resolver.ts';
import { parseOpenAiBody, rewriteModel } from '../src/request/openai-body.ts';
import { HttpError } from '../src/http/openai-error.ts';
import { resolveTestConfig } from './helpers/router-config.ts';

describe('model rewrite without re-serialising', () => {
  it('splices only the model value and keeps every other byte', () => {
    const raw = Buffer.from('{ "messages":[{"role":"user","content":"say \\"model\\": x"}],\n  "model" :  "qwen", "max_tokens":3 }');
    const out = rewriteModel(parseOpenAiBody(raw, 'chat'), 'Qwen/Qwen3-32B').toString();
    expect(out).toBe('{ "messages":[{"role":"user","content":"say \\"model\\": x"}],\n  "model" :  "Qwen/Qwen3-32B", "max_tokens":3 }');
  });

  it('returns the same buffer when the target equals the model', () => {
    const body = parseOpenAiBody(Buffer.from('{"model":"a","prompt":"x"}'), 'completions');
    expect(rewriteModel(body, 'a')).toBe(body.raw);
  });

  it('re-serialises when "model" appears more than once (nested tool schema)', () => {
    const raw = Buffer.from('{"tools":[{"model":"inner"}],"model":"qwen"}');
    expect(JSON.parse(rewriteModel(parseOpenAiBody(raw, 'chat'), 't').toString())).toEqual({ tools: [{ model: 'inner' }], model: 't' });
  });

  it('rejects malformed JSON, non-objects and non-string models with 400', () => {
    for (const text of ['{', '[1]', '{"model":3}']) expect(() => parseOpenAiBody(Buffer.from(text), 'chat')).toThrow(HttpError);
  });
});

describe('identity and control headers', () => {
  it('reads both header families; default fairness id; objective header', () => {
    expect(identityFromHeaders({}, 'default-flow')).toEqual({ fairnessId: 'default-flow', objective: undefined, sloTtftMs: undefined });
    expect(identityFromHeaders({ 'x-llm-d-inference-fairness-id': 't1', 'x-llm-d-inference-objective': 'premium-traffic' }, 'd')).toMatchObject({ fairnessId: 't1', objective: 'premium-traffic' });
    expect(identityFromHeaders({ 'x-gateway-inference-fairness-id': 'g', 'x-llm-d-inference-fairness-id': 'l' }, 'd').fairnessId).toBe('g');
  });

  it('never forwards control headers or hop-by-hop headers upstream', () => {
    const out = upstreamRequestHeaders(
      {
        'x-gateway-inference-fairness-id': 'a',
        'x-llm-d-inference-objective': 'b',
        'x-slo-ttft-ms': '100',
        'x-gateway-model-name': 'qwen',
        connection: 'keep-alive',
        host: 'router',
        'content-length': '999',
        authorization: 'Bearer k',
        'content-type': 'application/json',
      },
      'rid-1',
      42,
    );
    expect(out).toEqual({ authorization: 'Bearer k', 'content-type': 'application/json', 'x-request-id': 'rid-1', 'content-length': '42' });
  });
});

describe('model resolution', () => {
  const config = resolveTestConfig({ endpoints: ['127.0.0.1:1'] });
  const resolver = new ModelResolver({ models: config.models, objectives: config.objectives, random: () => 0.5 });

  it('criticality → priority; the objective header overrides it; unknown model → null', () => {
    expect(resolver.resolve('qwen', undefined)).toMatchObject({ targetModel: 'sim/tiny', priority: 100 });
    expect(resolver.resolve('travel-helper', undefined)?.priority).toBe(0);
    expect(resolver.resolve('qwen', 'best-effort-traffic')).toMatchObject({ priority: -10, objective: 'best-effort-traffic' });
    expect(resolver.resolve('qwen', 'no-such-objective')?.priority).toBe(100);
    expect(resolver.resolve('nope', undefined)).toBeNull();
  });

  it('splits traffic over weighted targets', () => {
    let r = 0;
    const split = new ModelResolver({
      models: [{ modelName: 'm', criticality: 'Standard', objective: null, priority: 0, targetModels: [{ name: 'a', weight: 75 }, { name: 'b', weight: 25 }] }],
      objectives: [],
      random: () => (r++ % 100) / 100,
    });
    const counts = { a: 0, b: 0 };
    for (let i = 0; i < 100; i++) counts[split.resolve('m', undefined)!.targetModel as 'a' | 'b']++;
    expect(counts).toEqual({ a: 75, b: 25 });
  });
});

describe('usage tap', () => {
  it('finds usage in the last SSE chunk across chunk boundaries and counts data events', () => {
    const tap = new UsageTap();
    const sse = 'data: {"choices":[{"text":"a"}],"usage":null}\n\ndata: {"choices":[{"text":" b"}],"usage":null}\n\ndata: {"choices":[],"usage":{"prompt_tokens":7,"total_tokens":9,"completion_tokens":2,"prompt_tokens_details":{"cached_tokens":4}}}\n\ndata: [DONE]\n\n';
    const bytes = Buffer.from(sse);
    for (let i = 0; i < bytes.length; i += 13) tap.onChunk(bytes.subarray(i, i + 13), i);
    expect(tap.firstChunkAtMs).toBe(0);
    expect(tap.usage()).toEqual({ promptTokens: 7, completionTokens: 2, cachedTokens: 4 });
    expect(tap.dataEvents).toBe(4);
  });

  it('reports null when the stream carried no usage', () => {
    const tap = new UsageTap();
    tap.onChunk(Buffer.from('data: {"usage":null}\n\n'), 1);
    expect(tap.usage()).toBeNull();
  });
});
