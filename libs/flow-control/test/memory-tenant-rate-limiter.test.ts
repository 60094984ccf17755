import { describe, expect, it } from 'vitest';
import { FakeClock } from '@sluice/testing';
import { runRateLimiterConformance } from '../src/conformance/index.ts';
import { MemoryTenantRateLimiter, mergeRateLimits, timeSourceOf } from '../src/index.ts';

runRateLimiterConformance('MemoryTenantRateLimiter', (time, settings) => new MemoryTenantRateLimiter({ time, ...settings }));

describe('MemoryTenantRateLimiter with a FakeClock', () => {
  it('holds a steady overload to the limit per window', async () => {
    const clock = new FakeClock();
    const limiter = new MemoryTenantRateLimiter({ time: timeSourceOf(clock), windowMs: 6000 });
    let admitted = 0;
    // 20 requests/s for 30 s against 600 RPM scaled to a 6 s window (60 per window = 10/s).
    for (let i = 0; i < 600; i++) {
      const r = await limiter.reserve({ tenant: 't', reservationId: `r${i}`, tokens: 1, limits: { requestsPerMinute: 600 } });
      if (r.admitted) admitted++;
      clock.advance(50);
    }
    expect(admitted).toBe(300);
  });

  it('forgets idle tenants once per window', async () => {
    const clock = new FakeClock();
    const limiter = new MemoryTenantRateLimiter({ time: timeSourceOf(clock), windowMs: 1000 });
    await limiter.reserve({ tenant: 'idle', reservationId: 'x', tokens: 5, limits: { tokensPerMinute: 600 } });
    await limiter.settle('idle', 'x', 5);
    clock.advance(2000);
    await limiter.reserve({ tenant: 'busy', reservationId: 'y', tokens: 1, limits: { requestsPerMinute: 60 } });
    expect(await limiter.settle('idle', 'x', 0)).toEqual({ settled: false, refundedTokens: 0 });
    expect(await limiter.outstanding()).toEqual([{ tenant: 'busy', reservations: 1, reservedTokens: 1 }]);
  });

  it('merges limits field by field, first source wins', () => {
    expect(mergeRateLimits({ tokensPerMinute: 5 }, undefined, { requestsPerMinute: 1, tokensPerMinute: 9 })).toEqual({ requestsPerMinute: 1, tokensPerMinute: 5 });
  });
});
