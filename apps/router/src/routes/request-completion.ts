import type { LeaseRecord } from '@sluice/flow-control';
import type { RouterDeps } from '../deps.ts';
import type { RelayOutcome } from '../proxy/response-relay.ts';
import { settledTokens } from '../limits/tenant-rate-limits.ts';
import type { RequestContext } from './request-context.ts';

/** Metrics (duration, TTFT, TPOT, errors) and the one access-log line of a proxied request. */
export function recordResponse(deps: RouterDeps, ctx: RequestContext, endpoint: string, queueWaitMs: number, outcome: RelayOutcome): void {
  const now = deps.clock.now();
  const durationMs = now - ctx.receivedAtMs;
  deps.metrics.requests.duration.observe(ctx.labels, durationMs / 1000);
  const tap = outcome.tap;
  if (ctx.body.stream && tap !== null && tap.firstChunkAtMs !== null) {
    deps.metrics.requests.ttft.observe(ctx.labels, (tap.firstChunkAtMs - ctx.receivedAtMs) / 1000);
    const tokens = tap.usage()?.completionTokens ?? tap.dataEvents;
    if (tokens > 1) deps.metrics.requests.tpot.observe(ctx.labels, (now - tap.firstChunkAtMs) / 1000 / (tokens - 1));
  }
  if (outcome.kind !== 'ok' || outcome.status >= 400) deps.metrics.requests.errors.inc({ ...ctx.labels, error_code: outcome.kind === 'ok' ? String(outcome.status) : outcome.kind });
  // The access line is built only when info is on (benchmarks and busy deployments run at warn).
  if (!deps.logger.isLevelEnabled('info')) return;
  ctx.log.info(
    {
      status: outcome.status,
      outcome: outcome.kind,
      endpoint,
      model: ctx.resolution.model,
      target_model: ctx.resolution.targetModel,
      fairness_id: ctx.fairnessId,
      priority: ctx.resolution.priority,
      queue_wait_ms: Math.round(queueWaitMs * 1000) / 1000,
      duration_ms: Math.round(durationMs * 1000) / 1000,
    },
    'request completed',
  );
}

/** Free the lease exactly once, settling token fairness with the actual usage when known. */
export async function release(deps: RouterDeps, ctx: RequestContext, lease: LeaseRecord, outcome: RelayOutcome | null): Promise<void> {
  let actualTokens: number | undefined;
  const tap = outcome?.tap ?? null;
  if (tap !== null) {
    const usage = tap.usage();
    actualTokens = usage ? Math.max(0, usage.promptTokens - usage.cachedTokens) + usage.completionTokens : ctx.body.promptTokens + tap.dataEvents;
  }
  try {
    await deps.controller.release(lease.leaseId, actualTokens);
  } catch (error) {
    ctx.log.error({ err: error, lease: lease.leaseId }, 'lease release failed; the store reaps it after the lease TTL');
  }
  // Tenant rate limit: settle the token reservation with the actual usage (never throws).
  if (ctx.rateReservation) await ctx.rateReservation.settle(settledTokens(outcome !== null, ctx.body.promptTokens, tap?.usage() ?? null, tap?.dataEvents ?? null));
}
