import { createPublicKey } from 'node:crypto';
import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify } from 'jose';
import type { JWTPayload, JWTVerifyGetKey, JWTVerifyOptions, KeyObject } from 'jose';
import type { ResolvedAuth, ResolvedJwt } from '@sluice/config';
import { ClaimMapper } from './jwt-claims.ts';
import type { AuthFailure, AuthResult, Authenticator } from './principal.ts';

const MISSING: AuthFailure = { reason: 'missing', message: 'You didn\'t provide a token. Send it as "Authorization: Bearer <jwt>".', code: 'missing_token' };

/**
 * `auth.mode: jwt`. Verifies the signature (JWKS URL with caching and refetch on unknown `kid`,
 * JWKS file, or PEM key), `iss`, `aud`, `exp` and `nbf` with `clockSkewMs` tolerance, then maps
 * the claims to a tenant and a grant (jwt-claims.ts). A JWKS endpoint that cannot be reached gives
 * 503 (the token may be fine); every other verification failure gives 401 invalid_token.
 */
export class JwtAuthenticator implements Authenticator {
  private readonly options: JWTVerifyOptions;
  private readonly claims: ClaimMapper;

  private constructor(
    settings: ResolvedJwt,
    private readonly auth: ResolvedAuth,
    private readonly key: JWTVerifyGetKey | KeyObject,
  ) {
    this.options = {
      ...(settings.issuers.length === 0 ? {} : { issuer: [...settings.issuers] }),
      ...(settings.audiences.length === 0 ? {} : { audience: [...settings.audiences] }),
      ...(settings.algorithms === null ? {} : { algorithms: [...settings.algorithms] }),
      clockTolerance: Math.round(settings.clockSkewMs / 1000),
    };
    this.claims = new ClaimMapper(settings);
  }

  /** Builds the key source; throws (stopping start-up) on an unusable PEM or JWKS. */
  static create(auth: ResolvedAuth): JwtAuthenticator {
    const settings = auth.jwt;
    if (settings === null) throw new Error('auth.mode is jwt but auth.jwt is missing');
    const source = settings.keySource;
    let key: JWTVerifyGetKey | KeyObject;
    switch (source.kind) {
      case 'jwks-url':
        key = createRemoteJWKSet(new URL(source.url), { timeoutDuration: 5000, cooldownDuration: 30_000, cacheMaxAge: 600_000 });
        break;
      case 'jwks':
        key = createLocalJWKSet({ keys: source.jwks.keys as never });
        break;
      case 'pem':
        try {
          key = createPublicKey(source.pem);
        } catch (error) {
          throw new Error(`auth.jwt.publicKeyFile: ${source.file}: not a usable public key (${(error as Error).message})`);
        }
        break;
    }
    return new JwtAuthenticator(settings, auth, key);
  }

  async authenticate(token: string | null): Promise<AuthResult> {
    if (token === null) {
      const anonymous = this.auth.anonymous;
      if (anonymous !== null) return { ok: true, principal: { tenant: anonymous.tenant, grant: anonymous.grant, kind: 'anonymous', label: 'anonymous' } };
      return { ok: false, failure: MISSING };
    }
    let payload: JWTPayload;
    try {
      const result = typeof this.key === 'function' ? await jwtVerify(token, this.key, this.options) : await jwtVerify(token, this.key, this.options);
      payload = result.payload;
    } catch (error) {
      return { ok: false, failure: describeFailure(error) };
    }
    const mapped = this.claims.map(payload);
    if (mapped === null) return { ok: false, failure: { reason: 'forbidden', message: 'The token is valid but no claim rule grants access.', code: 'permission_denied' } };
    return { ok: true, principal: { tenant: mapped.tenant, grant: mapped.grant, kind: 'jwt', label: typeof payload.sub === 'string' ? payload.sub.slice(0, 256) : 'jwt' } };
  }
}

/** A client-safe description of a verification failure (never echoes the token). */
function describeFailure(error: unknown): AuthFailure {
  const invalid = (message: string): AuthFailure => ({ reason: 'invalid', message, code: 'invalid_token' });
  if (error instanceof errors.JWTExpired) return invalid('The token has expired.');
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf') return invalid('The token is not valid yet (nbf).');
    if (error.claim === 'aud') return invalid('The token was not issued for this audience.');
    if (error.claim === 'iss') return invalid('The token was not issued by a trusted issuer.');
    return invalid(`The token failed the ${JSON.stringify(error.claim)} claim check.`);
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return invalid('The token signature is invalid.');
  if (error instanceof errors.JWKSNoMatchingKey) return invalid('No trusted key matches the token (kid/alg).');
  if (error instanceof errors.JOSEAlgNotAllowed) return invalid('The token algorithm is not allowed.');
  if (error instanceof errors.JWKSTimeout) return { reason: 'unavailable', message: 'The key set (JWKS) could not be fetched in time.', code: 'auth_unavailable' };
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid || error instanceof errors.JOSENotSupported) return invalid('The token is malformed or unsupported.');
  if (error instanceof errors.JOSEError) return invalid('The token could not be verified.');
  // fetch errors from the JWKS URL, bad JWKS content: not the client's fault.
  return { reason: 'unavailable', message: 'The key set (JWKS) is unavailable.', code: 'auth_unavailable' };
}
