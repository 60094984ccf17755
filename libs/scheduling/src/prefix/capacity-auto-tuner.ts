import type { PoolMetricsSnapshot } from '../scraping/scrape-loop.ts';
import { capacityFromCacheConfig } from './prefix-index.ts';
import type { PrefixIndex } from './prefix-index.ts';

/**
 * upstream `autoTune`: sets each endpoint's prefix-index capacity from its scraped cache config
 * (block_size × num_gpu_blocks tokens / our block size). Calls setCapacity only when the value
 * changes, so feeding it every snapshot (every 50 ms) costs nothing in steady state. Endpoints
 * without a cache config keep the index's default capacity.
 */
export class CapacityAutoTuner {
  readonly #index: PrefixIndex;
  readonly #blockSizeTokens: number;
  readonly #applied = new Map<string, number>();

  constructor(index: PrefixIndex, blockSizeTokens: number) {
    this.#index = index;
    this.#blockSizeTokens = blockSizeTokens;
  }

  /** Applies the snapshot's cache configs; returns the endpoints whose capacity changed. */
  async apply(snapshot: PoolMetricsSnapshot): Promise<string[]> {
    const changed: string[] = [];
    for (const e of snapshot.endpoints) {
      const capacity = capacityFromCacheConfig(e.metrics?.cacheBlockSizeTokens, e.metrics?.cacheNumBlocks, this.#blockSizeTokens);
      if (capacity === undefined || this.#applied.get(e.endpoint) === capacity) continue;
      await this.#index.setCapacity(e.endpoint, capacity);
      this.#applied.set(e.endpoint, capacity);
      changed.push(e.endpoint);
    }
    return changed;
  }

  /** Forget an endpoint that left the pool (its next cache config is applied again). */
  forget(endpoint: string): void {
    this.#applied.delete(endpoint);
  }
}
