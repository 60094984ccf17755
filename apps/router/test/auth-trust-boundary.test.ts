import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRouterConfig } from '@sluice/config';
import type { ResolvedGrant } from '@sluice/config';
import { startRouter } from '../src/index.ts';
import type { RunningRouter } from '../src/index.ts';
import { decideObjective } from '../src/auth/objective-policy.ts';
import { ClaimMapper } from '../src/auth/jwt-claims.ts';
import { bearerToken } from '../src/auth/bearer-token.ts';
import { chatBody, postJson } from './helpers/http.ts';
import { testRouterConfig } from './helpers/router-config.ts';

const KEY = 'sk-boundary-0a1b2c3d';

/**
 * What reaches the model server in api-keys mode: a real HTTP endpoint records the headers of every
 * completion request. Neither the tenant's key nor any client-sent control header may pass.
 */
describe('trust boundary: what the model server sees', () => {
  let upstream: Server;
  let router: RunningRouter;
  let dir: string;
  const seen: IncomingHttpHeaders[] = [];
  let bodySeen = 0;

  beforeAll(async () => {
    upstream = createServer((req, res) => {
      if (req.url === '/v1/chat/completions') {
        seen.push(req.headers);
        req.resume();
        req.on('end', () => {
          bodySeen++;
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: 'x', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }] }));
        });
        return;
      }
      res.writeHead(req.url === '/health' ? 200 : 404, { 'content-type': 'text/plain' }).end('');
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    dir = mkdtempSync(join(tmpdir(), 'sluice-boundary-'));
    writeFileSync(join(dir, 'keys.yaml'), `keys: [{ key: ${KEY}, tenant: t1, objectives: [standard-traffic] }]\n`);
    const endpoint = `127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    const config = parseRouterConfig({ ...testRouterConfig({ endpoints: [endpoint] }), auth: { mode: 'api-keys', keysFile: join(dir, 'keys.yaml') } }, { env: {}, source: '<test>' });
    router = await startRouter({ config });
  });

  afterAll(async () => {
    try {
      await router?.shutdown(1000);
    } finally {
      await new Promise((resolve) => upstream?.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('strips the Authorization header and every control header before proxying', async () => {
    const res = await postJson(router.url, '/v1/chat/completions', chatBody('travel-helper'), {
      authorization: `Bearer ${KEY}`,
      'x-gateway-inference-fairness-id': 'someone-else',
      'x-llm-d-inference-objective': 'premium-traffic',
      'x-slo-ttft-ms': '1',
      'x-keep-me': 'yes',
    });
    expect(res.status).toBe(200);
    await res.text();
    const headers = seen.at(-1)!;
    expect(headers['authorization']).toBeUndefined();
    expect(Object.keys(headers).filter((name) => /^x-(gateway|llm-d|slo)-/.test(name))).toEqual([]);
    expect(headers['x-keep-me']).toBe('yes');
  });

  it('a bad key never reaches the model server', async () => {
    const before = { headers: seen.length, bodies: bodySeen };
    const res = await postJson(router.url, '/v1/chat/completions', chatBody('travel-helper'), { authorization: 'Bearer sk-wrong-key-000' });
    expect(res.status).toBe(401);
    await res.text();
    expect({ headers: seen.length, bodies: bodySeen }).toEqual(before);
  });

  it('the credential is checked before the body is read: 401 while the body is still missing', async () => {
    const started = performance.now();
    const head = await new Promise<string>((resolve, reject) => {
      const socket = connect(router.port, '127.0.0.1', () => {
        // Announces 1 MB, sends 10 bytes, then stalls: only an early check can answer now.
        socket.write('POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nauthorization: Bearer sk-wrong-key-000\r\ncontent-type: application/json\r\ncontent-length: 1000000\r\n\r\n{"model":"');
      });
      let data = '';
      socket.setTimeout(10_000, () => reject(new Error('no answer while the body was pending')));
      socket.on('data', (chunk: Buffer) => {
        data += chunk.toString('utf8');
        if (data.includes('\r\n\r\n')) {
          socket.destroy();
          resolve(data);
        }
      });
      socket.on('error', reject);
    });
    expect(head).toMatch(/^HTTP\/1\.1 401 /);
    expect(performance.now() - started).toBeLessThan(5000);
  });
});

describe('server.adminPort: a separate operator listener', () => {
  let upstream: Server;
  let router: RunningRouter;

  beforeAll(async () => {
    upstream = createServer((req, res) => res.writeHead(req.url === '/health' ? 200 : 404).end(''));
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const raw = testRouterConfig({ endpoints: [`127.0.0.1:${(upstream.address() as AddressInfo).port}`] });
    const config = parseRouterConfig({ ...raw, server: { ...(raw['server'] as object), adminPort: 0 } }, { env: {}, source: '<test>' });
    router = await startRouter({ config });
  });

  afterAll(async () => {
    try {
      await router?.shutdown(1000);
    } finally {
      await new Promise((resolve) => upstream?.close(resolve));
    }
  });

  it('the admin surface moves to the admin listener; inference stays on the main one', async () => {
    const status = async (url: string, init?: RequestInit) => {
      const res = await fetch(url, init);
      await res.text();
      return res.status;
    };
    expect(router.adminUrl).not.toBeNull();
    const admin = router.adminUrl!;
    expect(await status(`${router.url}/admin/state`)).toBe(404);
    expect(await status(`${router.url}/dashboard`)).toBe(404);
    expect(await status(`${admin}/admin/state`)).toBe(200);
    expect(await status(`${admin}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: chatBody('qwen') })).toBe(404);
    expect(await status(`${admin}/v1/models`)).toBe(404);
    for (const path of ['/metrics', '/healthz', '/readyz']) {
      expect(await status(`${router.url}${path}`), path).toBe(200);
      expect(await status(`${admin}${path}`), path).toBe(200);
    }
  });
});

