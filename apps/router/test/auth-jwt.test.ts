import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT } from 'jose';
import type { CryptoKey, JWTPayload } from 'jose';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRouterConfig } from '@sluice/config';
import { startSimFleet } from '@sluice/testing';
import type { SimFleet } from '@sluice/testing';
import { startRouter } from '../src/index.ts';
import type { RunningRouter } from '../src/index.ts';
import { chatBody, metricValue, postJson } from './helpers/http.ts';
import { testRouterConfig } from './helpers/router-config.ts';

const ISSUER = 'https://issuer.sluice.test';
const AUDIENCE = 'sluice';
const KID = 'key-1';

interface SigningKeys {
  trusted: CryptoKey;
  /** Same kid, different key pair: a forged signature. */
  forger: CryptoKey;
}

async function sign(key: CryptoKey, claims: JWTPayload, options: { expiresIn?: string | number; notBefore?: string | number; issuer?: string; audience?: string } = {}): Promise<string> {
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: KID }).setIssuedAt().setIssuer(options.issuer ?? ISSUER).setAudience(options.audience ?? AUDIENCE);
  jwt.setExpirationTime(options.expiresIn ?? '5m');
  if (options.notBefore !== undefined) jwt.setNotBefore(options.notBefore);
  return await jwt.sign(key);
}

async function metrics(url: string): Promise<string> {
  return await (await fetch(`${url}/metrics`)).text();
}

async function post(url: string, token: string | null, headers: Record<string, string> = {}, model = 'travel-helper'): Promise<Response> {
  return await postJson(url, '/v1/chat/completions', chatBody(model), { ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...headers });
}

async function errorOf(res: Response): Promise<{ code: string; message: string }> {
  return ((await res.json()) as { error: { code: string; message: string } }).error;
}

/**
 * auth.mode: jwt against a JWKS served by a real local HTTP server; tokens signed in-test with jose.
 * Tenants are observed through the clamp counter's tenant label: every token asks for
 * premium-traffic, above its grant.
 */
