import { summarize } from '../stats/summarize.ts';
import type { Summary } from '../stats/summarize.ts';
import { DEFAULT_SERVICE_WEIGHTS, jainIndex } from './fairness.ts';
import type { ServiceWeights } from './fairness.ts';
import { stageWindow } from './lifecycle.ts';
import { requestMetrics } from './per-request.ts';
import type { RequestRecord } from './request-record.ts';

/**
 * Per-group views of one stage (group = tenant, objective class or served endpoint).
 * Rates use the whole stage window (see lifecycle.ts), so groups' rates add up to the stage's.
 */
export interface GroupBreakdown {
  requests: number;
  successes: number;
  failures: number;
  time_to_first_token: Summary | null;
  time_per_output_token: Summary | null;
  request_latency: Summary | null;
  input_tokens: number;
  output_tokens: number;
  cached_tokens: number;
  requests_per_sec: number;
  output_tokens_per_sec: number;
}

/** Which label a record is grouped under; null labels are grouped as `(none)`. */
export type GroupKey = (record: RequestRecord) => string | null;

export const NO_GROUP = '(none)';

export function breakdownBy(records: readonly RequestRecord[], key: GroupKey): Record<string, GroupBreakdown> {
  const window = stageWindow(records);
  const groups = new Map<string, RequestRecord[]>();
  for (const r of records) {
    const label = key(r) ?? NO_GROUP;
    let list = groups.get(label);
    if (list === undefined) groups.set(label, (list = []));
    list.push(r);
  }
  const result: Record<string, GroupBreakdown> = {};
  for (const label of [...groups.keys()].sort()) {
    const list = groups.get(label) as RequestRecord[];
    const ok = list.filter((r) => r.failure === null);
    const metrics = ok.map(requestMetrics);
    const outputTokens = metrics.reduce((s, x) => s + x.outputTokens, 0);
    result[label] = {
      requests: list.length,
      successes: ok.length,
      failures: list.length - ok.length,
      time_to_first_token: summarize(metrics.flatMap((x) => (x.ttft === null ? [] : [x.ttft]))),
      time_per_output_token: summarize(metrics.flatMap((x) => (x.tpot === null ? [] : [x.tpot]))),
      request_latency: summarize(metrics.map((x) => x.requestLatency)),
      input_tokens: ok.reduce((s, r) => s + (r.promptTokens ?? r.expectedPromptTokens), 0),
      output_tokens: outputTokens,
      cached_tokens: ok.reduce((s, r) => s + (r.cachedTokens ?? 0), 0),
      requests_per_sec: window > 0 ? ok.length / window : 0,
      output_tokens_per_sec: window > 0 ? outputTokens / window : 0,
    };
  }
  return result;
}

/**
 * Fairness across tenants in one stage.
 * service_i = Σ over tenant i's successes of (w_in·prompt_tokens + w_out·completion_tokens), per second of stage window.
 * demand_i  = Σ over every request tenant i sent (failures too) of (w_in·prompt_tokens + w_out·max_tokens), per second.
 * Two normalizations, both reported:
 * - by_weight: x_i = service_i / weight_i (weight = the tenant's fairness weight, default 1). This is
 *   what a weighted-fair scheduler equalizes among backlogged tenants; it is the headline `jain`.
 * - by_demand: x_i = service_i / demand_i, the fraction of what the tenant asked for that it got.
 */
export interface TenantService {
  weight: number;
  service_tokens_per_sec: number;
  demand_tokens_per_sec: number;
  normalized_by_weight: number;
  normalized_by_demand: number;
}

export interface FairnessSection {
  service_weights: ServiceWeights;
  tenants: Record<string, TenantService>;
  jain: number | null;
  jain_by_demand: number | null;
}

export function computeFairness(
  records: readonly RequestRecord[],
  tenantWeights: Readonly<Record<string, number>>,
  weights: ServiceWeights = DEFAULT_SERVICE_WEIGHTS,
): FairnessSection | null {
  const tenanted = records.filter((r) => r.tenant !== null);
  if (tenanted.length === 0) return null;
  const window = stageWindow(records);
  const service = new Map<string, number>();
  const demand = new Map<string, number>();
  for (const r of tenanted) {
    const tenant = r.tenant as string;
    demand.set(tenant, (demand.get(tenant) ?? 0) + weights.input * r.expectedPromptTokens + weights.output * r.maxTokens);
    if (r.failure === null) {
      const m = requestMetrics(r);
      const prompt = r.promptTokens ?? r.expectedPromptTokens;
      service.set(tenant, (service.get(tenant) ?? 0) + weights.input * prompt + weights.output * m.outputTokens);
    }
  }
  const tenants: Record<string, TenantService> = {};
  for (const name of [...demand.keys()].sort()) {
    const weight = tenantWeights[name] ?? 1;
    const s = window > 0 ? (service.get(name) ?? 0) / window : 0;
    const d = window > 0 ? (demand.get(name) ?? 0) / window : 0;
    tenants[name] = { weight, service_tokens_per_sec: s, demand_tokens_per_sec: d, normalized_by_weight: s / weight, normalized_by_demand: d > 0 ? s / d : 0 };
  }
  const list = Object.values(tenants);
  return {
    service_weights: weights,
    tenants,
    jain: jainIndex(list.map((t) => t.normalized_by_weight)),
    jain_by_demand: jainIndex(list.map((t) => t.normalized_by_demand)),
  };
}

/**
 * Per-tenant service over time: weighted tokens of successes, bucketed by completion time
 * (bucket width `bucketSeconds`, time relative to `origin`), as tokens per second per bucket.
 */
export interface ServiceTimeline {
  bucket_seconds: number;
  /** Bucket start times, seconds from origin. */
  times: number[];
  tenants: Record<string, number[]>;
}

export function serviceTimeline(records: readonly RequestRecord[], origin: number, bucketSeconds: number, weights: ServiceWeights = DEFAULT_SERVICE_WEIGHTS): ServiceTimeline {
  const done = records.filter((r) => r.tenant !== null && r.failure === null);
  const lastEnd = done.reduce((max, r) => Math.max(max, r.endTime - origin), 0);
  const buckets = Math.max(1, Math.ceil(lastEnd / bucketSeconds));
  const tenants: Record<string, number[]> = {};
  for (const r of records) if (r.tenant !== null) tenants[r.tenant] ??= new Array<number>(buckets).fill(0);
  for (const r of done) {
    const index = Math.min(buckets - 1, Math.max(0, Math.floor((r.endTime - origin) / bucketSeconds)));
    const series = tenants[r.tenant as string] as number[];
    const tokens = weights.input * (r.promptTokens ?? r.expectedPromptTokens) + weights.output * requestMetrics(r).outputTokens;
    series[index] = (series[index] as number) + tokens / bucketSeconds;
  }
  return { bucket_seconds: bucketSeconds, times: Array.from({ length: buckets }, (_, i) => i * bucketSeconds), tenants };
}
