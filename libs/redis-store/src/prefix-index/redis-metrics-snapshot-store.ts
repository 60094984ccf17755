// (Lives beside the prefix index for ownership reasons; it belongs in a metrics/ folder of redis-store.)
import type { MetricsSnapshotStore, PoolMetricsSnapshot } from '@sluice/scheduling';
import type { RedisClient } from '../connection/redis-factory.ts';
import type { PoolKeys } from '../keys/pool-keys.ts';

/**
 * The scrape leader's published metrics snapshot, shared by every replica of the pool: one STRING
 * `<base>metrics:snapshot` holding the snapshot as JSON, written with PX `ttlMs` (default 2000) so a
 * dead leader's last snapshot disappears instead of being read as current. One SET per tick
 * (20/s at 50 ms) and one GET per follower tick.
 */
export class RedisMetricsSnapshotStore implements MetricsSnapshotStore {
  readonly #client: RedisClient;
  readonly key: string;
  readonly #ttlMs: number;

  constructor(options: { client: RedisClient; keys: PoolKeys; ttlMs?: number }) {
    this.#client = options.client;
    this.key = options.keys.key('metrics:snapshot');
    this.#ttlMs = options.ttlMs ?? 2000;
    if (!(this.#ttlMs > 0)) throw new RangeError(`ttlMs must be > 0, got ${this.#ttlMs}`);
  }

  async publish(snapshot: PoolMetricsSnapshot): Promise<void> {
    await this.#client.set(this.key, JSON.stringify(snapshot), 'PX', Math.ceil(this.#ttlMs));
  }

  async read(): Promise<PoolMetricsSnapshot | null> {
    const raw = await this.#client.get(this.key);
    return raw === null ? null : (JSON.parse(raw) as PoolMetricsSnapshot);
  }
}
