import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRouterConfig } from '@sluice/config';
import type { ResolvedTenants } from '@sluice/config';
import { MemoryTenantRateLimiter, timeSourceOf } from '@sluice/flow-control';
import { createLogger, createMetrics } from '@sluice/telemetry';
import { FakeClock, startSimFleet, waitFor } from '@sluice/testing';
import type { SimFleet } from '@sluice/testing';
import { startRouter } from '../src/index.ts';
import type { RunningRouter } from '../src/index.ts';
import { settledTokens, TenantRateLimits } from '../src/limits/tenant-rate-limits.ts';
import { HttpError } from '../src/http/openai-error.ts';
import { DEFAULT_EXPECTED_OUTPUT_TOKENS } from '../src/request/openai-body.ts';
import { metricValue, postJson } from './helpers/http.ts';
import { testRouterConfig } from './helpers/router-config.ts';

const tenantsConfig = (over: Partial<ResolvedTenants> = {}): ResolvedTenants => ({ defaultLimits: null, overrides: [], rateLimitWindowMs: 60_000, reservationTtlMs: 600_000, ...over });

function setup(config: ResolvedTenants) {
  const clock = new FakeClock();
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) } });
  const metrics = createMetrics();
  const limiter = new MemoryTenantRateLimiter({ time: timeSourceOf(clock), windowMs: config.rateLimitWindowMs });
  const limits = new TenantRateLimits({ limiter, config, metrics, logger, clock });
  let n = 0;
  const admit = async (tenant: string, tokens: number, credentialLimits?: { requestsPerMinute?: number; tokensPerMinute?: number }) =>
    await limits.admit({ tenant, reservationId: `r${++n}`, tokens, credentialLimits });
  return { clock, lines, metrics, limits, admit };
}

async function refusal(promise: Promise<unknown>): Promise<HttpError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof HttpError) return error;
    throw error;
  }
  throw new Error('expected a 429');
}

describe('TenantRateLimits (router side, FakeClock)', () => {
  it('applies no limit (and takes no reservation) when nothing is configured', async () => {
    const { admit, limits } = setup(tenantsConfig());
    expect(await admit('t', 10)).toBeNull();
    // Synchronously null, not a promise of null: unlimited tenants pay nothing on the request path.
    expect(limits.admit({ tenant: 't', reservationId: 'sync', tokens: 10, credentialLimits: undefined })).toBeNull();
    expect(limits.held).toBe(0);
  });

  it('takes limits field by field: credential, then the tenant override, then the default', () => {
    const { limits } = setup(tenantsConfig({ defaultLimits: { requestsPerMinute: 1, tokensPerMinute: 2 }, overrides: [{ tenant: 'o', limits: { tokensPerMinute: 20 } }] }));
    expect(limits.limitsFor('x', undefined)).toEqual({ requestsPerMinute: 1, tokensPerMinute: 2 });
    expect(limits.limitsFor('o', undefined)).toEqual({ requestsPerMinute: 1, tokensPerMinute: 20 });
    expect(limits.limitsFor('o', { requestsPerMinute: 300 })).toEqual({ requestsPerMinute: 300, tokensPerMinute: 20 });
  });

  it('answers 429 in OpenAI shape with Retry-After and the dropped reason, counted and logged once per second', async () => {
    const { admit, clock, lines, metrics } = setup(tenantsConfig({ defaultLimits: { requestsPerMinute: 2 } }));
    await admit('t', 0);
    clock.advance(15_000);
    await admit('t', 0);
    const error = await refusal(admit('t', 0));
    expect(error.status).toBe(429);
    expect(error.body().error).toMatchObject({ type: 'requests', code: 'rate_limit_exceeded' });
    expect(error.message).toContain('requests per min (RPM): Limit 2');
    expect(error.headers).toMatchObject({ 'retry-after': '45', 'x-llm-d-request-dropped-reason': 'rejected-rate-limited', 'x-ratelimit-limit-requests': '2' });
    for (let i = 0; i < 5; i++) await refusal(admit('t', 0));
    clock.advance(1000);
    await refusal(admit('t', 0));
    expect(lines.filter((l) => l['msg'] === 'tenant rate limited (logged at most once per tenant per second)')).toHaveLength(2);
    expect(metricValue(await metrics.exposition(), 'sluice_tenant_rate_limited_total', { tenant: 't', limit: 'requests' })).toBe(7);
  });

  it('says when a request is too large for the token limit', async () => {
    const { admit } = setup(tenantsConfig({ defaultLimits: { tokensPerMinute: 100 } }));
    const error = await refusal(admit('t', 150));
    expect(error.body().error).toMatchObject({ type: 'tokens', code: 'rate_limit_exceeded' });
    expect(error.message).toContain('Request too large');
    expect(error.headers['retry-after']).toBe('60');
  });

  it('settles each reservation once, refunding unused tokens', async () => {
    const { admit, limits, metrics } = setup(tenantsConfig({ defaultLimits: { tokensPerMinute: 100 } }));
    const reservation = await admit('t', 80);
    expect(limits.held).toBe(1);
    await expect(refusal(admit('t', 30))).resolves.toBeInstanceOf(HttpError);
    await reservation!.settle(20);
    await reservation!.settle(0);
    expect(limits.held).toBe(0);
    expect(await admit('t', 80)).not.toBeNull();
    const text = await metrics.exposition();
    expect(metricValue(text, 'sluice_tenant_rate_limit_refunded_tokens_total', { tenant: 't' })).toBe(60);
    expect(metricValue(text, 'sluice_tenant_rate_limit_reserved_tokens_total', { tenant: 't' })).toBe(160);
  });

  it('settles with engine usage, else prompt estimate + streamed events, else nothing', () => {
    expect(settledTokens(true, 10, { promptTokens: 12, completionTokens: 5 }, 3)).toBe(17);
    expect(settledTokens(true, 10, null, 3)).toBe(13);
    expect(settledTokens(true, 10, null, null)).toBe(10);
    expect(settledTokens(false, 10, null, null)).toBe(0);
  });
});

