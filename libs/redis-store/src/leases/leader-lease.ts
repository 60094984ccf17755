import type { RedisClient } from '../connection/redis-factory.ts';
import type { ScriptRegistry } from '../scripts/script-registry.ts';

/**
 * A leader lease: one Redis STRING whose value is the holder's token, expiring after `leaseMs`
 * by the Redis server's clock (so client clock skew cannot break it). Acquire is SET NX PX;
 * renew and release are compare-and-set scripts, so a holder whose lease lapsed can never extend
 * or delete a lease that someone else acquired since.
 *
 * Holders renew well inside `leaseMs` (e.g. every leaseMs/3). Failover after a holder dies takes
 * at most `leaseMs` plus the contenders' retry interval.
 */
export class LeaderLease {
  readonly #client: RedisClient;
  readonly #scripts: ScriptRegistry;
  readonly key: string;
  readonly token: string;
  readonly leaseMs: number;

  constructor(options: { client: RedisClient; scripts: ScriptRegistry; key: string; token: string; leaseMs: number }) {
    if (!(options.leaseMs > 0)) throw new Error(`leaseMs must be > 0, got ${options.leaseMs}`);
    this.#client = options.client;
    this.#scripts = options.scripts;
    this.key = options.key;
    this.token = options.token;
    this.leaseMs = options.leaseMs;
  }

  /** Takes the lease if it is free, or extends it if this token already holds it. True = held. */
  async tryAcquire(): Promise<boolean> {
    const set = await this.#client.set(this.key, this.token, 'PX', Math.ceil(this.leaseMs), 'NX');
    if (set === 'OK') return true;
    return this.renew();
  }

  /** Extends the lease only if this token holds it. False = the lease is lost. */
  async renew(): Promise<boolean> {
    const result = await this.#scripts.run(this.#client, 'renewLeader', [this.key], [this.token, Math.ceil(this.leaseMs)]);
    return result === 1;
  }

  /** Deletes the lease only if this token holds it. True = it was ours and is now free. */
  async release(): Promise<boolean> {
    const result = await this.#scripts.run(this.#client, 'releaseLeader', [this.key], [this.token]);
    return result === 1;
  }

  /** Current holder token, or null when nobody holds the lease. */
  async holder(): Promise<string | null> {
    return this.#client.get(this.key);
  }
}
