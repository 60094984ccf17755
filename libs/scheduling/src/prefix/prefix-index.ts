import type { BlockHash } from './prefix-hasher.ts';

/**
 * The prefix index: which endpoint (probably) holds which prompt blocks in its KV cache.
 * Two implementations share these semantics and one conformance suite: MemoryPrefixIndex (one
 * replica) and RedisPrefixIndex (@sluice/redis-store, global across replicas).
 *
 * Semantics:
 * - `lookup(hashes, candidates)`: for each candidate, the number of LEADING blocks of `hashes` it
 *   holds, i.e. the largest m such that hashes[0..m-1] are all in its set (walk stops at the first
 *   miss). Read-only: recency is not touched. Every candidate appears in the result (0 when none).
 * - `record(hashes, endpoint)`: after a pick, mark all blocks as held by `endpoint` and most
 *   recently used. Within one record, EARLIER blocks count as MORE recent, so capacity trimming
 *   drops a prompt's tail before its head (as engines free a sequence's blocks tail-first), and the
 *   surviving set stays a prefix. Then the endpoint's set is trimmed, least recently used first, to
 *   its capacity. A hash repeated within one record keeps its earliest position.
 * - Capacity per endpoint, in blocks: `setCapacity` (from vllm:cache_config_info, see
 *   capacityFromCacheConfig) or the configured default. A lower capacity takes effect at the
 *   endpoint's next record.
 * - `evict(endpoint, hashes)`: forget those blocks for that endpoint (cached_tokens feedback).
 * - `removeEndpoint`: forget everything about an endpoint that left the pool.
 */
export interface PrefixIndex {
  lookup(hashes: readonly BlockHash[], candidates: readonly string[]): Promise<PrefixLookup>;
  record(hashes: readonly BlockHash[], endpoint: string): Promise<void>;
  setCapacity(endpoint: string, blocks: number): Promise<void>;
  evict(endpoint: string, hashes: readonly BlockHash[]): Promise<void>;
  removeEndpoint(endpoint: string): Promise<void>;
  /** Blocks currently held for `endpoint` (for metrics and tests). */
  size(endpoint: string): Promise<number>;
}

/** Result of one lookup. */
export interface PrefixLookup {
  /** endpoint → matched leading blocks (0..hashes.length), for every candidate. */
  readonly matchedBlocks: ReadonlyMap<string, number>;
  /**
   * endpoint → global in-flight requests/tokens read in the same round trip, when the
   * implementation has that source (RedisPrefixIndex with `inFlight` configured); else undefined.
   */
  readonly inFlight?: ReadonlyMap<string, { readonly requests: number; readonly tokens: number }>;
}

/** Upstream's `lruCapacityPerServer` default, in blocks. */
export const DEFAULT_LRU_CAPACITY_BLOCKS = 31250;

export function assertCapacity(blocks: number): void {
  if (!Number.isInteger(blocks) || blocks < 1) throw new RangeError(`prefix index capacity must be an integer >= 1 block, got ${blocks}`);
}

/**
 * Per-endpoint capacity in OUR blocks from the engine's cache config
 * (vllm:cache_config_info block_size × num_gpu_blocks = tokens of KV cache; SGLang page_size × num_pages).
 * Returns undefined when either value is unknown or not positive.
 */
export function capacityFromCacheConfig(engineBlockSizeTokens: number | undefined, engineNumBlocks: number | undefined, blockSizeTokens: number): number | undefined {
  if (engineBlockSizeTokens === undefined || engineNumBlocks === undefined) return undefined;
  if (!(engineBlockSizeTokens > 0) || !(engineNumBlocks > 0) || !(blockSizeTokens > 0)) return undefined;
  return Math.max(1, Math.floor((engineBlockSizeTokens * engineNumBlocks) / blockSizeTokens));
}

/**
 * cached_tokens feedback: the blocks to evict for `endpoint` after the engine reported
 * `usage.prompt_tokens_details.cached_tokens` for a request whose lookup predicted `predictedBlocks`.
 * `engineTokensPerBlock` converts the engine's (real) tokens to our blocks: use
 * usage.prompt_tokens × blockChars / promptChars (see PrefixProducer.feedback), so a tokenizer that
 * is not 4 characters per token does not skew the correction. The engine held
 * round(cachedTokens / engineTokensPerBlock) leading blocks (rounding absorbs the engine's own
 * block granularity and chat-template tokens); when that is fewer than predicted, the index was
 * wrong about blocks [actual, predicted) and they are returned (lookups stop at the first of them,
 * so later blocks need no eviction). Empty otherwise.
 */
export function blocksToEvictAfterFeedback(hashes: readonly BlockHash[], predictedBlocks: number, cachedTokens: number, engineTokensPerBlock: number): BlockHash[] {
  if (!(engineTokensPerBlock > 0) || !(cachedTokens >= 0)) return [];
  const actual = Math.round(cachedTokens / engineTokensPerBlock);
  const predicted = Math.min(predictedBlocks, hashes.length);
  if (actual >= predicted) return [];
  return hashes.slice(actual, predicted);
}
