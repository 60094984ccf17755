import { describe, expect, it } from 'vitest';
import {
  buildScheduler,
  clampScore,
  createBuiltinRegistry,
  NoEligibleEndpointsError,
  PluginConfigError,
  PluginRegistry,
  SchedulingProfile,
  healthFilterFactory,
} from '../src/index.ts';
import type { CycleContext, EndpointView, Picker, Scorer } from '../src/index.ts';
import { metrics } from './plugins/helpers.ts';

/** Deterministic RNG (mulberry32) so tie-breaks are reproducible. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ep = (name: string, inFlight: number, healthy = true): EndpointView => ({ name, healthy, inFlight, inFlightTokens: 0 });
const ctx = (random: () => number = seeded(1)): CycleContext => ({
  request: { requestId: 'r1', model: 'm', targetModel: 'm', priority: 0, fairnessId: 'default-flow' },
  nowMs: 0,
  random,
});
const deps = { random: seeded(7) };

describe('registry', () => {
  it('throws on a duplicate registration and on an unknown type', () => {
    const registry = new PluginRegistry().register('health-filter', healthFilterFactory);
    expect(() => registry.register('health-filter', healthFilterFactory)).toThrow(/already registered/);
    expect(() => registry.create({ name: 'x', type: 'nope', parameters: {} }, deps)).toThrow(PluginConfigError);
  });

  it('separate registries do not share state', () => {
    const a = createBuiltinRegistry();
    const b = createBuiltinRegistry();
    a.register('extra', healthFilterFactory);
    expect(b.has('extra')).toBe(false);
  });
});

describe('default pipeline (no plugins configured): health filter → queue 2, kv 2, prefix 3 → max-score picker', () => {
  const scheduler = buildScheduler({ registry: createBuiltinRegistry(), deps, plugins: [], profiles: [] });
  const withMetrics = (name: string, waiting: number, kv: number): EndpointView => ({ ...ep(name, 0), metrics: metrics({ waitingQueueSize: waiting, kvCacheUsage: kv }) });

  it('has the llm-d default weights', () => {
    expect(scheduler.describe()).toEqual({
      profile: 'default',
      filters: ['health-filter'],
      scorers: [
        { name: 'queue-scorer', type: 'queue-scorer', weight: 2 },
        { name: 'kv-cache-utilization-scorer', type: 'kv-cache-utilization-scorer', weight: 2 },
        { name: 'prefix-cache-scorer', type: 'prefix-cache-scorer', weight: 3 },
      ],
      picker: 'max-score-picker',
    });
    expect(scheduler.usesPrefixMatch()).toBe(true);
  });

  it('prefers the shortest engine queue and the emptiest KV cache; reports each scorer', () => {
    const r = scheduler.schedule(ctx(), [ep('a', 0, false), withMetrics('b', 4, 0.5), withMetrics('c', 0, 0.1), withMetrics('d', 2, 0.9)]);
    expect(r.picked[0]?.endpoint.name).toBe('c');
    expect(r.scored.map((s) => s.endpoint.name)).toEqual(['b', 'c', 'd']);
    expect(r.filters).toEqual([{ name: 'health-filter', type: 'health-filter', removed: ['a'] }]);
    const queue = r.scorers.find((s) => s.type === 'queue-scorer')!;
    expect(queue.scores).toEqual([0, 1, 0.5]);
    expect(r.scored[1]!.score).toBeCloseTo(2 * 1 + 2 * 0.9 + 3 * 0, 9);
  });

  it('a full prefix match outweighs a longer queue (3 > 2), as upstream', () => {
    const prefixMatch = { totalBlocks: 4, blockSizeTokens: 64, matchedBlocks: new Map([['b', 4]]) };
    const c: CycleContext = { ...ctx(), request: { ...ctx().request, prefixMatch } };
    const r = scheduler.schedule(c, [withMetrics('b', 3, 0.2), withMetrics('c', 0, 0.2)]);
    expect(r.picked[0]?.endpoint.name).toBe('b');
  });

  it('breaks ties uniformly at random with the injected RNG', () => {
    const counts = new Map<string, number>();
    const random = seeded(42);
    for (let i = 0; i < 3000; i++) {
      const name = scheduler.schedule(ctx(random), [withMetrics('a', 1, 0), withMetrics('b', 1, 0), withMetrics('c', 1, 0), withMetrics('d', 5, 0)]).picked[0]!.endpoint.name;
      counts.set(name, (counts.get(name) ?? 0) + 1);
    }
    expect(counts.get('d')).toBeUndefined();
    for (const name of ['a', 'b', 'c']) expect(counts.get(name)).toBeGreaterThan(850);
  });

  it('same seed, same picks', () => {
    const run = () => Array.from({ length: 20 }, (_, i) => scheduler.schedule(ctx(seeded(i)), [ep('a', 0), ep('b', 0)]).picked[0]!.endpoint.name);
    expect(run()).toEqual(run());
  });

  it('no endpoints, or all unhealthy → NoEligibleEndpointsError naming the filter', () => {
    expect(() => scheduler.schedule(ctx(), [])).toThrow(NoEligibleEndpointsError);
    try {
      scheduler.schedule(ctx(), [ep('a', 0, false)]);
      expect.unreachable();
    } catch (e) {
      expect((e as NoEligibleEndpointsError).filter).toBe('health-filter');
    }
  });
});

describe('llm-d EndpointPickerConfig loads unchanged', () => {
  // The scheduling part of the reference's "realistic full config" (§4), flow-control and data-layer plugins included.
  const plugins = [
    { type: 'metrics-data-source', parameters: { scheme: 'http', path: '/metrics', interval: '50ms' } },
    { type: 'core-metrics-extractor', parameters: {} },
    { type: 'approx-prefix-cache-producer', parameters: { maxPrefixTokensToMatch: 100000 } },
    { type: 'inflight-load-producer', parameters: {} },
    { type: 'queue-scorer', parameters: {} },
    { type: 'kv-cache-utilization-scorer', parameters: {} },
    { type: 'prefix-cache-scorer', parameters: {} },
    { type: 'no-hit-lru-scorer', parameters: {} },
    { type: 'max-score-picker', parameters: {} },
    { type: 'round-robin-fairness-policy', parameters: {} },
    { type: 'concurrency-detector', parameters: { concurrencyMode: 'requests', maxConcurrency: 110 } },
  ].map((p) => ({ name: p.type, ...p }));
  const profiles = [
    {
      name: 'default',
      plugins: [
        { pluginRef: 'queue-scorer', weight: 2 },
        { pluginRef: 'kv-cache-utilization-scorer', weight: 2 },
        { pluginRef: 'prefix-cache-scorer', weight: 3 },
        { pluginRef: 'no-hit-lru-scorer', weight: 2 },
        { pluginRef: 'max-score-picker' },
      ],
    },
  ];

  it('builds the profile, times every plugin and notifies the stateful ones after a pick', () => {
    const observed: string[] = [];
    let t = 0;
    const timing = { now: () => (t += 0.25), observe: (point: string, plugin: { name: string }, seconds: number) => observed.push(`${point}:${plugin.name}:${seconds}`) };
    const s = buildScheduler({ registry: createBuiltinRegistry(), deps, plugins, profiles, timing });
    expect(s.describe().scorers.map((x) => `${x.type}=${x.weight}`)).toEqual(['queue-scorer=2', 'kv-cache-utilization-scorer=2', 'prefix-cache-scorer=3', 'no-hit-lru-scorer=2']);
    const candidates = [ep('a', 0), ep('b', 0)];
    const c = ctx(seeded(3));
    const first = s.schedule(c, candidates).picked[0]!.endpoint;
    expect(observed).toContain('scorer:no-hit-lru-scorer:0.00025');
    expect(observed.filter((o) => o.startsWith('picker:'))).toHaveLength(1);
    s.notifyPicked(c, first);
    // no-hit-lru: the endpoint just used for a cold request now ranks below the never-used one.
    const again = s.schedule(ctx(seeded(3)), candidates);
    const lru = again.scorers.find((x) => x.type === 'no-hit-lru-scorer')!;
    const firstIndex = again.scored.findIndex((x) => x.endpoint.name === first.name);
    expect(lru.scores[firstIndex]).toBeLessThan(lru.scores[1 - firstIndex]!);
    expect(again.picked[0]!.endpoint.name).not.toBe(first.name);
  });
});

describe('profile scoring', () => {
  const constant = (name: string, values: number[]): Scorer => ({ kind: 'scorer', type: name, name, score: () => values });
  const first: Picker = { kind: 'picker', type: 'first', name: 'first', pick: (_c, scored) => [...scored].sort((a, b) => b.score - a.score) };

  it('clamps each score to [0, 1] and sums with weights, unnormalised', () => {
    const profile = new SchedulingProfile({
      name: 'p',
      filters: [],
      scorers: [
        { scorer: constant('big', [5, -1, Number.NaN]), weight: 2 },
        { scorer: constant('half', [0.5, 0.5, 0.25]), weight: 3 },
      ],
      picker: first,
    });
    const r = profile.run(ctx(), [ep('a', 0), ep('b', 0), ep('c', 0)]);
    expect(r.scored.map((s) => s.score)).toEqual([2 + 1.5, 0 + 1.5, 0 + 0.75]);
    expect(clampScore(2)).toBe(1);
  });

  it('rejects negative weights', () => {
    expect(() => new SchedulingProfile({ name: 'p', filters: [], scorers: [{ scorer: constant('s', []), weight: -1 }], picker: first })).toThrow(RangeError);
  });
});

describe('buildScheduler from an EndpointPickerConfig shape', () => {
  it('ignores flow-control plugins, honours weights and reports bad references with a path', () => {
    const registry = createBuiltinRegistry();
    const plugins = [
      { name: 'concurrency-detector', type: 'concurrency-detector', parameters: { maxConcurrency: 4 } },
      { name: 'hf', type: 'health-filter', parameters: {} },
      { name: 'lif', type: 'least-in-flight-scorer', parameters: {} },
      { name: 'msp', type: 'max-score-picker', parameters: { maxNumOfEndpoints: 2 } },
    ];
    const s = buildScheduler({ registry, deps, plugins, profiles: [{ name: 'default', plugins: [{ pluginRef: 'hf' }, { pluginRef: 'lif', weight: 2 }, { pluginRef: 'msp' }] }] });
    const r = s.schedule(ctx(), [ep('a', 4), ep('b', 0), ep('c', 2)]);
    expect(r.picked.map((p) => p.endpoint.name)).toEqual(['b', 'c']);
    expect(r.picked[0]?.score).toBe(2);
    expect(() => buildScheduler({ registry, deps, plugins, profiles: [{ name: 'x', plugins: [{ pluginRef: 'missing' }] }] })).toThrow(/schedulingProfiles\[0\]\.plugins\[0\]\.pluginRef/);
    expect(() => buildScheduler({ registry, deps, plugins: [{ name: 'msp', type: 'max-score-picker', parameters: { maxNumOfEndpoints: 0 } }], profiles: [] })).toThrow(/maxNumOfEndpoints/);
  });
});