describe('tenant limits in memory mode (one router, credential limits from api-keys)', () => {
  let fleet: SimFleet;
  let router: RunningRouter;
  const ADMIN = 'sk-admin-rate-0001';
  const KEYS = JSON.stringify({
    keys: [
      { key: 'sk-limited-0001', tenant: 'keyed', limits: { requestsPerMinute: 2 } },
      { key: 'sk-unbounded-0001', tenant: 'no-max-tokens' },
    ],
  });

  beforeAll(async () => {
    fleet = await startSimFleet({ count: 1, profile: 'tiny', timeScale: 0.1 });
    const raw = {
      ...testRouterConfig({ endpoints: fleet.pods.map((p) => p.address) }),
      auth: { mode: 'api-keys', keysEnv: 'SLUICE_TEST_KEYS', admin: { keyEnv: 'SLUICE_TEST_ADMIN' } },
      tenants: { defaultLimits: { tokensPerMinute: 100_000 } },
    };
    router = await startRouter({ config: parseRouterConfig(raw, { env: { SLUICE_TEST_KEYS: KEYS, SLUICE_TEST_ADMIN: ADMIN }, source: '<test>' }) });
  });

  afterAll(async () => {
    await router?.shutdown(1000);
    await fleet?.stop();
  });

  it('limits a key to its requests per minute, refunds unused tokens, and leaves no reservation behind', async () => {
    const body = JSON.stringify({ model: 'qwen', messages: [{ role: 'user', content: 'count the gates' }], max_tokens: 60 });
    const auth = { authorization: 'Bearer sk-limited-0001' };
    let expectedRefund = 0;
    for (let i = 0; i < 2; i++) {
      const res = await postJson(router.url, '/v1/chat/completions', body, auth);
      expect(res.status).toBe(200);
      const usage = ((await res.json()) as { usage: { prompt_tokens: number; total_tokens: number } }).usage;
      expectedRefund += usage.prompt_tokens + 60 - usage.total_tokens;
    }
    const limited = await postJson(router.url, '/v1/chat/completions', body, auth);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('x-llm-d-request-dropped-reason')).toBe('rejected-rate-limited');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(59);
    expect(((await limited.json()) as { error: { type: string; code: string } }).error).toMatchObject({ type: 'requests', code: 'rate_limit_exceeded' });
    const state = await waitFor(
      async () => {
        const s = (await (await fetch(`${router.url}/admin/state`, { headers: { authorization: `Bearer ${ADMIN}` } })).json()) as {
          rateLimits: { reservations: number; windowMs: number };
          self: { rateReservations: number };
        };
        return s.rateLimits.reservations === 0 && s.self.rateReservations === 0 ? s : undefined;
      },
      { timeoutMs: 5000, what: 'no outstanding reservation' },
    );
    expect(state.rateLimits.windowMs).toBe(60_000);
    const text = await (await fetch(`${router.url}/metrics`)).text();
    expect(metricValue(text, 'sluice_tenant_rate_limit_outstanding_reservations', {})).toBe(0);
    expect(metricValue(text, 'sluice_tenant_rate_limit_refunded_tokens_total', { tenant: 'keyed' }) ?? 0).toBe(expectedRefund);
  });

  it('bounds a request without max_tokens by the reserved output, so usage cannot outgrow the reservation', async () => {
    // ignore_eos: the engine would generate up to its context limit (about 1,000 tokens on `tiny`).
    const body = { model: 'qwen', messages: [{ role: 'user', content: 'tell me everything' }], ignore_eos: true };
    const direct = await postJson(`http://${fleet.pods[0]!.address}`, '/v1/chat/completions', JSON.stringify({ ...body, model: 'sim/tiny' }));
    const uncapped = ((await direct.json()) as { usage: { completion_tokens: number } }).usage.completion_tokens;
    expect(uncapped).toBeGreaterThan(DEFAULT_EXPECTED_OUTPUT_TOKENS);

    const res = await postJson(router.url, '/v1/chat/completions', JSON.stringify(body), { authorization: 'Bearer sk-unbounded-0001' });
    expect(res.status).toBe(200);
    const usage = ((await res.json()) as { usage: { completion_tokens: number } }).usage;
    expect(usage.completion_tokens).toBe(DEFAULT_EXPECTED_OUTPUT_TOKENS);
    const text = await (await fetch(`${router.url}/metrics`)).text();
    expect(metricValue(text, 'sluice_tenant_rate_limit_output_capped_total', { tenant: 'no-max-tokens' })).toBe(1);
  });
});
