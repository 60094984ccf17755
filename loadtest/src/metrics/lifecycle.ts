import { summarize, median } from '../stats/summarize.ts';
import type { Summary } from '../stats/summarize.ts';
import { hasGoodputConstraints, isGood } from './goodput.ts';
import type { GoodputConstraints, GoodputMetrics } from './goodput.ts';
import { requestMetrics } from './per-request.ts';
import type { RequestMetrics } from './per-request.ts';
import { failureLabel } from './request-record.ts';
import type { RequestRecord } from './request-record.ts';

/**
 * Stage metrics in inference-perf's lifecycle shape. Every duration is seconds, every rate per second.
 * Throughput denominators are the stage window: max(endTime) − min(startTime) over ALL requests
 * (failures included), as inference-perf does.
 */
export interface LatencySection {
  request_latency: Summary | null;
  normalized_time_per_output_token: Summary | null;
  time_per_output_token: Summary | null;
  time_to_first_token: Summary | null;
  inter_token_latency: Summary | null;
}

export interface ThroughputSection {
  input_tokens_per_sec: number;
  output_tokens_per_sec: number;
  total_tokens_per_sec: number;
  requests_per_sec: number;
}

export interface SuccessesSection {
  count: number;
  latency: LatencySection;
  throughput: ThroughputSection;
  prompt_tokens: (Summary & { total: number; cached: number; uncached: number }) | { total: 0; cached: 0; uncached: 0 };
  output_len: Summary | null;
  output_tokens: Summary | null;
  token_count_mismatches: number;
}

export interface FailuresSection {
  count: number;
  request_latency: Summary | null;
  prompt_tokens: Summary | null;
  by_label: Record<string, { count: number; messages: string[] }>;
}

export interface LifecycleSection {
  successes: SuccessesSection;
  failures: FailuresSection;
  goodput_metrics?: GoodputMetrics;
}

/** How many distinct messages a failure label keeps (the count keeps counting past it). */
export const MAX_MESSAGES_PER_LABEL = 10;

/** max(endTime) − min(startTime) over all records, or 0 for none. */
export function stageWindow(records: readonly RequestRecord[]): number {
  if (records.length === 0) return 0;
  let minStart = Infinity;
  let maxEnd = -Infinity;
  for (const r of records) {
    if (r.startTime < minStart) minStart = r.startTime;
    if (r.endTime > maxEnd) maxEnd = r.endTime;
  }
  return Math.max(0, maxEnd - minStart);
}

function perSecond(amount: number, window: number): number {
  return window > 0 ? amount / window : 0;
}

export function computeLifecycle(records: readonly RequestRecord[], goodput?: GoodputConstraints): LifecycleSection {
  const window = stageWindow(records);
  const successes = records.filter((r) => r.failure === null);
  const failures = records.filter((r) => r.failure !== null);
  const metrics = new Map<RequestRecord, RequestMetrics>();
  for (const r of successes) metrics.set(r, requestMetrics(r));
  const m = (r: RequestRecord): RequestMetrics => metrics.get(r) as RequestMetrics;

  const ttft: number[] = [];
  const tpot: number[] = [];
  const ntpot: number[] = [];
  const itl: number[] = [];
  const latency: number[] = [];
  const promptTokens: number[] = [];
  const outputTokens: number[] = [];
  let inputTotal = 0;
  let outputTotal = 0;
  let cachedTotal = 0;
  let mismatches = 0;
  for (const r of successes) {
    const x = m(r);
    latency.push(x.requestLatency);
    if (x.ttft !== null) ttft.push(x.ttft);
    if (x.tpot !== null) tpot.push(x.tpot);
    if (x.ntpot !== null) ntpot.push(x.ntpot);
    for (const gap of x.itl) itl.push(gap);
    const prompt = r.promptTokens ?? r.expectedPromptTokens;
    promptTokens.push(prompt);
    outputTokens.push(x.outputTokens);
    inputTotal += prompt;
    outputTotal += x.outputTokens;
    cachedTotal += r.cachedTokens ?? 0;
    if (x.tokenCountMismatch) mismatches++;
  }

  const promptSummary = summarize(promptTokens);
  const byLabel: FailuresSection['by_label'] = {};
  for (const r of failures) {
    const failure = r.failure;
    if (failure === null) continue;
    const label = failureLabel(failure);
    const entry = (byLabel[label] ??= { count: 0, messages: [] });
    entry.count++;
    if (entry.messages.length < MAX_MESSAGES_PER_LABEL && !entry.messages.includes(failure.message)) entry.messages.push(failure.message);
  }

  const section: LifecycleSection = {
    successes: {
      count: successes.length,
      latency: {
        request_latency: summarize(latency),
        normalized_time_per_output_token: summarize(ntpot),
        time_per_output_token: summarize(tpot),
        time_to_first_token: summarize(ttft),
        inter_token_latency: summarize(itl),
      },
      throughput: {
        input_tokens_per_sec: perSecond(inputTotal, window),
        output_tokens_per_sec: perSecond(outputTotal, window),
        total_tokens_per_sec: perSecond(inputTotal + outputTotal, window),
        requests_per_sec: perSecond(successes.length, window),
      },
      prompt_tokens: promptSummary === null ? { total: 0, cached: 0, uncached: 0 } : { ...promptSummary, total: inputTotal, cached: cachedTotal, uncached: inputTotal - cachedTotal },
      output_len: summarize(successes.map((r) => r.outputText.length)),
      output_tokens: summarize(outputTokens),
      token_count_mismatches: mismatches,
    },
    failures: {
      count: failures.length,
      request_latency: summarize(failures.map((r) => r.endTime - r.startTime)),
      prompt_tokens: summarize(failures.map((r) => r.expectedPromptTokens)),
      by_label: byLabel,
    },
  };

  if (hasGoodputConstraints(goodput, records)) {
    const constraints = goodput ?? {};
    const good = successes.filter((r) => isGood(r, m(r), constraints));
    const goodTokens = good.reduce((sum, r) => sum + m(r).outputTokens, 0);
    section.goodput_metrics = {
      constraints,
      request_goodput: perSecond(good.length, window),
      token_goodput: perSecond(goodTokens, window),
      goodput_percentage: successes.length > 0 ? (100 * good.length) / successes.length : 0,
      good_requests: good.length,
      total_requests: records.length,
    };
  }
  return section;
}

