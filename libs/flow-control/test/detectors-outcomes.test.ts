import { describe, expect, it } from 'vitest';
import { FlowOutcome, concurrencySaturation, outcomeToResponse, utilizationSaturation } from '../src/index.ts';
import type { ConcurrencyDetectorConfig, FlowOutcome as Outcome, UtilizationDetectorConfig } from '../src/index.ts';

const conc = (mode: ConcurrencyDetectorConfig['mode']): ConcurrencyDetectorConfig => ({ type: 'concurrency-detector', mode, maxConcurrency: 10, maxTokenConcurrency: 1000 });
const util: UtilizationDetectorConfig = { type: 'utilization-detector', queueDepthThreshold: 5, kvCacheUtilThreshold: 0.8, metricsStalenessThresholdMs: 200, inFlightCredit: true };

describe('concurrency detector', () => {
  const load = { endpoints: ['a', 'b'], totalLeases: 5, totalTokens: 1500, bound: new Map([['a', { requests: 4, tokens: 100 }]]) };
  it('requests and tokens modes scale with ready endpoints', () => {
    expect(concurrencySaturation(conc('requests'), load)).toBe(5 / 20);
    expect(concurrencySaturation(conc('tokens'), load)).toBe(1500 / 2000);
  });
  it('hybrid: bound on their endpoint, the rest spread, max per endpoint, mean', () => {
    // unbound: 1 request, 1400 tokens → 0.5 / 700 each. a: max(4.5/10, 800/1000) = 0.8; b: max(0.05, 0.7) = 0.7
    expect(concurrencySaturation(conc('hybrid'), load)).toBeCloseTo(0.75, 12);
  });
  it('no endpoints → 1.0; not clamped above 1', () => {
    expect(concurrencySaturation(conc('requests'), { ...load, endpoints: [] })).toBe(1);
    expect(concurrencySaturation(conc('requests'), { ...load, totalLeases: 40 })).toBe(2);
  });
});

describe('utilization detector', () => {
  const now = 10_000;
  it('roofline per endpoint, unweighted mean, stale/missing = 1.0', () => {
    const eps = [
      { name: 'a', waitingQueueSize: 10, kvCacheUsage: 0.4, updatedAtMs: now },
      { name: 'b', waitingQueueSize: 0, kvCacheUsage: 0.4, updatedAtMs: now - 100 },
      { name: 'c', waitingQueueSize: 0, kvCacheUsage: 0, updatedAtMs: now - 201 },
      { name: 'd', waitingQueueSize: undefined, kvCacheUsage: 0.1, updatedAtMs: now },
    ];
    expect(utilizationSaturation({ ...util, inFlightCredit: false }, eps, now, 99)).toBeCloseTo((2 + 0.5 + 1 + 1) / 4, 12);
  });
  it('in-flight credit adds leases / (N · queueDepthThreshold)', () => {
    const eps = [{ name: 'a', waitingQueueSize: 0, kvCacheUsage: 0, updatedAtMs: now }];
    expect(utilizationSaturation(util, eps, now, 3)).toBeCloseTo(0.6, 12);
    expect(utilizationSaturation(util, [], now, 3)).toBe(1);
  });
});

describe('outcome → HTTP (reference §1.7)', () => {
  it.each<[Outcome, boolean, boolean, number, string]>([
    [FlowOutcome.RejectedCapacity, true, false, 429, 'rejected-saturated'],
    [FlowOutcome.RejectedNoEndpoints, false, false, 503, 'rejected-no-endpoints'],
    [FlowOutcome.EvictedTtl, true, false, 429, 'rejected-ttl-expired'],
    [FlowOutcome.EvictedTtl, false, false, 503, 'rejected-no-endpoints'],
    [FlowOutcome.EvictedNoEndpoints, false, false, 503, 'rejected-no-endpoints'],
    [FlowOutcome.EvictedContextCancelled, true, false, 503, 'rejected-context-cancelled'],
    [FlowOutcome.RejectedOther, true, true, 503, 'rejected-shutting-down'],
    [FlowOutcome.EvictedOther, true, true, 503, 'rejected-shutting-down'],
    [FlowOutcome.RejectedOther, true, false, 500, 'rejected-other'],
  ])('%s (endpoints %s, shutting down %s) → %d %s', (outcome, poolHasEndpoints, shuttingDown, status, reason) => {
    expect(outcomeToResponse(outcome, { poolHasEndpoints, shuttingDown })).toEqual({ status, reason });
  });
  it('dispatched is not a drop', () => {
    expect(() => outcomeToResponse(FlowOutcome.Dispatched, { poolHasEndpoints: true })).toThrow();
  });
});
