import { describe, expect, it } from 'vitest';
import { exampleObject, issuesOf, loadObject } from './helpers.ts';

type Raw = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('tenants: (fleet-wide rate limits)', () => {
  it('defaults to no limits and a one-minute window', () => {
    const config = loadObject(exampleObject());
    expect(config.tenants).toEqual({ defaultLimits: null, overrides: [], rateLimitWindowMs: 60_000, reservationTtlMs: 600_000 });
  });

  it('resolves default limits, overrides and durations', () => {
    const raw: Raw = exampleObject();
    raw.tenants = {
      defaultLimits: { requestsPerMinute: 600 },
      overrides: [{ tenant: 'tenant-a', limits: { requestsPerMinute: 60, tokensPerMinute: 20000 } }],
      rateLimitWindow: '6s',
      reservationTtl: '2m',
    };
    expect(loadObject(raw).tenants).toEqual({
      defaultLimits: { requestsPerMinute: 600 },
      overrides: [{ tenant: 'tenant-a', limits: { requestsPerMinute: 60, tokensPerMinute: 20000 } }],
      rateLimitWindowMs: 6000,
      reservationTtlMs: 120_000,
    });
  });

  it.each([
    ['zero limit', { defaultLimits: { requestsPerMinute: 0 } }, 'tenants.defaultLimits.requestsPerMinute'],
    ['fractional limit', { overrides: [{ tenant: 'a', limits: { tokensPerMinute: 1.5 } }] }, 'tenants.overrides[0].limits.tokensPerMinute'],
    ['unknown field', { defaultLimits: { rpm: 5 } }, 'tenants.defaultLimits.rpm'],
    ['duplicate tenant', { overrides: [{ tenant: 'a', limits: {} }, { tenant: 'a', limits: {} }] }, 'tenants.overrides[1].tenant'],
    ['bad window', { rateLimitWindow: '6x' }, 'tenants.rateLimitWindow'],
    ['zero window', { rateLimitWindow: '0s' }, 'tenants.rateLimitWindow'],
  ])('%s → names %s', (_name, tenants, path) => {
    const raw: Raw = exampleObject();
    raw.tenants = tenants;
    const issues = issuesOf(() => loadObject(raw));
    expect(issues.map((i) => i.path), JSON.stringify(issues)).toContain(path);
  });
});
