import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { IssueCollector, PathSegments } from '../issues.ts';
import type { ResolvedApiKey, ResolvedAuth, ResolvedClaimRule, ResolvedGrant, ResolvedJwt, ResolvedJwtKeySource } from '../resolved-types.ts';
import { ApiKeyEntrySchema, type RouterConfigInput } from '../schema/router-config-schema.ts';
import { validateStructure } from '../schema/validate-structure.ts';
import { readPositiveDuration } from './field-parsers.ts';
import type { ConfigEnv } from './resolve-router-config.ts';

type AuthInput = NonNullable<RouterConfigInput['auth']>;
type JwtInput = NonNullable<AuthInput['jwt']>;
interface GrantInput {
  readonly objectives?: readonly string[] | undefined;
  readonly defaultObjective?: string | undefined;
  readonly maxPriority?: number | undefined;
  readonly limits?: { readonly requestsPerMinute?: number | undefined; readonly tokensPerMinute?: number | undefined } | undefined;
}

type KeyEntryInput = GrantInput & { readonly key?: string; readonly keySha256?: string; readonly tenant: string };

/** Placeholder for a structurally broken entry (already reported). */
const SKIP: KeyEntryInput = { tenant: '' };

/** Where a nested problem is reported: a config path plus a prefix inside an external document. */
interface Site {
  readonly at: PathSegments;
  /** e.g. `keys[1].` for a keys file entry; '' for fields of the config itself. */
  readonly inner: string;
}

