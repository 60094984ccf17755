import type { ResolvedTenants } from '@sluice/config';
import { DroppedReason, hasRateLimits, mergeRateLimits } from '@sluice/flow-control';
import type { Clock, RateLimits, TenantRateLimiter, TenantReservations } from '@sluice/flow-control';
import type { Logger, SluiceMetrics } from '@sluice/telemetry';
import type { TenantLimits } from '../auth/tenant-limits.ts';
import { HttpError } from '../http/openai-error.ts';

/** Logs for a limited tenant: at most one line per tenant per this many ms. */
const LIMITED_LOG_INTERVAL_MS = 1000;

export interface RateAdmitInput {
  readonly tenant: string;
  /** Unique while outstanding: the flow-control request id. */
  readonly reservationId: string;
  /** Prompt estimate + max_tokens (or the expected output when the body sets none). */
  readonly tokens: number;
  /** Limits carried by the credential (api-keys / jwt); they win over the config per field. */
  readonly credentialLimits: TenantLimits | undefined;
}

/**
 * The router side of fleet-wide tenant limits: picks the limits that apply (credential → config
 * override → config default, field by field), reserves through the TenantRateLimiter (memory or
 * Redis), answers 429 when a limit stops the request, and hands back a RateReservation that the
 * request's release path settles exactly once with the actual usage.
 *
 * A limiter failure (Redis unreachable) lets the request through with a warning: flow control,
 * which needs the same Redis, decides next.
 */
export class TenantRateLimits {
  readonly windowMs: number;
  readonly #limiter: TenantRateLimiter;
  readonly #config: ResolvedTenants;
  readonly #overrides: ReadonlyMap<string, RateLimits>;
  readonly #metrics: SluiceMetrics;
  readonly #logger: Logger;
  readonly #clock: Pick<Clock, 'now'>;
  readonly #lastLogged = new Map<string, number>();
  /** Reservations taken by this replica and not settled yet. */
  #held = 0;

  constructor(options: { limiter: TenantRateLimiter; config: ResolvedTenants; metrics: SluiceMetrics; logger: Logger; clock: Pick<Clock, 'now'> }) {
    this.#limiter = options.limiter;
    this.#config = options.config;
    this.#overrides = new Map(options.config.overrides.map((o) => [o.tenant, o.limits]));
    this.#metrics = options.metrics;
    this.#logger = options.logger;
    this.#clock = options.clock;
    this.windowMs = options.config.rateLimitWindowMs;
  }

  /** The limits that apply to `tenant`. */
  limitsFor(tenant: string, credentialLimits: TenantLimits | undefined): RateLimits {
    return mergeRateLimits(credentialLimits, this.#overrides.get(tenant), this.#config.defaultLimits ?? undefined);
  }

  /**
   * Reserves a request slot and `tokens`. Returns null at once (no promise: this is on every
   * request's path) when no limit applies to the tenant. The promise resolves with the reservation,
   * or null when the limiter is unavailable (admitted without a check); it rejects with a 429
   * HttpError (Retry-After, x-llm-d-request-dropped-reason: rejected-rate-limited) when a limit stops it.
   */
  admit(input: RateAdmitInput): Promise<RateReservation | null> | null {
    const limits = this.limitsFor(input.tenant, input.credentialLimits);
    return hasRateLimits(limits) ? this.#reserve(input, limits) : null;
  }

  async #reserve(input: RateAdmitInput, limits: RateLimits): Promise<RateReservation | null> {
    const tokens = Math.max(0, Math.ceil(input.tokens));
    let result;
    try {
      result = await this.#limiter.reserve({ tenant: input.tenant, reservationId: input.reservationId, tokens, limits });
    } catch (error) {
      this.#logger.warn({ err: error, tenant: input.tenant }, 'tenant rate limiter unavailable; admitting without a limit check');
      return null;
    }
    const tenantLabel = this.#metrics.tenantLabel(input.tenant);
    if (!result.admitted) {
      this.#metrics.rateLimits.limited.inc({ tenant: tenantLabel, limit: result.limit });
      const perMinute = result.limit === 'requests' ? limits.requestsPerMinute : limits.tokensPerMinute;
      this.#logLimited(input.tenant, result.limit, perMinute, result.retryAfterMs, result.tooLarge);
      throw rateLimitedError(input.tenant, result.limit, perMinute ?? 0, result.retryAfterMs, result.tooLarge, tokens);
    }
    this.#metrics.rateLimits.reservedTokens.inc({ tenant: tenantLabel }, tokens);
    this.#held++;
    this.#metrics.rateLimits.outstanding.set(this.#held);
    return new RateReservation(input.tenant, input.reservationId, (actual) => this.#settle(input.tenant, input.reservationId, actual, tenantLabel), limits.tokensPerMinute !== undefined);
  }

  /** Outstanding reservations per tenant (fleet-wide in Redis mode). */
  outstanding(): Promise<TenantReservations[]> {
    return this.#limiter.outstanding();
  }

  /** Reservations this replica took and has not settled. */
  get held(): number {
    return this.#held;
  }

  async #settle(tenant: string, reservationId: string, actualTokens: number | undefined, tenantLabel: string): Promise<void> {
    this.#held--;
    this.#metrics.rateLimits.outstanding.set(this.#held);
    try {
      const settled = await this.#limiter.settle(tenant, reservationId, actualTokens);
      if (settled.refundedTokens > 0) this.#metrics.rateLimits.refundedTokens.inc({ tenant: tenantLabel }, settled.refundedTokens);
    } catch (error) {
      this.#logger.warn({ err: error, tenant, reservation: reservationId }, 'settling a rate-limit reservation failed; it expires with the window');
    }
  }

