import { assertCapacity, DEFAULT_LRU_CAPACITY_BLOCKS } from '@sluice/scheduling';
import type { BlockHash, PrefixIndex, PrefixLookup } from '@sluice/scheduling';
import type { RedisClient } from '../connection/redis-factory.ts';
import type { PoolKeys } from '../keys/pool-keys.ts';
import type { ScriptRegistry } from '../scripts/script-registry.ts';

export interface RedisPrefixIndexOptions {
  readonly client: RedisClient;
  /** Must hold lookupPrefix, recordPrefix, evictPrefix and removePrefixEndpoint (ScriptRegistry.fromDirectory()). */
  readonly scripts: ScriptRegistry;
  readonly keys: PoolKeys;
  /** Capacity in blocks for endpoints without setCapacity; default 31250 (upstream lruCapacityPerServer). */
  readonly defaultCapacityBlocks?: number;
  /**
   * Where lookup reads global in-flight load in the same round trip: a HASH whose field
   * `<fieldPrefix><endpoint>` holds "requests|tokens" (flow control: `{ key: keys.flowKeys()[0],
   * fieldPrefix: 'bl:' }`). Omitted → lookups return no `inFlight`.
   */
  readonly inFlight?: { readonly key: string; readonly fieldPrefix: string };
}

const HASH_PATTERN = /^[0-9a-f]{16}$/;

/**
 * The global PrefixIndex: one Redis-backed index shared by every router replica of a pool, with
 * the semantics of the PrefixIndex contract (one Lua call per lookup and per record).
 *
 * Keys (all under the pool's hash tag, so one Cluster slot):
 *   <base>pfx:ep:<endpoint>   ZSET  blockHash → recency seq (higher = more recent), for LRU trimming
 *   <base>pfx:m:<endpoint>    SET   the same blockHashes, for lookups (SMISMEMBER is far cheaper than ZMSCORE)
 *   <base>pfx:seq             STRING recency counter
 *   <base>pfx:cap             HASH  endpoint → capacity in blocks
 *   <base>pfx:eps             SET   endpoints with a block set
 */
export class RedisPrefixIndex implements PrefixIndex {
  readonly #client: RedisClient;
  readonly #scripts: ScriptRegistry;
  readonly #defaultCapacity: number;
  readonly #inFlight: { readonly key: string; readonly fieldPrefix: string } | undefined;
  readonly #epPrefix: string;
  readonly #memberPrefix: string;
  readonly #seqKey: string;
  readonly #capKey: string;
  readonly #endpointsKey: string;

  constructor(options: RedisPrefixIndexOptions) {
    this.#client = options.client;
    this.#scripts = options.scripts;
    this.#defaultCapacity = options.defaultCapacityBlocks ?? DEFAULT_LRU_CAPACITY_BLOCKS;
    assertCapacity(this.#defaultCapacity);
    this.#inFlight = options.inFlight;
    this.#epPrefix = options.keys.key('pfx:ep:');
    this.#memberPrefix = options.keys.key('pfx:m:');
    this.#seqKey = options.keys.key('pfx:seq');
    this.#capKey = options.keys.key('pfx:cap');
    this.#endpointsKey = options.keys.key('pfx:eps');
    if (this.#inFlight !== undefined && !this.#inFlight.key.startsWith(options.keys.base)) {
      throw new Error(`inFlight.key ${this.#inFlight.key} must be a key of pool ${options.keys.pool} (same hash tag)`);
    }
  }

  async lookup(hashes: readonly BlockHash[], candidates: readonly string[]): Promise<PrefixLookup> {
    const unique = [...new Set(candidates)];
    for (const c of unique) assertEndpointName(c);
    const matchedBlocks = new Map<string, number>();
    const inFlight = this.#inFlight === undefined ? undefined : new Map<string, { requests: number; tokens: number }>();
    if (unique.length === 0) return inFlight === undefined ? { matchedBlocks } : { matchedBlocks, inFlight };
    const reply = (await this.#scripts.run(
      this.#client,
      'lookupPrefix',
      [this.#memberPrefix, this.#inFlight?.key ?? this.#seqKey],
      [joinHashes(hashes), unique.join('\n'), this.#inFlight?.fieldPrefix ?? ''],
    )) as number[];
    unique.forEach((endpoint, i) => {
      matchedBlocks.set(endpoint, Number(reply[3 * i] ?? 0));
      inFlight?.set(endpoint, { requests: Number(reply[3 * i + 1] ?? 0), tokens: Number(reply[3 * i + 2] ?? 0) });
    });
    return inFlight === undefined ? { matchedBlocks } : { matchedBlocks, inFlight };
  }

  async record(hashes: readonly BlockHash[], endpoint: string): Promise<void> {
    assertEndpointName(endpoint);
    if (hashes.length === 0) return;
    await this.#scripts.run(this.#client, 'recordPrefix', [this.#endpointKey(endpoint), this.#memberKey(endpoint), this.#seqKey, this.#capKey, this.#endpointsKey], [endpoint, joinHashes(hashes), this.#defaultCapacity]);
  }

  async setCapacity(endpoint: string, blocks: number): Promise<void> {
    assertCapacity(blocks);
    assertEndpointName(endpoint);
    await this.#client.hset(this.#capKey, endpoint, blocks);
  }

  async evict(endpoint: string, hashes: readonly BlockHash[]): Promise<void> {
    assertEndpointName(endpoint);
    if (hashes.length === 0) return;
    await this.#scripts.run(this.#client, 'evictPrefix', [this.#endpointKey(endpoint), this.#memberKey(endpoint)], [joinHashes(hashes)]);
  }

  async removeEndpoint(endpoint: string): Promise<void> {
    assertEndpointName(endpoint);
    await this.#scripts.run(this.#client, 'removePrefixEndpoint', [this.#endpointKey(endpoint), this.#memberKey(endpoint), this.#capKey, this.#endpointsKey], [endpoint]);
  }

  async size(endpoint: string): Promise<number> {
    return this.#client.zcard(this.#endpointKey(endpoint));
  }

  /** Endpoints that currently have a block set (for the periodic sweep of pods that left). */
  async endpoints(): Promise<string[]> {
    return (await this.#client.smembers(this.#endpointsKey)).sort();
  }

  /** Deletes every key of this pool's prefix index (tests, pool teardown). */
  async deleteAll(): Promise<void> {
    const endpoints = await this.endpoints();
    const keys = [...endpoints.flatMap((e) => [this.#endpointKey(e), this.#memberKey(e)]), this.#seqKey, this.#capKey, this.#endpointsKey];
    for (const key of keys) await this.#client.del(key);
  }

  #endpointKey(endpoint: string): string {
    return this.#epPrefix + endpoint;
  }

  #memberKey(endpoint: string): string {
    return this.#memberPrefix + endpoint;
  }
}

function joinHashes(hashes: readonly BlockHash[]): string {
  for (const h of hashes) if (!HASH_PATTERN.test(h)) throw new RangeError(`block hash must be 16 lowercase hex characters, got ${JSON.stringify(h)}`);
  return hashes.join('');
}

function assertEndpointName(endpoint: string): void {
  if (endpoint.length === 0 || endpoint.includes('\n')) throw new RangeError(`endpoint name must be non-empty without newlines, got ${JSON.stringify(endpoint)}`);
}
