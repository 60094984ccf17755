import { describe, expect, it } from 'vitest';
import { breakdownBy, computeFairness, serviceTimeline } from '../../src/metrics/breakdowns.ts';
import { jainIndex } from '../../src/metrics/fairness.ts';
import { record } from './record-builder.ts';

describe("Jain's fairness index", () => {
  it('matches hand-computed values', () => {
    expect(jainIndex([1, 1, 1, 1])).toBe(1);
    expect(jainIndex([1, 0, 0, 0])).toBe(0.25);
    // (1+3)² / (2·(1+9)) = 16/20
    expect(jainIndex([1, 3])).toBeCloseTo(0.8, 12);
    expect(jainIndex([])).toBeNull();
    expect(jainIndex([0, 0])).toBe(1);
  });
});

describe('per-tenant fairness and breakdowns', () => {
  // window 0..10 s. Tenant a: 2 successes of 100 prompt + 10 output; b: 1 success 100 + 10, 1 failure.
  const a1 = record({ tenant: 'a', startTime: 0, endTime: 5, promptTokens: 100, expectedPromptTokens: 100, maxTokens: 10, completionTokens: 10, chunkSpec: [[1, 10]] });
  const a2 = record({ tenant: 'a', startTime: 1, endTime: 10, promptTokens: 100, expectedPromptTokens: 100, maxTokens: 10, completionTokens: 10, chunkSpec: [[2, 10]] });
  const b1 = record({ tenant: 'b', endpoint: 'pod-1', startTime: 2, endTime: 4, promptTokens: 100, expectedPromptTokens: 100, maxTokens: 10, completionTokens: 10, chunkSpec: [[3, 10]] });
  const b2 = record({ tenant: 'b', endpoint: 'pod-1', startTime: 2, endTime: 3, expectedPromptTokens: 100, maxTokens: 10, chunkSpec: [], failure: { status: 429, reason: 'Too Many Requests', message: 'x' } });

  it('service = (1·prompt + 2·output)/window; J by weight and by demand', () => {
    const f = computeFairness([a1, a2, b1, b2], { a: 2, b: 1 });
    expect(f?.tenants.a?.service_tokens_per_sec).toBeCloseTo(240 / 10, 12);
    expect(f?.tenants.b?.service_tokens_per_sec).toBeCloseTo(120 / 10, 12);
    expect(f?.tenants.b?.demand_tokens_per_sec).toBeCloseTo(240 / 10, 12);
    // by weight: a 24/2 = 12, b 12/1 = 12 → J = 1
    expect(f?.jain).toBeCloseTo(1, 12);
    // by demand: a 1.0, b 0.5 → (1.5)² / (2·1.25) = 0.9
    expect(f?.jain_by_demand).toBeCloseTo(0.9, 12);
  });

  it('breaks down by tenant and endpoint with the stage window as denominator', () => {
    const byTenant = breakdownBy([a1, a2, b1, b2], (r) => r.tenant);
    expect(byTenant.b).toMatchObject({ requests: 2, successes: 1, failures: 1, output_tokens: 10 });
    expect(byTenant.a?.requests_per_sec).toBeCloseTo(0.2, 12);
    const byEndpoint = breakdownBy([a1, b1], (r) => r.endpoint);
    expect(Object.keys(byEndpoint)).toEqual(['(none)', 'pod-1']);
  });

  it('service timeline buckets weighted tokens by completion time', () => {
    const t = serviceTimeline([a1, a2, b1], 0, 5);
    expect(t.times).toEqual([0, 5]);
    expect(t.tenants.b).toEqual([120 / 5, 0]);
    expect(t.tenants.a).toEqual([0, 240 / 5]);
  });
});
