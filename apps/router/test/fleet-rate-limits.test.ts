import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ChildRegistry, startSimFleet, uniqueKeyPrefix, waitFor } from '@sluice/testing';
import type { SimFleet } from '@sluice/testing';
import { metricValue, postJson } from './helpers/http.ts';
import { testRouterConfig } from './helpers/router-config.ts';
import { spawnRouter, stopFleetAndDeletePool } from './helpers/router-process.ts';
import type { RouterProcess } from './helpers/router-process.ts';

/**
 * Fleet-wide tenant limits: three `sluice-router` processes share one Redis pool and the limits of
 * two tenants. The window is scaled to 6 s (`tenants.rateLimitWindow`), limits stay per minute:
 * 600 RPM → 60 requests per window; 12 000 TPM → 1 200 tokens per window. Load is spread evenly
 * (round robin) over the replicas at about twice the limits.
 */
const WINDOW_MS = 6000;
const RPM = 600;
const TPM = 12_000;
const PER_WINDOW_REQUESTS = (RPM * WINDOW_MS) / 60_000;
const PER_WINDOW_TOKENS = (TPM * WINDOW_MS) / 60_000;

interface Sample {
  readonly tenant: string;
  readonly sentAt: number;
  readonly doneAt: number;
  readonly status: number;
  readonly limited: boolean;
  readonly totalTokens: number;
  readonly retryAfter: string | null;
  readonly reason: string | null;
  readonly errorType: string | null;
}

