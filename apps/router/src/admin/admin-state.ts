import type { RouterDeps } from '../deps.ts';

/**
 * The /admin/state document: flow-control bands and flows (queue lengths), leases, in-flight per
 * endpoint (global), saturation, replicas, plus this replica's view of endpoint health and its own
 * waiting requests and held leases. Read from the store on demand (not atomic with anything).
 */
export async function adminState(deps: RouterDeps) {
  const [stats, outstanding] = await Promise.all([deps.store.stats(), deps.rateLimits.outstanding()]);
  const own = deps.controller.counts();
  return {
    /** Wall-clock time this document was built (ISO 8601). */
    generatedAt: new Date().toISOString(),
    replica: deps.replicaId,
    pool: deps.config.pool.name,
    store: deps.storeMode,
    lifecycle: { ready: deps.lifecycle.ready, draining: deps.lifecycle.draining, activeRequests: deps.lifecycle.active },
    saturation: stats.saturation,
    queue: { len: stats.len, bytes: stats.bytes, capacityRequests: stats.capacityRequests, capacityBytes: stats.capacityBytes },
    bands: stats.bands,
    flows: stats.flows.map((f) => ({ fairnessId: f.flow.fairnessId, priority: f.flow.priority, len: f.len, bytes: f.bytes, leases: f.leases })),
    leases: stats.leases,
    endpoints: deps.health.snapshot().map((h) => {
      const inStore = stats.endpoints.find((e) => e.name === h.name);
      return {
        name: h.name,
        healthy: h.healthy,
        lastError: h.lastError,
        inFlight: inStore?.inFlight ?? 0,
        inFlightTokens: inStore?.inFlightTokens ?? 0,
        engine: engineReading(deps, h.name),
      };
    }),
    replicas: stats.replicas,
    self: { waiting: own.waiting, leases: own.leases, rateReservations: deps.rateLimits.held },
    /** Tenant rate limits: outstanding (reserved, unsettled) reservations per tenant, fleet-wide in Redis mode. */
    rateLimits: {
      windowMs: deps.rateLimits.windowMs,
      reservations: outstanding.reduce((n, t) => n + t.reservations, 0),
      reservedTokens: outstanding.reduce((n, t) => n + t.reservedTokens, 0),
      tenants: outstanding,
    },
    incarnation: stats.incarnation,
  };
}

/**
 * The endpoint's last fresh scraped metrics (null when never scraped, failing or stale): engine
 * queue and batch sizes, KV-cache usage (0..1), and the engine's cumulative prefix-cache counters
 * (tokens) with their ratio (null before the first query). Fields the engine does not export are null.
 */
function engineReading(deps: RouterDeps, endpoint: string) {
  const r = deps.poolMetrics.reading(endpoint);
  if (r === null) return null;
  const m = r.metrics;
  const queries = m.prefixCacheQueryTokens;
  const hits = m.prefixCacheHitTokens;
  return {
    ageMs: Math.round(r.ageMs),
    waiting: m.waitingQueueSize ?? null,
    running: m.runningRequests ?? null,
    kvCacheUsage: m.kvCacheUsage ?? null,
    prefixCacheQueryTokens: queries ?? null,
    prefixCacheHitTokens: hits ?? null,
    prefixCacheHitRatio: queries !== undefined && hits !== undefined && queries > 0 ? hits / queries : null,
  };
}
