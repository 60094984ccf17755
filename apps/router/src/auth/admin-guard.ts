import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ResolvedAuth } from '@sluice/config';
import type { SluiceMetrics } from '@sluice/telemetry';
import { HttpError } from '../http/openai-error.ts';
import { bearerToken } from './bearer-token.ts';
import type { RequestAuth } from './request-auth.ts';

/** Path prefixes of the operator surface. /metrics, /healthz, /readyz stay open (probes, Prometheus). */
export const ADMIN_PATH_PREFIXES = ['/admin', '/dashboard'] as const;

/** The dashboard page (HTML only, no data): served without the admin key; see registerAdminGuard. */
const DASHBOARD_PAGE = '/dashboard';

/** Paths every listener serves without a credential. */
const OPEN_PATHS: ReadonlySet<string> = new Set(['/metrics', '/healthz', '/readyz']);

/** Which listener an app instance is: the main one, or the separate `server.adminPort` one. */
export type ListenerRole = 'main' | 'admin';

function pathOf(url: string): string {
  return url.split('?', 1)[0]!;
}

/** True for /admin, /admin/…, /dashboard, /dashboard/… (query string ignored). */
export function isAdminPath(url: string): boolean {
  const path = pathOf(url);
  return ADMIN_PATH_PREFIXES.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));
}

export interface AdminGuardOptions {
  readonly auth: ResolvedAuth;
  readonly metrics: SluiceMetrics;
  /** Checks tenant credentials (GET /v1/models). */
  readonly tenants: RequestAuth;
  readonly role: ListenerRole;
  /** True when `server.adminPort` is set: the main listener then does not serve the admin surface. */
  readonly separateAdminListener: boolean;
}

/**
 * Guards the operator surface (/admin/*, /dashboard):
 * - With `server.adminPort`, the admin surface is served only on that listener (404 on the main
 *   one), and the admin listener serves nothing else but /metrics, /healthz, /readyz. On it, the
 *   admin key is checked when one is configured (else the listener's network isolation is the guard).
 * - Otherwise, in every mode except trusted-headers, the admin surface needs `Authorization: Bearer
 *   <admin key>` (auth.admin); with no admin key configured it answers 401 to everyone.
 * `GET /dashboard` (the page, which holds no data) is exempt; everything it loads is guarded.
 * The key is held as a SHA-256 digest and compared in constant time; tenant keys never open it.
 * In api-keys / jwt mode GET /v1/models needs a valid tenant credential, as on the OpenAI API.
 */
export function registerAdminGuard(app: FastifyInstance, options: AdminGuardOptions): void {
  const { auth, metrics, tenants, role, separateAdminListener } = options;
  const digests = auth.adminKeySha256.map((hex) => Buffer.from(hex, 'hex'));
  const needsKey = role === 'admin' ? digests.length > 0 : auth.mode !== 'trusted-headers';
  if (role === 'main' && !separateAdminListener && auth.mode === 'trusted-headers') return;
  app.addHook('onRequest', async (req) => {
    const path = pathOf(req.url);
    if (role === 'admin') {
      if (OPEN_PATHS.has(path)) return;
      if (!isAdminPath(path)) throw notHere(req);
    } else {
      if (path === '/v1/models' && auth.mode !== 'trusted-headers') {
        await tenants.identify(req);
        return;
      }
      if (!isAdminPath(path)) return;
      if (separateAdminListener) throw notHere(req);
    }
    if (!needsKey) return;
    // The dashboard page itself carries no data (a browser cannot attach a Bearer header when it
    // opens a page); its data requests (/admin/state, /admin/decisions) send the key it asks for.
    if (path === DASHBOARD_PAGE && req.method === 'GET') return;
    const token = bearerToken(req.headers);
    if (token !== null && token !== '') {
      const digest = createHash('sha256').update(token, 'utf8').digest();
      let match = false;
      for (const allowed of digests) match = timingSafeEqual(allowed, digest) || match;
      if (match) return;
    }
    metrics.auth.adminDenied.inc();
    req.log.info({ path, reason: token === null ? 'missing' : 'invalid' }, 'admin request refused');
    throw new HttpError(401, 'This endpoint needs the admin credential ("Authorization: Bearer <admin key>").', {
      code: token === null ? 'missing_api_key' : 'invalid_api_key',
      headers: { 'www-authenticate': token === null ? 'Bearer realm="sluice-admin"' : 'Bearer realm="sluice-admin", error="invalid_token"' },
    });
  });
}

function notHere(req: FastifyRequest): HttpError {
  return new HttpError(404, `No route for ${req.method} ${pathOf(req.url)}`, { code: 'route_not_found' });
}
