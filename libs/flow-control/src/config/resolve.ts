import type { BandConfig, BandTemplate, FlowStoreConfig } from '../types/config.ts';
import { DetectorType } from '../types/detector.ts';
import type { DetectorConfig } from '../types/detector.ts';
import { FairnessPolicyType, OrderingPolicyType, UsageLimitPolicyType } from '../types/policies.ts';
import type { FairnessPolicyConfig, OrderingPolicyConfig, UsageLimitPolicyConfig } from '../types/policies.ts';
import { FLOW_DEFAULTS } from './defaults.ts';
import { parseDurationMs } from './duration.ts';
import { parseCountQuantity } from './quantity.ts';

/** An llm-d plugin declaration (`plugins:` list). `name` defaults to `type`. */
export interface PluginSpec {
  readonly name?: string;
  readonly type: string;
  readonly parameters?: Readonly<Record<string, unknown>>;
}

/** A band as written in the llm-d `flowControl` section (quantities and durations as strings). */
export interface BandInput {
  readonly maxBytes?: string | number;
  readonly maxRequests?: string | number;
  readonly fairnessPolicyRef?: string;
  readonly orderingPolicyRef?: string;
  /** Per-band TTL (upstream PR #2649). */
  readonly requestTTL?: string | number;
}

/** The llm-d `EndpointPickerConfig.flowControl` section, unchanged, plus Sluice's `sluice` extras. */
export interface FlowControlInput {
  readonly maxBytes?: string | number;
  readonly maxRequests?: string | number;
  readonly defaultRequestTTL?: string | number;
  readonly noEndpointRequestTTL?: string | number;
  readonly defaultPriorityBand?: BandInput;
  readonly defaultNegativePriorityBand?: BandInput;
  readonly priorityBands?: readonly (BandInput & { readonly priority: number })[];
  readonly usageLimitPolicyPluginRef?: string;
  readonly saturationDetector?: { readonly pluginRef?: string };
  readonly sluice?: {
    readonly leaseTTL?: string | number;
    readonly replicaTTL?: string | number;
    readonly flowIdleTimeout?: string | number;
    readonly bandIdleTimeout?: string | number;
    readonly dispatchBatchMax?: number;
    readonly retryAfterMaxSeconds?: number;
  };
}

/** Bad flow-control configuration; `path` names the offending field (e.g. `flowControl.priorityBands[1].maxBytes`). */
export class FlowConfigError extends Error {
  readonly path: string;
  constructor(path: string, message: string) {
    super(`${path}: ${message}`);
    this.name = 'FlowConfigError';
    this.path = path;
  }
}

/**
 * Resolve the llm-d shaped `flowControl` section and `plugins` list into a FlowStoreConfig (plain
 * JSON, every default filled, quantities and durations parsed). Invalid input throws FlowConfigError
 * with the field path; nothing silently falls back. `path` prefixes error paths.
 */
export function resolveFlowStoreConfig(input: FlowControlInput = {}, plugins: readonly PluginSpec[] = [], path = 'flowControl'): FlowStoreConfig {
  const r = new Resolver(plugins);
  const ttl = input.defaultRequestTTL === undefined ? FLOW_DEFAULTS.requestTtlMs : r.duration(input.defaultRequestTTL, `${path}.defaultRequestTTL`);
  const noEndpointTtl = input.noEndpointRequestTTL === undefined ? ttl : r.duration(input.noEndpointRequestTTL, `${path}.noEndpointRequestTTL`);
  const defaultBand = r.band(input.defaultPriorityBand ?? {}, ttl, `${path}.defaultPriorityBand`);
  const negativeBand =
    input.defaultNegativePriorityBand === undefined ? null : r.band(input.defaultNegativePriorityBand, ttl, `${path}.defaultNegativePriorityBand`, defaultBand);
  const seen = new Set<number>();
  const bands: BandConfig[] = (input.priorityBands ?? []).map((b, i) => {
    const p = `${path}.priorityBands[${i}]`;
    if (!Number.isInteger(b.priority)) throw new FlowConfigError(`${p}.priority`, 'must be an integer');
    if (seen.has(b.priority)) throw new FlowConfigError(`${p}.priority`, `duplicate priority ${b.priority}`);
    seen.add(b.priority);
    const template = b.priority < 0 && negativeBand ? negativeBand : defaultBand;
    return { priority: b.priority, ...r.band(b, ttl, p, template) };
  });
  const x = input.sluice ?? {};
  const xp = `${path}.sluice`;
  return {
    maxBytes: input.maxBytes === undefined ? 0 : r.count(input.maxBytes, `${path}.maxBytes`),
    maxRequests: input.maxRequests === undefined ? 0 : r.count(input.maxRequests, `${path}.maxRequests`),
    defaultRequestTtlMs: ttl,
    noEndpointRequestTtlMs: noEndpointTtl,
    priorityBands: bands,
    defaultPriorityBand: defaultBand,
    defaultNegativePriorityBand: negativeBand,
    usageLimit: r.usageLimit(input.usageLimitPolicyPluginRef, `${path}.usageLimitPolicyPluginRef`),
    detector: r.detector(input.saturationDetector?.pluginRef, `${path}.saturationDetector.pluginRef`),
    leaseTtlMs: x.leaseTTL === undefined ? FLOW_DEFAULTS.leaseTtlMs : r.positiveDuration(x.leaseTTL, `${xp}.leaseTTL`),
    replicaTtlMs: x.replicaTTL === undefined ? FLOW_DEFAULTS.replicaTtlMs : r.positiveDuration(x.replicaTTL, `${xp}.replicaTTL`),
    flowIdleTimeoutMs: x.flowIdleTimeout === undefined ? FLOW_DEFAULTS.flowIdleTimeoutMs : r.duration(x.flowIdleTimeout, `${xp}.flowIdleTimeout`),
    bandIdleTimeoutMs: x.bandIdleTimeout === undefined ? FLOW_DEFAULTS.bandIdleTimeoutMs : r.duration(x.bandIdleTimeout, `${xp}.bandIdleTimeout`),
    dispatchBatchMax: x.dispatchBatchMax === undefined ? FLOW_DEFAULTS.dispatchBatchMax : r.positiveInt(x.dispatchBatchMax, `${xp}.dispatchBatchMax`),
    retryAfterMaxSec: x.retryAfterMaxSeconds === undefined ? FLOW_DEFAULTS.retryAfterMaxSec : r.positiveInt(x.retryAfterMaxSeconds, `${xp}.retryAfterMaxSeconds`),
  };
}

