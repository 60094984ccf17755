import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { formatHostPort } from '@sluice/config';
import type { ResolvedRouterConfig } from '@sluice/config';
import { createSystemClock, FlowController, MemoryFlowStore, MemoryTenantRateLimiter, timeSourceOf } from '@sluice/flow-control';
import type { Clock, EndpointLoad as StoreEndpointLoad, FlowStore, InboxReader, TenantRateLimiter } from '@sluice/flow-control';
import { closeRedisClient, createRedisClient, LeaderLease, RedisFlowStore, RedisInboxReader, RedisMetricsSnapshotStore, RedisPrefixIndex, RedisTenantRateLimiter, ScriptRegistry, TurnWriteBatcher } from '@sluice/redis-store';
import type { RedisClient, RedisConnectionConfig } from '@sluice/redis-store';
import { ALWAYS_LEADER, buildScheduler, CapacityAutoTuner, createBuiltinRegistry, MemorySnapshotStore } from '@sluice/scheduling';
import type { LeaderLeaseLike, MetricsSnapshotStore, PrefixIndex } from '@sluice/scheduling';
import { createLogger, createMetrics, startTracing } from '@sluice/telemetry';
import type { Logger } from '@sluice/telemetry';
import { flowMetricsObserver, publishFlowGauges } from './admission/flow-metrics-observer.ts';
import { flowStoreConfigOf } from './admission/flow-store-config.ts';
import { buildRouter } from './app.ts';
import { authCeilings } from './auth/auth-ceilings.ts';
import { RequestAuth } from './auth/request-auth.ts';
import { RouterLifecycle } from './deps.ts';
import type { RouterDeps } from './deps.ts';
import { EndpointHealth } from './endpoints/endpoint-health.ts';
import { DnsDiscovery } from './endpoints/dns-discovery.ts';
import { KubernetesDiscovery } from './endpoints/k8s-discovery.ts';
import { discoveryKubeConfig, discoveryNamespace } from './endpoints/k8s-kube-config.ts';
import { EndpointLoad } from './endpoints/endpoint-load.ts';
import { TenantRateLimits } from './limits/tenant-rate-limits.ts';
import { UpstreamPools } from './proxy/upstream-pools.ts';
import { ModelResolver } from './request/model-resolver.ts';
import { DecisionLog } from './scheduling/decision-log.ts';
import { httpMetricsFetcher, PoolMetrics } from './scheduling/pool-metrics.ts';
import { PrefixRouting, prefixRoutingSettings } from './scheduling/prefix-routing.ts';

/** Scrape-leader lease TTL (ms): the leader renews every 150 ms, so failover takes < 600 + 100 ms. */
const SCRAPE_LEASE_MS = 600;

export interface StartRouterOptions {
  readonly config: ResolvedRouterConfig;
  /** Reads SLUICE_REDIS_KEY_PREFIX (default `sluice`), to isolate deployments or tests sharing a Redis. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly logger?: Logger;
  readonly clock?: Clock;
  /** Uniform in [0, 1). Default Math.random. */
  readonly random?: () => number;
  /** Period (ms) of the store snapshot that feeds global in-flight counts. Default 100. */
  readonly statsIntervalMs?: number;
  /** How often the per-flow queue gauges (the full store stats) are refreshed, ms. Default 1 000. */
  readonly flowGaugeIntervalMs?: number;
  /** Period (ms) of the model-server metrics scrape. Default 50. */
  readonly scrapeIntervalMs?: number;
}

export interface RunningRouter {
  readonly app: FastifyInstance;
  readonly deps: RouterDeps;
  readonly port: number;
  readonly url: string;
  /** The separate operator listener (server.adminPort), e.g. http://127.0.0.1:9090; null when not configured. */
  readonly adminUrl: string | null;
  /** Graceful stop: readiness false, drain until `drainTimeoutMs`, then evict, release and close. */
  shutdown(drainTimeoutMs?: number): Promise<void>;
}

