import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRouterConfig } from '@sluice/config';
import { startSimFleet, waitFor } from '@sluice/testing';
import type { SimFleet } from '@sluice/testing';
import { startRouter } from '../src/index.ts';
import type { RunningRouter } from '../src/index.ts';
import { chatBody, metricValue, postJson } from './helpers/http.ts';
import type { AdminState } from './helpers/http.ts';
import { testRouterConfig } from './helpers/router-config.ts';

const LOW_KEY = 'sk-low-123';
const HIGH_KEY = 'sk-high-7f3a9c2e';
const ADMIN_KEY = 'sk-admin-5d1b8e77';
const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** The keys.yaml: one clear key, one stored as its SHA-256 only. */
const KEYS_YAML = `keys:
  - { key: ${LOW_KEY}, tenant: tenant-low, objectives: [best-effort-traffic], defaultObjective: best-effort-traffic,
      limits: { requestsPerMinute: 600, tokensPerMinute: 200000 } }
  - { keySha256: "${sha256(HIGH_KEY)}", tenant: tenant-high, objectives: [premium-traffic, standard-traffic], defaultObjective: premium-traffic }
`;

async function metrics(url: string): Promise<string> {
  return await (await fetch(`${url}/metrics`)).text();
}

/**
 * auth.mode: api-keys end to end (real simulator, real HTTP, the official openai client): keys from
 * a file, the trust boundary (spoofed control headers ignored and counted), priority ceilings
 * (clamped, or 403 with clampPriority: false), 401 answers, and the admin guard.
 */
