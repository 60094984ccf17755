import { register as globalRegistry, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { Buckets, createMetrics, FlowOutcome, MetricName } from '../src/index.ts';
import { parseExposition, samplesOf } from './exposition.ts';

/** The contract: name → [type, label names of the sample lines (histograms: of _count)]. */
const EXPECTED: Record<string, [string, string[]]> = {
  inference_extension_flow_control_queue_size: ['gauge', ['priority', 'fairness_id', 'inference_pool']],
  inference_extension_flow_control_queue_bytes: ['gauge', ['priority', 'fairness_id', 'inference_pool']],
  inference_extension_flow_control_request_queue_duration_seconds: ['histogram', ['outcome', 'priority', 'inference_pool']],
  inference_extension_flow_control_requests_total: ['counter', ['outcome', 'priority', 'inference_pool']],
  inference_extension_flow_control_pool_saturation: ['gauge', ['inference_pool']],
  sluice_flow_control_leases_in_flight: ['gauge', ['inference_pool']],
  sluice_flow_control_dispatch_batch_size: ['histogram', ['inference_pool']],
  sluice_flow_control_reaped_leases_total: ['counter', ['inference_pool', 'reason']],
  sluice_redis_script_calls_per_write: ['histogram', []],
  inference_objective_request_total: ['counter', ['model_name', 'target_model_name', 'objective']],
  inference_objective_request_error_total: ['counter', ['model_name', 'target_model_name', 'objective', 'error_code']],
  inference_objective_request_duration_seconds: ['histogram', ['model_name', 'target_model_name', 'objective']],
  inference_objective_request_ttft_seconds: ['histogram', ['model_name', 'target_model_name', 'objective']],
  inference_objective_request_tpot_seconds: ['histogram', ['model_name', 'target_model_name', 'objective']],
  inference_pool_ready_pods: ['gauge', ['name']],
  sluice_discovery_watch_restarts_total: ['counter', ['name', 'resource', 'reason']],
  inference_pool_average_kv_cache_utilization: ['gauge', ['name']],
  inference_pool_average_queue_size: ['gauge', ['name']],
  inference_pool_per_pod_queue_size: ['gauge', ['name', 'model_server_pod']],
  inference_extension_prefix_indexer_hit_ratio: ['histogram', []],
  inference_extension_prefix_indexer_size: ['gauge', []],
  sluice_prefix_index_added_latency_seconds: ['histogram', []],
  inference_extension_scheduler_e2e_duration_seconds: ['histogram', []],
  inference_extension_plugin_duration_seconds: ['histogram', ['extension_point', 'plugin_type', 'plugin_name']],
  sluice_auth_requests_total: ['counter', ['mode', 'outcome']],
  sluice_auth_spoofed_headers_total: ['counter', ['header']],
  sluice_auth_priority_clamped_total: ['counter', ['tenant', 'action']],
  sluice_auth_admin_denied_total: ['counter', []],
  sluice_http_input_rejected_total: ['counter', ['reason']],
  sluice_tenant_rate_limited_total: ['counter', ['tenant', 'limit']],
  sluice_tenant_rate_limit_reserved_tokens_total: ['counter', ['tenant']],
  sluice_tenant_rate_limit_refunded_tokens_total: ['counter', ['tenant']],
  sluice_tenant_rate_limit_outstanding_reservations: ['gauge', []],
  sluice_tenant_rate_limit_output_capped_total: ['counter', ['tenant']],
};

function recordOneOfEach(metrics: ReturnType<typeof createMetrics>): void {
  const flow = { pool: 'demo', priority: -10, fairnessId: 'tenant-b' };
  metrics.setFlowQueue(flow, 3, 3000);
  metrics.observeFlowOutcome('demo', -10, FlowOutcome.Dispatched, 0.25);
  metrics.flowControl.poolSaturation.set({ inference_pool: 'demo' }, 1.2);
  metrics.flowControl.leasesInFlight.set({ inference_pool: 'demo' }, 8);
  metrics.flowControl.dispatchBatchSize.observe({ inference_pool: 'demo' }, 4);
  metrics.flowControl.reapedLeases.inc({ inference_pool: 'demo', reason: 'expired' });
  metrics.redis.scriptCallsPerWrite.observe(12);
  const labels = metrics.requestLabels({ modelName: 'qwen', targetModelName: 'Qwen/Qwen3-32B', objective: 'premium-traffic' });
  metrics.requests.total.inc(labels);
  metrics.requests.errors.inc({ ...labels, error_code: '503' });
  metrics.requests.duration.observe(labels, 1.5);
  metrics.requests.ttft.observe(labels, 0.2);
  metrics.requests.tpot.observe(labels, 0.02);
  metrics.pool.readyPods.set({ name: 'demo' }, 4);
  metrics.pool.discoveryWatchRestarts.inc({ name: 'demo', resource: 'pods', reason: 'relist' });
  metrics.pool.averageKvCacheUtilization.set({ name: 'demo' }, 0.5);
  metrics.pool.averageQueueSize.set({ name: 'demo' }, 2);
  metrics.pool.perPodQueueSize.set({ name: 'demo', model_server_pod: 'sim-0' }, 2);
  metrics.scheduler.prefixIndexerHitRatio.observe(0.75);
  metrics.scheduler.prefixIndexerSize.set(1234);
  metrics.scheduler.e2eDuration.observe(0.0004);
  metrics.scheduler.pluginDuration.observe({ extension_point: 'Scorer', plugin_type: 'queue-scorer', plugin_name: 'queue-scorer' }, 0.00002);
  metrics.auth.requests.inc({ mode: 'api-keys', outcome: 'ok' });
  metrics.auth.spoofedHeaders.inc({ header: 'x-gateway-inference-fairness-id' });
  metrics.auth.priorityClamped.inc({ tenant: metrics.tenantLabel('tenant-b'), action: 'clamped' });
  metrics.auth.adminDenied.inc();
  metrics.inputRejected.inc({ reason: 'json_depth' });
  metrics.rateLimits.limited.inc({ tenant: metrics.tenantLabel('tenant-b'), limit: 'tokens' });
  metrics.rateLimits.reservedTokens.inc({ tenant: metrics.tenantLabel('tenant-b') }, 300);
  metrics.rateLimits.refundedTokens.inc({ tenant: metrics.tenantLabel('tenant-b') }, 120);
  metrics.rateLimits.outstanding.set(2);
  metrics.rateLimits.outputCapped.inc({ tenant: metrics.tenantLabel('tenant-b') });
}

describe('createMetrics', () => {
  it('exposes exactly the specified names, types and labels', async () => {
    const metrics = createMetrics();
    recordOneOfEach(metrics);
    const exposition = parseExposition(await metrics.exposition());
    expect(Object.fromEntries(exposition.types)).toEqual(Object.fromEntries(Object.entries(EXPECTED).map(([name, [type]]) => [name, type])));
    for (const [name, [type, labels]] of Object.entries(EXPECTED)) {
      const sampleName = type === 'histogram' ? `${name}_count` : name;
      const samples = samplesOf(exposition, sampleName);
      expect(samples, name).toHaveLength(1);
      expect(Object.keys(samples[0]?.labels ?? {}).sort(), name).toEqual([...labels].sort());
    }
    expect(samplesOf(exposition, MetricName.queueSize)[0]).toEqual({
      name: MetricName.queueSize,
      labels: { priority: '-10', fairness_id: 'tenant-b', inference_pool: 'demo' },
      value: 3,
    });
    expect(samplesOf(exposition, MetricName.requestQueueDuration + '_count')[0]?.labels).toEqual({ outcome: 'Dispatched', priority: '-10', inference_pool: 'demo' });
  });

  it('uses the documented buckets', async () => {
    const metrics = createMetrics();
    recordOneOfEach(metrics);
    const exposition = parseExposition(await metrics.exposition());
    const bounds = (name: string) =>
      samplesOf(exposition, `${name}_bucket`)
        .map((sample) => sample.labels['le'])
        .filter((le) => le !== '+Inf')
        .map(Number);
    expect(bounds(MetricName.requestTtft)).toEqual([...Buckets.ttftSeconds]);
    expect(bounds(MetricName.requestQueueDuration)).toEqual([...Buckets.queueDurationSeconds]);
    expect(bounds(MetricName.prefixIndexerHitRatio)).toEqual([...Buckets.ratio]);
  });

  it('never touches the global registry, so two instances coexist', async () => {
    const first = createMetrics();
    const second = createMetrics();
    first.pool.readyPods.set({ name: 'a' }, 1);
    second.pool.readyPods.set({ name: 'b' }, 2);
    expect(globalRegistry.getSingleMetric(MetricName.readyPods)).toBeUndefined();
    expect(samplesOf(parseExposition(await first.exposition()), MetricName.readyPods).map((s) => s.labels['name'])).toEqual(['a']);
    expect(samplesOf(parseExposition(await second.exposition()), MetricName.readyPods).map((s) => s.labels['name'])).toEqual(['b']);
  });

  it('registers on a registry the caller supplies, optionally with process metrics', async () => {
    const registry = new Registry();
    const metrics = createMetrics({ registry, processMetrics: true });
    expect(metrics.registry).toBe(registry);
    const text = await registry.metrics();
    expect(text).toContain('# TYPE process_cpu_user_seconds_total counter');
    expect(text).toContain(`# TYPE ${MetricName.queueSize} gauge`);
  });
});

describe('flow queue series lifecycle', () => {
  it('deleteFlowSeries removes both queue series of that flow only', async () => {
    const metrics = createMetrics();
    const a = { pool: 'demo', priority: 0, fairnessId: 'tenant-a' };
    const b = { pool: 'demo', priority: 0, fairnessId: 'tenant-b' };
    metrics.setFlowQueue(a, 5, 500);
    metrics.setFlowQueue(b, 7, 700);
    metrics.deleteFlowSeries(a);
    const exposition = parseExposition(await metrics.exposition());
    expect(samplesOf(exposition, MetricName.queueSize).map((s) => [s.labels['fairness_id'], s.value])).toEqual([['tenant-b', 7]]);
    expect(samplesOf(exposition, MetricName.queueBytes).map((s) => [s.labels['fairness_id'], s.value])).toEqual([['tenant-b', 700]]);
    metrics.deleteFlowSeries(a); // idempotent
    metrics.deleteFlowSeries(b);
    expect(samplesOf(parseExposition(await metrics.exposition()), MetricName.queueSize)).toEqual([]);
  });

  it('caps fairness ids: overflow flows are summed under "other" and GC frees slots', async () => {
    const metrics = createMetrics({ labelCap: 2 });
    const flow = (fairnessId: string) => ({ pool: 'demo', priority: 0, fairnessId });
    metrics.setFlowQueue(flow('a'), 1, 10);
    metrics.setFlowQueue(flow('b'), 2, 20);
    metrics.setFlowQueue(flow('c'), 3, 30);
    metrics.setFlowQueue(flow('d'), 4, 40);
    const sizes = async () =>
      Object.fromEntries(samplesOf(parseExposition(await metrics.exposition()), MetricName.queueSize).map((s) => [s.labels['fairness_id'], s.value]));
    expect(await sizes()).toEqual({ a: 1, b: 2, other: 7 });
    metrics.setFlowQueue(flow('c'), 0, 0);
    expect(await sizes()).toEqual({ a: 1, b: 2, other: 4 });
    metrics.deleteFlowSeries(flow('c'));
    metrics.deleteFlowSeries(flow('d'));
    expect(await sizes()).toEqual({ a: 1, b: 2 });
    metrics.deleteFlowSeries(flow('a'));
    metrics.setFlowQueue(flow('e'), 9, 90);
    expect(await sizes()).toEqual({ b: 2, e: 9 });
  });

  it('caps model-name label values', () => {
    const metrics = createMetrics({ labelCap: 2 });
    expect(metrics.requestLabels({ modelName: 'm1', targetModelName: 't1' })).toEqual({ model_name: 'm1', target_model_name: 't1' });
    expect(metrics.requestLabels({ modelName: 'm2', targetModelName: 't1', objective: 'gold' })).toEqual({ model_name: 'other', target_model_name: 't1', objective: 'gold' });
  });

  it('deletePodSeries removes an endpoint that left the pool', async () => {
    const metrics = createMetrics();
    metrics.pool.perPodQueueSize.set({ name: 'demo', model_server_pod: 'sim-0' }, 1);
    metrics.pool.perPodQueueSize.set({ name: 'demo', model_server_pod: 'sim-1' }, 2);
    metrics.deletePodSeries('demo', 'sim-0');
    const pods = samplesOf(parseExposition(await metrics.exposition()), MetricName.perPodQueueSize).map((s) => s.labels['model_server_pod']);
    expect(pods).toEqual(['sim-1']);
  });
});
