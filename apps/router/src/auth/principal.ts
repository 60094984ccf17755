import type { ResolvedGrant } from '@sluice/config';

/** Who an authenticated (or anonymous) credential belongs to, and what it may ask for. */
export interface Principal {
  /** Tenant: the fairness id of every request made with this credential. */
  readonly tenant: string;
  readonly grant: ResolvedGrant;
  /** How the credential was checked. */
  readonly kind: 'api-key' | 'jwt' | 'anonymous';
  /** Non-secret label for logs: key origin (`auth.keysFile keys[0]`) or token subject. */
  readonly label: string;
}

/** Why a credential was refused. Maps to 401 (missing/invalid), 403 (forbidden) or 503 (unavailable). */
export interface AuthFailure {
  readonly reason: 'missing' | 'invalid' | 'forbidden' | 'unavailable';
  /** Safe to show the client and log: never contains the credential. */
  readonly message: string;
  /** OpenAI error code, e.g. invalid_api_key. */
  readonly code: string;
}

export type AuthResult = { readonly ok: true; readonly principal: Principal } | { readonly ok: false; readonly failure: AuthFailure };

/** One authentication mode: checks the credential found in the request headers. */
export interface Authenticator {
  /** Called with the bearer token, or null when the request carries none. */
  authenticate(token: string | null): Promise<AuthResult>;
}