/** Parses fields and resolves plugin references against the `plugins` list. */
class Resolver {
  private readonly byName = new Map<string, PluginSpec>();

  constructor(plugins: readonly PluginSpec[]) {
    for (const p of plugins) this.byName.set(p.name ?? p.type, p);
  }

  count(v: string | number, path: string): number {
    try {
      return parseCountQuantity(v);
    } catch (e) {
      throw new FlowConfigError(path, (e as Error).message);
    }
  }

  duration(v: string | number, path: string): number {
    try {
      return parseDurationMs(v);
    } catch (e) {
      throw new FlowConfigError(path, (e as Error).message);
    }
  }

  positiveDuration(v: string | number, path: string): number {
    const ms = this.duration(v, path);
    if (ms <= 0) throw new FlowConfigError(path, 'must be > 0');
    return ms;
  }

  positiveInt(v: unknown, path: string): number {
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw new FlowConfigError(path, `must be a positive integer, got ${JSON.stringify(v)}`);
    return v;
  }

  /** A band; 0 or missing limits mean the template's (per-band limits are never unbounded). */
  band(b: BandInput, ttl: number, path: string, template?: BandTemplate): BandTemplate {
    const maxBytes = b.maxBytes === undefined ? 0 : this.count(b.maxBytes, `${path}.maxBytes`);
    const maxRequests = b.maxRequests === undefined ? 0 : this.count(b.maxRequests, `${path}.maxRequests`);
    return {
      maxBytes: maxBytes > 0 ? maxBytes : (template?.maxBytes ?? FLOW_DEFAULTS.bandMaxBytes),
      maxRequests: maxRequests > 0 ? maxRequests : (template?.maxRequests ?? FLOW_DEFAULTS.bandMaxRequests),
      fairness: b.fairnessPolicyRef === undefined ? (template?.fairness ?? { type: FairnessPolicyType.GlobalStrict }) : this.fairness(b.fairnessPolicyRef, `${path}.fairnessPolicyRef`),
      ordering: b.orderingPolicyRef === undefined ? (template?.ordering ?? { type: OrderingPolicyType.Fcfs }) : this.ordering(b.orderingPolicyRef, `${path}.orderingPolicyRef`),
      requestTtlMs: b.requestTTL === undefined ? (template?.requestTtlMs ?? ttl) : this.duration(b.requestTTL, `${path}.requestTTL`),
    };
  }

  /** The plugin a ref names: a declared plugin, or an undeclared built-in type used by name. */
  private plugin(ref: string, path: string, allowed: readonly string[]): { type: string; params: Readonly<Record<string, unknown>> } {
    const declared = this.byName.get(ref);
    const type = declared?.type ?? ref;
    if (!allowed.includes(type)) {
      throw new FlowConfigError(path, declared ? `plugin "${ref}" has type "${type}", expected one of ${allowed.join(', ')}` : `unknown plugin "${ref}" (expected one of ${allowed.join(', ')} or a declared plugin name)`);
    }
    return { type, params: declared?.parameters ?? {} };
  }

