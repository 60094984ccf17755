import { describe, expect, it } from 'vitest';
import { computeLifecycle, computeLoadSummary, stageWindow } from '../../src/metrics/lifecycle.ts';
import { record } from './record-builder.ts';

const ok1 = record({ index: 0, startTime: 0, endTime: 2, promptTokens: 100, cachedTokens: 64, chunkSpec: [[1, 1], [1.5, 1], [2, 1]] });
const ok2 = record({ index: 1, startTime: 1, endTime: 3, promptTokens: 50, cachedTokens: 0, chunkSpec: [[1.5, 2], [3, 2]] });
const failed = record({ index: 2, startTime: 0.5, endTime: 4, expectedPromptTokens: 70, chunkSpec: [], failure: { status: 503, reason: 'Service Unavailable', message: 'overloaded' } });
const failedAgain = record({ index: 3, startTime: 2, endTime: 2.5, chunkSpec: [], failure: { status: 503, reason: 'Service Unavailable', message: 'overloaded' } });
const timedOut = record({ index: 4, startTime: 2, endTime: 3.5, chunkSpec: [], failure: { status: 0, reason: 'TimeoutError', message: 'no reply in 1.5 s' } });

describe('stage lifecycle metrics', () => {
  const all = [ok1, ok2, failed, failedAgain, timedOut];

  it('throughput divides successes by max end − min start over ALL requests, failures included', () => {
    expect(stageWindow(all)).toBe(4); // min start 0, max end 4 (a failure)
    const s = computeLifecycle(all).successes;
    expect(s.count).toBe(2);
    expect(s.throughput.requests_per_sec).toBeCloseTo(2 / 4, 12);
    expect(s.throughput.input_tokens_per_sec).toBeCloseTo(150 / 4, 12);
    expect(s.throughput.output_tokens_per_sec).toBeCloseTo(7 / 4, 12);
    expect(s.throughput.total_tokens_per_sec).toBeCloseTo(157 / 4, 12);
    expect(s.prompt_tokens).toMatchObject({ total: 150, cached: 64, uncached: 86 });
  });

  it('excludes failures from latency stats and pools ITL across requests', () => {
    const lat = computeLifecycle(all).successes.latency;
    expect(lat.request_latency?.mean).toBeCloseTo(2, 12);
    expect(lat.time_to_first_token?.min).toBeCloseTo(0.5, 12); // ok2: 1.5 − 1
    expect(lat.time_to_first_token?.max).toBeCloseTo(1, 12);
    // ok1 gaps 0.5,0.5; ok2 token times 1.5,1.5,3,3 → gaps 0,1.5,0
    expect(lat.inter_token_latency?.max).toBeCloseTo(1.5, 12);
    expect(lat.inter_token_latency?.mean).toBeCloseTo((0.5 + 0.5 + 0 + 1.5 + 0) / 5, 12);
    // TPOT: ok1 (2−1)/2 = 0.5; ok2 (3−1.5)/3 = 0.5
    expect(lat.time_per_output_token?.median).toBeCloseTo(0.5, 12);
  });

  it('groups failures by "<status> - <reason>" with distinct messages', () => {
    const f = computeLifecycle(all).failures;
    expect(f.count).toBe(3);
    expect(f.by_label).toEqual({
      '503 - Service Unavailable': { count: 2, messages: ['overloaded'] },
      '0 - TimeoutError': { count: 1, messages: ['no reply in 1.5 s'] },
    });
    expect(f.request_latency?.max).toBeCloseTo(3.5, 12);
  });

  it('goodput: global constraints, per-request SLO headers override', () => {
    // ok1 ttft 1.0, ok2 ttft 0.5; constraint ttft ≤ 0.6 → only ok2 good…
    expect(computeLifecycle(all, { ttft: 0.6 }).goodput_metrics).toMatchObject({ good_requests: 1, total_requests: 5, goodput_percentage: 50, request_goodput: 0.25, token_goodput: 1 });
    // …unless ok1 carries x-slo-ttft-ms 1500, which overrides for that request.
    const relaxed = { ...ok1, sloTtft: 1.5 };
    expect(computeLifecycle([relaxed, ok2, failed], { ttft: 0.6 }).goodput_metrics?.good_requests).toBe(2);
    // the itl constraint applies to every gap: ok2 has a 1.5 s gap
    expect(computeLifecycle([ok1, ok2], { itl: 1 }).goodput_metrics?.good_requests).toBe(1);
    expect(computeLifecycle([ok1, ok2]).goodput_metrics).toBeUndefined();
  });
});

describe('load summary (generator honesty check)', () => {
  const at = (scheduled: number, dispatched: number) => record({ scheduledTime: scheduled, dispatchTime: dispatched, startTime: dispatched, endTime: dispatched + 1 });

  it('is valid when the generator kept up', () => {
    const records = [at(0.5, 0.501), at(1, 1.002), at(1.5, 1.5), at(2, 2.001)];
    const s = computeLoadSummary(records, { stageStart: 0, requestedRate: 2, plannedSpan: 2, limitedBy: null });
    expect(s.achieved_rate).toBeCloseTo(4 / 2.001, 9);
    expect(s.schedule_delay?.median).toBeCloseTo(0.001, 9);
    expect(s.valid).toBe(true);
  });

  it('marks a lagging generator invalid (median delay > 10 ms)', () => {
    const s = computeLoadSummary([at(0.5, 0.55), at(1, 1.05), at(2, 2.01)], { stageStart: 0, requestedRate: 1.5, plannedSpan: 2, limitedBy: null });
    expect(s.valid).toBe(false);
    expect(s.invalid_reasons[0]).toMatch(/median schedule delay 50\.0 ms/);
  });

  it('marks achieved < 90 % of planned invalid, unless a concurrency cap held sends back', () => {
    // planned: 2 sends by 0.1 s (20/s); the second actually left at 4 s (0.5/s)
    const records = [record({ scheduledTime: 0, dispatchTime: 0, startTime: 0 }), record({ scheduledTime: 0.1, dispatchTime: 0.1, startTime: 4 })];
    const lagging = computeLoadSummary(records, { stageStart: 0, requestedRate: 10, plannedSpan: 0.1, limitedBy: null });
    expect(lagging.planned_rate).toBeCloseTo(20, 9);
    expect(lagging.achieved_rate).toBeCloseTo(0.5, 9);
    expect(lagging.valid).toBe(false);
    expect(computeLoadSummary(records, { stageStart: 0, requestedRate: 10, plannedSpan: 0.1, limitedBy: 'concurrency' }).valid).toBe(true);
  });

  it('a Poisson stage that drew fewer requests than rate × duration is not a lagging generator', () => {
    // requested 3/s over 8 s (24 expected); the seeded draw planned 21, last at 7.9 s, sent on time
    const records = Array.from({ length: 21 }, (_, i) => at(((i + 1) * 7.9) / 21, ((i + 1) * 7.9) / 21 + 0.001));
    const s = computeLoadSummary(records, { stageStart: 0, requestedRate: 3, plannedSpan: 7.9, limitedBy: null });
    expect(s.valid).toBe(true);
    expect(s.achieved_rate).toBeLessThan(0.9 * 3);
  });
});
