import type { BlockHash } from './prefix-hasher.ts';
import { assertCapacity, DEFAULT_LRU_CAPACITY_BLOCKS } from './prefix-index.ts';
import type { PrefixIndex, PrefixLookup } from './prefix-index.ts';

/**
 * In-process PrefixIndex (single replica / embedded mode), with exactly the semantics of the
 * interface contract. Per endpoint, a Map hash → recency sequence whose insertion order is
 * ascending recency (oldest first), so trimming removes from the front. No clock is needed:
 * recency is a monotonic record counter, as in the Redis implementation.
 */
export class MemoryPrefixIndex implements PrefixIndex {
  readonly #defaultCapacity: number;
  readonly #endpoints = new Map<string, Map<BlockHash, number>>();
  readonly #capacity = new Map<string, number>();
  #seq = 0;

  constructor(options: { defaultCapacityBlocks?: number } = {}) {
    this.#defaultCapacity = options.defaultCapacityBlocks ?? DEFAULT_LRU_CAPACITY_BLOCKS;
    assertCapacity(this.#defaultCapacity);
  }

  async lookup(hashes: readonly BlockHash[], candidates: readonly string[]): Promise<PrefixLookup> {
    const matchedBlocks = new Map<string, number>();
    for (const endpoint of candidates) {
      const held = this.#endpoints.get(endpoint);
      let m = 0;
      if (held !== undefined) while (m < hashes.length && held.has(hashes[m]!)) m++;
      matchedBlocks.set(endpoint, m);
    }
    return { matchedBlocks };
  }

  async record(hashes: readonly BlockHash[], endpoint: string): Promise<void> {
    if (hashes.length === 0) return;
    let held = this.#endpoints.get(endpoint);
    if (held === undefined) {
      held = new Map();
      this.#endpoints.set(endpoint, held);
    }
    const top = (this.#seq += hashes.length);
    // Insert the last block first: block i gets recency top - i, so earlier blocks are newer.
    for (let i = hashes.length - 1; i >= 0; i--) {
      const h = hashes[i]!;
      held.delete(h);
      held.set(h, top - i);
    }
    const capacity = this.#capacity.get(endpoint) ?? this.#defaultCapacity;
    if (held.size > capacity) {
      let excess = held.size - capacity;
      for (const h of held.keys()) {
        if (excess-- <= 0) break;
        held.delete(h);
      }
    }
  }

  async setCapacity(endpoint: string, blocks: number): Promise<void> {
    assertCapacity(blocks);
    this.#capacity.set(endpoint, blocks);
  }

  async evict(endpoint: string, hashes: readonly BlockHash[]): Promise<void> {
    const held = this.#endpoints.get(endpoint);
    if (held !== undefined) for (const h of hashes) held.delete(h);
  }

  async removeEndpoint(endpoint: string): Promise<void> {
    this.#endpoints.delete(endpoint);
    this.#capacity.delete(endpoint);
  }

  async size(endpoint: string): Promise<number> {
    return this.#endpoints.get(endpoint)?.size ?? 0;
  }
}
