import { createHash, timingSafeEqual } from 'node:crypto';
import type { ResolvedApiKey, ResolvedAuth } from '@sluice/config';
import type { AuthResult, Authenticator } from './principal.ts';

const MISSING = { reason: 'missing', message: 'You didn\'t provide an API key. Send it as "Authorization: Bearer <key>".', code: 'missing_api_key' } as const;
const INVALID = { reason: 'invalid', message: 'Incorrect API key provided.', code: 'invalid_api_key' } as const;

/**
 * `auth.mode: api-keys`. Keys are held only as SHA-256 digests (the resolver hashed them). A
 * presented key is hashed, looked up by digest, and the digest compared again in constant time.
 * The lookup's timing depends only on the digest of the guess, which tells an attacker nothing
 * about any stored key.
 */
export class ApiKeyAuthenticator implements Authenticator {
  private readonly byDigest = new Map<string, { readonly key: ResolvedApiKey; readonly digest: Buffer }>();

  constructor(private readonly auth: ResolvedAuth) {
    for (const key of auth.apiKeys) this.byDigest.set(key.sha256, { key, digest: Buffer.from(key.sha256, 'hex') });
  }

  get size(): number {
    return this.byDigest.size;
  }

  authenticate(token: string | null): Promise<AuthResult> {
    if (token === null) {
      const anonymous = this.auth.anonymous;
      if (anonymous !== null) return Promise.resolve({ ok: true, principal: { tenant: anonymous.tenant, grant: anonymous.grant, kind: 'anonymous', label: 'anonymous' } });
      return Promise.resolve({ ok: false, failure: MISSING });
    }
    const digest = createHash('sha256').update(token, 'utf8').digest();
    const entry = this.byDigest.get(digest.toString('hex'));
    if (entry === undefined || !timingSafeEqual(entry.digest, digest)) return Promise.resolve({ ok: false, failure: INVALID });
    return Promise.resolve({ ok: true, principal: { tenant: entry.key.tenant, grant: entry.key.grant, kind: 'api-key', label: entry.key.origin } });
  }
}
