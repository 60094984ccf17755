import type { RedisClient } from '../connection/redis-factory.ts';
import type { ScriptRegistry } from '../scripts/script-registry.ts';

export interface ReplicaView {
  /** Replica ids whose heartbeat expiry is in the future, soonest-expiring first. */
  live: string[];
  /** Replica ids whose heartbeat expired and that nobody has removed yet. */
  dead: string[];
  /** Redis time of the read, ms since epoch. */
  nowMs: number;
}

/**
 * Registry of router replicas: a ZSET replicaId → heartbeat expiry (ms since epoch, Redis clock).
 * A replica heartbeats every ttl/3 or so; once its expiry passes it is dead, and whoever reaps
 * (RedisFlowStore.reap) frees its leases and queued items and removes it from the registry.
 */
export class ReplicaRegistry {
  readonly #client: RedisClient;
  readonly #scripts: ScriptRegistry;
  readonly key: string;
  /** Test-only fixed clock (ms since epoch); undefined = Redis TIME. */
  readonly #nowOverride: (() => number) | undefined;

  constructor(options: { client: RedisClient; scripts: ScriptRegistry; key: string; nowOverride?: () => number }) {
    this.#client = options.client;
    this.#scripts = options.scripts;
    this.key = options.key;
    this.#nowOverride = options.nowOverride;
  }

  /** Marks `replicaId` alive for `ttlMs` from now; returns the new expiry (ms since epoch). */
  async heartbeat(replicaId: string, ttlMs: number): Promise<number> {
    const reply = (await this.#scripts.run(this.#client, 'heartbeatReplica', [this.key], [replicaId, ttlMs, this.#now()])) as [string];
    return Number(reply[0]);
  }

  async list(): Promise<ReplicaView> {
    const [live, dead, now] = (await this.#scripts.run(this.#client, 'listReplicas', [this.key], [this.#now()])) as [string[], string[], string];
    return { live, dead, nowMs: Number(now) };
  }

  /** Removes a replica (graceful shutdown). True if it was registered. */
  async remove(replicaId: string): Promise<boolean> {
    return (await this.#client.zrem(this.key, replicaId)) === 1;
  }

  #now(): string {
    return this.#nowOverride === undefined ? '' : String(this.#nowOverride());
  }
}
