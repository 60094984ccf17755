import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadRouterConfig, summarizeConfig } from '../src/index.ts';
import { EXAMPLE_FILE, exampleObject, LLMD_FULL_FILE, loadObject } from './helpers.ts';

describe('the issue example', () => {
  it('loads as written, with defaults filled in', () => {
    const config = loadRouterConfig({ file: EXAMPLE_FILE, env: {} });
    expect(config.server).toEqual({
      port: 8080,
      host: '0.0.0.0',
      bodyLimitBytes: 10 * 1024 * 1024,
      drainTimeoutMs: 30_000,
      replicaId: null,
      adminPort: null,
      maxHeaderSizeBytes: 16 * 1024,
      maxJsonDepth: 64,
      maxPromptTokens: null,
      headersTimeoutMs: 30_000,
      requestTimeoutMs: 120_000,
      keepAliveTimeoutMs: 65_000,
    });
    expect(config.redis).toEqual({ mode: 'single', url: 'redis://127.0.0.1:6379/0', connectTimeoutMs: 10_000, autoPipelining: false });
    expect(config.pool.discovery).toEqual({
      kind: 'static',
      endpoints: [
        { host: '127.0.0.1', port: 8001 },
        { host: '127.0.0.1', port: 8002 },
      ],
    });
    expect(config.models).toEqual([
      { modelName: 'qwen', criticality: 'Critical', objective: null, priority: 100, targetModels: [{ name: 'Qwen/Qwen3-32B', weight: 100 }] },
      { modelName: 'travel-helper', criticality: 'Standard', objective: null, priority: 0, targetModels: [{ name: 'travel-helper-v1', weight: 100 }] },
    ]);
    expect(config.objectives.map((o) => [o.name, o.priority])).toEqual([
      ['premium-traffic', 100],
      ['standard-traffic', 0],
      ['best-effort-traffic', -10],
    ]);
    expect(config.auth).toEqual({ mode: 'trusted-headers', defaultFairnessId: 'default-flow', clampPriority: true, apiKeys: [], jwt: null, anonymous: null, adminKeySha256: [] });

    const picker = config.endpointPicker;
    expect(picker.featureGates).toEqual({ flowControl: true, haPopulateNonLeaderDatastore: true });
    expect(picker.plugins.filter((p) => p.origin === 'declared').map((p) => p.name)).toEqual(['concurrency-detector', 'round-robin-fairness-policy']);
    expect(picker.plugins.find((p) => p.name === 'concurrency-detector')?.parameters).toEqual({ maxConcurrency: 4 });
    const fc = picker.flowControl;
    expect(fc.saturationDetectorPluginRef).toBe('concurrency-detector');
    expect(fc.priorityBands).toEqual([
      { priority: 100, maxBytes: 1e9, maxRequests: 5000, fairnessPolicyRef: 'round-robin-fairness-policy', orderingPolicyRef: 'fcfs-ordering-policy' },
      { priority: 0, maxBytes: 1e9, maxRequests: 5000, fairnessPolicyRef: 'round-robin-fairness-policy', orderingPolicyRef: 'fcfs-ordering-policy' },
      { priority: -10, maxBytes: 1e9, maxRequests: 500, fairnessPolicyRef: 'global-strict-fairness-policy', orderingPolicyRef: 'fcfs-ordering-policy' },
    ]);
    expect(fc.defaultRequestTtlMs).toBe(60_000);
    expect(fc.noEndpointRequestTtlMs).toBe(60_000);
    expect(fc.maxBytes).toBe(0);
    expect(fc.maxRequests).toBe(0);
    // Every reference resolves to a plugin, injected defaults included.
    const names = new Set(picker.plugins.map((p) => p.name));
    for (const band of fc.priorityBands) {
      expect(names.has(band.fairnessPolicyRef) && names.has(band.orderingPolicyRef)).toBe(true);
    }
    expect(names.has(fc.usageLimitPolicyPluginRef)).toBe(true);
    expect(config.warnings).toEqual([]);
  });

  it('without redis it runs in memory and the summary says so', () => {
    const raw = exampleObject();
    delete raw['redis'];
    const config = loadObject(raw);
    expect(config.redis).toBeNull();
    expect(summarizeConfig(config)).toContain('mode: in-memory single replica (no redis.url)');
  });

  it('summarizes the example, masking redis passwords', () => {
    const raw = exampleObject();
    raw['redis'] = { url: 'redis://:s3cret@10.0.0.5:6379/0' };
    const summary = summarizeConfig(loadObject(raw));
    expect(summary).toContain('mode: redis redis://:***@10.0.0.5:6379/0');
    expect(summary).not.toContain('s3cret');
    expect(summary).toContain('pool: demo, 2 static endpoint(s): 127.0.0.1:8001, 127.0.0.1:8002');
    expect(summary).toContain('flow control: on; detector concurrency-detector');
  });
});

