import { HttpError } from '../http/openai-error.ts';
import type { AuthFailure } from './principal.ts';

const REALM = 'Bearer realm="sluice"';

/**
 * The HTTP answer for a refused credential: 401 with `WWW-Authenticate` (RFC 6750; error="invalid_token"
 * for a bad one), 403 for a valid credential without access, 503 when the key set is unreachable.
 */
export function authFailureError(failure: AuthFailure): HttpError {
  switch (failure.reason) {
    case 'missing':
      return new HttpError(401, failure.message, { code: failure.code, headers: { 'www-authenticate': REALM } });
    case 'invalid':
      return new HttpError(401, failure.message, { code: failure.code, headers: { 'www-authenticate': `${REALM}, error="invalid_token"` } });
    case 'forbidden':
      return new HttpError(403, failure.message, { code: failure.code, type: 'permission_error', headers: { 'www-authenticate': `${REALM}, error="insufficient_scope"` } });
    case 'unavailable':
      return new HttpError(503, failure.message, { code: failure.code, headers: { 'retry-after': '1' } });
  }
}

/** 403 for an objective above the credential's ceiling when `auth.clampPriority` is false. */
export function objectiveForbiddenError(requested: string): HttpError {
  return new HttpError(403, `Your credential does not allow the objective ${JSON.stringify(requested.slice(0, 128))}; ask for a lower one or none.`, {
    code: 'objective_not_allowed',
    type: 'permission_error',
    param: 'x-gateway-inference-objective',
  });
}
