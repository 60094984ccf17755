import { describe, expect, it } from 'vitest';
import { ManualTimeSource } from '../time/manual-time-source.ts';
import type { RateLimiterSettings, RateReserveResult, TenantRateLimiter } from './tenant-rate-limiter.ts';

/** Builds a fresh, isolated limiter whose clock is `time` (Redis: passed to Lua as the clock override). */
export type RateLimiterFactory = (time: ManualTimeSource, settings: Required<RateLimiterSettings>) => Promise<TenantRateLimiter> | TenantRateLimiter;

const MINUTE = 60_000;

/**
 * The expectations every TenantRateLimiter meets (memory and Redis run the same cases). Time is
 * driven by a ManualTimeSource, so window arithmetic is exact.
 */
export function runRateLimiterConformance(name: string, factory: RateLimiterFactory): void {
  describe(`TenantRateLimiter conformance: ${name}`, () => {
    const setup = async (settings: Partial<RateLimiterSettings> = {}) => {
      const time = new ManualTimeSource();
      const limiter = await factory(time, { windowMs: settings.windowMs ?? MINUTE, reservationTtlMs: settings.reservationTtlMs ?? 10 * MINUTE });
      let n = 0;
      const reserve = (tenant: string, tokens: number, limits: { requestsPerMinute?: number; tokensPerMinute?: number }, id = `r${++n}`) =>
        limiter.reserve({ tenant, reservationId: id, tokens, limits });
      return { time, limiter, reserve };
    };
    const rejected = (r: RateReserveResult) => (r.admitted ? null : r);

    it('admits up to the request limit per window, then says when the oldest entry frees a slot', async () => {
      const { time, reserve } = await setup();
      for (let i = 0; i < 5; i++) {
        const r = await reserve('a', 0, { requestsPerMinute: 5 });
        expect(r).toEqual({ admitted: true, remainingRequests: 4 - i, remainingTokens: null });
        time.advance(1000);
      }
      const limited = rejected(await reserve('a', 0, { requestsPerMinute: 5 }));
      expect(limited).toEqual({ admitted: false, limit: 'requests', retryAfterMs: MINUTE - 5000, tooLarge: false });
      time.advance(MINUTE - 5000);
      expect((await reserve('a', 0, { requestsPerMinute: 5 })).admitted).toBe(true);
      const again = rejected(await reserve('a', 0, { requestsPerMinute: 5 }));
      expect(again?.retryAfterMs).toBe(1000);
    });

    it('slides: entries leave the window exactly windowMs after their admission', async () => {
      const { time, reserve } = await setup();
      for (let i = 0; i < 3; i++) expect((await reserve('a', 0, { requestsPerMinute: 6 })).admitted).toBe(true);
      time.advance(30_000);
      for (let i = 0; i < 3; i++) expect((await reserve('a', 0, { requestsPerMinute: 6 })).admitted).toBe(true);
      expect((await reserve('a', 0, { requestsPerMinute: 6 })).admitted).toBe(false);
      time.advance(29_999);
      expect((await reserve('a', 0, { requestsPerMinute: 6 })).admitted).toBe(false);
      time.advance(1);
      for (let i = 0; i < 3; i++) expect((await reserve('a', 0, { requestsPerMinute: 6 })).admitted).toBe(true);
      expect((await reserve('a', 0, { requestsPerMinute: 6 })).admitted).toBe(false);
    });

    it('scales per-minute limits to the window', async () => {
      const { reserve } = await setup({ windowMs: 6000 });
      let admitted = 0;
      for (let i = 0; i < 80; i++) if ((await reserve('a', 10, { requestsPerMinute: 600, tokensPerMinute: 100_000 })).admitted) admitted++;
      expect(admitted).toBe(60);
    });

    it('reserves tokens, refunds the difference on settle, and charges an overage', async () => {
      const { limiter, reserve } = await setup();
      const limits = { tokensPerMinute: 1000 };
      expect(await reserve('a', 600, limits, 'big')).toEqual({ admitted: true, remainingRequests: null, remainingTokens: 400 });
      expect(rejected(await reserve('a', 500, limits))).toEqual({ admitted: false, limit: 'tokens', retryAfterMs: MINUTE, tooLarge: false });
      expect(await limiter.settle('a', 'big', 100)).toEqual({ settled: true, refundedTokens: 500 });
      expect(await reserve('a', 500, limits, 'second')).toMatchObject({ admitted: true, remainingTokens: 400 });
      expect(await limiter.settle('a', 'second', 800)).toEqual({ settled: true, refundedTokens: -300 });
      expect(rejected(await reserve('a', 200, limits))?.limit).toBe('tokens');
      expect((await reserve('a', 100, limits)).admitted).toBe(true);
    });

    it('settle is idempotent, ignores unknown reservations, and keeps the reservation when usage is unknown', async () => {
      const { limiter, reserve } = await setup();
      await reserve('a', 300, { tokensPerMinute: 1000 }, 'x');
      expect(await limiter.settle('a', 'x', 0)).toEqual({ settled: true, refundedTokens: 300 });
      expect(await limiter.settle('a', 'x', 0)).toEqual({ settled: false, refundedTokens: 0 });
      expect(await limiter.settle('a', 'nope', 0)).toEqual({ settled: false, refundedTokens: 0 });
      await reserve('a', 700, { tokensPerMinute: 1000 }, 'y');
      expect(await limiter.settle('a', 'y', undefined)).toEqual({ settled: true, refundedTokens: 0 });
      expect((await reserve('a', 301, { tokensPerMinute: 1000 })).admitted).toBe(false);
      expect((await reserve('a', 300, { tokensPerMinute: 1000 })).admitted).toBe(true);
    });

    it('computes the token Retry-After from the entries that must leave the window', async () => {
      const { time, reserve } = await setup();
      const limits = { tokensPerMinute: 1000 };
      await reserve('a', 400, limits);
      time.advance(10_000);
      await reserve('a', 400, limits);
      time.advance(10_000);
      expect(rejected(await reserve('a', 500, limits))?.retryAfterMs).toBe(40_000);
      expect(rejected(await reserve('a', 900, limits))?.retryAfterMs).toBe(50_000);
    });

    it('reports a request larger than the limit as too large', async () => {
      const { reserve } = await setup();
      expect(rejected(await reserve('a', 2000, { tokensPerMinute: 1000 }))).toEqual({ admitted: false, limit: 'tokens', retryAfterMs: MINUTE, tooLarge: true });
      expect(rejected(await reserve('a', 0, { requestsPerMinute: 0 }))).toEqual({ admitted: false, limit: 'requests', retryAfterMs: MINUTE, tooLarge: true });
    });

    it('reports the limit that frees last when both stop a request', async () => {
      const { time, reserve } = await setup();
      const limits = { requestsPerMinute: 2, tokensPerMinute: 1000 };
      await reserve('a', 100, limits);
      time.advance(10_000);
      await reserve('a', 800, limits);
      const r = rejected(await reserve('a', 500, limits));
      expect(r).toEqual({ admitted: false, limit: 'tokens', retryAfterMs: MINUTE, tooLarge: false });
    });

    it('records nothing for a rejected request, and keeps tenants apart', async () => {
      const { reserve } = await setup();
      expect((await reserve('a', 0, { requestsPerMinute: 1 })).admitted).toBe(true);
      for (let i = 0; i < 5; i++) expect((await reserve('a', 0, { requestsPerMinute: 1 })).admitted).toBe(false);
      expect((await reserve('b', 0, { requestsPerMinute: 1 })).admitted).toBe(true);
      expect((await reserve('a', 0, { requestsPerMinute: 2 })).admitted).toBe(true);
    });

    it('lists outstanding reservations per tenant until settled or expired', async () => {
      const { time, limiter, reserve } = await setup({ reservationTtlMs: 5000 });
      await reserve('a', 10, { requestsPerMinute: 100 }, 'a1');
      await reserve('a', 20, { requestsPerMinute: 100 }, 'a2');
      await reserve('b', 5, { tokensPerMinute: 100 }, 'b1');
      expect(await limiter.outstanding()).toEqual([
        { tenant: 'a', reservations: 2, reservedTokens: 30 },
        { tenant: 'b', reservations: 1, reservedTokens: 5 },
      ]);
      await limiter.settle('a', 'a1', 3);
      expect(await limiter.outstanding()).toEqual([
        { tenant: 'a', reservations: 1, reservedTokens: 20 },
        { tenant: 'b', reservations: 1, reservedTokens: 5 },
      ]);
      time.advance(5000);
      expect(await limiter.outstanding()).toEqual([]);
      expect(await limiter.settle('a', 'a2', 0)).toEqual({ settled: false, refundedTokens: 0 });
    });

    it('settling after the entry left the window frees nothing twice', async () => {
      const { time, limiter, reserve } = await setup();
      const limits = { tokensPerMinute: 1000 };
      await reserve('a', 900, limits, 'old');
      time.advance(MINUTE);
      expect((await reserve('a', 900, limits, 'new')).admitted).toBe(true);
      expect(await limiter.settle('a', 'old', 0)).toMatchObject({ settled: true });
      expect((await reserve('a', 200, limits)).admitted).toBe(false);
    });
  });
}
