import { describe, expect, it } from 'vitest';
import { loraAffinityFilterFactory, prefixCacheAffinityFilterFactory, randomPickerFactory, weightedRandomPickerFactory } from '../../src/plugins/catalog.ts';
import type { Filter, Picker, ScoredEndpoint } from '../../src/types.ts';
import { ctx, deps, ep, metrics, spec } from './helpers.ts';

const affinity = (params: Record<string, unknown> = {}) => prefixCacheAffinityFilterFactory(spec('prefix-cache-affinity-filter', params), deps) as Filter;
const prefix = (matched: Record<string, number>, totalBlocks: number) => ({ prefixMatch: { totalBlocks, blockSizeTokens: 64, matchedBlocks: new Map(Object.entries(matched)) } });
const names = (list: readonly { name: string }[]) => list.map((e) => e.name);

describe('prefix-cache-affinity-filter', () => {
  const eps = [ep('hot', { inFlightTokens: 0 }), ep('warm', { inFlightTokens: 0 }), ep('cold', { inFlightTokens: 0 })];
  it('keeps endpoints at or above affinityThreshold (0.80)', () => {
    expect(names(affinity().filter(ctx(prefix({ hot: 9, warm: 8, cold: 1 }, 10)), eps))).toEqual(['hot', 'warm']);
    expect(names(affinity({ affinityThreshold: 0.9 }).filter(ctx(prefix({ hot: 9, warm: 8 }, 10)), eps))).toEqual(['hot']);
  });
  it('keeps everyone when nobody qualifies or there is no prefix info', () => {
    expect(names(affinity().filter(ctx(prefix({ hot: 7 }, 10)), eps))).toEqual(['hot', 'warm', 'cold']);
    expect(names(affinity().filter(ctx(), eps))).toEqual(['hot', 'warm', 'cold']);
  });
  it('explores with probability explorationProbability (injected RNG)', () => {
    const f = affinity({ explorationProbability: 0.1 });
    expect(names(f.filter(ctx(prefix({ hot: 10 }, 10), { randoms: [0.05] }), eps))).toEqual(['hot', 'warm', 'cold']);
    expect(names(f.filter(ctx(prefix({ hot: 10 }, 10), { randoms: [0.5] }), eps))).toEqual(['hot']);
  });
  it('load gate: drops stickiness when the sticky TTFT estimate exceeds the best other by > maxTTFTPenaltyMs', () => {
    // TTFT = inFlightTokens / 1000 tok/s × 1000 ms: hot 3000 ms, others 500 ms → penalty 2500 ms.
    const loaded = [ep('hot', { inFlightTokens: 3000 }), ep('warm', { inFlightTokens: 500 }), ep('cold', { inFlightTokens: 800 })];
    const c = ctx(prefix({ hot: 10 }, 10));
    expect(names(affinity({ peakPrefillThroughput: 1000, maxTTFTPenaltyMs: 2000 }).filter(c, loaded))).toEqual(['hot', 'warm', 'cold']);
    expect(names(affinity({ peakPrefillThroughput: 1000, maxTTFTPenaltyMs: 3000 }).filter(c, loaded))).toEqual(['hot']);
    expect(names(affinity({ peakPrefillThroughput: 1000, maxTTFTPenaltyMs: 0 }).filter(c, loaded))).toEqual(['hot']);
    // Token gate: 3000 − 500 = 2500 > 2000.
    expect(names(affinity({ maxTTFTPenaltyMs: 0, maxTokensInFlightPenalty: 2000 }).filter(c, loaded))).toEqual(['hot', 'warm', 'cold']);
  });
});

describe('lora-affinity-filter', () => {
  const lora = (running: string[], waiting: string[], maxLora: number) => metrics({ lora: { running, waiting, maxLora } });
  const f = loraAffinityFilterFactory(spec('lora-affinity-filter'), deps) as Filter;
  it('prefers endpoints with the adapter loaded or waiting, then free slots, else all', () => {
    const eps = [ep('run', { metrics: lora(['x'], [], 1) }), ep('wait', { metrics: lora(['y'], ['x'], 1) }), ep('slot', { metrics: lora([], [], 1) }), ep('full', { metrics: lora(['y'], [], 1) })];
    expect(names(f.filter(ctx({ loraAdapter: 'x' }), eps))).toEqual(['run', 'wait']);
    expect(names(f.filter(ctx({ loraAdapter: 'x' }), eps.slice(2)))).toEqual(['slot']);
    expect(names(f.filter(ctx({ loraAdapter: 'x' }), eps.slice(3)))).toEqual(['full']);
    expect(names(f.filter(ctx(), eps))).toEqual(['run', 'wait', 'slot', 'full']);
  });
});

describe('pickers', () => {
  const scored: ScoredEndpoint[] = [
    { endpoint: ep('a'), score: 3 },
    { endpoint: ep('b'), score: 1 },
    { endpoint: ep('c'), score: 0 },
  ];
  it('random-picker shuffles with the injected RNG, ignoring scores', () => {
    const p = randomPickerFactory(spec('random-picker', { maxNumOfEndpoints: 2 }), deps) as Picker;
    // Fisher–Yates: i=2, j=floor(0.1×3)=0 → [c,b,a]; i=1, j=floor(0.9×2)=1 → unchanged.
    expect(names(p.pick(ctx({}, { randoms: [0.1, 0.9] }), scored).map((s) => s.endpoint))).toEqual(['c', 'b']);
  });
  it('weighted-random-picker: largest U^(1/score) wins; zero scores last', () => {
    const p = weightedRandomPickerFactory(spec('weighted-random-picker', { maxNumOfEndpoints: 3 }), deps) as Picker;
    // keys: a 0.2^(1/3) ≈ 0.585, b 0.7^(1/1) = 0.7, c (score 0) → −1 + 0.99 → last.
    expect(names(p.pick(ctx({}, { randoms: [0.2, 0.7, 0.99] }), scored).map((s) => s.endpoint))).toEqual(['b', 'a', 'c']);
    // a 0.9^(1/3) ≈ 0.965 beats b 0.9.
    expect(names(p.pick(ctx({}, { randoms: [0.9, 0.9, 0.99] }), scored).map((s) => s.endpoint))).toEqual(['a', 'b', 'c']);
  });
  it('weighted-random-picker is proportional to score (seeded RNG, many draws)', () => {
    const p = weightedRandomPickerFactory(spec('weighted-random-picker'), deps) as Picker;
    let seed = 42;
    const rng = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const counts = new Map<string, number>();
    for (let i = 0; i < 20000; i++) {
      const pick = p.pick({ ...ctx(), random: rng }, scored)[0]!.endpoint.name;
      counts.set(pick, (counts.get(pick) ?? 0) + 1);
    }
    expect((counts.get('a') ?? 0) / 20000).toBeCloseTo(0.75, 1);
    expect(counts.get('c') ?? 0).toBe(0);
  });
  it('weighted-random-picker is uniform when every score is 0', () => {
    const p = weightedRandomPickerFactory(spec('weighted-random-picker'), deps) as Picker;
    const zeros = scored.map((s) => ({ ...s, score: 0 }));
    expect(p.pick(ctx({}, { randoms: [0.1, 0.8, 0.3] }), zeros)[0]!.endpoint.name).toBe('b');
  });
});