/**
 * The composition root: builds every component of one router replica from the resolved config,
 * starts flow control, health checks and the HTTP listener. No module state: call it twice, get two
 * independent routers.
 */
export async function startRouter(options: StartRouterOptions): Promise<RunningRouter> {
  const { config } = options;
  const env = options.env ?? {};
  const clock = options.clock ?? createSystemClock();
  const random = options.random ?? Math.random;
  const replicaId = config.server.replicaId ?? `${hostname()}-${process.pid}-${randomBytes(2).toString('hex')}`.replace(/[|\s]/g, '-');
  const logger = options.logger ?? createLogger({ level: config.logging.level, bindings: { service: 'sluice-router', replica: replicaId } });
  const metrics = createMetrics({ processMetrics: true });
  const tracing = startTracing({ serviceName: config.tracing.serviceName, otlpEndpoint: config.tracing.otlpEndpoint, sampleRatio: config.tracing.sampleRatio, env });
  if (tracing.enabled) logger.info({ target: tracing.exportTarget }, 'tracing on');
  const poolName = config.pool.name;
  const flowConfig = flowStoreConfigOf(config.endpointPicker);

  let redis: RedisClient | null = null;
  let store: FlowStore;
  let inbox: InboxReader;
  let globalPrefixIndex: ((capacity: number | undefined) => PrefixIndex) | null = null;
  let scrapeLease: LeaderLeaseLike = ALWAYS_LEADER;
  let snapshotStore: MetricsSnapshotStore = new MemorySnapshotStore();
  const rateSettings = { windowMs: config.tenants.rateLimitWindowMs, reservationTtlMs: config.tenants.reservationTtlMs };
  let rateLimiter: TenantRateLimiter = new MemoryTenantRateLimiter({ time: timeSourceOf(clock), ...rateSettings });
  if (config.redis === null) {
    const memory = new MemoryFlowStore({ config: flowConfig, time: timeSourceOf(clock) });
    store = memory;
    inbox = memory.inboxReader();
    logger.info('flow control: IN-MEMORY single-replica mode (no redis.url / REDIS_URL); queues and in-flight counts are local to this process');
  } else {
    redis = createRedisClient({ ...(config.redis as RedisConnectionConfig), connectionName: `sluice:${replicaId}` });
    tracing.instrumentRedisClient(redis); // request-path commands become child spans (no-op when tracing is off)
    const keyPrefix = env['SLUICE_REDIS_KEY_PREFIX'] ?? 'sluice';
    // One registry, so that one batcher sees every script call of a turn (sluice_redis_script_calls_per_write).
    const scripts = ScriptRegistry.fromDirectory(undefined, new TurnWriteBatcher((commands) => metrics.redis.scriptCallsPerWrite.observe(commands)));
    const redisStore = new RedisFlowStore({ client: redis, scripts, keyPrefix, pool: poolName, config: flowConfig });
    store = redisStore;
    const client = redis;
    globalPrefixIndex = (capacity) =>
      new RedisPrefixIndex({ client, scripts, keys: redisStore.keys, ...(capacity === undefined ? {} : { defaultCapacityBlocks: capacity }), inFlight: { key: redisStore.keys.flowKeys()[0]!, fieldPrefix: 'bl:' } });
    scrapeLease = new LeaderLease({ client, scripts, key: redisStore.keys.key('metrics:leader'), token: replicaId, leaseMs: SCRAPE_LEASE_MS });
    snapshotStore = new RedisMetricsSnapshotStore({ client, keys: redisStore.keys });
    rateLimiter = new RedisTenantRateLimiter({ client, scripts, keys: redisStore.keys, ...rateSettings });
    inbox = new RedisInboxReader({ client: redis, keys: redisStore.keys, onError: (error) => logger.warn({ err: error }, 'inbox read failed') });
    logger.info({ key_prefix: keyPrefix, pool: poolName }, 'flow control: Redis mode; queues, leases and in-flight counts are shared by every replica of the pool');
  }

  const models = new ModelResolver({ models: config.models, objectives: config.objectives, random });
  // Credential ceilings (auth maxPriority) can cap a model's priority to a value of their own.
  await store.provisionBands({ priorities: [...new Set([...models.priorities(), ...authCeilings(config.auth)])] });
  const controller = new FlowController({ store, inbox, replicaId, clock, observer: flowMetricsObserver(metrics, poolName, logger) });

  const discovery = config.pool.discovery;
  const dns =
    discovery.kind === 'dns'
      ? new DnsDiscovery({
          name: discovery.name,
          port: discovery.port,
          refreshMs: discovery.refreshMs,
          clock,
          onChange: async (list) => {
            logger.info({ endpoints: list.map((e) => e.name) }, 'DNS discovery: endpoint set changed');
            await health.setEndpoints(list);
          },
          onError: (error) => logger.warn({ err: error, name: discovery.name }, 'DNS discovery lookup failed; keeping the previous endpoints'),
        })
      : null;
  let k8s: KubernetesDiscovery | null = null;
  if (discovery.kind === 'kubernetes') {
    const kubeConfig = discoveryKubeConfig(discovery.apiServer);
    k8s = new KubernetesDiscovery({
      config: discovery,
      poolName,
      kubeConfig,
      namespace: discoveryNamespace(discovery.namespace, kubeConfig),
      clock,
      logger,
      onRestart: (resource, reason) => metrics.pool.discoveryWatchRestarts.inc({ name: poolName, resource, reason }),
      onEndpoints: async (list) => await health.setEndpoints(list),
      onObjectives: async (list) => {
        models.setDiscoveredObjectives(list);
        await store.provisionBands({ priorities: models.priorities() });
      },
    });
  }
  const endpoints =
    discovery.kind === 'static'
      ? discovery.endpoints.map((hp) => {
          const name = formatHostPort(hp);
          return { name, url: `http://${name}` };
        })
      : dns !== null
        ? await dns.start()
        : await k8s!.start();
  let publishing: Promise<unknown> = Promise.resolve();
  let published = '';
  // The utilization detector reads each endpoint's queue and KV usage from the store's snapshot.
  const detectorNeedsMetrics = flowConfig.detector.type === 'utilization-detector';
  // Set once the scrape loop exists (health/DNS callbacks may publish before that).
  let metricsReader: PoolMetrics | null = null;
  const endpointSnapshot = (healthy: readonly string[]) => ({
    endpoints: healthy.map((name) => {
      const reading = detectorNeedsMetrics ? (metricsReader?.reading(name) ?? null) : null;
      if (reading === null) return { name };
      return {
        name,
        metricsAgeMs: reading.ageMs,
        ...(reading.metrics.waitingQueueSize === undefined ? {} : { waitingQueueSize: reading.metrics.waitingQueueSize }),
        ...(reading.metrics.kvCacheUsage === undefined ? {} : { kvCacheUsage: reading.metrics.kvCacheUsage }),
      };
    }),
  });
  const publishSnapshot = (healthy: readonly string[]): void => {
    publishing = publishing
      .then(() => store.publishEndpoints({ owner: replicaId, snapshot: endpointSnapshot(healthy) }))
      .catch((error: unknown) => logger.warn({ err: error }, 'publishing the endpoint snapshot failed'));
  };
  const publish = (healthy: readonly string[]): void => {
    metrics.pool.readyPods.set({ name: poolName }, healthy.length);
    published = [...healthy].sort().join(',');
    publishSnapshot(healthy);
    logger.info({ healthy }, 'ready endpoints changed');
  };
  const health = new EndpointHealth({ endpoints, settings: config.pool.healthCheck, clock, onChange: publish });
  const load = new EndpointLoad();
  const prefix = await PrefixRouting.create(prefixRoutingSettings(config.endpointPicker, redis !== null, env), (capacity) => globalPrefixIndex!(capacity));
  const tuner = prefix.settings.autoTune ? new CapacityAutoTuner(prefix.index, prefix.blockSizeTokens) : null;
  let tuning: Promise<unknown> = Promise.resolve();
  const poolMetrics: PoolMetrics = new PoolMetrics({
    replicaId,
    poolName,
    clock,
    fetcher: httpMetricsFetcher,
    lease: scrapeLease,
    store: snapshotStore,
    targets: () => health.snapshot().map((e) => ({ name: e.name, metricsUrl: `${e.url}/metrics` })),
    metrics,
    tickMs: options.scrapeIntervalMs ?? 50,
    onSnapshot: (snapshot, role) => {
      if (role !== 'leader') return;
      // Only the scrape leader writes: the store's endpoint metrics and the index capacities.
      if (detectorNeedsMetrics && published.length > 0) publishSnapshot(health.healthyNames());
      if (tuner !== null) tuning = tuning.then(() => tuner.apply(snapshot)).catch((error: unknown) => logger.warn({ err: error }, 'prefix index capacity update failed'));
    },
    onError: (error) => logger.debug({ err: error }, 'metrics scrape loop error'),
    inFlightOf: (name) => load.inFlight(name),
  });
  metricsReader = poolMetrics;
  logger.info({ prefix_index: prefix.settings.mode, block_size_tokens: prefix.blockSizeTokens }, prefix.settings.mode === 'global' ? 'prefix index: global (Redis), shared by every replica' : 'prefix index: local to this process');
  const upstreams = new UpstreamPools({ connectTimeoutMs: config.proxy.connectTimeoutMs });
  const pluginLabels = new WeakMap<object, Map<string, { extension_point: string; plugin_type: string; plugin_name: string }>>();
  const scheduler = buildScheduler({
    registry: createBuiltinRegistry(),
    deps: { random },
    plugins: config.endpointPicker.plugins.map((p) => ({ name: p.name, type: p.type, parameters: p.parameters })),
    profiles: config.endpointPicker.schedulingProfiles,
    timing: {
      now: () => performance.now(),
      // Label objects built once per plugin instance (and extension point): this runs for every
      // plugin of every scheduling cycle.
      observe: (point, plugin, seconds) => {
        let byPoint = pluginLabels.get(plugin);
        if (byPoint === undefined) {
          byPoint = new Map();
          pluginLabels.set(plugin, byPoint);
        }
        let labels = byPoint.get(point);
        if (labels === undefined) {
          labels = { extension_point: point, plugin_type: plugin.type, plugin_name: plugin.name };
          byPoint.set(point, labels);
        }
        metrics.scheduler.pluginDuration.observe(labels, seconds);
      },
    },
  });
  const rateLimits = new TenantRateLimits({ limiter: rateLimiter, config: config.tenants, metrics, logger, clock });
  const lifecycle = new RouterLifecycle();
  const decisions = new DecisionLog(256);
  const auth = RequestAuth.create(config.auth, (objective) => models.objectivePriority(objective), metrics);
  logger.info({ mode: config.auth.mode, api_keys: config.auth.apiKeys.length, anonymous: config.auth.anonymous !== null, admin_guard: config.auth.mode !== 'trusted-headers' }, 'auth configured');
  const deps: RouterDeps = { config, replicaId, storeMode: redis === null ? 'memory' : 'redis', logger, metrics, tracing, clock, random, store, controller, scheduler, health, load, upstreams, models, lifecycle, prefix, poolMetrics, decisions, rateLimits, auth };
  const app = buildRouter(deps);

  // Store snapshot loop: global in-flight per endpoint and endpoint-set reconciliation (another
  // replica, or a Redis restart, may have replaced the snapshot we published) every tick, from the
  // cheap endpointLoad(); the full stats() (queue gauges per flow: O(flows) in the store, so it must
  // not run ten times a second on every replica) every `flowGaugeIntervalMs`.
  const statsIntervalMs = options.statsIntervalMs ?? 100;
  const fullStatsEvery = Math.max(1, Math.round((options.flowGaugeIntervalMs ?? 1000) / statsIntervalMs));
  let statsTick = 0;
  let statsTimer: unknown = null;
  let statsRunning = true;
  const statsLoop = async (): Promise<void> => {
    try {
      load.beginSnapshot();
      let endpoints: readonly StoreEndpointLoad[];
      if (statsTick++ % fullStatsEvery === 0) {
        const stats = await store.stats();
        endpoints = stats.endpoints;
        publishFlowGauges(metrics, poolName, stats);
      } else {
        endpoints = await store.endpointLoad();
      }
      load.applySnapshot(endpoints);
      const inStore = endpoints.map((e) => e.name).sort().join(',');
      if (inStore !== published) publish(health.healthyNames());
    } catch (error) {
      logger.warn({ err: error }, 'store snapshot failed');
    }
    if (statsRunning) statsTimer = clock.setTimeout(() => void statsLoop(), statsIntervalMs);
  };

  await controller.start();
  await health.start();
  poolMetrics.start();
  await statsLoop();
  await app.listen({ port: config.server.port, host: config.server.host });
  const port = (app.server.address() as AddressInfo).port;
  // Optional operator listener (auth/admin-guard.ts): /admin/*, /dashboard, /metrics and probes only.
  const adminApp = config.server.adminPort === null ? null : buildRouter(deps, 'admin');
  if (adminApp !== null) {
    await adminApp.listen({ port: config.server.adminPort!, host: config.server.host });
    logger.info({ port: (adminApp.server.address() as AddressInfo).port }, 'admin listener (server.adminPort): /admin/* and /dashboard are served here only');
  }
  const adminUrl = adminApp === null ? null : `http://127.0.0.1:${(adminApp.server.address() as AddressInfo).port}`;
  lifecycle.ready = true;
  logger.info({ port, pool: poolName, endpoints: endpoints.map((e) => e.name), store: deps.storeMode }, 'sluice-router listening');

  let stopping: Promise<void> | null = null;
  const shutdown = (drainTimeoutMs = config.server.drainTimeoutMs): Promise<void> => {
    stopping ??= (async () => {
      lifecycle.draining = true;
      logger.info({ active: lifecycle.active, drain_timeout_ms: drainTimeoutMs }, 'draining: readiness is false, new requests get 503');
      const drained = await waitIdle(lifecycle, clock, drainTimeoutMs);
      if (!drained) logger.warn({ active: lifecycle.active }, 'drain timeout: evicting queued requests and cutting streams');
      await controller.stop(); // queued requests → 503 rejected-shutting-down
      logger.debug('shutdown: controller stopped');
      await upstreams.close(); // cut remaining streams; their handlers release their leases
      logger.debug('shutdown: upstream pools closed');
      await waitIdle(lifecycle, clock, 2000);
      statsRunning = false;
      if (statsTimer !== null) clock.clearTimeout(statsTimer);
      dns?.stop();
      await k8s?.stop();
      await poolMetrics.stop();
      await tuning;
      await health.stop();
      logger.debug('shutdown: health checks stopped');
      await app.close();
      await adminApp?.close();
      logger.debug('shutdown: http server closed');
      await publishing;
      await store.close();
      if (redis !== null) await closeRedisClient(redis);
      await tracing.shutdown();
      logger.info('stopped');
    })();
    return stopping;
  };
  return { app, deps, port, url: `http://127.0.0.1:${port}`, adminUrl, shutdown };
}

/** True when the lifecycle became idle within `timeoutMs`. */
async function waitIdle(lifecycle: RouterLifecycle, clock: Clock, timeoutMs: number): Promise<boolean> {
  let timer: unknown = null;
  const timeout = new Promise<false>((resolve) => {
    timer = clock.setTimeout(() => resolve(false), timeoutMs);
  });
  const result = await Promise.race([lifecycle.whenIdle().then(() => true as const), timeout]);
  clock.clearTimeout(timer);
  return result;
}
