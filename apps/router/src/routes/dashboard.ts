import type { FastifyInstance } from 'fastify';
import type { RouterDeps } from '../deps.ts';
import { loadDashboardPage } from '../admin/dashboard-page.ts';

/**
 * GET /dashboard: the live operations page (HTML, inline CSS and JS). It polls GET /admin/state and
 * GET /admin/decisions once a second, so whatever guards those routes must guard this one too: this
 * function is the one place the dashboard is registered. The page is built once, here, at start-up.
 */
export function registerDashboardRoutes(app: FastifyInstance, deps: RouterDeps): void {
  const page = loadDashboardPage();
  app.get('/dashboard', async (req, reply) => {
    deps.logger.debug({ request_id: String(req.id), remote: req.ip }, 'dashboard served');
    return reply
      .type('text/html; charset=utf-8')
      .headers({
        'content-security-policy': page.contentSecurityPolicy,
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
        'x-frame-options': 'DENY',
      })
      .send(page.html);
  });
}
