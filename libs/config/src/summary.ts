import { formatHostPort } from './parse/host-port.ts';
import type { ResolvedRouterConfig } from './resolved-types.ts';

/** Human-readable start-up summary, one fact per line (no secrets: Redis passwords are masked). */
export function summarizeConfig(config: ResolvedRouterConfig): string {
  const lines: string[] = [];
  lines.push(`config: ${config.provenance.source ?? '(built in code)'}${config.provenance.envOverrides.length > 0 ? ` (env overrides: ${config.provenance.envOverrides.join(', ')})` : ''}`);
  lines.push(`mode: ${describeMode(config)}`);
  lines.push(`listen: ${config.server.host}:${config.server.port}`);
  const { discovery } = config.pool;
  lines.push(
    discovery.kind === 'static'
      ? `pool: ${config.pool.name}, ${discovery.endpoints.length} static endpoint(s): ${discovery.endpoints.map(formatHostPort).join(', ')}`
      : discovery.kind === 'dns'
        ? `pool: ${config.pool.name}, DNS ${discovery.name}:${discovery.port} (refresh ${discovery.refreshMs} ms)`
        : `pool: ${config.pool.name}, Kubernetes ${discovery.source.kind === 'labelSelector' ? `pods ${JSON.stringify(discovery.source.labelSelector)}` : `InferencePool ${discovery.source.name}`} in ${discovery.namespace ?? '(own namespace)'}${discovery.objectives ? ' + InferenceObjectives' : ''}`,
  );
  const fc = config.endpointPicker.flowControl;
  const gate = config.endpointPicker.featureGates['flowControl'] === true;
  lines.push(
    `flow control: ${gate ? 'on' : 'off (feature gate flowControl not set)'}; detector ${fc.saturationDetectorPluginRef}; ` +
      `bands ${fc.priorityBands.length === 0 ? '(dynamic only)' : fc.priorityBands.map((b) => `${b.priority}[${b.fairnessPolicyRef}, max ${b.maxRequests} req]`).join(' ')}; ` +
      `request TTL ${fc.defaultRequestTtlMs} ms`,
  );
  lines.push(`objectives: ${config.objectives.length === 0 ? '(none)' : config.objectives.map((o) => `${o.name}=${o.priority}`).join(', ')}`);
  lines.push(`models: ${config.models.length === 0 ? '(none)' : config.models.map((m) => `${m.modelName} (priority ${m.priority}) -> ${m.targetModels.map((t) => t.name).join('|')}`).join(', ')}`);
  const auth = config.auth;
  lines.push(
    auth.mode === 'trusted-headers'
      ? `auth: trusted-headers (control headers trusted: run behind a gateway); default fairness id "${auth.defaultFairnessId}"`
      : `auth: ${auth.mode}${auth.mode === 'api-keys' ? ` (${auth.apiKeys.length} keys, SHA-256 only)` : ''}; anonymous ${auth.anonymous === null ? 'off' : `as "${auth.anonymous.tenant}"`}; ` +
          `priority above ceiling: ${auth.clampPriority ? 'clamped' : '403'}; admin ${auth.adminKeySha256.length === 0 ? 'locked (no auth.admin)' : 'needs the admin key'}`,
  );
  lines.push(`tracing: ${config.tracing.otlpEndpoint === null ? 'off (no OTLP endpoint)' : `OTLP ${config.tracing.otlpEndpoint}`}`);
  for (const warning of config.warnings) lines.push(`warning: ${warning}`);
  return lines.join('\n');
}

function describeMode(config: ResolvedRouterConfig): string {
  const redis = config.redis;
  if (redis === null) return 'in-memory single replica (no redis.url)';
  switch (redis.mode) {
    case 'single':
      return `redis ${maskUrl(redis.url)} (shared state, multi-replica)`;
    case 'sentinel':
      return `redis sentinel "${redis.name}" via ${redis.sentinels.map(formatHostPort).join(', ')} (shared state, multi-replica)`;
    case 'cluster':
      return `redis cluster via ${redis.nodes.map(formatHostPort).join(', ')} (shared state, multi-replica)`;
  }
}

/** Hides the password of a redis URL. */
export function maskUrl(text: string): string {
  try {
    const url = new URL(text);
    if (url.password !== '') url.password = '***';
    return url.toString();
  } catch {
    return text;
  }
}
