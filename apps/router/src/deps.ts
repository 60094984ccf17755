import type { ResolvedRouterConfig } from '@sluice/config';
import type { Clock, FlowController, FlowStore } from '@sluice/flow-control';
import type { Scheduler } from '@sluice/scheduling';
import type { Logger, SluiceMetrics } from '@sluice/telemetry';
import type { RequestAuth } from './auth/request-auth.ts';
import type { EndpointHealth } from './endpoints/endpoint-health.ts';
import type { EndpointLoad } from './endpoints/endpoint-load.ts';
import type { TenantRateLimits } from './limits/tenant-rate-limits.ts';
import type { UpstreamPools } from './proxy/upstream-pools.ts';
import type { ModelResolver } from './request/model-resolver.ts';
import type { DecisionLog } from './scheduling/decision-log.ts';
import type { PoolMetrics } from './scheduling/pool-metrics.ts';
import type { PrefixRouting } from './scheduling/prefix-routing.ts';
import type { RouterTracing } from './tracing/router-tracing.ts';

/**
 * Lifecycle flags and counters of one router process. `draining` turns readiness false and makes new
 * inference requests answer 503 rejected-shutting-down.
 */
export class RouterLifecycle {
  ready = false;
  draining = false;
  /** Inference requests between arrival and the end of their response (queued ones included). */
  active = 0;
  private idleWaiters: (() => void)[] = [];

  enter(): void {
    this.active++;
  }

  leave(): void {
    this.active--;
    if (this.active === 0) for (const w of this.idleWaiters.splice(0)) w();
  }

  /** Resolves when no inference request is active (immediately if none). */
  whenIdle(): Promise<void> {
    if (this.active === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }
}

/** Everything the HTTP layer needs; built by the composition root (runtime.ts). */
export interface RouterDeps {
  readonly config: ResolvedRouterConfig;
  readonly replicaId: string;
  /** 'memory' (single replica) or 'redis'. */
  readonly storeMode: 'memory' | 'redis';
  readonly logger: Logger;
  readonly metrics: SluiceMetrics;
  /** Disabled (no-op tracer) unless tracing is configured (tracing.otlpEndpoint / OTEL_EXPORTER_OTLP_*). */
  readonly tracing: RouterTracing;
  readonly clock: Clock;
  /** Uniform in [0, 1). */
  readonly random: () => number;
  readonly store: FlowStore;
  readonly controller: FlowController;
  readonly scheduler: Scheduler;
  readonly health: EndpointHealth;
  readonly load: EndpointLoad;
  readonly upstreams: UpstreamPools;
  readonly models: ModelResolver;
  readonly lifecycle: RouterLifecycle;
  /** Prefix hashing + index (local or global); null when disabled. */
  readonly prefix: PrefixRouting | null;
  /** Scraped model-server metrics (leader scrapes, everyone reads). */
  readonly poolMetrics: PoolMetrics;
  /** Recent routing decisions for GET /admin/decisions. */
  readonly decisions: DecisionLog;
  /** Identity of each inference request: trusted headers, API keys or JWT (auth.mode). */
  readonly auth: RequestAuth;
  /** Fleet-wide (Redis) or local (memory) per-tenant request and token limits. */
  readonly rateLimits: TenantRateLimits;
}
