import { describe, expect, it } from 'vitest';
import { FLOW_DEFAULTS, FlowConfigError, createFlowStoreConfig, resolveFlowStoreConfig } from '../src/index.ts';
import type { FlowControlInput, PluginSpec } from '../src/index.ts';

describe('resolveFlowStoreConfig', () => {
  it('an empty section gives the router defaults (reference §1.9)', () => {
    expect(resolveFlowStoreConfig()).toEqual(createFlowStoreConfig());
    const c = resolveFlowStoreConfig();
    expect(c.defaultPriorityBand).toMatchObject({ maxBytes: 1e9, maxRequests: 5000, requestTtlMs: 60_000 });
    expect(c.detector.type).toBe('utilization-detector');
    expect(c.usageLimit).toEqual({ type: 'static-usage-limit-policy', threshold: 1 });
    expect(JSON.parse(JSON.stringify(c))).toEqual(c); // plain JSON
  });

  it('resolves the realistic llm-d example (reference §4)', () => {
    const plugins: PluginSpec[] = [
      { type: 'round-robin-fairness-policy' },
      { type: 'fcfs-ordering-policy' },
      { type: 'concurrency-detector', parameters: { concurrencyMode: 'requests', maxConcurrency: 110, headroom: 0 } },
      { name: 'holdback', type: 'priority-holdback-policy', parameters: { domain: 'rank', minCeiling: 0.6, maxCeiling: 1.0 } },
    ];
    const input: FlowControlInput = {
      maxBytes: '4Gi',
      maxRequests: '2k',
      defaultRequestTTL: '30s',
      noEndpointRequestTTL: '5m',
      saturationDetector: { pluginRef: 'concurrency-detector' },
      usageLimitPolicyPluginRef: 'holdback',
      defaultPriorityBand: { maxRequests: '1k', maxBytes: '1Gi' },
      defaultNegativePriorityBand: { maxRequests: 50 },
      priorityBands: [
        { priority: 100, maxRequests: 500, fairnessPolicyRef: 'round-robin-fairness-policy', orderingPolicyRef: 'fcfs-ordering-policy' },
        { priority: 0, maxRequests: 200, fairnessPolicyRef: 'round-robin-fairness-policy' },
        { priority: -10, maxRequests: 50 },
      ],
    };
    const c = resolveFlowStoreConfig(input, plugins);
    expect([c.maxBytes, c.maxRequests, c.defaultRequestTtlMs, c.noEndpointRequestTtlMs]).toEqual([4 * 2 ** 30, 2000, 30_000, 300_000]);
    expect(c.detector).toEqual({ type: 'concurrency-detector', mode: 'requests', maxConcurrency: 110, maxTokenConcurrency: 1e6 });
    expect(c.usageLimit).toEqual({ type: 'priority-holdback-policy', minCeiling: 0.6, maxCeiling: 1, domain: 'rank' });
    expect(c.defaultPriorityBand).toMatchObject({ maxRequests: 1000, maxBytes: 2 ** 30 });
    expect(c.defaultNegativePriorityBand).toMatchObject({ maxRequests: 50, maxBytes: 2 ** 30 });
    expect(c.priorityBands.map((b) => [b.priority, b.maxRequests, b.fairness.type])).toEqual([
      [100, 500, 'round-robin-fairness-policy'],
      [0, 200, 'round-robin-fairness-policy'],
      [-10, 50, 'global-strict-fairness-policy'],
    ]);
    expect(c.priorityBands[0]!.requestTtlMs).toBe(30_000);
  });

  it('token-fairness weights and the Sluice extras', () => {
    const c = resolveFlowStoreConfig(
      { defaultPriorityBand: { fairnessPolicyRef: 'vtc', requestTTL: '5s' }, sluice: { leaseTTL: '10s', dispatchBatchMax: 8 } },
      [{ name: 'vtc', type: 'token-fairness-policy', parameters: { weights: { gold: 4 }, defaultWeight: 1 } }],
    );
    expect(c.defaultPriorityBand.fairness).toEqual({ type: 'token-fairness-policy', weights: { gold: 4 }, defaultWeight: 1 });
    expect(c.defaultPriorityBand.requestTtlMs).toBe(5000);
    expect([c.leaseTtlMs, c.dispatchBatchMax, c.replicaTtlMs]).toEqual([10_000, 8, FLOW_DEFAULTS.replicaTtlMs]);
  });

  it.each<[string, FlowControlInput, PluginSpec[], string]>([
    ['bad quantity', { maxBytes: '4GB' }, [], 'flowControl.maxBytes'],
    ['bad band quantity', { priorityBands: [{ priority: 1, maxRequests: 'x' }] }, [], 'flowControl.priorityBands[0].maxRequests'],
    ['duplicate band', { priorityBands: [{ priority: 1 }, { priority: 1 }] }, [], 'flowControl.priorityBands[1].priority'],
    ['bad duration', { defaultRequestTTL: '10' }, [], 'flowControl.defaultRequestTTL'],
    ['unknown plugin', { saturationDetector: { pluginRef: 'nope' } }, [], 'flowControl.saturationDetector.pluginRef'],
    ['wrong plugin kind', { defaultPriorityBand: { fairnessPolicyRef: 'fcfs-ordering-policy' } }, [], 'flowControl.defaultPriorityBand.fairnessPolicyRef'],
    ['holdback without minCeiling', { usageLimitPolicyPluginRef: 'h' }, [{ name: 'h', type: 'priority-holdback-policy' }], 'flowControl.usageLimitPolicyPluginRef.parameters.minCeiling'],
    ['static threshold 0', { usageLimitPolicyPluginRef: 's' }, [{ name: 's', type: 'static-usage-limit-policy', parameters: { threshold: 0 } }], 'flowControl.usageLimitPolicyPluginRef.parameters.threshold'],
    ['kv threshold > 1', { saturationDetector: { pluginRef: 'u' } }, [{ name: 'u', type: 'utilization-detector', parameters: { kvCacheUtilThreshold: 2 } }], 'flowControl.saturationDetector.pluginRef.parameters.kvCacheUtilThreshold'],
    ['bad mode', { saturationDetector: { pluginRef: 'c' } }, [{ name: 'c', type: 'concurrency-detector', parameters: { concurrencyMode: 'x' } }], 'flowControl.saturationDetector.pluginRef.parameters.concurrencyMode'],
    ['bad weight', { defaultPriorityBand: { fairnessPolicyRef: 't' } }, [{ name: 't', type: 'token-fairness-policy', parameters: { weights: { a: 0 } } }], 'flowControl.defaultPriorityBand.fairnessPolicyRef.parameters.weights.a'],
  ])('%s → FlowConfigError at the field path', (_name, input, plugins, path) => {
    let err: unknown;
    try {
      resolveFlowStoreConfig(input, plugins);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FlowConfigError);
    expect((err as FlowConfigError).path).toBe(path);
  });
});
