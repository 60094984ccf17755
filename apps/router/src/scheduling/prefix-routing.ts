import type { ResolvedEndpointPicker } from '@sluice/config';
import { MemoryPrefixIndex, PrefixHasher, PrefixProducer } from '@sluice/scheduling';
import type { BlockHash, PrefixIndex, PrefixMatchInfo, PromptBodyLike, PromptHashes } from '@sluice/scheduling';

/** Where the prefix index lives: this process only, or Redis (shared by every replica of the pool). */
export type PrefixIndexMode = 'local' | 'global';

/** The llm-d plugin type whose parameters configure prefix hashing and the index. */
export const APPROX_PREFIX_PRODUCER = 'approx-prefix-cache-producer';

/** Resolved prefix-routing settings (from the approx-prefix-cache-producer plugin's parameters). */
export interface PrefixRoutingSettings {
  readonly mode: PrefixIndexMode;
  readonly blockSizeTokens: number | undefined;
  readonly maxPrefixTokensToMatch: number | undefined;
  readonly maxPrefixBlocksToMatch: number | undefined;
  /** Capacity per endpoint in blocks until autoTune learns it (upstream lruCapacityPerServer, 31250). */
  readonly lruCapacityPerServer: number | undefined;
  /** Capacity from vllm:cache_config_info (upstream autoTune, default true). */
  readonly autoTune: boolean;
  /** Evict blocks the engine's cached_tokens shows were not cached (default true). */
  readonly cachedTokensFeedback: boolean;
}

function optionalInt(params: Readonly<Record<string, unknown>>, name: string): number | undefined {
  const v = params[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new Error(`endpointPicker.plugins.${APPROX_PREFIX_PRODUCER}.parameters.${name} must be an integer >= 0, got ${JSON.stringify(v)}`);
  return v;
}

function optionalBool(params: Readonly<Record<string, unknown>>, name: string, fallback: boolean): boolean {
  const v = params[name];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'boolean') throw new Error(`endpointPicker.plugins.${APPROX_PREFIX_PRODUCER}.parameters.${name} must be true or false, got ${JSON.stringify(v)}`);
  return v;
}

/**
 * Reads the settings from the (optional) `approx-prefix-cache-producer` plugin. `prefixIndex`
 * (`local` | `global`, Sluice's own parameter) defaults to `global` with Redis and `local` without;
 * env SLUICE_PREFIX_INDEX overrides it. `global` without Redis is an error.
 */
export function prefixRoutingSettings(picker: ResolvedEndpointPicker, hasRedis: boolean, env: Readonly<Record<string, string | undefined>>): PrefixRoutingSettings {
  const params = picker.plugins.find((p) => p.type === APPROX_PREFIX_PRODUCER)?.parameters ?? {};
  const declared = env['SLUICE_PREFIX_INDEX'] ?? params['prefixIndex'];
  if (declared !== undefined && declared !== 'local' && declared !== 'global') {
    throw new Error(`prefixIndex must be "local" or "global", got ${JSON.stringify(declared)} (endpointPicker.plugins.${APPROX_PREFIX_PRODUCER}.parameters.prefixIndex or SLUICE_PREFIX_INDEX)`);
  }
  const mode: PrefixIndexMode = declared ?? (hasRedis ? 'global' : 'local');
  if (mode === 'global' && !hasRedis) throw new Error('prefixIndex: global needs Redis (redis.url or REDIS_URL)');
  return {
    mode,
    blockSizeTokens: optionalInt(params, 'blockSizeTokens'),
    maxPrefixTokensToMatch: optionalInt(params, 'maxPrefixTokensToMatch'),
    maxPrefixBlocksToMatch: optionalInt(params, 'maxPrefixBlocksToMatch'),
    lruCapacityPerServer: optionalInt(params, 'lruCapacityPerServer'),
    autoTune: optionalBool(params, 'autoTune', true),
    cachedTokensFeedback: optionalBool(params, 'cachedTokensFeedback', true),
  };
}

/** What the router remembers about one request's prefix between the pick and the response. */
export interface RequestPrefix {
  readonly prompt: PromptHashes;
  readonly info: PrefixMatchInfo;
  /** Global in-flight requests per endpoint read in the same round trip (Redis index), if any. */
  readonly inFlight: ReadonlyMap<string, { requests: number; tokens: number }> | undefined;
}

