import { formatPath, IssueCollector, type ConfigIssue, type PathSegments } from '../issues.ts';
import { parseHostPort, type HostPort } from '../parse/host-port.ts';
import { CRITICALITIES, type Criticality, type RouterConfigInput } from '../schema/router-config-schema.ts';
import type {
  LogLevel,
  PoolDiscovery,
  ResolvedModel,
  ResolvedRedis,
  ResolvedRouterConfig,
} from '../resolved-types.ts';
import { checkUnique, isHttpUrl, readDuration, readPositiveDuration, readPositiveQuantity } from './field-parsers.ts';
import { resolveAuth } from './resolve-auth.ts';
import { resolveEndpointPicker } from './resolve-endpoint-picker.ts';
import { resolveTenants } from './resolve-tenants.ts';
import { resolveRedisSecurity } from './resolve-redis-security.ts';
import { resolveKubernetesDiscovery } from './resolve-kubernetes-discovery.ts';

/** Criticality → priority (reference §7: Sheddable became < 0). Overridable via `criticalityPriorities`. */
export const DEFAULT_CRITICALITY_PRIORITIES: Readonly<Record<Criticality, number>> = {
  Critical: 100,
  Standard: 0,
  Sheddable: -10,
  Schedulable: -10,
};

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** The environment variables the router reads; empty strings count as unset. */
export interface ConfigEnv {
  readonly PORT?: string | undefined;
  readonly REDIS_URL?: string | undefined;
  readonly LOG_LEVEL?: string | undefined;
  readonly OTEL_EXPORTER_OTLP_ENDPOINT?: string | undefined;
  readonly [name: string]: string | undefined;
}

export type ResolveResult = { ok: true; config: ResolvedRouterConfig } | { ok: false; issues: ConfigIssue[] };

/**
 * Resolves a structurally valid config: defaults, env overrides (PORT, REDIS_URL, LOG_LEVEL,
 * OTEL_EXPORTER_OTLP_ENDPOINT win over the file), semantic checks and cross-references.
 */
