import type { TimeSource } from '../time/clock.ts';
import { limitPerWindow, RATE_LIMIT_DEFAULTS } from './tenant-rate-limiter.ts';
import type {
  RateLimiterSettings,
  RateReserveRequest,
  RateReserveResult,
  RateSettleResult,
  TenantRateLimiter,
  TenantReservations,
} from './tenant-rate-limiter.ts';

interface WindowEntry {
  readonly id: string;
  /** Admission time, ms. */
  readonly at: number;
  /** Tokens counted in the window (reserved, then actual once settled). */
  tokens: number;
}

interface TenantWindow {
  /** Ascending by `at`; entries before `head` already left the window. */
  entries: WindowEntry[];
  head: number;
  byId: Map<string, WindowEntry>;
  tokenSum: number;
}

interface OpenReservation {
  readonly tenant: string;
  readonly reservedTokens: number;
  readonly expiresAt: number;
}

/**
 * The single-replica TenantRateLimiter (memory mode) and the executable spec of the Redis scripts
 * (lua/reserveRate-4.lua, settleRate-4.lua): same sliding-window log, same decisions.
 */
export class MemoryTenantRateLimiter implements TenantRateLimiter {
  readonly windowMs: number;
  readonly reservationTtlMs: number;
  readonly #time: TimeSource;
  readonly #windows = new Map<string, TenantWindow>();
  readonly #open = new Map<string, OpenReservation>();
  #lastSweepMs = Number.NEGATIVE_INFINITY;

  constructor(options: { time: TimeSource } & RateLimiterSettings) {
    this.#time = options.time;
    this.windowMs = options.windowMs ?? RATE_LIMIT_DEFAULTS.windowMs;
    this.reservationTtlMs = options.reservationTtlMs ?? RATE_LIMIT_DEFAULTS.reservationTtlMs;
  }

  reserve(request: RateReserveRequest): Promise<RateReserveResult> {
    const now = this.#time.nowMs();
    if (now - this.#lastSweepMs >= this.windowMs) this.#sweep(now);
    const window = this.#trimmed(request.tenant, now);
    const live = window.entries.length - window.head;
    const requestLimit = limitPerWindow(request.limits.requestsPerMinute, this.windowMs);
    const tokenLimit = limitPerWindow(request.limits.tokensPerMinute, this.windowMs);
    const tokens = Math.max(0, Math.ceil(request.tokens));

    let blocked: { limit: 'requests' | 'tokens'; retryAfterMs: number; tooLarge: boolean } | null = null;
    if (requestLimit !== undefined && live + 1 > requestLimit) {
      const allowed = Math.floor(requestLimit);
      blocked =
        allowed < 1
          ? { limit: 'requests', retryAfterMs: this.windowMs, tooLarge: true }
          : { limit: 'requests', retryAfterMs: this.#expiresIn(window.entries[window.head + live - allowed]!, now), tooLarge: false };
    }
    if (tokenLimit !== undefined && window.tokenSum + tokens > tokenLimit) {
      let byTokens: { limit: 'tokens'; retryAfterMs: number; tooLarge: boolean };
      if (tokens > tokenLimit) byTokens = { limit: 'tokens', retryAfterMs: this.windowMs, tooLarge: true };
      else {
        let remaining = window.tokenSum;
        let at = window.head;
        while (remaining + tokens > tokenLimit && at < window.entries.length) remaining -= window.entries[at++]!.tokens;
        byTokens = { limit: 'tokens', retryAfterMs: this.#expiresIn(window.entries[at - 1]!, now), tooLarge: false };
      }
      if (blocked === null || byTokens.tooLarge || (!blocked.tooLarge && byTokens.retryAfterMs > blocked.retryAfterMs)) blocked = byTokens;
    }
    if (blocked !== null) return Promise.resolve({ admitted: false, ...blocked });

    const entry: WindowEntry = { id: request.reservationId, at: now, tokens };
    window.entries.push(entry);
    window.byId.set(entry.id, entry);
    window.tokenSum += tokens;
    this.#open.set(openKey(request.tenant, request.reservationId), { tenant: request.tenant, reservedTokens: tokens, expiresAt: now + this.reservationTtlMs });
    return Promise.resolve({
      admitted: true,
      remainingRequests: requestLimit === undefined ? null : Math.max(0, Math.floor(requestLimit) - live - 1),
      remainingTokens: tokenLimit === undefined ? null : Math.max(0, Math.floor(tokenLimit - window.tokenSum)),
    });
  }

  settle(tenant: string, reservationId: string, actualTokens: number | undefined): Promise<RateSettleResult> {
    const key = openKey(tenant, reservationId);
    if (!this.#open.has(key)) return Promise.resolve({ settled: false, refundedTokens: 0 });
    this.#open.delete(key);
    const window = this.#windows.get(tenant);
    const entry = window?.byId.get(reservationId);
    if (window === undefined || entry === undefined || actualTokens === undefined) return Promise.resolve({ settled: true, refundedTokens: 0 });
    const actual = Math.max(0, Math.ceil(actualTokens));
    const refunded = entry.tokens - actual;
    entry.tokens = actual;
    window.tokenSum -= refunded;
    return Promise.resolve({ settled: true, refundedTokens: refunded });
  }

  outstanding(): Promise<TenantReservations[]> {
    this.#expireOpen(this.#time.nowMs());
    const byTenant = new Map<string, { reservations: number; reservedTokens: number }>();
    for (const open of this.#open.values()) {
      const sum = byTenant.get(open.tenant) ?? { reservations: 0, reservedTokens: 0 };
      sum.reservations++;
      sum.reservedTokens += open.reservedTokens;
      byTenant.set(open.tenant, sum);
    }
    return Promise.resolve([...byTenant].map(([tenant, sum]) => ({ tenant, ...sum })).sort((a, b) => (a.tenant < b.tenant ? -1 : 1)));
  }

  /** ms until `entry` leaves the window (≥ 1). */
  #expiresIn(entry: WindowEntry, now: number): number {
    return Math.max(1, Math.ceil(entry.at + this.windowMs - now));
  }

  /** The tenant's window without entries admitted at or before now − windowMs; empty windows are dropped. */
  #trimmed(tenant: string, now: number): TenantWindow {
    let window = this.#windows.get(tenant);
    if (window === undefined) {
      window = { entries: [], head: 0, byId: new Map(), tokenSum: 0 };
      this.#windows.set(tenant, window);
      return window;
    }
    const cutoff = now - this.windowMs;
    while (window.head < window.entries.length && window.entries[window.head]!.at <= cutoff) {
      const gone = window.entries[window.head++]!;
      window.byId.delete(gone.id);
      window.tokenSum -= gone.tokens;
    }
    if (window.head > 64 && window.head * 2 > window.entries.length) {
      window.entries = window.entries.slice(window.head);
      window.head = 0;
    }
    return window;
  }

  /** Once per window: forget tenants whose newest entry left the window, and expired reservations. */
  #sweep(now: number): void {
    this.#lastSweepMs = now;
    const cutoff = now - this.windowMs;
    for (const [tenant, window] of this.#windows) {
      const newest = window.entries[window.entries.length - 1];
      if (newest === undefined || newest.at <= cutoff) this.#windows.delete(tenant);
    }
    this.#expireOpen(now);
  }

  #expireOpen(now: number): void {
    for (const [key, open] of this.#open) if (open.expiresAt <= now) this.#open.delete(key);
  }
}

function openKey(tenant: string, reservationId: string): string {
  return `${tenant}\n${reservationId}`;
}