/** Latency samples (ms) of lookup and record, kept for /admin/decisions and the benchmark (bounded). */
export class LatencySamples {
  readonly #values: number[] = [];
  #next = 0;
  constructor(private readonly capacity = 4096) {}
  add(ms: number): void {
    if (this.#values.length < this.capacity) this.#values.push(ms);
    else this.#values[this.#next] = ms;
    this.#next = (this.#next + 1) % this.capacity;
  }
  /** Quantile q in [0, 1] of the retained samples (nearest rank); NaN when empty. */
  quantile(q: number): number {
    if (this.#values.length === 0) return Number.NaN;
    const sorted = [...this.#values].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
  }
  get count(): number {
    return this.#values.length;
  }
}

/**
 * Prefix routing for the router: hash the prompt, look it up for the candidates before scoring,
 * record it for the chosen endpoint after (off the latency path), and correct the index from the
 * engine's cached_tokens. Errors of the index never fail a request: the lookup degrades to "no
 * prefix info" and the caller logs.
 */
export class PrefixRouting {
  readonly producer: PrefixProducer;
  readonly settings: PrefixRoutingSettings;
  readonly lookupMs = new LatencySamples();
  readonly recordMs = new LatencySamples();
  /**
   * What the index added to each request's latency (ms): the wait, after admission, for the lookup
   * that was sent with the admit, plus any lookup redone after a queue wait. The record is not on
   * the request's path.
   */
  readonly addedMs = new LatencySamples();

  private constructor(producer: PrefixProducer, settings: PrefixRoutingSettings) {
    this.producer = producer;
    this.settings = settings;
  }

  /** `globalIndex` builds the Redis index (only called in `global` mode). */
  static async create(settings: PrefixRoutingSettings, globalIndex: (defaultCapacityBlocks: number | undefined) => PrefixIndex): Promise<PrefixRouting> {
    const hasher = await PrefixHasher.create({
      ...(settings.blockSizeTokens === undefined ? {} : { blockSizeTokens: settings.blockSizeTokens }),
      ...(settings.maxPrefixTokensToMatch === undefined ? {} : { maxPrefixTokensToMatch: settings.maxPrefixTokensToMatch }),
      ...(settings.maxPrefixBlocksToMatch === undefined ? {} : { maxPrefixBlocksToMatch: settings.maxPrefixBlocksToMatch }),
    });
    const capacity = settings.lruCapacityPerServer === 0 ? undefined : settings.lruCapacityPerServer;
    const index = settings.mode === 'global' ? globalIndex(capacity) : new MemoryPrefixIndex(capacity === undefined ? {} : { defaultCapacityBlocks: capacity });
    return new PrefixRouting(new PrefixProducer({ hasher, index }), settings);
  }

  get index(): PrefixIndex {
    return this.producer.index;
  }

  get blockSizeTokens(): number {
    return this.producer.hasher.options.blockSizeTokens;
  }

  /** Hashes the body and looks the blocks up for `candidates`. Hashing errors throw synchronously. */
  lookup(targetModel: string, body: PromptBodyLike, candidates: readonly string[]): Promise<RequestPrefix> {
    return this.lookupHashed(this.producer.hashRequest(targetModel, body), candidates);
  }

  /**
   * Looks an already hashed prompt up (again, after a queue wait: the index and the in-flight
   * counts of an earlier lookup are stale; the hashes are not).
   */
  async lookupHashed(prompt: RequestPrefix['prompt'], candidates: readonly string[]): Promise<RequestPrefix> {
    const started = performance.now();
    const { info, inFlight } = await this.producer.match(prompt.hashes, candidates);
    this.lookupMs.add(performance.now() - started);
    return { prompt, info, inFlight };
  }

  /** After the pick: the endpoint now holds the prompt's blocks. Resolves when written. */
  async record(hashes: readonly BlockHash[], endpoint: string): Promise<void> {
    if (hashes.length === 0) return;
    const started = performance.now();
    const written = this.producer.recordPick([...hashes], endpoint);
    const returnedAt = performance.now();
    await written;
    // The local index does its work inside the call; awaiting it only adds the time until the
    // caller's synchronous code (the rest of the request path) yields, which is not index cost.
    this.recordMs.add((this.settings.mode === 'local' ? returnedAt : performance.now()) - started);
  }

  /** cached_tokens feedback; returns the number of blocks evicted (0 when disabled). */
  async feedback(endpoint: string, prefix: RequestPrefix, usage: { cachedTokens: number; promptTokens: number }): Promise<number> {
    if (!this.settings.cachedTokensFeedback) return 0;
    const predicted = prefix.info.matchedBlocks.get(endpoint) ?? 0;
    if (predicted === 0) return 0;
    return await this.producer.feedback(endpoint, prefix.prompt, predicted, usage);
  }
}