export function resolveRouterConfig(input: RouterConfigInput, env: ConfigEnv, source: string | null): ResolveResult {
  const issues = new IssueCollector();
  const warnings: string[] = [];
  const envOverrides: string[] = [];
  const envValue = (name: string): string | undefined => {
    const value = env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  };

  const server = input.server ?? {};
  let port = server.port ?? 8080;
  const portEnv = envValue('PORT');
  if (portEnv !== undefined) {
    const parsed = /^\d{1,5}$/.test(portEnv) ? Number(portEnv) : Number.NaN;
    if (Number.isInteger(parsed) && parsed <= 65535) {
      port = parsed;
      envOverrides.push('PORT');
    } else issues.add(['env', 'PORT'], `must be an integer port 0-65535, got ${JSON.stringify(portEnv)}`);
  }

  const redisTopology = resolveRedis(input, envValue('REDIS_URL'), issues, envOverrides);
  const redis = redisTopology === null ? null : resolveRedisSecurity(redisTopology, input.redis ?? {}, env, issues);

  let level: LogLevel = (input.logging?.level as LogLevel | undefined) ?? 'info';
  const levelEnv = envValue('LOG_LEVEL');
  if (levelEnv !== undefined) {
    if ((LOG_LEVELS as readonly string[]).includes(levelEnv)) {
      level = levelEnv as LogLevel;
      envOverrides.push('LOG_LEVEL');
    } else issues.add(['env', 'LOG_LEVEL'], `must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(levelEnv)}`);
  }

  let otlpEndpoint = input.tracing?.otlpEndpoint ?? null;
  const otlpEnv = envValue('OTEL_EXPORTER_OTLP_ENDPOINT');
  if (otlpEnv !== undefined) {
    otlpEndpoint = otlpEnv;
    envOverrides.push('OTEL_EXPORTER_OTLP_ENDPOINT');
  }
  if (otlpEndpoint !== null && !isHttpUrl(otlpEndpoint)) {
    issues.add(otlpEnv !== undefined ? ['env', 'OTEL_EXPORTER_OTLP_ENDPOINT'] : ['tracing', 'otlpEndpoint'], `must be an http(s) URL, got ${JSON.stringify(otlpEndpoint)}`);
  }

  const objectives = (input.objectives ?? []).map((objective) => ({ name: objective.name, priority: objective.priority ?? 0 }));
  checkUnique(objectives, (o) => o.name, (i) => ['objectives', i, 'name'], 'objective name', issues, (i) => formatPath(['objectives', i]));

  const criticalityPriorities = { ...DEFAULT_CRITICALITY_PRIORITIES };
  for (const name of CRITICALITIES) {
    const override = input.criticalityPriorities?.[name];
    if (override !== undefined) criticalityPriorities[name] = override;
  }

  const models = resolveModels(input, objectives, criticalityPriorities, issues);
  const endpointPicker = resolveEndpointPicker(input.endpointPicker, ['endpointPicker'], issues, warnings);

  const health = input.pool.healthCheck ?? {};
  const healthAt: PathSegments = ['pool', 'healthCheck'];
  const backoffInitialMs = readPositiveDuration(health.backoffInitial, [...healthAt, 'backoffInitial'], issues, 250);
  const backoffMaxMs = readPositiveDuration(health.backoffMax, [...healthAt, 'backoffMax'], issues, 10_000);
  if (backoffMaxMs < backoffInitialMs) issues.add([...healthAt, 'backoffMax'], `must be >= backoffInitial (${backoffInitialMs} ms)`);
  const proxy = input.proxy ?? {};
  const headersTimeoutMs = readPositiveDuration(server.headersTimeout, ['server', 'headersTimeout'], issues, 30_000);
  const requestTimeoutMs = readPositiveDuration(server.requestTimeout, ['server', 'requestTimeout'], issues, 120_000);
  if (headersTimeoutMs > requestTimeoutMs) issues.add(['server', 'headersTimeout'], `must be <= requestTimeout (${requestTimeoutMs} ms)`);

  const config: ResolvedRouterConfig = {
    apiVersion: input.apiVersion,
    kind: input.kind,
    server: {
      port,
      host: server.host ?? '0.0.0.0',
      bodyLimitBytes: readPositiveQuantity(server.bodyLimit, ['server', 'bodyLimit'], issues, 10 * 1024 * 1024),
      drainTimeoutMs: readDuration(server.drainTimeout, ['server', 'drainTimeout'], issues, 30_000),
      replicaId: server.replicaId ?? null,
      adminPort: server.adminPort ?? null,
      maxHeaderSizeBytes: readPositiveQuantity(server.maxHeaderSize, ['server', 'maxHeaderSize'], issues, 16 * 1024),
      maxJsonDepth: server.maxJsonDepth ?? 64,
      maxPromptTokens: server.maxPromptTokens ?? null,
      headersTimeoutMs,
      requestTimeoutMs,
      keepAliveTimeoutMs: readPositiveDuration(server.keepAliveTimeout, ['server', 'keepAliveTimeout'], issues, 65_000),
    },
    redis,
    pool: {
      name: input.pool.name,
      discovery: resolveDiscovery(input, issues),
      healthCheck: {
        path: health.path ?? '/health',
        intervalMs: readPositiveDuration(health.interval, [...healthAt, 'interval'], issues, 1000),
        timeoutMs: readPositiveDuration(health.timeout, [...healthAt, 'timeout'], issues, 500),
        failureThreshold: health.failureThreshold ?? 3,
        backoffInitialMs,
        backoffMaxMs,
      },
    },
    proxy: {
      connectTimeoutMs: readPositiveDuration(proxy.connectTimeout, ['proxy', 'connectTimeout'], issues, 2000),
      firstByteTimeoutMs: readPositiveDuration(proxy.firstByteTimeout, ['proxy', 'firstByteTimeout'], issues, 300_000),
      streamIdleTimeoutMs: readPositiveDuration(proxy.streamIdleTimeout, ['proxy', 'streamIdleTimeout'], issues, 60_000),
      maxRetries: proxy.maxRetries ?? 1,
    },
    objectives,
    criticalityPriorities,
    models,
    auth: resolveAuth(input.auth, objectives, env, issues, warnings),
    tenants: resolveTenants(input.tenants, issues),
    endpointPicker,
    logging: { level },
    tracing: {
      otlpEndpoint,
      serviceName: input.tracing?.serviceName ?? 'sluice-router',
      sampleRatio: input.tracing?.sampleRatio ?? 1,
    },
    provenance: { source, envOverrides },
    warnings,
  };
  return issues.empty ? { ok: true, config } : { ok: false, issues: issues.issues };
}

function isRedisUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'redis:' || url.protocol === 'rediss:') && url.hostname !== '';
  } catch {
    return false;
  }
}

function hostPorts(list: readonly string[], at: PathSegments, issues: IssueCollector): HostPort[] {
  const result: HostPort[] = [];
  list.forEach((entry, index) => {
    const parsed = parseHostPort(entry);
    if (parsed === null) issues.add([...at, index], `must be "host:port", got ${JSON.stringify(entry)}`);
    else result.push(parsed);
  });
  return result;
}