describe('fleet-wide tenant rate limits: 3 router processes, one Redis', () => {
  const children = new ChildRegistry();
  const keyPrefix = uniqueKeyPrefix('router-rate-limits');
  const redisUrl = inject('redisUrl');
  let fleet: SimFleet;
  let routers: RouterProcess[] = [];

  beforeAll(async () => {
    fleet = await startSimFleet({ count: 2, profile: 'tiny', timeScale: 0.1 });
    const config = {
      // Lenient health checks: a loaded CI machine must not turn this into a no-endpoints test.
      ...testRouterConfig({ endpoints: fleet.pods.map((p) => p.address), redisUrl, maxConcurrency: 256, lenientHealthChecks: true }),
      tenants: {
        rateLimitWindow: `${WINDOW_MS}ms`,
        overrides: [
          { tenant: 'tenant-rpm', limits: { requestsPerMinute: RPM } },
          { tenant: 'tenant-tpm', limits: { tokensPerMinute: TPM } },
        ],
      },
    };
    routers = await Promise.all([0, 1, 2].map(() => spawnRouter(children, config, { SLUICE_REDIS_KEY_PREFIX: keyPrefix })));
  }, 60_000);

  afterAll(async () => await stopFleetAndDeletePool(children, fleet, redisUrl, keyPrefix));

  const send = async (router: RouterProcess, tenant: string, maxTokens: number): Promise<Sample> => {
    const sentAt = performance.now();
    const res = await postJson(
      router.url,
      '/v1/chat/completions',
      JSON.stringify({ model: 'qwen', messages: [{ role: 'user', content: 'describe the lock keeper who opens the sluice at dawn' }], max_tokens: maxTokens }),
      { 'x-gateway-inference-fairness-id': tenant },
    );
    const json = (await res.json()) as { usage?: { total_tokens: number }; error?: { type: string; code: string } };
    const limited = res.status === 429 && json.error?.code === 'rate_limit_exceeded';
    return {
      tenant,
      sentAt,
      doneAt: performance.now(),
      status: res.status,
      limited,
      totalTokens: json.usage?.total_tokens ?? 0,
      retryAfter: res.headers.get('retry-after'),
      reason: res.headers.get('x-llm-d-request-dropped-reason'),
      errorType: json.error?.type ?? null,
    };
  };

  /**
   * Most `weight` admitted within one window, rigorously: a request sent at or after t and answered
   * before t + W was admitted inside [t, t + W), so their sum can never pass the limit.
   */
  const worstWindow = (samples: readonly Sample[], weight: (s: Sample) => number): number => {
    let worst = 0;
    for (const start of samples) {
      let sum = 0;
      for (const s of samples) if (s.sentAt >= start.sentAt && s.doneAt < start.sentAt + WINDOW_MS) sum += weight(s);
      worst = Math.max(worst, sum);
    }
    return worst;
  };

  it('holds admitted requests to ±5% of the limit and tokens under the limit, fleet-wide', async () => {
    const durationMs = 2 * WINDOW_MS;
    const started = performance.now();
    const pending: Promise<Sample>[] = [];
    // 20 req/s for tenant-rpm (2× its limit) and 10 req/s for tenant-tpm, round robin over the replicas.
    for (let i = 0; performance.now() - started < durationMs; i++) {
      pending.push(send(routers[i % 3]!, 'tenant-rpm', 4));
      if (i % 2 === 0) pending.push(send(routers[(i + 1) % 3]!, 'tenant-tpm', 60));
      const next = started + (i + 1) * 50;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - performance.now())));
    }
    const samples = await Promise.all(pending);
    const unexpected = samples.filter((s) => !s.limited && s.status !== 200);
    expect(unexpected, JSON.stringify(unexpected.slice(0, 3))).toEqual([]);

    const rpm = samples.filter((s) => s.tenant === 'tenant-rpm').sort((a, b) => a.sentAt - b.sentAt);
    // Sending lasted exactly two windows at twice the limit: admissions per window (= per minute at
    // the scaled window) land within ±5% of the limit.
    const admittedPerWindow = rpm.filter((s) => !s.limited).length / 2;
    expect(admittedPerWindow).toBeGreaterThanOrEqual(PER_WINDOW_REQUESTS * 0.95);
    expect(admittedPerWindow).toBeLessThanOrEqual(PER_WINDOW_REQUESTS * 1.05);
    expect(worstWindow(rpm, (s) => (s.limited ? 0 : 1))).toBeLessThanOrEqual(PER_WINDOW_REQUESTS);
    expect(rpm.filter((s) => s.limited).length).toBeGreaterThan(rpm.length / 3);

    const tpm = samples.filter((s) => s.tenant === 'tenant-tpm').sort((a, b) => a.sentAt - b.sentAt);
    // Tokens actually used (engine usage: prompt + completion) never exceed the limit in any window.
    expect(worstWindow(tpm, (s) => s.totalTokens)).toBeLessThanOrEqual(PER_WINDOW_TOKENS);
    expect(tpm.some((s) => s.limited && s.errorType === 'tokens')).toBe(true);
    expect(tpm.filter((s) => !s.limited).length).toBeGreaterThan(5);

    for (const s of samples.filter((x) => x.limited)) {
      expect(s.reason).toBe('rejected-rate-limited');
      expect(Number(s.retryAfter)).toBeGreaterThanOrEqual(1);
      expect(Number(s.retryAfter)).toBeLessThanOrEqual(WINDOW_MS / 1000);
      expect(['requests', 'tokens']).toContain(s.errorType);
    }
    expect(new Set(rpm.filter((s) => s.limited).map((s) => s.errorType))).toEqual(new Set(['requests']));

    // Nothing leaks: every reservation settled, on every replica and fleet-wide.
    for (const router of routers) {
      await waitFor(
        async () => {
          const state = (await (await fetch(`${router.url}/admin/state`)).json()) as { rateLimits: { reservations: number }; self: { rateReservations: number } };
          return state.rateLimits.reservations === 0 && state.self.rateReservations === 0;
        },
        { timeoutMs: 5000, what: 'no outstanding rate-limit reservation' },
      );
    }
    let limitedCount = 0;
    for (const router of routers) {
      const text = await (await fetch(`${router.url}/metrics`)).text();
      limitedCount += metricValue(text, 'sluice_tenant_rate_limited_total', { tenant: 'tenant-rpm', limit: 'requests' }) ?? 0;
      expect(metricValue(text, 'sluice_tenant_rate_limit_outstanding_reservations', {})).toBe(0);
    }
    expect(limitedCount).toBe(rpm.filter((s) => s.limited).length);
  }, 60_000);
});
