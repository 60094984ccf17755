import { limitPerWindow, RATE_LIMIT_DEFAULTS } from '@sluice/flow-control';
import type {
  RateLimiterSettings,
  RateReserveRequest,
  RateReserveResult,
  RateSettleResult,
  TenantRateLimiter,
  TenantReservations,
} from '@sluice/flow-control';
import type { RedisClient } from '../connection/redis-factory.ts';
import type { PoolKeys } from '../keys/pool-keys.ts';
import type { ScriptRegistry } from '../scripts/script-registry.ts';

export interface RedisTenantRateLimiterOptions extends RateLimiterSettings {
  readonly client: RedisClient;
  readonly scripts: ScriptRegistry;
  /** The pool's keys: every rate-limit key shares the pool's hash tag (one Cluster slot). */
  readonly keys: PoolKeys;
  /** Test-only clock (ms since epoch) passed to Lua; undefined = Redis TIME. */
  readonly nowOverride?: () => number;
}

/**
 * Fleet-wide TenantRateLimiter: one sliding-window log per tenant in Redis (lua/reserveRate-4.lua,
 * settleRate-4.lua, listRateReservations-2.lua), Redis TIME as the one clock, one round trip per
 * call. Same decisions as MemoryTenantRateLimiter (both pass runRateLimiterConformance).
 *
 * Keys (all under `<prefix>:{<pool>}:`):
 *   rl:<tenant>:log  ZSET reservationId → admission ms;   rl:<tenant>:tok  HASH r:<id> → tokens, sum
 *   rl:open          ZSET tenant\n<id> → expiry ms;       rl:opentok       HASH tenant\n<id> → tokens
 */
export class RedisTenantRateLimiter implements TenantRateLimiter {
  readonly windowMs: number;
  readonly reservationTtlMs: number;
  readonly #client: RedisClient;
  readonly #scripts: ScriptRegistry;
  readonly #keys: PoolKeys;
  readonly #nowOverride: (() => number) | undefined;

  constructor(options: RedisTenantRateLimiterOptions) {
    this.#client = options.client;
    this.#scripts = options.scripts;
    this.#keys = options.keys;
    this.#nowOverride = options.nowOverride;
    this.windowMs = options.windowMs ?? RATE_LIMIT_DEFAULTS.windowMs;
    this.reservationTtlMs = options.reservationTtlMs ?? RATE_LIMIT_DEFAULTS.reservationTtlMs;
  }

  async reserve(request: RateReserveRequest): Promise<RateReserveResult> {
    const requestLimit = limitPerWindow(request.limits.requestsPerMinute, this.windowMs);
    const tokenLimit = limitPerWindow(request.limits.tokensPerMinute, this.windowMs);
    const reply = (await this.#scripts.run(this.#client, 'reserveRate', this.#tenantKeys(request.tenant), [
      request.reservationId,
      request.tenant,
      requestLimit === undefined ? '' : String(requestLimit),
      tokenLimit === undefined ? '' : String(tokenLimit),
      Math.max(0, Math.ceil(request.tokens)),
      this.windowMs,
      this.reservationTtlMs,
      this.#now(),
    ])) as [number, number | string, number, number?];
    if (reply[0] === 1) {
      const requests = Number(reply[1]);
      const tokens = reply[2];
      return { admitted: true, remainingRequests: requests < 0 ? null : requests, remainingTokens: tokens < 0 ? null : tokens };
    }
    return { admitted: false, limit: reply[1] === 'tokens' ? 'tokens' : 'requests', retryAfterMs: Number(reply[2]), tooLarge: reply[3] === 1 };
  }

  async settle(tenant: string, reservationId: string, actualTokens: number | undefined): Promise<RateSettleResult> {
    const actual = actualTokens === undefined ? '' : Math.max(0, Math.ceil(actualTokens));
    const [settled, refunded] = (await this.#scripts.run(this.#client, 'settleRate', this.#tenantKeys(tenant), [reservationId, tenant, actual])) as [number, number];
    return { settled: settled === 1, refundedTokens: Number(refunded) };
  }

  async outstanding(): Promise<TenantReservations[]> {
    const flat = (await this.#scripts.run(this.#client, 'listRateReservations', [this.#keys.key('rl:open'), this.#keys.key('rl:opentok')], [this.#now()])) as string[];
    const byTenant = new Map<string, { reservations: number; reservedTokens: number }>();
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const member = flat[i]!;
      const tenant = member.slice(0, member.lastIndexOf('\n'));
      const sum = byTenant.get(tenant) ?? { reservations: 0, reservedTokens: 0 };
      sum.reservations++;
      sum.reservedTokens += Number(flat[i + 1]);
      byTenant.set(tenant, sum);
    }
    return [...byTenant].map(([tenant, sum]) => ({ tenant, ...sum })).sort((a, b) => (a.tenant < b.tenant ? -1 : 1));
  }

  #tenantKeys(tenant: string): string[] {
    return [this.#keys.key(`rl:${tenant}:log`), this.#keys.key(`rl:${tenant}:tok`), this.#keys.key('rl:open'), this.#keys.key('rl:opentok')];
  }

  #now(): string {
    return this.#nowOverride === undefined ? '' : String(this.#nowOverride());
  }
}
