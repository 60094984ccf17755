import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRouterConfig } from '../src/index.ts';
import type { ConfigIssue } from '../src/index.ts';
import { exampleObject, issuesOf, loadObject } from './helpers.ts';

type Raw = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** `path: message`, without the YAML position. */
const describeIssue = (issue: ConfigIssue): string => `${issue.path}: ${issue.message}`;
const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
const HIGH_KEY = 'sk-high-a1b2c3d4';

/** The issue's keys.yaml, verbatim in shape. */
const ISSUE_KEYS = `keys:
  - { key: sk-low-123, tenant: tenant-low, objectives: [best-effort-traffic], defaultObjective: best-effort-traffic,
      limits: { requestsPerMinute: 600, tokensPerMinute: 200000 } }
  - { keySha256: "${sha256(HIGH_KEY)}", tenant: tenant-high, objectives: [premium-traffic, standard-traffic], defaultObjective: premium-traffic }
`;

describe('auth config', () => {
  let dir: string;
  const file = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const withAuth = (auth: Raw): Raw => ({ ...exampleObject(), auth });

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-auth-config-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('loads the issue shape: mode api-keys + keysFile; keys are kept only as SHA-256', () => {
    const keysFile = file('keys.yaml', ISSUE_KEYS);
    const yaml = loadRouterConfig({
      text: `apiVersion: sluice.dev/v1alpha1
kind: RouterConfig
pool: { name: demo, endpoints: ["127.0.0.1:8001"] }
objectives:
  - { name: premium-traffic, priority: 100 }
  - { name: standard-traffic, priority: 0 }
  - { name: best-effort-traffic, priority: -10 }
auth:
  mode: api-keys                 # trusted-headers | api-keys | jwt
  keysFile: ${keysFile}
`,
      env: {},
    });
    expect(yaml.auth.mode).toBe('api-keys');
    expect(yaml.auth.clampPriority).toBe(true);
    expect(yaml.auth.apiKeys).toEqual([
      {
        sha256: sha256('sk-low-123'),
        tenant: 'tenant-low',
        grant: { objectives: ['best-effort-traffic'], defaultObjective: 'best-effort-traffic', maxPriority: -10, limits: { requestsPerMinute: 600, tokensPerMinute: 200000 } },
        origin: 'auth.keysFile keys[0]',
      },
      {
        sha256: sha256(HIGH_KEY),
        tenant: 'tenant-high',
        grant: { objectives: ['premium-traffic', 'standard-traffic'], defaultObjective: 'premium-traffic', maxPriority: 100, limits: null },
        origin: 'auth.keysFile keys[1]',
      },
    ]);
    expect(JSON.stringify(yaml)).not.toContain('sk-low-123');
    expect(yaml.warnings.some((w) => w.includes('without auth.admin'))).toBe(true);
  });

  it('the default stays trusted-headers', () => {
    const config = loadObject(exampleObject());
    expect(config.auth).toMatchObject({ mode: 'trusted-headers', defaultFairnessId: 'default-flow', apiKeys: [], jwt: null, anonymous: null });
  });

  it('a bad key entry stops start-up with the field path inside the keys file', () => {
    const keysFile = file('bad-keys.yaml', `keys:
  - { key: sk-low-123, tenant: a, objectives: [best-effort-traffic] }
  - { key: sk-other-456, tenant: b, objectives: [best-effort-traffic], defaultObjective: premium-traffic }
  - { key: sk-third-789, tenant: c, objectives: [gold] }
  - { tenant: d }
  - { key: sk-fifth-000, tnant: e }
`);
    const issues = issuesOf(() => loadObject(withAuth({ mode: 'api-keys', keysFile })));
    const text = issues.map((issue) => describeIssue(issue));
    expect(text).toContain('auth.keysFile: keys[1].defaultObjective: not in objectives');
    expect(text).toContain('auth.keysFile: keys[2].objectives[0]: unknown objective "gold": no entry of objectives has this name');
    expect(text).toContain('auth.keysFile: keys[3]: set exactly one of key, keySha256');
    expect(text.some((t) => t.startsWith('auth.keysFile: keys[4].tnant: unknown field'))).toBe(true);
    expect(text.join('\n')).not.toContain('sk-fifth-000');
  });

  it('maxPriority below an allowed objective, duplicate keys, unreadable files and missing env are errors', () => {
    const keysFile = file('dupes.yaml', `keys:
  - { key: sk-same-key-1, tenant: a, objectives: [premium-traffic], maxPriority: 0 }
  - { keySha256: "${sha256('sk-same-key-1')}", tenant: b }
`);
    const text = issuesOf(() => loadObject(withAuth({ mode: 'api-keys', keysFile }))).map((issue) => describeIssue(issue));
    expect(text).toContain('auth.keysFile: keys[0].maxPriority: an allowed objective has priority 100, above maxPriority 0');
    expect(text).toContain('auth: the same API key appears twice (auth.keysFile keys[0] and auth.keysFile keys[1])');
    expect(issuesOf(() => loadObject(withAuth({ mode: 'api-keys', keysFile: join(dir, 'nope.yaml') })))[0]?.path).toBe('auth.keysFile');
    expect(issuesOf(() => loadObject(withAuth({ mode: 'api-keys', keysEnv: 'SLUICE_API_KEYS' })))[0]).toMatchObject({ path: 'auth.keysEnv', message: 'environment variable SLUICE_API_KEYS is not set' });
    expect(issuesOf(() => loadObject(withAuth({ mode: 'api-keys' })))[0]).toMatchObject({ path: 'auth', message: 'api-keys mode needs keysFile, keysEnv or keysDir' });
    expect(issuesOf(() => loadObject(withAuth({ mode: 'trusted-headers', keysFile })))[0]).toMatchObject({ path: 'auth.keysFile' });
    expect(issuesOf(() => loadObject(withAuth({ mode: 'oauth' })))[0]?.path).toBe('auth.mode');
  });

  it('keys from an environment variable (YAML or JSON) and from a mounted Secret directory', () => {
    const json = JSON.stringify({ keys: [{ key: 'sk-env-json-1', tenant: 'env-tenant', objectives: ['standard-traffic'] }] });
    const fromEnv = loadObject(withAuth({ mode: 'api-keys', keysEnv: 'SLUICE_API_KEYS' }), { SLUICE_API_KEYS: json });
    expect(fromEnv.auth.apiKeys.map((k) => [k.tenant, k.sha256, k.grant.defaultObjective])).toEqual([['env-tenant', sha256('sk-env-json-1'), 'standard-traffic']]);

    const secret = join(dir, 'secret');
    mkdirSync(secret);
    writeFileSync(join(secret, 'team-a.yaml'), 'keys: [{ key: sk-dir-a-1, tenant: a }]\n');
    writeFileSync(join(secret, 'team-b.json'), JSON.stringify({ keys: [{ keySha256: sha256('sk-dir-b-1'), tenant: 'b', defaultObjective: 'x' }] }));
    mkdirSync(join(secret, '..data')); // Kubernetes' atomic-update dir: skipped
    const issues = issuesOf(() => loadObject(withAuth({ mode: 'api-keys', keysDir: secret })));
    expect(issues.map((issue) => describeIssue(issue))).toContain('auth.keysDir: team-b.json: keys[0].defaultObjective: not in objectives');
    writeFileSync(join(secret, 'team-b.json'), JSON.stringify({ keys: [{ keySha256: sha256('sk-dir-b-1'), tenant: 'b' }] }));
    const fromDir = loadObject(withAuth({ mode: 'api-keys', keysDir: secret }));
    expect(fromDir.auth.apiKeys.map((k) => k.tenant)).toEqual(['a', 'b']);
    expect(fromDir.auth.apiKeys[0]!.grant).toEqual({ objectives: [], defaultObjective: null, maxPriority: null, limits: null });
  });

  it('admin credential: key, keySha256 or keyEnv, hashed', () => {
    const keysFile = file('one.yaml', 'keys: [{ key: sk-one-key-1, tenant: a }]\n');
    const config = loadObject(withAuth({ mode: 'api-keys', keysFile, admin: { keyEnv: 'ADMIN_KEY' } }), { ADMIN_KEY: 'sk-admin-000' });
    expect(config.auth.adminKeySha256).toEqual([sha256('sk-admin-000')]);
    expect(issuesOf(() => loadObject(withAuth({ mode: 'api-keys', keysFile, admin: { key: 'sk-admin-000', keyEnv: 'ADMIN_KEY' } }), { ADMIN_KEY: 'x' }))[0]).toMatchObject({
      path: 'auth.admin',
      message: 'set exactly one of key, keySha256, keyEnv',
    });
  });

  it('jwt: key source, issuer/audience, rules, preset and anonymous', () => {
    const config = loadObject(
      withAuth({
        mode: 'jwt',
        jwt: {
          jwksUrl: 'https://idp.example/jwks.json',
          issuer: 'https://idp.example',
          audience: ['sluice', 'llm'],
          clockSkew: '10s',
          claims: { tenant: 'org.team' },
          rules: [{ claim: 'groups', pattern: '^team-(.+)$', tenant: 'team-$1', objectives: ['premium-traffic'] }],
          grant: { objectives: ['best-effort-traffic'] },
        },
        anonymous: { enabled: true, objective: 'best-effort-traffic' },
      }),
    );
    expect(config.auth.jwt).toMatchObject({
      keySource: { kind: 'jwks-url', url: 'https://idp.example/jwks.json' },
      issuers: ['https://idp.example'],
      audiences: ['sluice', 'llm'],
      clockSkewMs: 10_000,
      tenantClaim: ['org', 'team'],
      rules: [{ claim: ['groups'], pattern: '^team-(.+)$', tenant: 'team-$1', grant: { maxPriority: 100 } }],
      grant: { objectives: ['best-effort-traffic'], maxPriority: -10 },
    });
    expect(config.auth.anonymous).toEqual({ tenant: 'unauthenticated', grant: { objectives: ['best-effort-traffic'], defaultObjective: 'best-effort-traffic', maxPriority: -10, limits: null } });

    const text = (auth: Raw) => issuesOf(() => loadObject(withAuth(auth))).map((issue) => describeIssue(issue));
    expect(text({ mode: 'jwt' })[0]).toMatch(/^auth\.jwt: required in jwt mode/);
    expect(text({ mode: 'jwt', jwt: { jwksUrl: 'ftp://x', jwksFile: '/x' } })).toContain('auth.jwt: set exactly one of jwksUrl, jwksFile, publicKeyFile');
    expect(text({ mode: 'jwt', jwt: { jwksUrl: 'https://x/j', rules: [{ claim: 'g', pattern: '(' }] } })[0]).toMatch(/^auth\.jwt\.rules\[0\]\.pattern: invalid regular expression/);
    expect(text({ mode: 'jwt', jwt: { jwksFile: file('jwks.json', '{"keys": []}') } })).toContain('auth.jwt.jwksFile: must be a JWK Set: { "keys": [ ... ] } with at least one key');
    expect(text({ mode: 'jwt', jwt: { publicKeyFile: file('k.pem', 'hello') } })).toContain('auth.jwt.publicKeyFile: must hold a PEM public key (-----BEGIN PUBLIC KEY-----)');
    expect(text({ mode: 'jwt', jwt: { jwksUrl: 'https://x/j', preset: 'openshift', grant: { defaultObjective: 'gold' } } })).toContain('auth.jwt.grant.defaultObjective: not in objectives');
  });

  it('hardening and Redis security fields', () => {
    const raw = exampleObject();
    raw['server'] = { port: 8080, maxHeaderSize: '32Ki', maxJsonDepth: 20, maxPromptTokens: 8000, headersTimeout: '10s', requestTimeout: '60s', keepAliveTimeout: '5s' };
    raw['redis'] = { url: 'rediss://redis.example:6380/0', username: 'sluice', passwordEnv: 'REDIS_PASSWORD', tls: { servername: 'redis.internal' } };
    const config = loadObject(raw, { REDIS_PASSWORD: 's3cret-pw' });
    expect(config.server).toMatchObject({ maxHeaderSizeBytes: 32 * 1024, maxJsonDepth: 20, maxPromptTokens: 8000, headersTimeoutMs: 10_000, requestTimeoutMs: 60_000, keepAliveTimeoutMs: 5000 });
    expect(config.redis).toMatchObject({ mode: 'single', username: 'sluice', password: 's3cret-pw', tls: { servername: 'redis.internal', rejectUnauthorized: true } });

    raw['server'] = { headersTimeout: '2m', requestTimeout: '1m' };
    raw['redis'] = { url: 'redis://x:6379', passwordEnv: 'REDIS_PASSWORD' };
    const text = issuesOf(() => loadObject(raw, {})).map((issue) => describeIssue(issue));
    expect(text).toContain('server.headersTimeout: must be <= requestTimeout (60000 ms)');
    expect(text).toContain('redis.passwordEnv: environment variable REDIS_PASSWORD is not set');
  });
});