/** Lower-case hex SHA-256 of a credential (UTF-8). */
export function sha256Hex(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/**
 * Resolves `auth`: reads API keys (file, env var, Secret directory) and hashes them at once, reads
 * JWT key material (JWKS file, PEM file), checks every objective against `objectives`. A problem in
 * an external document is reported at the config field that names it, with the document path in
 * the message, e.g. `auth.keysFile: keys[1].defaultObjective: not in objectives`.
 */
export function resolveAuth(input: AuthInput | undefined, objectives: readonly { name: string; priority: number }[], env: ConfigEnv, issues: IssueCollector, warnings: string[]): ResolvedAuth {
  const auth = input ?? {};
  const mode = auth.mode ?? 'trusted-headers';
  const priorities = new Map(objectives.map((o) => [o.name, o.priority]));
  const grantOf = (grant: GrantInput, site: Site): ResolvedGrant => resolveGrant(grant, site, priorities, issues);

  const apiKeys: ResolvedApiKey[] = [];
  const keySources = (['keysFile', 'keysEnv', 'keysDir'] as const).filter((field) => auth[field] !== undefined);
  if (mode === 'api-keys') {
    if (keySources.length === 0) issues.add(['auth'], 'api-keys mode needs keysFile, keysEnv or keysDir');
    if (auth.keysFile !== undefined) readKeysDocument(readText(auth.keysFile, ['auth', 'keysFile'], issues), { at: ['auth', 'keysFile'], inner: '' }, 'auth.keysFile', apiKeys, grantOf, issues);
    if (auth.keysEnv !== undefined) {
      const text = env[auth.keysEnv];
      if (text === undefined || text.trim() === '') issues.add(['auth', 'keysEnv'], `environment variable ${auth.keysEnv} is not set`);
      else readKeysDocument(text, { at: ['auth', 'keysEnv'], inner: '' }, `auth.keysEnv ${auth.keysEnv}`, apiKeys, grantOf, issues);
    }
    if (auth.keysDir !== undefined) readKeysDirectory(auth.keysDir, apiKeys, grantOf, issues);
    const seen = new Map<string, string>();
    for (const key of apiKeys) {
      const first = seen.get(key.sha256);
      if (first !== undefined) issues.add(['auth'], `the same API key appears twice (${first} and ${key.origin})`);
      else seen.set(key.sha256, key.origin);
    }
  } else if (keySources.length > 0) {
    issues.add(['auth', keySources[0]!], `only used with mode: api-keys (mode is ${mode})`);
  }

  let jwt: ResolvedJwt | null = null;
  if (mode === 'jwt') {
    if (auth.jwt === undefined) issues.add(['auth', 'jwt'], 'required in jwt mode: set jwksUrl, jwksFile or publicKeyFile, and issuer/audience');
    else jwt = resolveJwt(auth.jwt, grantOf, issues, warnings);
  } else if (auth.jwt !== undefined) {
    issues.add(['auth', 'jwt'], `only used with mode: jwt (mode is ${mode})`);
  }

  let anonymous: ResolvedAuth['anonymous'] = null;
  if (auth.anonymous?.enabled === true && mode === 'trusted-headers') issues.add(['auth', 'anonymous'], 'only used with mode: api-keys or jwt (in trusted-headers mode the gateway decides)');
  else if (auth.anonymous?.enabled === true) {
    const { enabled: _enabled, tenant, objective, ...grant } = auth.anonymous;
    if (objective !== undefined && grant.defaultObjective !== undefined) issues.add(['auth', 'anonymous', 'objective'], 'set objective or defaultObjective, not both');
    const defaultObjective = grant.defaultObjective ?? objective;
    const objectivesOf = grant.objectives ?? (defaultObjective === undefined ? [] : [defaultObjective]);
    anonymous = {
      tenant: tenant ?? 'unauthenticated',
      grant: grantOf({ ...grant, objectives: objectivesOf, ...(defaultObjective === undefined ? {} : { defaultObjective }) }, { at: ['auth', 'anonymous'], inner: '' }),
    };
  }

  const adminKeySha256: string[] = [];
  const admin = auth.admin;
  if (admin !== undefined) {
    const set = (['key', 'keySha256', 'keyEnv'] as const).filter((field) => admin[field] !== undefined);
    if (set.length !== 1) issues.add(['auth', 'admin'], 'set exactly one of key, keySha256, keyEnv');
    if (admin.key !== undefined) adminKeySha256.push(sha256Hex(admin.key));
    if (admin.keySha256 !== undefined) adminKeySha256.push(admin.keySha256.toLowerCase());
    if (admin.keyEnv !== undefined) {
      const value = env[admin.keyEnv];
      if (value === undefined || value.trim() === '') issues.add(['auth', 'admin', 'keyEnv'], `environment variable ${admin.keyEnv} is not set`);
      else adminKeySha256.push(sha256Hex(value.trim()));
    }
  }
  if (mode !== 'trusted-headers' && adminKeySha256.length === 0) {
    warnings.push(`auth: mode ${mode} without auth.admin: /admin/* and /dashboard answer 401 to everyone`);
  }

  return { mode, defaultFairnessId: auth.defaultFairnessId ?? 'default-flow', clampPriority: auth.clampPriority ?? true, apiKeys, jwt, anonymous, adminKeySha256 };
}

function resolveGrant(grant: GrantInput, site: Site, priorities: ReadonlyMap<string, number>, issues: IssueCollector): ResolvedGrant {
  const report = (field: string, message: string) => issues.add(site.at, `${site.inner}${field}: ${message}`);
  const objectives = [...(grant.objectives ?? [])];
  objectives.forEach((name, index) => {
    if (!priorities.has(name)) {
      if (site.inner === '') issues.add([...site.at, 'objectives', index], `unknown objective ${JSON.stringify(name)}: no entry of objectives has this name`);
      else report(`objectives[${index}]`, `unknown objective ${JSON.stringify(name)}: no entry of objectives has this name`);
    }
  });
  let defaultObjective = grant.defaultObjective ?? objectives[0] ?? null;
  if (grant.defaultObjective !== undefined && !objectives.includes(grant.defaultObjective)) {
    if (site.inner === '') issues.add([...site.at, 'defaultObjective'], 'not in objectives');
    else report('defaultObjective', 'not in objectives');
    defaultObjective = null;
  }
  const known = objectives.map((name) => priorities.get(name)).filter((p): p is number => p !== undefined);
  const highest = known.length === 0 ? null : Math.max(...known);
  const maxPriority = grant.maxPriority ?? highest;
  if (grant.maxPriority !== undefined && highest !== null && highest > grant.maxPriority) {
    const message = `an allowed objective has priority ${highest}, above maxPriority ${grant.maxPriority}`;
    if (site.inner === '') issues.add([...site.at, 'maxPriority'], message);
    else report('maxPriority', message);
  }
  const limits = grant.limits === undefined ? null : { ...grant.limits };
  return { objectives, defaultObjective, maxPriority, limits: limits === null ? null : stripUndefined(limits) };
}

function stripUndefined<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function readText(file: string, at: PathSegments, issues: IssueCollector): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    issues.add(at, `cannot read ${file}: ${(error as Error).message}`);
    return null;
  }
}

