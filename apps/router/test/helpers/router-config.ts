import { parseRouterConfig } from '@sluice/config';
import type { ResolvedRouterConfig } from '@sluice/config';

export interface TestConfigOptions {
  /** host:port of each simulator. */
  readonly endpoints: readonly string[];
  readonly port?: number;
  readonly redisUrl?: string;
  /** concurrency-detector maxConcurrency per ready endpoint. Default 4. */
  readonly maxConcurrency?: number;
  /** Fairness policy of band 0 and band -10. Default round-robin. */
  readonly fairness?: 'round-robin-fairness-policy' | 'global-strict-fairness-policy';
  readonly bodyLimit?: string;
  readonly logLevel?: string;
  readonly healthIntervalMs?: number;
  /**
   * Health checks that tolerate a loaded CI machine (500 ms interval, 3 s timeout, 5 failures) for
   * multi-process tests that are not about health: a slow probe must not empty the pool.
   */
  readonly lenientHealthChecks?: boolean;
  readonly drainTimeout?: string;
  /** Proxy first-byte and stream-idle timeouts. Default 20s / 10s. */
  readonly firstByteTimeout?: string;
  readonly streamIdleTimeout?: string;
  /**
   * Scheduling profile. Default `least-in-flight` (health filter → least-in-flight-scorer →
   * max-score-picker): these tests are about flow control and assert exact per-pod caps, which
   * only a pure in-flight balancer guarantees. `default` = no scheduling plugins (llm-d defaults).
   */
  readonly scheduling?: 'least-in-flight' | 'default';
}

/**
 * The example config shape, pointed at test simulators: qwen (Critical) and travel-helper
 * (Standard) both target the simulator's model `sim/tiny`; objectives 100 / 0 / -10.
 */
export function testRouterConfig(o: TestConfigOptions): Record<string, unknown> {
  const fairness = o.fairness ?? 'round-robin-fairness-policy';
  return {
    apiVersion: 'sluice.dev/v1alpha1',
    kind: 'RouterConfig',
    server: { port: o.port ?? 0, host: '127.0.0.1', ...(o.bodyLimit ? { bodyLimit: o.bodyLimit } : {}), ...(o.drainTimeout ? { drainTimeout: o.drainTimeout } : {}) },
    ...(o.redisUrl ? { redis: { url: o.redisUrl } } : {}),
    pool: {
      name: 'test',
      endpoints: o.endpoints,
      healthCheck: o.lenientHealthChecks
        ? { interval: '500ms', timeout: '3s', failureThreshold: 5, backoffInitial: '100ms', backoffMax: '1s' }
        : { interval: `${o.healthIntervalMs ?? 200}ms`, timeout: '500ms', failureThreshold: 1, backoffInitial: '100ms', backoffMax: '1s' },
    },
    proxy: { connectTimeout: '1s', firstByteTimeout: o.firstByteTimeout ?? '20s', streamIdleTimeout: o.streamIdleTimeout ?? '10s', maxRetries: 1 },
    objectives: [
      { name: 'premium-traffic', priority: 100 },
      { name: 'standard-traffic', priority: 0 },
      { name: 'best-effort-traffic', priority: -10 },
    ],
    models: [
      { modelName: 'qwen', criticality: 'Critical', targetModels: [{ name: 'sim/tiny', weight: 100 }] },
      { modelName: 'travel-helper', criticality: 'Standard', targetModels: [{ name: 'sim/tiny', weight: 100 }] },
    ],
    auth: { mode: 'trusted-headers' },
    logging: { level: o.logLevel ?? 'warn' },
    endpointPicker: {
      apiVersion: 'inference.networking.x-k8s.io/v1alpha1',
      kind: 'EndpointPickerConfig',
      featureGates: ['flowControl'],
      plugins: [
        { type: 'concurrency-detector', parameters: { maxConcurrency: o.maxConcurrency ?? 4 } },
        { type: 'round-robin-fairness-policy' },
        { type: 'global-strict-fairness-policy' },
        ...(o.scheduling === 'default' ? [] : [{ type: 'health-filter' }, { type: 'least-in-flight-scorer' }, { type: 'max-score-picker' }]),
      ],
      ...(o.scheduling === 'default'
        ? {}
        : { schedulingProfiles: [{ name: 'default', plugins: [{ pluginRef: 'health-filter' }, { pluginRef: 'least-in-flight-scorer', weight: 1 }, { pluginRef: 'max-score-picker' }] }] }),
      flowControl: {
        saturationDetector: { pluginRef: 'concurrency-detector' },
        priorityBands: [
          { priority: 100, fairnessPolicyRef: 'round-robin-fairness-policy' },
          { priority: 0, fairnessPolicyRef: fairness },
          { priority: -10, maxRequests: 500, fairnessPolicyRef: fairness },
        ],
      },
    },
  };
}

export function resolveTestConfig(o: TestConfigOptions): ResolvedRouterConfig {
  return parseRouterConfig(testRouterConfig(o), { env: {}, source: '<test>' });
}