describe('objective policy (pure)', () => {
  const priorities = new Map([
    ['premium-traffic', 100],
    ['standard-traffic', 0],
    ['best-effort-traffic', -10],
  ]);
  const priorityOf = (name: string) => priorities.get(name);
  const grant = (objectives: string[], maxPriority: number | null, defaultObjective = objectives[0] ?? null): ResolvedGrant => ({ objectives, defaultObjective, maxPriority, limits: null });

  it('no request → the default objective; a lower one → honoured; unknown → default', () => {
    const g = grant(['standard-traffic'], 0);
    expect(decideObjective(g, undefined, priorityOf, true)).toEqual({ ok: true, objective: 'standard-traffic', ceiling: 0, clamped: false });
    expect(decideObjective(g, 'best-effort-traffic', priorityOf, true)).toEqual({ ok: true, objective: 'best-effort-traffic', ceiling: 0, clamped: false });
    expect(decideObjective(g, 'gold', priorityOf, true)).toEqual({ ok: true, objective: 'standard-traffic', ceiling: 0, clamped: false });
  });

  it('above the ceiling → the highest allowed objective (clamped), or refused', () => {
    const g = grant(['best-effort-traffic', 'standard-traffic'], 0, 'best-effort-traffic');
    expect(decideObjective(g, 'premium-traffic', priorityOf, true)).toEqual({ ok: true, objective: 'standard-traffic', ceiling: 0, clamped: true });
    expect(decideObjective(g, 'premium-traffic', priorityOf, false)).toEqual({ ok: false, requested: 'premium-traffic', ceiling: 0 });
  });

  it('a grant without a ceiling allows no requested objective', () => {
    const g = grant([], null);
    expect(decideObjective(g, 'best-effort-traffic', priorityOf, true)).toEqual({ ok: true, objective: undefined, ceiling: null, clamped: true });
  });
});

describe('claim mapping and bearer parsing (pure)', () => {
  const grantA: ResolvedGrant = { objectives: ['premium-traffic'], defaultObjective: 'premium-traffic', maxPriority: 100, limits: { requestsPerMinute: 10 } };
  const fallback: ResolvedGrant = { objectives: [], defaultObjective: null, maxPriority: null, limits: null };
  const settings = {
    keySource: { kind: 'jwks-url', url: 'https://x' },
    issuers: [],
    audiences: [],
    algorithms: null,
    clockSkewMs: 0,
    preset: null,
    tenantClaim: ['org', 'team'],
    rules: [{ claim: ['groups'], equals: null, pattern: '^team-(.+)$', tenant: 'squad-$1', grant: grantA }],
    grant: fallback,
  } as const;

  it('first matching rule wins, with pattern groups in the tenant; else the tenant claim and the default grant', () => {
    const mapper = new ClaimMapper(settings);
    expect(mapper.map({ groups: ['dev', 'team-blue'] })).toEqual({ tenant: 'squad-blue', grant: grantA });
    expect(mapper.map({ org: { team: 'red' } })).toEqual({ tenant: 'red', grant: fallback });
    expect(mapper.map({ sub: 'x' })).toBeNull();
    expect(new ClaimMapper({ ...settings, grant: null }).map({ org: { team: 'red' } })).toBeNull();
  });

  it('openshift preset: service account → namespace, user → authenticated', () => {
    const mapper = new ClaimMapper({ ...settings, rules: [], preset: 'openshift', grant: null });
    expect(mapper.map({ sub: 'system:serviceaccount:ml-team:trainer' })?.tenant).toBe('ml-team');
    expect(mapper.map({ sub: 'x', 'kubernetes.io': { namespace: 'ns-2' } })?.tenant).toBe('ns-2');
    expect(mapper.map({ sub: 'kube:admin' })?.tenant).toBe('authenticated');
    expect(mapper.map({ sub: 'system:serviceaccount:bad' })?.tenant).toBe('authenticated');
  });

  it('bearer token: case-insensitive scheme; malformed → empty string; absent → null', () => {
    expect(bearerToken({ authorization: 'Bearer abc' })).toBe('abc');
    expect(bearerToken({ authorization: 'bearer   abc  ' })).toBe('abc');
    expect(bearerToken({ authorization: 'Basic abc' })).toBe('');
    expect(bearerToken({ authorization: 'Bearer a b' })).toBe('');
    expect(bearerToken({})).toBeNull();
  });
});
