/**
 * How to reach Redis. One of three topologies; every variant accepts the common options.
 *
 * - `single`: one node given by URL (`redis://[:password@]host:port[/db]`, `rediss://` for TLS).
 * - `sentinel`: a master discovered through Sentinel by its master `name`.
 * - `cluster`: Redis Cluster seeded from any subset of its nodes.
 */
export type RedisConnectionConfig = SingleNodeConfig | SentinelConfig | ClusterConfig;

export interface RedisCommonOptions {
  /**
   * Queue every command issued in one event-loop turn into one pipeline (ioredis
   * `enableAutoPipelining`). Saves write syscalls, but ioredis builds a Pipeline object per batch,
   * and at the router's rates that costs more (GC, docs/operations.md "Redis"). Default false.
   */
  autoPipelining?: boolean;
  /** CLIENT SETNAME value, visible in CLIENT LIST (e.g. `sluice:router-1`). */
  connectionName?: string;
  /** Milliseconds to wait for the TCP connect before failing. Default 10 000. */
  connectTimeoutMs?: number;
  /** ACL user (Redis 6+); with a password, AUTH <username> <password>. */
  username?: string;
  /** TLS to Redis (a `rediss://` URL implies it with default options). */
  tls?: RedisTlsOptions;
}

export interface RedisTlsOptions {
  /** PEM CA bundle to trust (private CAs). */
  ca?: string;
  /** Name checked against the server certificate (SNI), when it differs from the host. */
  servername?: string;
  /** Default true. false skips certificate verification (tests only). */
  rejectUnauthorized?: boolean;
}

export interface SingleNodeConfig extends RedisCommonOptions {
  mode: 'single';
  url: string;
  /** Overrides the URL's password (so it can come from a Secret instead of the URL). */
  password?: string;
}

export interface HostPort {
  host: string;
  port: number;
}

export interface SentinelConfig extends RedisCommonOptions {
  mode: 'sentinel';
  sentinels: HostPort[];
  /** Master group name as configured in sentinel.conf (`sentinel monitor <name> ...`). */
  name: string;
  password?: string;
  sentinelPassword?: string;
  db?: number;
}

export interface ClusterConfig extends RedisCommonOptions {
  mode: 'cluster';
  nodes: HostPort[];
  password?: string;
}

/** Parses `host:port` seed lists such as `10.0.0.1:6379,10.0.0.2:6379`. Throws on a malformed entry. */
export function parseHostPorts(list: string): HostPort[] {
  return list
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0)
    .map((entry) => {
      const colon = entry.lastIndexOf(':');
      const port = Number(entry.slice(colon + 1));
      if (colon <= 0 || !Number.isInteger(port) || port <= 0 || port > 65535) {
        throw new Error(`invalid host:port "${entry}" (expected e.g. 10.0.0.1:6379)`);
      }
      return { host: entry.slice(0, colon), port };
    });
}
