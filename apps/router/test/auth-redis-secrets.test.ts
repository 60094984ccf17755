import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRouterConfig } from '@sluice/config';
import { closeRedisClient, createRedisClient } from '@sluice/redis-store';
import { freePort, startRedisServer, startSimFleet, waitFor } from '@sluice/testing';
import type { RedisHandle, SimFleet } from '@sluice/testing';
import { createLogger } from '@sluice/telemetry';
import { startRouter } from '../src/index.ts';
import type { RunningRouter } from '../src/index.ts';
import { chatBody, postJson } from './helpers/http.ts';
import { testRouterConfig } from './helpers/router-config.ts';

const API_KEY = 'sk-live-4f9a1c7e22b0d8e5';
const WRONG_KEY = 'sk-guess-9e8d7c6b5a4f3e2d';
const ADMIN_KEY = 'sk-admin-1a2b3c4d5e6f7a8b';
const REDIS_USER = 'sluice-router';
const REDIS_PASSWORD = 'redis-pw-6c1f0e9d8b7a';
const DEFAULT_USER_PASSWORD = 'default-pw-3e4f5a6b7c8d';
/** Shaped like a JWT (header.payload.signature): logged nowhere either. */
const JWT_LIKE = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzZWNyZXQtc3ViamVjdCJ9.c2lnbmF0dXJlLXNlY3JldC14eXo';
const SECRETS = [API_KEY, WRONG_KEY, ADMIN_KEY, REDIS_PASSWORD, DEFAULT_USER_PASSWORD, JWT_LIKE];

/** A CA and a server certificate for 127.0.0.1, made with the openssl CLI. */
function makeCertificates(dir: string): { ca: string; cert: string; key: string } {
  const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=sluice-test-ca']);
  run(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost']);
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  run(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '1', '-extfile', 'san.ext']);
  return { ca: join(dir, 'ca.crt'), cert: join(dir, 'server.crt'), key: join(dir, 'server.key') };
}

/**
 * Redis AUTH with an ACL user over TLS (`rediss://`), and no secret in the logs: the router runs
 * against a private redis-server that requires TLS on its client port, a password for `default`
 * and an ACL user for the router. Its log output (level debug) is captured while requests carry
 * API keys, a wrong key, a JWT-shaped token, spoofed headers and admin credentials.
 */
describe('Redis ACL user + TLS, and secrets never logged', () => {
  let dir: string;
  let redis: RedisHandle;
  let tlsPort: number;
  let fleet: SimFleet;
  let router: RunningRouter;
  const logLines: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-redis-tls-'));
    const certs = makeCertificates(dir);
    tlsPort = await freePort();
    // The plain port (loopback only) is used for readiness and to set up the ACL; the router uses TLS.
    redis = await startRedisServer(['--tls-port', String(tlsPort), '--tls-cert-file', certs.cert, '--tls-key-file', certs.key, '--tls-ca-cert-file', certs.ca, '--tls-auth-clients', 'no']);
    const admin = createRedisClient({ mode: 'single', url: redis.url });
    await admin.call('ACL', 'SETUSER', REDIS_USER, 'on', `>${REDIS_PASSWORD}`, '~*', '&*', '+@all');
    await admin.call('CONFIG', 'SET', 'requirepass', DEFAULT_USER_PASSWORD);
    await closeRedisClient(admin);

    writeFileSync(join(dir, 'keys.yaml'), `keys:\n  - { key: ${API_KEY}, tenant: tenant-a, objectives: [standard-traffic] }\n`);
    fleet = await startSimFleet({ count: 1, profile: 'tiny', timeScale: 0.1 });
    const raw = testRouterConfig({ endpoints: fleet.pods.map((p) => p.address), logLevel: 'debug' });
    const config = parseRouterConfig(
      {
        ...raw,
        redis: { url: `rediss://127.0.0.1:${tlsPort}`, username: REDIS_USER, passwordEnv: 'SLUICE_REDIS_PASSWORD', tls: { caFile: certs.ca } },
        auth: { mode: 'api-keys', keysFile: join(dir, 'keys.yaml'), admin: { keyEnv: 'SLUICE_ADMIN_KEY' } },
      },
      { env: { SLUICE_REDIS_PASSWORD: REDIS_PASSWORD, SLUICE_ADMIN_KEY: ADMIN_KEY }, source: '<test>' },
    );
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(chunk.toString('utf8'));
        done();
      },
    });
    const logger = createLogger({ level: 'debug', destination, bindings: { service: 'sluice-router' } });
    router = await startRouter({ config, logger, env: { SLUICE_REDIS_KEY_PREFIX: `secrets-${process.pid}` } });
  });

  afterAll(async () => {
    try {
      await router?.shutdown(1000);
    } finally {
      await fleet?.stop();
      await redis?.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the router runs its flow control on Redis as an ACL user over TLS', async () => {
    const res = await postJson(router.url, '/v1/chat/completions', chatBody('travel-helper'), { authorization: `Bearer ${API_KEY}` });
    expect(res.status).toBe(200);
    await res.text();
    const state = await fetch(`${router.url}/admin/state`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    expect(state.status).toBe(200);
    expect(router.deps.storeMode).toBe('redis');
    // The server saw the router's connections as the ACL user.
    const probe = createRedisClient({ mode: 'single', url: `rediss://127.0.0.1:${tlsPort}`, username: REDIS_USER, password: REDIS_PASSWORD, tls: { ca: readFileSync(join(dir, 'ca.crt'), 'utf8') } });
    const clients = String(await probe.call('CLIENT', 'LIST'));
    await closeRedisClient(probe);
    expect(clients).toMatch(new RegExp(`name=sluice:\\S+ .*user=${REDIS_USER}`));
  });

  it('no secret appears in the logs', async () => {
    const attempts: Record<string, string>[] = [
      { authorization: `Bearer ${API_KEY}`, 'x-gateway-inference-fairness-id': API_KEY },
      { authorization: `Bearer ${WRONG_KEY}` },
      { authorization: `Bearer ${JWT_LIKE}`, 'x-api-key': API_KEY },
      { authorization: `Basic ${Buffer.from(`user:${API_KEY}`).toString('base64')}` },
    ];
    for (const headers of attempts) await (await postJson(router.url, '/v1/chat/completions', chatBody('travel-helper'), headers)).text();
    await (await fetch(`${router.url}/admin/state`, { headers: { authorization: `Bearer ${WRONG_KEY}` } })).text();
    await (await fetch(`${router.url}/admin/state`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).text();
    await waitFor(() => (logLines.some((l) => l.includes('admin request refused')) ? true : undefined), { timeoutMs: 5000, what: 'admin refusal logged' });
    const all = logLines.join('');
    expect(all).toContain('request refused: credential missing or not valid');
    expect(all).toContain('ignored control headers');
    for (const secret of SECRETS) expect(all.includes(secret), `log contains ${secret.slice(0, 8)}…`).toBe(false);
    // Nor the base64 of the Basic credential or the SHA-256 digests' source keys.
    expect(all).not.toContain(Buffer.from(`user:${API_KEY}`).toString('base64'));
  });
});
