import { describe, expect, it } from 'vitest';
import {
  activeRequestScorerFactory,
  kvCacheUtilizationScorerFactory,
  loadAwareScorerFactory,
  loraAffinityScorerFactory,
  noHitLruScorerFactory,
  prefixCacheScorerFactory,
  queueScorerFactory,
  sessionAffinityScorerFactory,
  encodeSessionToken,
  decodeSessionToken,
  registerCatalogPlugins,
} from '../../src/plugins/catalog.ts';
import type { PickObserver } from '../../src/plugins/catalog.ts';
import { PluginConfigError, PluginRegistry } from '../../src/registry.ts';
import type { Scorer } from '../../src/types.ts';
import { ctx, deps, ep, metrics, spec } from './helpers.ts';

const scorer = (factory: typeof queueScorerFactory, type: string, params: Record<string, unknown> = {}) => factory(spec(type, params), deps) as Scorer;
const prefix = (matched: Record<string, number>, totalBlocks: number, blockSizeTokens = 64) => ({ prefixMatch: { totalBlocks, blockSizeTokens, matchedBlocks: new Map(Object.entries(matched)) } });

describe('prefix-cache-scorer', () => {
  const eps = [ep('a'), ep('b'), ep('c')];
  it('defaults to the plain match ratio', () => {
    expect(scorer(prefixCacheScorerFactory, 'prefix-cache-scorer').score(ctx(prefix({ a: 8, b: 2 }, 10)), eps)).toEqual([0.8, 0.2, 0]);
  });
  it('mixes in the squared length term with matchLengthWeight', () => {
    // w = 0.5, scale 1024 tokens: a matched 8 blocks × 64 = 512 tokens → (0.5)² = 0.25; ratio 0.8.
    // score = 0.5 × 0.25 + 0.5 × 0.8 = 0.525. b: 2 × 64 = 128 → (0.125)² = 0.015625 → 0.5 × 0.015625 + 0.5 × 0.2 = 0.1078125.
    const s = scorer(prefixCacheScorerFactory, 'prefix-cache-scorer', { matchLengthWeight: 0.5, matchLengthScaleTokens: 1024 });
    const [a, b, c] = s.score(ctx(prefix({ a: 8, b: 2 }, 10)), eps);
    expect(a).toBeCloseTo(0.525, 12);
    expect(b).toBeCloseTo(0.1078125, 12);
    expect(c).toBe(0);
  });
  it('scores 0 without prefix info and rejects bad parameters', () => {
    expect(scorer(prefixCacheScorerFactory, 'prefix-cache-scorer').score(ctx(), eps)).toEqual([0, 0, 0]);
    expect(() => scorer(prefixCacheScorerFactory, 'prefix-cache-scorer', { matchLengthWeight: 2 })).toThrow(PluginConfigError);
  });
});

describe('kv-cache-utilization-scorer', () => {
  it('is 1 − usage, 0 without a metric', () => {
    const eps = [ep('a', { metrics: metrics({ kvCacheUsage: 0.25 }) }), ep('b', { metrics: metrics({ kvCacheUsage: 1 }) }), ep('c')];
    expect(scorer(kvCacheUtilizationScorerFactory, 'kv-cache-utilization-scorer').score(ctx(), eps)).toEqual([0.75, 0, 0]);
  });
});

describe('queue-scorer', () => {
  const s = () => scorer(queueScorerFactory, 'queue-scorer');
  it('min-max over candidates: (max − q)/(max − min)', () => {
    const eps = [2, 6, 10].map((q, i) => ep(`e${i}`, { metrics: metrics({ waitingQueueSize: q }) }));
    expect(s().score(ctx(), eps)).toEqual([1, 0.5, 0]);
  });
  it('all equal → 1; unknown → 0; none known → 1', () => {
    expect(s().score(ctx(), [ep('a', { metrics: metrics({ waitingQueueSize: 3 }) }), ep('b', { metrics: metrics({ waitingQueueSize: 3 }) }), ep('c')])).toEqual([1, 1, 0]);
    expect(s().score(ctx(), [ep('a'), ep('b')])).toEqual([1, 1]);
  });
});

describe('load-aware-scorer', () => {
  it('0.5 idle, 0.5·(1 − w/threshold), 0 at threshold or without metrics', () => {
    const eps = [0, 32, 128, 500].map((w, i) => ep(`e${i}`, { metrics: metrics({ waitingQueueSize: w }) }));
    expect(scorer(loadAwareScorerFactory, 'load-aware-scorer').score(ctx(), [...eps, ep('none')])).toEqual([0.5, 0.375, 0, 0, 0]);
    expect(scorer(loadAwareScorerFactory, 'load-aware-scorer', { threshold: 64 }).score(ctx(), eps.slice(1, 2))).toEqual([0.25]);
  });
});

describe('active-request-scorer', () => {
  it('idle → 1, busiest → 0, others scaled into [0, maxBusyScore]', () => {
    const eps = [0, 2, 4, 10].map((n, i) => ep(`e${i}`, { inFlight: n }));
    // max = 10, idle 0: 2 → (10−2)/10 = 0.8; 4 → 0.6; 10 → 0.
    expect(scorer(activeRequestScorerFactory, 'active-request-scorer').score(ctx(), eps)).toEqual([1, 0.8, 0.6, 0]);
    // idle 2, maxBusy 0.5: 0 and 2 idle → 1; 4 → 0.5 × (10−4)/(10−2) = 0.375; 10 → 0.
    expect(scorer(activeRequestScorerFactory, 'active-request-scorer', { idleThreshold: 2, maxBusyScore: 0.5 }).score(ctx(), eps)).toEqual([1, 1, 0.375, 0]);
  });
});