/** Parses one `{ keys: [...] }` document (YAML or JSON) into hashed keys. */
function readKeysDocument(
  text: string | null,
  site: Site,
  originLabel: string,
  into: ResolvedApiKey[],
  grantOf: (grant: GrantInput, site: Site) => ResolvedGrant,
  issues: IssueCollector,
): void {
  if (text === null) return;
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (error) {
    // The YAML error message may quote the document (and so a key): report the line only.
    const line = (error as { linePos?: { line: number }[] }).linePos?.[0]?.line;
    issues.add(site.at, `${site.inner}not valid YAML/JSON${line === undefined ? '' : ` (line ${line})`}`);
    return;
  }
  if (Array.isArray(value)) value = { keys: value };
  const keys = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)['keys'] : undefined;
  if (!Array.isArray(keys) || Object.keys(value as object).some((field) => field !== 'keys')) {
    issues.add(site.at, `${site.inner}must be a document { keys: [ ... ] }`);
    return;
  }
  const entries: KeyEntryInput[] = [];
  keys.forEach((entry: unknown, index) => {
    // Messages name the path, never the value of a `key` field.
    const structural = validateStructure(ApiKeyEntrySchema, entry);
    for (const issue of structural) issues.add(site.at, `${site.inner}keys[${index}]${issue.path === '' ? '' : `.${issue.path}`}: ${issue.path === 'key' ? 'must be a string of at least 8 characters' : issue.message}`);
    entries.push(structural.length === 0 ? (entry as KeyEntryInput) : SKIP);
  });
  entries.forEach((entry, index) => {
    if (entry === SKIP) return;
    const entrySite: Site = { at: site.at, inner: `${site.inner}keys[${index}].` };
    if ((entry.key === undefined) === (entry.keySha256 === undefined)) {
      issues.add(site.at, `${site.inner}keys[${index}]: set exactly one of key, keySha256`);
      return;
    }
    const sha256 = entry.key !== undefined ? sha256Hex(entry.key) : entry.keySha256!.toLowerCase();
    into.push({ sha256, tenant: entry.tenant, grant: grantOf(entry, entrySite), origin: `${originLabel} keys[${index}]` });
  });
}

/** A mounted Secret: every regular file whose name does not start with '.' is a keys document. */
function readKeysDirectory(dir: string, into: ResolvedApiKey[], grantOf: (grant: GrantInput, site: Site) => ResolvedGrant, issues: IssueCollector): void {
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => !name.startsWith('.')).sort();
  } catch (error) {
    issues.add(['auth', 'keysDir'], `cannot read directory ${dir}: ${(error as Error).message}`);
    return;
  }
  for (const name of names) {
    const file = join(dir, name);
    try {
      if (!statSync(file).isFile()) continue;
    } catch {
      continue;
    }
    readKeysDocument(readText(file, ['auth', 'keysDir'], issues), { at: ['auth', 'keysDir'], inner: `${name}: ` }, `auth.keysDir ${name}`, into, grantOf, issues);
  }
  if (names.length === 0) issues.add(['auth', 'keysDir'], `no key files in ${dir}`);
}

function claimPath(value: string | readonly string[]): string[] {
  return typeof value === 'string' ? value.split('.') : [...value];
}

function listOf(value: string | readonly string[] | undefined): string[] {
  return value === undefined ? [] : typeof value === 'string' ? [value] : [...value];
}

