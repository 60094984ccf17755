import type { FastifyInstance } from 'fastify';
import type { RouterDeps } from '../deps.ts';
import { adminState } from '../admin/admin-state.ts';

/** GET /v1/models, /metrics, /healthz, /readyz, /admin/state, /admin/decisions. */
export function registerAdminRoutes(app: FastifyInstance, deps: RouterDeps): void {
  const created = Math.floor(Date.now() / 1000);
  app.get('/v1/models', async () => ({
    object: 'list',
    data: deps.models.modelNames().map((id) => ({ id, object: 'model', created, owned_by: 'sluice' })),
  }));

  app.get('/metrics', async (_req, reply) => {
    const text = await deps.metrics.exposition();
    return reply.type(deps.metrics.contentType).send(text);
  });

  /** Liveness: the process answers. */
  app.get('/healthz', async () => ({ status: 'ok' }));

  /** Readiness: started and not draining. */
  app.get('/readyz', async (_req, reply) => {
    const ready = deps.lifecycle.ready && !deps.lifecycle.draining;
    return reply.code(ready ? 200 : 503).send({ ready, draining: deps.lifecycle.draining, healthyEndpoints: deps.health.healthyNames().length });
  });

  app.get('/admin/state', async () => await adminState(deps));

  /**
   * Recent routing decisions, newest first (`?limit=N`, default 50, at most the ring's 256): each
   * candidate's total and per-scorer scores, the weights, what the filters removed, the prefix
   * blocks matched; plus the profile, the scrape role and prefix-index latency quantiles.
   */
  app.get('/admin/decisions', async (req) => {
    const raw = (req.query as Record<string, unknown>)['limit'];
    const limit = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : 50;
    const p = deps.prefix;
    const ms = (x: number) => (Number.isNaN(x) ? null : Math.round(x * 1000) / 1000);
    return {
      replica: deps.replicaId,
      profile: deps.scheduler.describe(),
      scrapeRole: deps.poolMetrics.role,
      prefixIndex:
        p === null
          ? null
          : {
              mode: p.settings.mode,
              blockSizeTokens: p.blockSizeTokens,
              lookupMs: { count: p.lookupMs.count, p50: ms(p.lookupMs.quantile(0.5)), p99: ms(p.lookupMs.quantile(0.99)) },
              recordMs: { count: p.recordMs.count, p50: ms(p.recordMs.quantile(0.5)), p99: ms(p.recordMs.quantile(0.99)) },
              /** What the index added to request latency (the lookup rides with the admit; the record is off the path). */
              addedMs: { count: p.addedMs.count, p50: ms(p.addedMs.quantile(0.5)), p99: ms(p.addedMs.quantile(0.99)) },
            },
      totalDecisions: deps.decisions.total,
      decisions: deps.decisions.recent(limit),
    };
  });
}