  #logLimited(tenant: string, limit: string, perMinute: number | undefined, retryAfterMs: number, tooLarge: boolean): void {
    const now = this.#clock.now();
    const last = this.#lastLogged.get(tenant);
    if (last !== undefined && now - last < LIMITED_LOG_INTERVAL_MS) return;
    if (this.#lastLogged.size >= 1000) {
      for (const [name, at] of this.#lastLogged) if (now - at >= LIMITED_LOG_INTERVAL_MS) this.#lastLogged.delete(name);
    }
    this.#lastLogged.set(tenant, now);
    this.#logger.info({ tenant, limit, per_minute: perMinute, retry_after_ms: retryAfterMs, too_large: tooLarge }, 'tenant rate limited (logged at most once per tenant per second)');
  }
}

/** One admitted request's reservation. `settle` runs once; later calls do nothing. */
export class RateReservation {
  #settle: ((actualTokens: number | undefined) => Promise<void>) | null;

  constructor(
    readonly tenant: string,
    readonly reservationId: string,
    settle: (actualTokens: number | undefined) => Promise<void>,
    /** True when a tokens-per-minute limit applies: the request's output must then be bounded. */
    readonly limitsTokens: boolean = false,
  ) {
    this.#settle = settle;
  }

  /**
   * Settles with the actual total tokens (prompt + completion); 0 when the request never reached
   * an endpoint; undefined keeps the reserved amount. The request slot always stays counted.
   */
  settle(actualTokens: number | undefined): Promise<void> {
    const settle = this.#settle;
    this.#settle = null;
    return settle === null ? Promise.resolve() : settle(actualTokens);
  }
}

/** 429 in OpenAI's shape: type `requests` or `tokens`, code `rate_limit_exceeded`. */
export function rateLimitedError(tenant: string, limit: 'requests' | 'tokens', perMinute: number, retryAfterMs: number, tooLarge: boolean, requested: number): HttpError {
  const unit = limit === 'requests' ? 'requests per min (RPM)' : 'tokens per min (TPM)';
  const message = tooLarge
    ? `Request too large for tenant ${tenant} on ${unit}: Limit ${perMinute}, Requested ${limit === 'requests' ? 1 : requested}. Reduce the prompt or max_tokens.`
    : `Rate limit reached for tenant ${tenant} on ${unit}: Limit ${perMinute}. Please try again in ${(retryAfterMs / 1000).toFixed(3)}s.`;
  return new HttpError(429, message, {
    type: limit,
    code: 'rate_limit_exceeded',
    headers: {
      'retry-after': String(Math.max(1, Math.ceil(retryAfterMs / 1000))),
      'x-llm-d-request-dropped-reason': DroppedReason.RateLimited,
      [`x-ratelimit-limit-${limit}`]: String(perMinute),
    },
  });
}

/**
 * Total tokens to settle a request with: the engine's usage (prompt + completion) when reported,
 * else the prompt estimate plus streamed events; the prompt estimate when the endpoint got the
 * request but nothing came back; 0 when it never reached an endpoint.
 */
export function settledTokens(reachedEndpoint: boolean, promptEstimate: number, usage: { promptTokens: number; completionTokens: number } | null, streamedEvents: number | null): number {
  if (!reachedEndpoint) return 0;
  if (usage !== null) return usage.promptTokens + usage.completionTokens;
  return promptEstimate + (streamedEvents ?? 0);
}
