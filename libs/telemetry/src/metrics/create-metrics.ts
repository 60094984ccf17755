import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { FastCounter, FastHistogram } from './fast-metrics.ts';
import { LabelCap } from './label-cap.ts';
import { Buckets, MetricName, OTHER_LABEL_VALUE, type FlowOutcome } from './metric-names.ts';

/** Identifies one flow-control queue: (fairness id, priority) within a pool. */
export interface FlowSeriesKey {
  readonly pool: string;
  readonly priority: number;
  readonly fairnessId: string;
}

export interface RequestLabelInput {
  readonly modelName: string;
  readonly targetModelName: string;
  /** Objective name when the request named one. */
  readonly objective?: string | undefined;
}

export interface CreateMetricsOptions {
  /** Registry to register on. Default: a new Registry (never prom-client's global one). */
  readonly registry?: Registry;
  /** Max distinct values per client-derived label (fairness_id, model names). Default 1000. */
  readonly labelCap?: number;
  /** Also register Node process metrics (CPU, heap, event-loop lag). Default false. */
  readonly processMetrics?: boolean;
}

type FlowLabel = 'priority' | 'fairness_id' | 'inference_pool';
type RequestLabel = 'model_name' | 'target_model_name' | 'objective';

/**
 * Creates every Sluice metric on one registry. Holds no module state: call once per process (or
 * per test). The raw prom-client instruments are exposed for direct use; the helper methods
 * handle label capping and the per-flow series lifecycle.
 */
