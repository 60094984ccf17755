/**
 * Plugin shapes of the scheduling pipeline (reference flow-control-anchor §5.1):
 * filters (in order) → weighted scorers (each score clamped to [0, 1], plain weighted sum, not
 * normalised by the weights) → one picker. Everything here is pure: no I/O, time and randomness
 * come from the CycleContext.
 */

import type { PrefixMatchInfo } from './prefix/prefix-producer.ts';
import type { EndpointMetrics } from './scraping/endpoint-metrics.ts';

/** What the scheduler knows about one endpoint at the start of a cycle. Plain data. */
export interface EndpointView {
  /** Unique endpoint name within the pool (host:port). */
  readonly name: string;
  /** False when the endpoint failed its active health check or was passively marked down. */
  readonly healthy: boolean;
  /** Requests in flight to this endpoint, summed over every router replica (global view). */
  readonly inFlight: number;
  /** Estimated tokens in flight to this endpoint, summed over every replica. */
  readonly inFlightTokens: number;
  /**
   * The model server's last scraped metrics (queue, KV usage, LoRA, cache config); null/undefined =
   * never scraped or stale. Load scorers give such an endpoint their documented neutral score.
   */
  readonly metrics?: EndpointMetrics | null;
}

/** The request being scheduled, as the pipeline sees it. */
export interface SchedulingRequest {
  readonly requestId: string;
  /** Model name the client asked for. */
  readonly model: string;
  /** Model name after the rewrite (what the endpoint serves). */
  readonly targetModel: string;
  readonly priority: number;
  readonly fairnessId: string;
  /** Prefix-index lookup for the candidates (PrefixProducer.match); absent = no prefix routing. */
  readonly prefixMatch?: PrefixMatchInfo;
  /** LoRA adapter the request targets; undefined/null = the base model. */
  readonly loraAdapter?: string | null;
  /** Request headers, names lower-cased (session affinity reads them). */
  readonly headers?: Readonly<Record<string, string | undefined>>;
}

/** Per-cycle context handed to every plugin. */
export interface CycleContext {
  readonly request: SchedulingRequest;
  /** Milliseconds (injected clock). */
  readonly nowMs: number;
  /** Uniform in [0, 1) (injected RNG; tests pass a seeded one). */
  readonly random: () => number;
}

/** Identity every plugin carries: `type` is the registry key, `name` is unique in a config. */
export interface PluginIdentity {
  readonly type: string;
  readonly name: string;
}

/** Removes endpoints that must not serve the request. Returns a subset, order preserved. */
export interface Filter extends PluginIdentity {
  readonly kind: 'filter';
  filter(ctx: CycleContext, endpoints: readonly EndpointView[]): readonly EndpointView[];
}

/**
 * Scores every candidate. Returns one number per candidate, same order as the input; values outside
 * [0, 1] (and NaN) are clamped by the profile, so a scorer cannot dominate through scale.
 */
export interface Scorer extends PluginIdentity {
  readonly kind: 'scorer';
  score(ctx: CycleContext, endpoints: readonly EndpointView[]): readonly number[];
}

/** A candidate with its total weighted score. */
export interface ScoredEndpoint {
  readonly endpoint: EndpointView;
  readonly score: number;
}

/** Chooses the endpoints to use, best first (at least one when `scored` is non-empty). */
export interface Picker extends PluginIdentity {
  readonly kind: 'picker';
  pick(ctx: CycleContext, scored: readonly ScoredEndpoint[]): readonly ScoredEndpoint[];
}

export type SchedulingPlugin = Filter | Scorer | Picker;