describe('endpointPicker accepts an llm-d EndpointPickerConfig unchanged', () => {
  const fullEpp = () => parse(readFileSync(LLMD_FULL_FILE, 'utf8')) as Record<string, unknown>;

  it('resolves the realistic full config of reference §4', () => {
    const raw = exampleObject();
    raw['endpointPicker'] = fullEpp();
    const picker = loadObject(raw).endpointPicker;
    expect(picker.apiVersion).toBe('llm-d.ai/v1alpha1');
    expect(picker.featureGates['flowControl']).toBe(true);
    expect(picker.plugins.find((p) => p.name === 'holdback')).toEqual({
      name: 'holdback',
      type: 'priority-holdback-policy',
      parameters: { domain: 'rank', minCeiling: 0.6, maxCeiling: 1.0 },
      origin: 'declared',
    });
    expect(picker.plugins.find((p) => p.name === 'core-metrics-extractor')?.parameters).toEqual({});
    expect(picker.schedulingProfiles).toEqual([
      {
        name: 'default',
        plugins: [
          { pluginRef: 'queue-scorer', weight: 2 },
          { pluginRef: 'kv-cache-utilization-scorer', weight: 2 },
          { pluginRef: 'prefix-cache-scorer', weight: 3 },
          { pluginRef: 'no-hit-lru-scorer', weight: 2 },
          { pluginRef: 'max-score-picker', weight: 1 },
        ],
      },
    ]);
    expect(picker.dataLayer.sources).toEqual([{ pluginRef: 'metrics-data-source', extractors: ['core-metrics-extractor'] }]);
    expect(picker.dataLayer.injectDefaults).toBe(true);

    const fc = picker.flowControl;
    expect(fc.maxBytes).toBe(4 * 2 ** 30);
    expect(fc.maxRequests).toBe(2000);
    expect(fc.defaultRequestTtlMs).toBe(30_000);
    expect(fc.noEndpointRequestTtlMs).toBe(300_000);
    expect(fc.usageLimitPolicyPluginRef).toBe('holdback');
    expect(fc.saturationDetectorPluginRef).toBe('concurrency-detector');
    expect(fc.enableEviction).toBe(false);
    expect(fc.defaultPriorityBand).toEqual({
      maxBytes: 2 ** 30,
      maxRequests: 1000,
      fairnessPolicyRef: 'global-strict-fairness-policy',
      orderingPolicyRef: 'fcfs-ordering-policy',
    });
    expect(fc.defaultNegativePriorityBand).toEqual({ ...fc.defaultPriorityBand, maxRequests: 50 });
    expect(fc.priorityBands).toEqual([
      { priority: 100, maxBytes: 2 ** 30, maxRequests: 500, fairnessPolicyRef: 'round-robin-fairness-policy', orderingPolicyRef: 'fcfs-ordering-policy' },
      { priority: 0, maxBytes: 2 ** 30, maxRequests: 200, fairnessPolicyRef: 'round-robin-fairness-policy', orderingPolicyRef: 'fcfs-ordering-policy' },
      { priority: -10, maxBytes: 2 ** 30, maxRequests: 50, fairnessPolicyRef: 'global-strict-fairness-policy', orderingPolicyRef: 'fcfs-ordering-policy' },
    ]);
    // global-strict is referenced (by the templates) but not declared: injected like llm-d does.
    expect(picker.plugins.filter((p) => p.origin === 'default').map((p) => p.name)).toEqual(['global-strict-fairness-policy']);
  });

  it('accepts feature gates in the name=true/false forms and keeps unknown gates with a warning', () => {
    const raw = exampleObject();
    const epp = fullEpp();
    epp['featureGates'] = ['flowControl=true', 'haPopulateNonLeaderDatastore=false', 'someFutureGate'];
    raw['endpointPicker'] = epp;
    const config = loadObject(raw);
    expect(config.endpointPicker.featureGates).toEqual({ flowControl: true, haPopulateNonLeaderDatastore: false, someFutureGate: true });
    expect(config.warnings.join('\n')).toContain('unknown feature gate "someFutureGate"');
  });

  it('accepts the remaining schema fields (dataLayer discovery, requestHandler, eviction)', () => {
    const raw = exampleObject();
    raw['endpointPicker'] = {
      apiVersion: 'llm-d.ai/v1alpha1',
      kind: 'EndpointPickerConfig',
      featureGates: ['flowControl=false'],
      plugins: [{ type: 'file-discovery', parameters: { path: '/etc/endpoints' } }, { type: 'openai-parser' }, { type: 'redis-syncer' }],
      dataLayer: {
        injectDefaults: false,
        discovery: { pluginRef: 'file-discovery' },
        crossReplicaSyncerPluginRef: 'redis-syncer',
        crossReplicaSyncInterval: '500ms',
      },
      requestHandler: { parsers: [{ pluginRef: 'openai-parser' }] },
      flowControl: { enableEviction: true, defaultRequestTTL: '0s' },
    };
    const config = loadObject(raw);
    const picker = config.endpointPicker;
    expect(picker.featureGates['flowControl']).toBe(false);
    expect(picker.dataLayer).toMatchObject({ injectDefaults: false, discoveryPluginRef: 'file-discovery', crossReplicaSyncerPluginRef: 'redis-syncer', crossReplicaSyncIntervalMs: 500 });
    expect(picker.parsers).toEqual(['openai-parser']);
    expect(picker.flowControl).toMatchObject({ enableEviction: true, defaultRequestTtlMs: 0, noEndpointRequestTtlMs: 0, saturationDetectorPluginRef: 'utilization-detector' });
    expect(picker.plugins.map((p) => p.name)).toContain('utilization-detector');
    expect(config.warnings.join('\n')).toContain('flowControl feature gate is off');
  });
});