/**
 * The generator's honesty check (inference-perf's load_summary, plus a verdict).
 * schedule_delay = dispatchTime − scheduledTime (generator lag; not the wait for a concurrency
 * slot or a session's previous round). send_duration = last startTime − stage start.
 * achieved_rate = count / send_duration; planned_rate = count / (last planned send offset), the
 * rate the seeded schedule itself asked for (a Poisson stage draws a random count, so this, not
 * the configured rate, is what the sends must keep up with). The stage is invalid when the
 * median schedule delay exceeds 10 ms, or when achieved < 90 % of planned while nothing (a
 * concurrency cap, a multi-turn session) legitimately held requests back.
 */
export interface LoadSummary {
  count: number;
  schedule_delay: Summary | null;
  send_duration: number;
  requested_rate: number | null;
  planned_rate: number | null;
  achieved_rate: number;
  /** What held sends back on purpose, if anything: `concurrency` cap or `sessions` (multi-turn). */
  limited_by: 'concurrency' | 'sessions' | null;
  valid: boolean;
  invalid_reasons: string[];
}

export const MAX_MEDIAN_SCHEDULE_DELAY_S = 0.01;
export const MIN_ACHIEVED_FRACTION = 0.9;

export interface LoadSummaryInput {
  stageStart: number;
  requestedRate: number | null;
  /** Offset of the last planned send from stageStart (open-loop stages), else null. */
  plannedSpan: number | null;
  limitedBy: 'concurrency' | 'sessions' | null;
}

export function computeLoadSummary(records: readonly RequestRecord[], input: LoadSummaryInput): LoadSummary {
  const delays = records.filter((r) => r.scheduledTime !== null).map((r) => r.dispatchTime - (r.scheduledTime as number));
  const lastStart = records.reduce((max, r) => Math.max(max, r.startTime), input.stageStart);
  const sendDuration = Math.max(0, lastStart - input.stageStart);
  const achieved = sendDuration > 0 ? records.length / sendDuration : 0;
  const reasons: string[] = [];
  const medianDelay = median(delays);
  if (delays.length > 0 && medianDelay > MAX_MEDIAN_SCHEDULE_DELAY_S) {
    reasons.push(`median schedule delay ${(medianDelay * 1000).toFixed(1)} ms > ${MAX_MEDIAN_SCHEDULE_DELAY_S * 1000} ms`);
  }
  const planned = input.plannedSpan !== null && input.plannedSpan > 0 ? records.length / input.plannedSpan : null;
  if (planned !== null && input.limitedBy === null && records.length > 1 && achieved < MIN_ACHIEVED_FRACTION * planned) {
    reasons.push(`achieved rate ${achieved.toFixed(2)}/s < ${MIN_ACHIEVED_FRACTION * 100}% of planned ${planned.toFixed(2)}/s`);
  }
  return {
    count: records.length,
    schedule_delay: summarize(delays),
    send_duration: sendDuration,
    requested_rate: input.requestedRate,
    planned_rate: planned,
    achieved_rate: achieved,
    limited_by: input.limitedBy,
    valid: reasons.length === 0,
    invalid_reasons: reasons,
  };
}