export function createMetrics(options: CreateMetricsOptions = {}) {
  const registry = options.registry ?? new Registry();
  const registers = [registry];
  if (options.processMetrics === true) collectDefaultMetrics({ register: registry });
  const labelCap = options.labelCap ?? 1000;

  const flowControl = {
    /** Requests queued per flow. */
    queueSize: new Gauge<FlowLabel>({ name: MetricName.queueSize, help: 'Requests waiting in flow control, per flow (fairness id, priority).', labelNames: ['priority', 'fairness_id', 'inference_pool'], registers }),
    /** Request body bytes queued per flow. */
    queueBytes: new Gauge<FlowLabel>({ name: MetricName.queueBytes, help: 'Request body bytes waiting in flow control, per flow.', labelNames: ['priority', 'fairness_id', 'inference_pool'], registers }),
    /** Seconds from arrival to the flow-control decision, by outcome. */
    requestQueueDuration: new FastHistogram<'outcome' | 'priority' | 'inference_pool'>({
      name: MetricName.requestQueueDuration,
      help: 'Seconds a request spent in flow control before its outcome (Dispatched, Rejected*, Evicted*).',
      labelNames: ['outcome', 'priority', 'inference_pool'],
      buckets: [...Buckets.queueDurationSeconds],
      registers,
    }),
    requests: new FastCounter<'outcome' | 'priority' | 'inference_pool'>({ name: MetricName.flowControlRequests, help: 'Flow-control decisions, by outcome.', labelNames: ['outcome', 'priority', 'inference_pool'], registers }),
    /** Saturation as the detector computes it; >= 1 means saturated. */
    poolSaturation: new Gauge<'inference_pool'>({ name: MetricName.poolSaturation, help: 'Pool saturation reported by the saturation detector (1.0 = saturated).', labelNames: ['inference_pool'], registers }),
    leasesInFlight: new Gauge<'inference_pool'>({ name: MetricName.leasesInFlight, help: 'Dispatched requests holding a lease (global across replicas).', labelNames: ['inference_pool'], registers }),
    dispatchBatchSize: new FastHistogram<'inference_pool'>({ name: MetricName.dispatchBatchSize, help: 'Requests released by one dispatch call.', labelNames: ['inference_pool'], buckets: [...Buckets.dispatchBatchSize], registers }),
    reapedLeases: new Counter<'inference_pool' | 'reason'>({ name: MetricName.reapedLeases, help: 'Leases reclaimed by the reaper (expired lease or dead replica).', labelNames: ['inference_pool', 'reason'], registers }),
  };

  const redis = {
    /** Redis mode: script calls that left in one socket write (one event-loop turn's batch). */
    scriptCallsPerWrite: new FastHistogram({
      name: MetricName.redisScriptCallsPerWrite,
      help: 'Redis script calls sent in one socket write: the calls a replica made in one event-loop turn (Redis mode).',
      buckets: [...Buckets.scriptCallsPerWrite],
      registers,
    }),
  };

  const requestLabels: RequestLabel[] = ['model_name', 'target_model_name', 'objective'];
  const requests = {
    total: new FastCounter<RequestLabel>({ name: MetricName.requestTotal, help: 'Requests received, per model and objective.', labelNames: requestLabels, registers }),
    errors: new FastCounter<RequestLabel | 'error_code'>({ name: MetricName.requestErrorTotal, help: 'Requests that failed, per error code.', labelNames: [...requestLabels, 'error_code'], registers }),
    duration: new FastHistogram<RequestLabel>({ name: MetricName.requestDuration, help: 'End-to-end request seconds, as seen by the router.', labelNames: requestLabels, buckets: [...Buckets.requestDurationSeconds], registers }),
    ttft: new FastHistogram<RequestLabel>({ name: MetricName.requestTtft, help: 'Seconds from request arrival to the first streamed token.', labelNames: requestLabels, buckets: [...Buckets.ttftSeconds], registers }),
    tpot: new FastHistogram<RequestLabel>({ name: MetricName.requestTpot, help: 'Mean seconds per output token after the first (per request).', labelNames: requestLabels, buckets: [...Buckets.tpotSeconds], registers }),
  };

  const pool = {
    readyPods: new Gauge<'name'>({ name: MetricName.readyPods, help: 'Endpoints that pass health checks.', labelNames: ['name'], registers }),
    /** Kubernetes discovery watch restarts; reason: rewatch (stream ended), relist (410 Gone), error (retried after backoff). */
    discoveryWatchRestarts: new Counter<'name' | 'resource' | 'reason'>({ name: MetricName.discoveryWatchRestarts, help: 'Kubernetes discovery watch restarts, by resource and reason (rewatch, relist, error).', labelNames: ['name', 'resource', 'reason'], registers }),
    averageKvCacheUtilization: new Gauge<'name'>({ name: MetricName.averageKvCacheUtilization, help: 'Mean KV-cache utilization (0..1) over ready endpoints.', labelNames: ['name'], registers }),
    averageQueueSize: new Gauge<'name'>({ name: MetricName.averageQueueSize, help: 'Mean engine waiting-queue length over ready endpoints.', labelNames: ['name'], registers }),
    perPodQueueSize: new Gauge<'name' | 'model_server_pod'>({ name: MetricName.perPodQueueSize, help: 'Engine waiting-queue length per endpoint.', labelNames: ['name', 'model_server_pod'], registers }),
  };

  const scheduler = {
    e2eDuration: new FastHistogram({ name: MetricName.schedulerE2eDuration, help: 'Seconds spent picking an endpoint (filters, scorers, picker).', buckets: [...Buckets.schedulerSeconds], registers }),
    pluginDuration: new FastHistogram<'extension_point' | 'plugin_type' | 'plugin_name'>({
      name: MetricName.pluginDuration,
      help: 'Seconds spent in one scheduling plugin call.',
      labelNames: ['extension_point', 'plugin_type', 'plugin_name'],
      buckets: [...Buckets.pluginSeconds],
      registers,
    }),
    prefixIndexerHitRatio: new FastHistogram({ name: MetricName.prefixIndexerHitRatio, help: 'Fraction of prompt blocks found in the prefix index for the picked endpoint.', buckets: [...Buckets.ratio], registers }),
    prefixIndexerSize: new Gauge({ name: MetricName.prefixIndexerSize, help: 'Blocks held in the prefix index.', registers }),
    /** Seconds a request waited for the prefix index after admission (the lookup runs alongside the admit; redone after a queue wait). */
    prefixIndexAddedLatency: new FastHistogram({
      name: MetricName.prefixIndexAddedLatency,
      help: 'Seconds a request waited for the prefix-index lookup after flow control admitted it (0 when the lookup, sent with the admit, had already answered).',
      buckets: [...Buckets.schedulerSeconds],
      registers,
    }),
  };

  const auth = {
    /** Authentication outcomes: ok, anonymous, missing, invalid, forbidden, unavailable. */
    requests: new FastCounter<'mode' | 'outcome'>({ name: MetricName.authRequests, help: 'Inference requests by authentication outcome.', labelNames: ['mode', 'outcome'], registers }),
    /** Client-sent control headers ignored outside trusted-headers mode (header: its lower-case name, or other). */
    spoofedHeaders: new Counter<'header'>({ name: MetricName.authSpoofedHeaders, help: 'Control headers sent by clients and ignored (auth.mode is not trusted-headers).', labelNames: ['header'], registers }),
    /** Requests that asked for an objective above their credential's ceiling (clamped, or 403 when clamping is off). */
    priorityClamped: new Counter<'tenant' | 'action'>({ name: MetricName.authPriorityClamped, help: 'Requests that asked for a priority above their credential allows, by tenant and action (clamped, rejected).', labelNames: ['tenant', 'action'], registers }),
    /** Admin/dashboard requests refused (missing or wrong admin credential). */
    adminDenied: new Counter({ name: MetricName.authAdminDenied, help: 'Requests to /admin or /dashboard refused for a missing or wrong admin credential.', registers }),
  };
  /** Requests refused by input hardening (reason: json_depth, prompt_too_large, body_too_large, header_too_large). */
  const inputRejected = new Counter<'reason'>({ name: MetricName.inputRejected, help: 'Requests refused by input limits, by reason.', labelNames: ['reason'], registers });
  /** Fleet-wide per-tenant rate limits (tenant labels via tenantLabel()). */
  const rateLimits = {
    /** Requests refused with 429, by tenant and limit (requests, tokens). */
    limited: new Counter<'tenant' | 'limit'>({ name: MetricName.tenantRateLimited, help: 'Requests refused by a tenant rate limit, by tenant and limit (requests, tokens).', labelNames: ['tenant', 'limit'], registers }),
    /** Tokens reserved at admission (prompt estimate + max_tokens). */
    reservedTokens: new Counter<'tenant'>({ name: MetricName.tenantReservedTokens, help: 'Tokens reserved against tenant token limits at admission.', labelNames: ['tenant'], registers }),
    /** Reserved tokens given back on settlement (reserved minus actual, when positive). */
    refundedTokens: new Counter<'tenant'>({ name: MetricName.tenantRefundedTokens, help: 'Reserved tokens refunded when a request settled with its actual usage.', labelNames: ['tenant'], registers }),
    /** Reservations this replica holds that are not settled yet (0 when idle: nothing leaks). */
    outstanding: new Gauge({ name: MetricName.tenantOutstandingReservations, help: 'Rate-limit reservations held by this replica and not yet settled.', registers }),
    /** Requests without max_tokens under a token limit, sent upstream with the reserved output as max_tokens. */
    outputCapped: new Counter<'tenant'>({ name: MetricName.tenantOutputCapped, help: 'Requests without max_tokens under a tenant token limit, sent upstream with the reserved output as max_tokens.', labelNames: ['tenant'], registers }),
  };
  const tenants = new LabelCap(labelCap);

  // Label objects of the per-request metrics, one per distinct label set: the fast metrics find a
  // series by the object's identity (fast-metrics.ts), so the request path builds no key per call.
  const requestLabelSets = new Map<string, Readonly<Partial<Record<RequestLabel, string>>>>();
  const flowOutcomeLabelSets = new Map<string, Readonly<Record<'outcome' | 'priority' | 'inference_pool', string>>>();
  const fairnessIds = new LabelCap(labelCap);
  const modelNames = new LabelCap(labelCap);
  /** Flow → label used; flows under `other` also keep their own values to sum them. */
  const flowLabel = new Map<string, string>();
  const overflowFlows = new Map<string, { readonly key: FlowSeriesKey; size: number; bytes: number }>();
  const flowId = (key: FlowSeriesKey) => `${key.pool}\u0000${key.priority}\u0000${key.fairnessId}`;
  const labelsOf = (key: FlowSeriesKey, fairnessLabel: string) => ({ priority: String(key.priority), fairness_id: fairnessLabel, inference_pool: key.pool });

  const setOverflowSums = (pool: string, priority: number) => {
    let size = 0;
    let bytes = 0;
    let any = false;
    for (const flow of overflowFlows.values()) {
      if (flow.key.pool !== pool || flow.key.priority !== priority) continue;
      size += flow.size;
      bytes += flow.bytes;
      any = true;
    }
    const labels = { priority: String(priority), fairness_id: OTHER_LABEL_VALUE, inference_pool: pool };
    if (any) {
      flowControl.queueSize.set(labels, size);
      flowControl.queueBytes.set(labels, bytes);
    } else {
      flowControl.queueSize.remove(labels);
      flowControl.queueBytes.remove(labels);
    }
  };

  return {
    registry,
    flowControl,
    redis,
    requests,
    pool,
    scheduler,
    auth,
    inputRejected,
    rateLimits,

    /** A tenant label value, capped like fairness ids (beyond the cap: "other"). */
    tenantLabel(tenant: string): string {
      return tenants.peek(tenant);
    },

    /**
     * Publishes one flow's queue length and queued bytes. The first `labelCap` fairness ids get
     * their own series; later ones are summed under fairness_id="other".
     */
    setFlowQueue(key: FlowSeriesKey, size: number, bytes: number): void {
      const id = flowId(key);
      let label = flowLabel.get(id);
      if (label === undefined) {
        label = fairnessIds.acquire(key.fairnessId);
        flowLabel.set(id, label);
      }
      if (label === OTHER_LABEL_VALUE && key.fairnessId !== OTHER_LABEL_VALUE) {
        overflowFlows.set(id, { key, size, bytes });
        setOverflowSums(key.pool, key.priority);
        return;
      }
      flowControl.queueSize.set(labelsOf(key, label), size);
      flowControl.queueBytes.set(labelsOf(key, label), bytes);
    },

    /** Removes a flow's queue series (call when flow control garbage-collects the flow). */
    deleteFlowSeries(key: FlowSeriesKey): void {
      const id = flowId(key);
      const label = flowLabel.get(id);
      if (label === undefined) return;
      flowLabel.delete(id);
      if (label === OTHER_LABEL_VALUE && key.fairnessId !== OTHER_LABEL_VALUE) {
        overflowFlows.delete(id);
        setOverflowSums(key.pool, key.priority);
        return;
      }
      flowControl.queueSize.remove(labelsOf(key, label));
      flowControl.queueBytes.remove(labelsOf(key, label));
      fairnessIds.release(key.fairnessId);
    },

    /** Removes the per-endpoint series of an endpoint that left the pool. */
    deletePodSeries(poolName: string, pod: string): void {
      pool.perPodQueueSize.remove({ name: poolName, model_server_pod: pod });
    },

    /** Request-metric labels with model names capped (beyond the cap: "other"). */
    requestLabels(input: RequestLabelInput): Readonly<Partial<Record<RequestLabel, string>>> {
      const model = modelNames.peek(input.modelName);
      const target = modelNames.peek(input.targetModelName);
      const key = input.objective === undefined ? `${model}\u0000${target}` : `${model}\u0000${target}\u0000${input.objective}`;
      return internedLabels(requestLabelSets, key, () => {
        const labels: Partial<Record<RequestLabel, string>> = { model_name: model, target_model_name: target };
        if (input.objective !== undefined) labels.objective = input.objective;
        return labels;
      });
    },

    observeFlowOutcome(pool: string, priority: number, outcome: FlowOutcome, waitSeconds: number): void {
      const labels = internedLabels(flowOutcomeLabelSets, `${pool}\u0000${priority}\u0000${outcome}`, () => ({ outcome, priority: String(priority), inference_pool: pool }));
      flowControl.requests.inc(labels);
      flowControl.requestQueueDuration.observe(labels, waitSeconds);
    },

    /** Prometheus text exposition of every metric on the registry. */
    exposition(): Promise<string> {
      return registry.metrics();
    },

    contentType: registry.contentType,
  };
}

export type SluiceMetrics = ReturnType<typeof createMetrics>;

/** Label sets kept per interning map before it is cleared (bounds memory under label churn). */
const MAX_INTERNED_LABEL_SETS = 4096;

/** The label object interned under `key`, built by `build` on first use. */
function internedLabels<T extends object>(sets: Map<string, T>, key: string, build: () => T): T {
  let labels = sets.get(key);
  if (labels === undefined) {
    labels = build();
    if (sets.size >= MAX_INTERNED_LABEL_SETS) sets.clear();
    sets.set(key, labels);
  }
  return labels;
}