describe('minimal config', () => {
  it('needs only apiVersion, kind and a pool; everything else has llm-d / Sluice defaults', () => {
    const config = loadRouterConfig({
      text: 'apiVersion: sluice.dev/v1alpha1\nkind: RouterConfig\npool: { name: p, endpoints: ["10.0.0.1:8000"] }\n',
      env: {},
    });
    expect(config.redis).toBeNull();
    expect(config.models).toEqual([]);
    expect(config.logging.level).toBe('info');
    expect(config.proxy).toEqual({ connectTimeoutMs: 2000, firstByteTimeoutMs: 300_000, streamIdleTimeoutMs: 60_000, maxRetries: 1 });
    const picker = config.endpointPicker;
    expect(picker.featureGates).toEqual({ flowControl: false, haPopulateNonLeaderDatastore: true });
    expect(picker.flowControl).toMatchObject({
      maxBytes: 0,
      maxRequests: 0,
      defaultRequestTtlMs: 60_000,
      priorityBands: [],
      defaultNegativePriorityBand: null,
      usageLimitPolicyPluginRef: 'static-usage-limit-policy',
      saturationDetectorPluginRef: 'utilization-detector',
    });
    expect(picker.plugins.map((p) => [p.name, p.origin])).toEqual([
      ['global-strict-fairness-policy', 'default'],
      ['fcfs-ordering-policy', 'default'],
      ['static-usage-limit-policy', 'default'],
      ['utilization-detector', 'default'],
    ]);
    expect(summarizeConfig(config)).toContain('flow control: off (feature gate flowControl not set)');
  });
});
