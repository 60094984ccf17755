import type { RequestMetrics } from './per-request.ts';
import type { RequestRecord } from './request-record.ts';

/**
 * Goodput constraints, seconds (inference-perf's `report.goodput.constraints`).
 * A request is good when it succeeded and meets every constraint that is set:
 * ttft ≤ ttft, tpot ≤ tpot, ntpot ≤ ntpot, request_latency ≤ request_latency, and every
 * inter-token gap of the request ≤ itl. Per-request SLO headers (x-slo-ttft-ms / x-slo-tpot-ms)
 * override the ttft / tpot constraints for that request. A constraint on a metric the request
 * does not have (TTFT of a 1-token reply) is treated as met, as vLLM bench does for TPOT.
 */
export interface GoodputConstraints {
  ttft?: number;
  tpot?: number;
  itl?: number;
  ntpot?: number;
  request_latency?: number;
}

export interface GoodputMetrics {
  constraints: GoodputConstraints;
  /** Good requests per second over the stage window. */
  request_goodput: number;
  /** Output tokens of good requests per second over the stage window. */
  token_goodput: number;
  /** Good requests as a percentage of successes (0 when there are none). */
  goodput_percentage: number;
  good_requests: number;
  total_requests: number;
}

export function isGood(record: RequestRecord, metrics: RequestMetrics, constraints: GoodputConstraints): boolean {
  if (record.failure !== null) return false;
  const ttftLimit = record.sloTtft ?? constraints.ttft;
  const tpotLimit = record.sloTpot ?? constraints.tpot;
  if (ttftLimit !== undefined && metrics.ttft !== null && metrics.ttft > ttftLimit) return false;
  if (tpotLimit !== undefined && metrics.tpot !== null && metrics.tpot > tpotLimit) return false;
  if (constraints.ntpot !== undefined && metrics.ntpot !== null && metrics.ntpot > constraints.ntpot) return false;
  if (constraints.request_latency !== undefined && metrics.requestLatency > constraints.request_latency) return false;
  if (constraints.itl !== undefined) {
    const limit = constraints.itl;
    if (metrics.itl.some((gap) => gap > limit)) return false;
  }
  return true;
}

/** True when a goodput section should be reported: constraints set, or any request carries SLO headers. */
export function hasGoodputConstraints(constraints: GoodputConstraints | undefined, records: readonly RequestRecord[]): boolean {
  if (constraints !== undefined && Object.keys(constraints).length > 0) return true;
  return records.some((r) => r.sloTtft !== null || r.sloTpot !== null);
}