function resolveJwt(jwt: JwtInput, grantOf: (grant: GrantInput, site: Site) => ResolvedGrant, issues: IssueCollector, warnings: string[]): ResolvedJwt {
  const at: PathSegments = ['auth', 'jwt'];
  const sources = (['jwksUrl', 'jwksFile', 'publicKeyFile'] as const).filter((field) => jwt[field] !== undefined);
  if (sources.length !== 1) issues.add(at, 'set exactly one of jwksUrl, jwksFile, publicKeyFile');
  let keySource: ResolvedJwtKeySource = { kind: 'jwks', jwks: { keys: [] }, file: '' };
  if (jwt.jwksUrl !== undefined) {
    let ok = false;
    try {
      const url = new URL(jwt.jwksUrl);
      ok = url.protocol === 'https:' || url.protocol === 'http:';
      if (url.protocol === 'http:' && !['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) warnings.push(`auth.jwt.jwksUrl: plain http (${url.host}); use https outside a trusted network`);
    } catch {
      ok = false;
    }
    if (!ok) issues.add([...at, 'jwksUrl'], `must be an http(s) URL, got ${JSON.stringify(jwt.jwksUrl)}`);
    keySource = { kind: 'jwks-url', url: jwt.jwksUrl };
  } else if (jwt.jwksFile !== undefined) {
    const text = readText(jwt.jwksFile, [...at, 'jwksFile'], issues);
    if (text !== null) {
      try {
        const parsed = JSON.parse(text) as { keys?: unknown };
        if (!Array.isArray(parsed.keys) || parsed.keys.length === 0) issues.add([...at, 'jwksFile'], 'must be a JWK Set: { "keys": [ ... ] } with at least one key');
        else keySource = { kind: 'jwks', jwks: { keys: parsed.keys as Record<string, unknown>[] }, file: jwt.jwksFile };
      } catch (error) {
        issues.add([...at, 'jwksFile'], `not valid JSON: ${(error as Error).message}`);
      }
    }
  } else if (jwt.publicKeyFile !== undefined) {
    const text = readText(jwt.publicKeyFile, [...at, 'publicKeyFile'], issues);
    if (text !== null) {
      if (!text.includes('-----BEGIN PUBLIC KEY-----')) issues.add([...at, 'publicKeyFile'], 'must hold a PEM public key (-----BEGIN PUBLIC KEY-----)');
      keySource = { kind: 'pem', pem: text, file: jwt.publicKeyFile };
    }
  }
  const issuers = listOf(jwt.issuer);
  const audiences = listOf(jwt.audience);
  if (issuers.length === 0) warnings.push('auth.jwt.issuer is not set: tokens from any issuer signed by the configured keys are accepted');
  if (audiences.length === 0) warnings.push('auth.jwt.audience is not set: tokens minted for other services are accepted');
  const rules: ResolvedClaimRule[] = (jwt.rules ?? []).map((rule, index) => {
    const ruleAt: PathSegments = [...at, 'rules', index];
    if ((rule.equals === undefined) === (rule.pattern === undefined)) issues.add(ruleAt, 'set exactly one of equals, pattern');
    if (rule.pattern !== undefined) {
      try {
        new RegExp(rule.pattern, 'u');
      } catch (error) {
        issues.add([...ruleAt, 'pattern'], `invalid regular expression: ${(error as Error).message}`);
      }
    }
    const { claim, equals, pattern, tenant, ...grant } = rule;
    return { claim: claimPath(claim), equals: equals ?? null, pattern: pattern ?? null, tenant: tenant ?? null, grant: grantOf(grant, { at: ruleAt, inner: '' }) };
  });
  return {
    keySource,
    issuers,
    audiences,
    algorithms: jwt.algorithms === undefined ? null : [...jwt.algorithms],
    clockSkewMs: readPositiveDuration(jwt.clockSkew, [...at, 'clockSkew'], issues, 30_000),
    preset: jwt.preset ?? null,
    tenantClaim: claimPath(jwt.claims?.tenant ?? 'sub'),
    rules,
    grant: jwt.grant === undefined ? null : grantOf(jwt.grant, { at: [...at, 'grant'], inner: '' }),
  };
}