describe('no-hit-lru-scorer', () => {
  const eps = [ep('a'), ep('b'), ep('c'), ep('d')];
  it('cold requests: never-picked 1, then least recently picked first; warm: 0.5', () => {
    const s = noHitLruScorerFactory(spec('no-hit-lru-scorer'), deps) as Scorer & PickObserver;
    const cold = ctx(prefix({}, 5));
    expect(s.score(cold, eps)).toEqual([1, 1, 1, 1]);
    s.onPicked(cold, eps[1]!); // b
    s.score(cold, eps);
    s.onPicked(cold, eps[0]!); // then a
    // never picked: c, d → 1; b oldest at rank 2 → 1 − 2/4 = 0.5; a at rank 3 → 0.25.
    expect(s.score(cold, eps)).toEqual([0.25, 0.5, 1, 1]);
    const warm = ctx(prefix({ c: 2 }, 5));
    expect(s.score(warm, eps)).toEqual([0.5, 0.5, 0.5, 0.5]);
    s.onPicked(warm, eps[2]!); // warm picks do not touch the LRU
    expect(s.score(cold, eps)).toEqual([0.25, 0.5, 1, 1]);
  });
  it('keeps at most lruSize endpoints', () => {
    const s = noHitLruScorerFactory(spec('no-hit-lru-scorer', { lruSize: 1 }), deps) as Scorer & PickObserver;
    const cold = ctx();
    s.score(cold, eps);
    s.onPicked(cold, eps[0]!);
    s.onPicked(cold, eps[1]!); // a falls out
    expect(s.score(cold, eps)).toEqual([1, 0.25, 1, 1]);
  });
});

describe('lora-affinity-scorer', () => {
  const lora = (running: string[], waiting: string[], maxLora?: number) => metrics({ lora: { running, waiting, maxLora } });
  const eps = [
    ep('running', { metrics: lora(['x'], [], 1) }),
    ep('free-slot', { metrics: lora(['y'], [], 2) }),
    ep('waiting', { metrics: lora(['y'], ['x'], 1) }),
    ep('full', { metrics: lora(['y'], [], 1) }),
    ep('no-metrics'),
  ];
  it('1 running, 0.8 free slot, 0.6 waiting, 0 otherwise', () => {
    expect(scorer(loraAffinityScorerFactory, 'lora-affinity-scorer').score(ctx({ loraAdapter: 'x' }), eps)).toEqual([1, 0.8, 0.6, 0, 0]);
  });
  it('base-model requests are neutral', () => {
    expect(scorer(loraAffinityScorerFactory, 'lora-affinity-scorer').score(ctx(), eps)).toEqual([1, 1, 1, 1, 1]);
  });
});

describe('session-affinity-scorer', () => {
  const eps = [ep('10.0.0.1:8000'), ep('10.0.0.2:8000')];
  it('encoded_endpoint_header: 1 for the endpoint named by x-session-token', () => {
    const s = sessionAffinityScorerFactory(spec('session-affinity-scorer'), deps) as Scorer;
    const token = encodeSessionToken('10.0.0.2:8000');
    expect(decodeSessionToken(token)).toBe('10.0.0.2:8000');
    expect(decodeSessionToken(Buffer.from('default/10.0.0.1:8000').toString('base64'))).toBe('10.0.0.1:8000');
    expect(s.score(ctx({ headers: { 'x-session-token': token } }), eps)).toEqual([0, 1]);
    expect(s.score(ctx({ headers: { 'x-session-token': '!!!' } }), eps)).toEqual([0, 0]);
    expect(s.score(ctx(), eps)).toEqual([0, 0]);
  });
  it('session_id: binds on pick, expires ttlSeconds after last use (injected clock)', () => {
    const s = sessionAffinityScorerFactory(spec('session-affinity-scorer', { mode: 'session_id', ttlSeconds: 300 }), deps) as Scorer & PickObserver;
    const at = (nowMs: number) => ctx({ headers: { 'x-session-id': 's1' } }, { nowMs });
    expect(s.score(at(0), eps)).toEqual([0, 0]);
    s.onPicked(at(0), eps[0]!);
    expect(s.score(at(299_999), eps)).toEqual([1, 0]);
    expect(s.score(at(300_000), eps)).toEqual([0, 0]);
    expect(() => sessionAffinityScorerFactory(spec('session-affinity-scorer', { mode: 'cookie' }), deps)).toThrow(PluginConfigError);
  });
});

describe('registerCatalogPlugins', () => {
  it('registers every catalog type once; a second registration throws', () => {
    const r = registerCatalogPlugins(new PluginRegistry());
    expect(r.types()).toEqual([
      'active-request-scorer',
      'kv-cache-utilization-scorer',
      'load-aware-scorer',
      'lora-affinity-filter',
      'lora-affinity-scorer',
      'no-hit-lru-scorer',
      'prefix-cache-affinity-filter',
      'prefix-cache-scorer',
      'queue-scorer',
      'random-picker',
      'session-affinity-scorer',
      'weighted-random-picker',
    ]);
    expect(() => registerCatalogPlugins(r)).toThrow(/already registered/);
  });
});
