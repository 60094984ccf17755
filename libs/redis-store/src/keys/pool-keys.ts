/**
 * Key names for one pool. Every key carries the hash tag `{<pool>}` so that all keys of a pool
 * live in one Redis Cluster slot and any script may touch any of them atomically:
 *
 *   <prefix>:{<pool>}:<suffix>          e.g. sluice:{llama-pool}:items
 *
 * `prefix` is configurable so tests (and several deployments sharing one Redis) isolate themselves.
 * Neither prefix nor pool may contain `{` or `}` (that would move the hash tag). Trailing colons
 * of the prefix are dropped, so `uniqueKeyPrefix()` values (ending in `:`) work as they are.
 */
export class PoolKeys {
  readonly prefix: string;
  readonly pool: string;
  /** `<prefix>:{<pool>}:`, the start of every key of this pool. */
  readonly base: string;

  constructor(prefix: string, pool: string) {
    prefix = prefix.replace(/:+$/, '');
    for (const [what, value] of [['key prefix', prefix], ['pool name', pool]] as const) {
      if (value.length === 0 || /[{}]/.test(value)) {
        throw new Error(`${what} "${value}" must be non-empty and must not contain "{" or "}"`);
      }
    }
    this.prefix = prefix;
    this.pool = pool;
    this.base = `${prefix}:{${pool}}:`;
  }

  /** Any key of this pool: `<base><suffix>`. */
  key(suffix: string): string {
    return this.base + suffix;
  }

  /** ZSET replicaId → heartbeat expiry (ms since epoch, Redis clock). */
  get replicas(): string {
    return this.key('replicas');
  }

  /** STRING leader lease for `role` (value = holder token), expiring with PX. */
  leader(role: string): string {
    return this.key(`leader:${role}`);
  }

  /** Prefix of the per-replica inbox LISTs; `inbox(id)` = inboxPrefix + id. */
  get inboxPrefix(): string {
    return this.key('inbox:');
  }

  /** LIST of dispatch/evict notices for one replica, read with BLPOP. */
  inbox(replicaId: string): string {
    return this.inboxPrefix + replicaId;
  }

  /**
   * The 12 keys every flow-control script takes, in KEYS order (see lua/includes/flowState.lua).
   * The last three are prefixes of key families inside the same slot.
   */
  flowKeys(): string[] {
    return [
      this.key('fc:state'),
      this.key('fc:items'),
      this.key('fc:exp'),
      this.key('fc:leases'),
      this.key('fc:linfo'),
      this.key('fc:ldisp'),
      this.key('fc:bands'),
      this.key('fc:flows'),
      this.replicas,
      this.key('fc:q:'),
      this.key('fc:c:'),
      this.inboxPrefix,
    ];
  }
}
