/**
 * Per-tenant requests-per-minute and tokens-per-minute limits, enforced with a sliding-window log:
 * every admitted request is one entry (admission time, tokens counted) that stays in the window for
 * `windowMs` after its admission. A request is admitted when, counting it, the window holds at most
 * the request limit and at most the token limit. The window is exact (no sub-bucket rounding), so
 * admitted requests over any window never exceed the limit, fleet-wide when the log lives in Redis.
 *
 * Tokens are RESERVED at admission (prompt estimate + max_tokens) and SETTLED on completion with
 * the actual usage: the entry's tokens become the actual count (a refund when lower; the overage is
 * charged when higher, so later admissions wait for it). An admitted request always keeps its
 * request slot, whatever its fate (served, dropped by flow control, aborted): it was admitted.
 *
 * A reservation is "outstanding" from `reserve` until `settle`; outstanding reservations expire
 * after `reservationTtlMs` (a replica that died mid-request), which only ends their bookkeeping:
 * their window entries age out after `windowMs` on their own, so capacity can never leak.
 */
export interface TenantRateLimiter {
  /** Admits (and records) the request, or says which limit stops it and for how long. */
  reserve(request: RateReserveRequest): Promise<RateReserveResult>;
  /**
   * Settles an outstanding reservation with the actual token count (undefined = keep the reserved
   * amount). Idempotent: a second call, or a call after the reservation expired, changes nothing.
   */
  settle(tenant: string, reservationId: string, actualTokens: number | undefined): Promise<RateSettleResult>;
  /** Outstanding (reserved, not yet settled, not expired) reservations per tenant, fleet-wide for Redis. */
  outstanding(): Promise<TenantReservations[]>;
}

/** Limits per rolling minute; an absent field means no limit of that kind. */
export interface RateLimits {
  readonly requestsPerMinute?: number | undefined;
  readonly tokensPerMinute?: number | undefined;
}

export interface RateReserveRequest {
  readonly tenant: string;
  /** Unique among outstanding reservations (the flow-control request id). */
  readonly reservationId: string;
  /** Tokens to reserve: prompt estimate + max_tokens (or the expected output). Integer ≥ 0. */
  readonly tokens: number;
  readonly limits: RateLimits;
}

export type RateLimitKind = 'requests' | 'tokens';

export type RateReserveResult =
  | {
      readonly admitted: true;
      /** Requests still admissible in the current window after this one; null = no request limit. */
      readonly remainingRequests: number | null;
      /** Tokens still reservable in the current window after this one; null = no token limit. */
      readonly remainingTokens: number | null;
    }
  | {
      readonly admitted: false;
      /** The limit that stops the request (the one that frees last when both do). */
      readonly limit: RateLimitKind;
      /** Milliseconds until enough capacity frees for this request (≥ 1); the window when `tooLarge`. */
      readonly retryAfterMs: number;
      /** The request alone exceeds the limit per window: it can never be admitted. */
      readonly tooLarge: boolean;
    };

export interface RateSettleResult {
  /** True when an outstanding reservation was found and settled by this call. */
  readonly settled: boolean;
  /** Reserved minus actual tokens (negative = overage charged); 0 when nothing was settled. */
  readonly refundedTokens: number;
}

export interface TenantReservations {
  readonly tenant: string;
  /** Outstanding reservations. */
  readonly reservations: number;
  /** Tokens they reserved. */
  readonly reservedTokens: number;
}

export interface RateLimiterSettings {
  /**
   * Window length in ms. Default 60 000. Limits are per minute and scaled to the window
   * (limit × windowMs / 60 000), so tests can run a 6 s window with a tenth of the limit.
   */
  readonly windowMs?: number;
  /** Outstanding reservations are forgotten after this many ms (replica died). Default 600 000. */
  readonly reservationTtlMs?: number;
}

export const RATE_LIMIT_DEFAULTS = { windowMs: 60_000, reservationTtlMs: 600_000 } as const;

/** A per-minute limit scaled to a window of `windowMs`; undefined stays undefined. */
export function limitPerWindow(perMinute: number | undefined, windowMs: number): number | undefined {
  return perMinute === undefined ? undefined : (perMinute * windowMs) / 60_000;
}

/** The limits that apply: each field from the first source that sets it. */
export function mergeRateLimits(...sources: readonly (RateLimits | undefined)[]): RateLimits {
  let requestsPerMinute: number | undefined;
  let tokensPerMinute: number | undefined;
  for (const source of sources) {
    requestsPerMinute ??= source?.requestsPerMinute;
    tokensPerMinute ??= source?.tokensPerMinute;
  }
  return { requestsPerMinute, tokensPerMinute };
}

/** True when at least one limit is set. */
export function hasRateLimits(limits: RateLimits): boolean {
  return limits.requestsPerMinute !== undefined || limits.tokensPerMinute !== undefined;
}