describe('auth.mode: api-keys', () => {
  let fleet: SimFleet;
  let router: RunningRouter;
  let strict: RunningRouter;
  let dir: string;

  const configWith = (auth: Record<string, unknown>) =>
    parseRouterConfig({ ...testRouterConfig({ endpoints: fleet.pods.map((p) => p.address) }), auth }, { env: { SLUICE_ADMIN_KEY: ADMIN_KEY }, source: '<test>' });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-keys-'));
    writeFileSync(join(dir, 'keys.yaml'), KEYS_YAML);
    fleet = await startSimFleet({ count: 1, profile: 'tiny', timeScale: 0.1 });
    router = await startRouter({ config: configWith({ mode: 'api-keys', keysFile: join(dir, 'keys.yaml'), admin: { keyEnv: 'SLUICE_ADMIN_KEY' } }) });
    strict = await startRouter({ config: configWith({ mode: 'api-keys', keysFile: join(dir, 'keys.yaml'), clampPriority: false }) });
  });

  afterAll(async () => {
    try {
      await router?.shutdown(1000);
      await strict?.shutdown(1000);
    } finally {
      await fleet?.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const client = (url: string, apiKey: string, headers: Record<string, string> = {}): OpenAI =>
    new OpenAI({ baseURL: `${url}/v1`, apiKey, maxRetries: 0, defaultHeaders: headers });

  it('a valid key (clear or hashed in the file) is served', async () => {
    for (const key of [LOW_KEY, HIGH_KEY]) {
      const completion = await client(router.url, key).chat.completions.create({ model: 'travel-helper', messages: [{ role: 'user', content: 'hello' }], max_tokens: 4 });
      expect(completion.choices.length).toBe(1);
    }
    expect(metricValue(await metrics(router.url), 'sluice_auth_requests_total', { mode: 'api-keys', outcome: 'ok' })).toBeGreaterThanOrEqual(2);
  });

  it('an unknown key gets 401 invalid_api_key with WWW-Authenticate', async () => {
    const error = await client(router.url, 'sk-not-a-key').chat.completions.create({ model: 'travel-helper', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((error as InstanceType<typeof OpenAI.AuthenticationError>).code).toBe('invalid_api_key');
    const res = await postJson(router.url, '/v1/chat/completions', chatBody('travel-helper'), { authorization: 'Bearer sk-not-a-key' });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="sluice", error="invalid_token"');
    const body = (await res.json()) as { error: { code: string; type: string; message: string } };
    expect(body.error).toMatchObject({ code: 'invalid_api_key', type: 'invalid_request_error' });
    expect(body.error.message).not.toContain('sk-not-a-key');
  });

  it('no key gets 401 with WWW-Authenticate: Bearer realm="sluice"', async () => {
    const res = await postJson(router.url, '/v1/chat/completions', chatBody('travel-helper'));
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="sluice"');
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('missing_api_key');
    const malformed = await postJson(router.url, '/v1/chat/completions', chatBody('travel-helper'), { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` });
    expect(malformed.status).toBe(401);
  });

  it('a spoofed control header is ignored and counted', async () => {
    const before = metricValue(await metrics(router.url), 'sluice_auth_spoofed_headers_total', { header: 'x-gateway-inference-fairness-id' }) ?? 0;
    const spoofing = client(router.url, LOW_KEY, { 'x-gateway-inference-fairness-id': 'tenant-high', 'x-slo-ttft-ms': '1', 'x-llm-d-made-up': '1' });
    const completion = await spoofing.chat.completions.create({ model: 'travel-helper', messages: [{ role: 'user', content: 'hello' }], max_tokens: 4 });
    expect(completion.choices.length).toBe(1);
    const text = await metrics(router.url);
    expect(metricValue(text, 'sluice_auth_spoofed_headers_total', { header: 'x-gateway-inference-fairness-id' })).toBe(before + 1);
    expect(metricValue(text, 'sluice_auth_spoofed_headers_total', { header: 'x-slo-ttft-ms' })).toBeGreaterThanOrEqual(1);
    expect(metricValue(text, 'sluice_auth_spoofed_headers_total', { header: 'other' })).toBeGreaterThanOrEqual(1);
    // The request ran as its key's tenant at its key's band (-10), not as the claimed tenant.
    expect(metricValue(text, 'sluice_auth_priority_clamped_total', { tenant: 'tenant-high' })).toBeUndefined();
  });

  it('an objective above the key ceiling is clamped: counted, and served in the allowed band', async () => {
    const before = await metrics(router.url);
    const clampedBefore = metricValue(before, 'sluice_auth_priority_clamped_total', { tenant: 'tenant-low', action: 'clamped' }) ?? 0;
    const bandBefore = metricValue(before, 'inference_extension_flow_control_requests_total', { outcome: 'Dispatched', priority: '-10' }) ?? 0;
    const premiumBefore = metricValue(before, 'inference_extension_flow_control_requests_total', { outcome: 'Dispatched', priority: '100' }) ?? 0;
    const asking = client(router.url, LOW_KEY, { 'x-gateway-inference-objective': 'premium-traffic' });
    await asking.chat.completions.create({ model: 'qwen', messages: [{ role: 'user', content: 'hello' }], max_tokens: 4 });
    const after = await metrics(router.url);
    expect(metricValue(after, 'sluice_auth_priority_clamped_total', { tenant: 'tenant-low', action: 'clamped' })).toBe(clampedBefore + 1);
    // qwen is Critical (100) by model, but the key's ceiling is best-effort (-10).
    expect(metricValue(after, 'inference_extension_flow_control_requests_total', { outcome: 'Dispatched', priority: '-10' })).toBe(bandBefore + 1);
    expect(metricValue(after, 'inference_extension_flow_control_requests_total', { outcome: 'Dispatched', priority: '100' }) ?? 0).toBe(premiumBefore);
    expect(metricValue(after, 'inference_objective_request_total', { model_name: 'qwen', objective: 'best-effort-traffic' })).toBeGreaterThanOrEqual(1);
  });

  it('a lower objective than allowed is honoured without a clamp', async () => {
    const before = await metrics(router.url);
    const clampedBefore = metricValue(before, 'sluice_auth_priority_clamped_total', { tenant: 'tenant-high', action: 'clamped' }) ?? 0;
    const bandBefore = metricValue(before, 'inference_extension_flow_control_requests_total', { outcome: 'Dispatched', priority: '0' }) ?? 0;
    await client(router.url, HIGH_KEY, { 'x-gateway-inference-objective': 'standard-traffic' }).chat.completions.create({ model: 'qwen', messages: [{ role: 'user', content: 'hi' }], max_tokens: 4 });
    const after = await metrics(router.url);
    expect(metricValue(after, 'inference_extension_flow_control_requests_total', { outcome: 'Dispatched', priority: '0' })).toBe(bandBefore + 1);
    expect(metricValue(after, 'sluice_auth_priority_clamped_total', { tenant: 'tenant-high', action: 'clamped' }) ?? 0).toBe(clampedBefore);
  });

  it('with clampPriority: false an objective above the ceiling gets 403', async () => {
    const res = await postJson(strict.url, '/v1/chat/completions', chatBody('qwen'), { authorization: `Bearer ${LOW_KEY}`, 'x-llm-d-inference-objective': 'premium-traffic' });
    expect(res.status).toBe(403);
    const body = (await res.json()) as { error: { code: string; type: string } };
    expect(body.error).toMatchObject({ code: 'objective_not_allowed', type: 'permission_error' });
    expect(metricValue(await metrics(strict.url), 'sluice_auth_priority_clamped_total', { tenant: 'tenant-low', action: 'rejected' })).toBe(1);
    const allowed = await postJson(strict.url, '/v1/chat/completions', chatBody('qwen'), { authorization: `Bearer ${LOW_KEY}`, 'x-llm-d-inference-objective': 'best-effort-traffic' });
    expect(allowed.status).toBe(200);
    await allowed.text();
  });

  it('admin endpoints need the admin key; /metrics and probes stay open', async () => {
    expect((await fetch(`${router.url}/admin/state`)).status).toBe(401);
    expect((await fetch(`${router.url}/admin/state`, { headers: { authorization: `Bearer ${HIGH_KEY}` } })).status).toBe(401);
    // The dashboard page holds no data and is served; what it loads is guarded.
    const page = await fetch(`${router.url}/dashboard`);
    expect(page.status).toBe(200);
    expect(await page.text()).not.toContain(router.deps.replicaId);
    expect((await fetch(`${router.url}/admin/decisions`)).status).toBe(401);
    expect((await fetch(`${router.url}/dashboard/anything`)).status).toBe(401);
    const ok = await fetch(`${router.url}/admin/state`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    expect(ok.status).toBe(200);
    await ok.text();
    for (const path of ['/metrics', '/healthz', '/readyz']) {
      const res = await fetch(`${router.url}${path}`);
      expect(res.status, path).toBe(200);
      await res.text();
    }
    // The model list needs a tenant key (any).
    expect((await fetch(`${router.url}/v1/models`)).status).toBe(401);
    const models = await client(router.url, LOW_KEY).models.list();
    expect(models.data.map((m) => m.id).sort()).toEqual(['qwen', 'travel-helper']);
    // No admin key configured: the admin surface is closed to everyone.
    expect((await fetch(`${strict.url}/admin/state`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).status).toBe(401);
    expect(metricValue(await metrics(router.url), 'sluice_auth_admin_denied_total', {})).toBeGreaterThanOrEqual(3);
  });

  it('leaks no lease', async () => {
    await expectNoLeakedLeaseWithKey(router.url);
  });
});

/** Like expectNoLeakedLease, through the admin guard. */
async function expectNoLeakedLeaseWithKey(url: string): Promise<void> {
  await waitFor(
    async () => {
      const res = await fetch(`${url}/admin/state`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
      const s = (await res.json()) as AdminState;
      return s.leases.count === 0 && s.queue.len === 0 && s.self.leases === 0 && s.self.waiting === 0 ? true : undefined;
    },
    { timeoutMs: 5000, what: 'no lease held and nothing queued in /admin/state' },
  );
}