function resolveRedis(input: RouterConfigInput, urlEnv: string | undefined, issues: IssueCollector, envOverrides: string[]): ResolvedRedis | null {
  const spec = input.redis ?? {};
  const common = {
    connectTimeoutMs: readPositiveDuration(spec.connectTimeout, ['redis', 'connectTimeout'], issues, 10_000),
    // Off by default: ioredis builds a Pipeline object per auto-pipelined batch, and at the router's
    // rates that cost more than the write syscalls it saves (BENCHMARKS.md, session of 05:30).
    autoPipelining: spec.autoPipelining ?? false,
  };
  if (urlEnv !== undefined) {
    envOverrides.push('REDIS_URL');
    if (!isRedisUrl(urlEnv)) {
      issues.add(['env', 'REDIS_URL'], `must be a redis:// or rediss:// URL, got ${JSON.stringify(urlEnv)}`);
      return null;
    }
    return { mode: 'single', url: urlEnv, ...common };
  }
  const chosen = (['url', 'sentinel', 'cluster'] as const).filter((key) => spec[key] !== undefined);
  if (chosen.length > 1) {
    issues.add(['redis'], `set only one of url, sentinel, cluster (found ${chosen.join(', ')})`);
    return null;
  }
  if (spec.url !== undefined) {
    if (!isRedisUrl(spec.url)) issues.add(['redis', 'url'], `must be a redis:// or rediss:// URL, got ${JSON.stringify(spec.url)}`);
    return { mode: 'single', url: spec.url, ...common };
  }
  if (spec.sentinel !== undefined) {
    const { name, nodes, password, sentinelPassword, db } = spec.sentinel;
    return {
      mode: 'sentinel',
      name,
      sentinels: hostPorts(nodes, ['redis', 'sentinel', 'nodes'], issues),
      ...(password === undefined ? {} : { password }),
      ...(sentinelPassword === undefined ? {} : { sentinelPassword }),
      ...(db === undefined ? {} : { db }),
      ...common,
    };
  }
  if (spec.cluster !== undefined) {
    const { nodes, password } = spec.cluster;
    return { mode: 'cluster', nodes: hostPorts(nodes, ['redis', 'cluster', 'nodes'], issues), ...(password === undefined ? {} : { password }), ...common };
  }
  return null;
}

function resolveDiscovery(input: RouterConfigInput, issues: IssueCollector): PoolDiscovery {
  const { endpoints, dns, kubernetes } = input.pool;
  if (endpoints !== undefined && dns !== undefined) {
    issues.add(['pool'], 'set either endpoints or dns, not both');
  }
  if (kubernetes !== undefined) {
    if (endpoints !== undefined || dns !== undefined) issues.add(['pool'], 'set only one of endpoints, dns, kubernetes');
    return resolveKubernetesDiscovery(kubernetes, issues);
  }
  if (dns !== undefined && endpoints === undefined) {
    return { kind: 'dns', name: dns.name, port: dns.port, refreshMs: readPositiveDuration(dns.refresh, ['pool', 'dns', 'refresh'], issues, 5000) };
  }
  if (endpoints === undefined) {
    issues.add(['pool', 'endpoints'], 'required: list the endpoints ("host:port") or set pool.dns or pool.kubernetes');
    return { kind: 'static', endpoints: [] };
  }
  if (endpoints.length === 0) issues.add(['pool', 'endpoints'], 'must list at least one "host:port"');
  const parsed = hostPorts(endpoints, ['pool', 'endpoints'], issues);
  checkUnique(endpoints, (e) => e, (i) => ['pool', 'endpoints', i], 'endpoint', issues, (i) => formatPath(['pool', 'endpoints', i]));
  return { kind: 'static', endpoints: parsed };
}

function resolveModels(
  input: RouterConfigInput,
  objectives: readonly { name: string; priority: number }[],
  criticalityPriorities: Readonly<Record<Criticality, number>>,
  issues: IssueCollector,
): ResolvedModel[] {
  const models = input.models ?? [];
  checkUnique(models, (m) => m.modelName, (i) => ['models', i, 'modelName'], 'model name', issues, (i) => formatPath(['models', i]));
  const objectivePriority = new Map(objectives.map((objective) => [objective.name, objective.priority]));
  return models.map((model, m) => {
    const criticality: Criticality = model.criticality ?? 'Standard';
    let priority = criticalityPriorities[criticality];
    if (model.objective !== undefined) {
      const fromObjective = objectivePriority.get(model.objective);
      if (fromObjective === undefined) {
        issues.add(['models', m, 'objective'], `unknown objective ${JSON.stringify(model.objective)}: no entry of objectives has this name`);
      } else priority = fromObjective;
    }
    const targets = model.targetModels ?? [];
    const weighted = targets.filter((target) => target.weight !== undefined).length;
    if (weighted !== 0 && weighted !== targets.length) {
      targets.forEach((target, t) => {
        if (target.weight === undefined) issues.add(['models', m, 'targetModels', t, 'weight'], 'set a weight on every target model or on none');
      });
    }
    targets.forEach((target, t) => {
      if (target.weight !== undefined && !(target.weight > 0)) {
        issues.add(['models', m, 'targetModels', t, 'weight'], `must be > 0, got ${target.weight}`);
      }
    });
    checkUnique(
      targets,
      (target) => target.name,
      (t) => ['models', m, 'targetModels', t, 'name'],
      'target model',
      issues,
      (t) => formatPath(['models', m, 'targetModels', t]),
    );
    return {
      modelName: model.modelName,
      criticality,
      objective: model.objective ?? null,
      priority,
      targetModels:
        targets.length === 0
          ? [{ name: model.modelName, weight: 1 }]
          : targets.map((target) => ({ name: target.name, weight: target.weight ?? 1 })),
    };
  });
}