describe('auth.mode: jwt', () => {
  let fleet: SimFleet;
  let jwks: Server;
  let jwksUrl: string;
  let keys: SigningKeys;
  let custom: RunningRouter;
  let openshift: RunningRouter;
  let openshiftClosed: RunningRouter;
  let fromFiles: RunningRouter[] = [];
  let dir: string;
  let jwksFetches = 0;

  const configWith = (auth: Record<string, unknown>) => parseRouterConfig({ ...testRouterConfig({ endpoints: fleet.pods.map((p) => p.address) }), auth }, { env: {}, source: '<test>' });

  beforeAll(async () => {
    const trusted = await generateKeyPair('RS256', { extractable: true });
    const forger = await generateKeyPair('RS256');
    keys = { trusted: trusted.privateKey, forger: forger.privateKey };
    const publicJwk = { ...(await exportJWK(trusted.publicKey)), kid: KID, alg: 'RS256', use: 'sig' };
    jwks = createServer((req, res) => {
      jwksFetches++;
      if (req.url !== '/jwks.json') {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [publicJwk] }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`;

    fleet = await startSimFleet({ count: 1, profile: 'tiny', timeScale: 0.1 });
    const jwt = { jwksUrl, issuer: ISSUER, audience: AUDIENCE, clockSkew: '30s' };
    custom = await startRouter({
      config: configWith({
        mode: 'jwt',
        jwt: {
          ...jwt,
          claims: { tenant: 'org.team' },
          rules: [{ claim: 'groups', equals: 'gold', objectives: ['premium-traffic', 'standard-traffic'], defaultObjective: 'standard-traffic' }],
          grant: { objectives: ['standard-traffic', 'best-effort-traffic'], defaultObjective: 'standard-traffic' },
        },
      }),
    });
    const openshiftJwt = { ...jwt, preset: 'openshift', grant: { objectives: ['standard-traffic'] } };
    openshift = await startRouter({ config: configWith({ mode: 'jwt', jwt: openshiftJwt, anonymous: { enabled: true, objective: 'best-effort-traffic' } }) });
    openshiftClosed = await startRouter({ config: configWith({ mode: 'jwt', jwt: openshiftJwt }) });
    // Key material from files: a PEM public key, and a JWKS file.
    dir = mkdtempSync(join(tmpdir(), 'sluice-jwt-'));
    writeFileSync(join(dir, 'key.pem'), await exportSPKI(trusted.publicKey));
    writeFileSync(join(dir, 'jwks.json'), JSON.stringify({ keys: [publicJwk] }));
    const fileGrant = { claims: { tenant: 'sub' }, grant: { objectives: ['standard-traffic'] }, issuer: ISSUER, audience: AUDIENCE };
    fromFiles = [
      await startRouter({ config: configWith({ mode: 'jwt', jwt: { publicKeyFile: join(dir, 'key.pem'), algorithms: ['RS256'], ...fileGrant } }) }),
      await startRouter({ config: configWith({ mode: 'jwt', jwt: { jwksFile: join(dir, 'jwks.json'), ...fileGrant } }) }),
    ];
  });

  afterAll(async () => {
    try {
      await Promise.all([custom?.shutdown(1000), openshift?.shutdown(1000), openshiftClosed?.shutdown(1000), ...fromFiles.map((r) => r.shutdown(1000))]);
    } finally {
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
      await fleet?.stop();
      await new Promise((resolve) => jwks?.close(resolve));
    }
  });

  it('a valid token is served (official openai client) and its tenant comes from the configured claim', async () => {
    const token = await sign(keys.trusted, { sub: 'user-1', org: { team: 'team-blue' } });
    const client = new OpenAI({ baseURL: `${custom.url}/v1`, apiKey: token, maxRetries: 0, defaultHeaders: { 'x-gateway-inference-objective': 'premium-traffic' } });
    const completion = await client.chat.completions.create({ model: 'travel-helper', messages: [{ role: 'user', content: 'hi' }], max_tokens: 4 });
    expect(completion.choices.length).toBe(1);
    expect(jwksFetches).toBeGreaterThanOrEqual(1);
    expect(metricValue(await metrics(custom.url), 'sluice_auth_priority_clamped_total', { tenant: 'team-blue', action: 'clamped' })).toBe(1);
  });

  it('a claim rule grants a higher ceiling (first match wins)', async () => {
    const token = await sign(keys.trusted, { sub: 'user-2', org: { team: 'team-gold' }, groups: ['dev', 'gold'] });
    const before = metricValue(await metrics(custom.url), 'inference_extension_flow_control_requests_total', { outcome: 'Dispatched', priority: '100' }) ?? 0;
    const res = await post(custom.url, token, { 'x-gateway-inference-objective': 'premium-traffic' });
    expect(res.status).toBe(200);
    await res.text();
    const after = await metrics(custom.url);
    expect(metricValue(after, 'inference_extension_flow_control_requests_total', { outcome: 'Dispatched', priority: '100' })).toBe(before + 1);
    expect(metricValue(after, 'sluice_auth_priority_clamped_total', { tenant: 'team-gold' })).toBeUndefined();
  });

  it('an expired token gets 401 invalid_token; one within the clock skew is accepted', async () => {
    const nowS = Math.floor(Date.now() / 1000);
    const expired = await sign(keys.trusted, { sub: 'u', org: { team: 't' } }, { expiresIn: nowS - 120 });
    const res = await post(custom.url, expired);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="sluice", error="invalid_token"');
    expect(await errorOf(res)).toMatchObject({ code: 'invalid_token', message: 'The token has expired.' });
    const justExpired = await sign(keys.trusted, { sub: 'u', org: { team: 't' } }, { expiresIn: nowS - 5 });
    const ok = await post(custom.url, justExpired);
    expect(ok.status).toBe(200);
    await ok.text();
  });

  it('a token that is not valid yet (nbf) gets 401', async () => {
    const future = await sign(keys.trusted, { sub: 'u', org: { team: 't' } }, { notBefore: Math.floor(Date.now() / 1000) + 600, expiresIn: '1h' });
    const res = await post(custom.url, future);
    expect(res.status).toBe(401);
    expect((await errorOf(res)).message).toContain('not valid yet');
  });

  it('a wrong audience or issuer gets 401', async () => {
    const wrongAudience = await post(custom.url, await sign(keys.trusted, { sub: 'u', org: { team: 't' } }, { audience: 'another-service' }));
    expect(wrongAudience.status).toBe(401);
    expect((await errorOf(wrongAudience)).message).toContain('audience');
    const wrongIssuer = await post(custom.url, await sign(keys.trusted, { sub: 'u', org: { team: 't' } }, { issuer: 'https://evil.test' }));
    expect(wrongIssuer.status).toBe(401);
    expect((await errorOf(wrongIssuer)).message).toContain('issuer');
  });

  it('a wrong signature (same kid, other key) gets 401; so do garbage and missing tokens', async () => {
    const forged = await post(custom.url, await sign(keys.forger, { sub: 'u', org: { team: 't' } }));
    expect(forged.status).toBe(401);
    expect(await errorOf(forged)).toMatchObject({ code: 'invalid_token', message: 'The token signature is invalid.' });
    const garbage = await post(custom.url, 'not.a.jwt');
    expect(garbage.status).toBe(401);
    const missing = await post(custom.url, null);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="sluice"');
    await missing.text();
  });

  it('a verified token without the tenant claim and no matching rule gets 403', async () => {
    const res = await post(custom.url, await sign(keys.trusted, { sub: 'u' }));
    expect(res.status).toBe(403);
    expect((await errorOf(res)).code).toBe('permission_denied');
  });

  it('keys from a PEM file or a JWKS file verify the same way', async () => {
    for (const router of fromFiles) {
      const ok = await post(router.url, await sign(keys.trusted, { sub: 'svc-1' }));
      expect(ok.status).toBe(200);
      await ok.text();
      const forged = await post(router.url, await sign(keys.forger, { sub: 'svc-1' }));
      expect(forged.status).toBe(401);
      await forged.text();
    }
  });

  it('an unreachable JWKS endpoint gives 503 auth_unavailable (the token may be fine)', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/jwks.json`;
    await new Promise((resolve) => closed.close(resolve));
    const router = await startRouter({ config: configWith({ mode: 'jwt', jwt: { jwksUrl: deadUrl, issuer: ISSUER, audience: AUDIENCE, grant: { objectives: ['standard-traffic'] } } }) });
    try {
      const res = await post(router.url, await sign(keys.trusted, { sub: 'u' }));
      expect(res.status).toBe(503);
      expect((await errorOf(res)).code).toBe('auth_unavailable');
      expect(metricValue(await metrics(router.url), 'sluice_auth_requests_total', { mode: 'jwt', outcome: 'unavailable' })).toBe(1);
    } finally {
      await router.shutdown(1000);
    }
  });

  describe('preset: openshift', () => {
    const ask = { 'x-gateway-inference-objective': 'premium-traffic' };

    it('a service-account token → tenant = its namespace (sub or kubernetes.io claim)', async () => {
      const bySub = await post(openshift.url, await sign(keys.trusted, { sub: 'system:serviceaccount:team-a:builder' }), ask);
      expect(bySub.status).toBe(200);
      await bySub.text();
      const byClaim = await post(openshift.url, await sign(keys.trusted, { sub: 'opaque-id', 'kubernetes.io': { namespace: 'team-b', serviceaccount: { name: 'runner' } } }), ask);
      expect(byClaim.status).toBe(200);
      await byClaim.text();
      const text = await metrics(openshift.url);
      expect(metricValue(text, 'sluice_auth_priority_clamped_total', { tenant: 'team-a' })).toBe(1);
      expect(metricValue(text, 'sluice_auth_priority_clamped_total', { tenant: 'team-b' })).toBe(1);
    });

    it('a user token → tenant "authenticated"', async () => {
      const res = await post(openshift.url, await sign(keys.trusted, { sub: 'alice', groups: ['system:authenticated'] }), ask);
      expect(res.status).toBe(200);
      await res.text();
      expect(metricValue(await metrics(openshift.url), 'sluice_auth_priority_clamped_total', { tenant: 'authenticated' })).toBe(1);
    });

    it('no token with anonymous enabled → tenant "unauthenticated" at the anonymous objective', async () => {
      const before = metricValue(await metrics(openshift.url), 'inference_extension_flow_control_requests_total', { outcome: 'Dispatched', priority: '-10' }) ?? 0;
      const res = await post(openshift.url, null, ask);
      expect(res.status).toBe(200);
      await res.text();
      const text = await metrics(openshift.url);
      expect(metricValue(text, 'sluice_auth_priority_clamped_total', { tenant: 'unauthenticated' })).toBe(1);
      expect(metricValue(text, 'inference_extension_flow_control_requests_total', { outcome: 'Dispatched', priority: '-10' })).toBe(before + 1);
      expect(metricValue(text, 'sluice_auth_requests_total', { mode: 'jwt', outcome: 'anonymous' })).toBe(1);
    });

    it('a bad token is refused even with anonymous enabled', async () => {
      const res = await post(openshift.url, await sign(keys.forger, { sub: 'system:serviceaccount:team-a:builder' }));
      expect(res.status).toBe(401);
    });

    it('no token with anonymous disabled → 401', async () => {
      const res = await post(openshiftClosed.url, null);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="sluice"');
      expect((await errorOf(res)).code).toBe('missing_token');
    });
  });
});