  fairness(ref: string, path: string): FairnessPolicyConfig {
    const { type, params } = this.plugin(ref, path, Object.values(FairnessPolicyType));
    if (type !== FairnessPolicyType.TokenFairness) return { type } as FairnessPolicyConfig;
    const weights = params['weights'] ?? {};
    if (typeof weights !== 'object' || weights === null || Array.isArray(weights)) throw new FlowConfigError(`${path}.parameters.weights`, 'must be a map of fairness id to weight');
    for (const [id, w] of Object.entries(weights)) {
      if (typeof w !== 'number' || !(w > 0)) throw new FlowConfigError(`${path}.parameters.weights.${id}`, 'must be a number > 0');
    }
    const defaultWeight = params['defaultWeight'] ?? 1;
    if (typeof defaultWeight !== 'number' || !(defaultWeight > 0)) throw new FlowConfigError(`${path}.parameters.defaultWeight`, 'must be a number > 0');
    return { type: FairnessPolicyType.TokenFairness, weights: weights as Record<string, number>, defaultWeight };
  }

  ordering(ref: string, path: string): OrderingPolicyConfig {
    const { type } = this.plugin(ref, path, Object.values(OrderingPolicyType));
    return { type: type as OrderingPolicyConfig['type'] };
  }

  usageLimit(ref: string | undefined, path: string): UsageLimitPolicyConfig {
    if (ref === undefined) return { type: UsageLimitPolicyType.Static, threshold: 1 };
    const { type, params } = this.plugin(ref, path, Object.values(UsageLimitPolicyType));
    const num = (key: string, dflt: number | undefined, ok: (v: number) => boolean, rule: string): number => {
      const v = params[key] ?? dflt;
      if (typeof v !== 'number' || !ok(v)) throw new FlowConfigError(`${path}.parameters.${key}`, `${rule}, got ${JSON.stringify(v)}`);
      return v;
    };
    if (type === UsageLimitPolicyType.Static) return { type, threshold: num('threshold', 1, (v) => v > 0 && v <= 1, 'must be in (0, 1]') };
    const minCeiling = num('minCeiling', undefined, (v) => v >= 0 && v < 1, 'is required and must be in [0, 1)');
    const maxCeiling = num('maxCeiling', 1, (v) => v > minCeiling && v <= 1, 'must be in (minCeiling, 1]');
    const domain = params['domain'] ?? 'rank';
    if (domain !== 'rank' && domain !== 'value') throw new FlowConfigError(`${path}.parameters.domain`, 'must be "rank" or "value"');
    const shape = params['shape'] ?? 'linear';
    if (shape !== 'linear') throw new FlowConfigError(`${path}.parameters.shape`, 'only "linear" is supported');
    return { type: UsageLimitPolicyType.PriorityHoldback, minCeiling, maxCeiling, domain };
  }

  detector(ref: string | undefined, path: string): DetectorConfig {
    const { type, params } = ref === undefined ? { type: DetectorType.Utilization as string, params: {} } : this.plugin(ref, path, Object.values(DetectorType));
    const num = (key: string, dflt: number, ok: (v: number) => boolean, rule: string): number => {
      const v = params[key] ?? dflt;
      if (typeof v !== 'number' || !ok(v)) throw new FlowConfigError(`${path}.parameters.${key}`, `${rule}, got ${JSON.stringify(v)}`);
      return v;
    };
    if (type === DetectorType.Concurrency) {
      const mode = params['concurrencyMode'] ?? 'requests';
      if (mode !== 'requests' && mode !== 'tokens' && mode !== 'hybrid') throw new FlowConfigError(`${path}.parameters.concurrencyMode`, 'must be requests, tokens or hybrid');
      return {
        type: DetectorType.Concurrency,
        mode,
        maxConcurrency: num('maxConcurrency', FLOW_DEFAULTS.maxConcurrency, (v) => v > 0, 'must be > 0'),
        maxTokenConcurrency: num('maxTokenConcurrency', FLOW_DEFAULTS.maxTokenConcurrency, (v) => v > 0, 'must be > 0'),
      };
    }
    const staleness = params['metricsStalenessThreshold'];
    const credit = params['inFlightCredit'] ?? true;
    if (typeof credit !== 'boolean') throw new FlowConfigError(`${path}.parameters.inFlightCredit`, 'must be a boolean');
    return {
      type: DetectorType.Utilization,
      queueDepthThreshold: num('queueDepthThreshold', FLOW_DEFAULTS.queueDepthThreshold, (v) => v > 0, 'must be > 0'),
      kvCacheUtilThreshold: num('kvCacheUtilThreshold', FLOW_DEFAULTS.kvCacheUtilThreshold, (v) => v > 0 && v <= 1, 'must be in (0, 1]'),
      metricsStalenessThresholdMs:
        staleness === undefined
          ? FLOW_DEFAULTS.metricsStalenessThresholdMs
          : this.positiveDuration(staleness as string | number, `${path}.parameters.metricsStalenessThreshold`),
      inFlightCredit: credit,
    };
  }
}
