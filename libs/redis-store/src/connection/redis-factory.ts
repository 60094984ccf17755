import { Cluster, Redis } from 'ioredis';
import type { RedisOptions } from 'ioredis';
import type { ConnectionOptions } from 'node:tls';
import type { RedisConnectionConfig, RedisTlsOptions } from './redis-config.ts';

/** A command client: a single node / Sentinel-managed master, or a Redis Cluster. */
export type RedisClient = Redis | Cluster;

/**
 * Creates the shared command client for `config`. The caller owns it and must close it
 * (`closeRedisClient`). Commands issued before the connection is ready wait in ioredis's
 * offline queue.
 */
export function createRedisClient(config: RedisConnectionConfig): RedisClient {
  return buildClient(config, config.autoPipelining ?? false, {});
}

/**
 * Creates a connection reserved for blocking reads (BLPOP on a replica inbox). A blocking command
 * parks the whole socket, so it must never share the command client. `maxRetriesPerRequest: null`
 * keeps a blocked read alive across reconnects instead of failing it after N retries; callers use
 * bounded block timeouts and re-issue the read, because a reconnect may silently drop it.
 */
export function createBlockingClient(config: RedisConnectionConfig): RedisClient {
  return buildClient(config, false, { maxRetriesPerRequest: null });
}

function buildClient(config: RedisConnectionConfig, autoPipelining: boolean, extra: RedisOptions): RedisClient {
  const perNode: RedisOptions = {
    ...extra,
    connectTimeout: config.connectTimeoutMs ?? 10_000,
    ...(config.connectionName === undefined ? {} : { connectionName: config.connectionName }),
    ...(config.username === undefined ? {} : { username: config.username }),
    ...(config.tls === undefined ? {} : { tls: tlsOptionsOf(config.tls) }),
  };
  switch (config.mode) {
    case 'single':
      // ioredis reads user, password and TLS (rediss://) from the URL; explicit options win.
      return new Redis(config.url, { ...perNode, ...(config.password === undefined ? {} : { password: config.password }), enableAutoPipelining: autoPipelining });
    case 'sentinel':
      return new Redis({
        ...perNode,
        enableAutoPipelining: autoPipelining,
        sentinels: config.sentinels,
        name: config.name,
        ...(config.password === undefined ? {} : { password: config.password }),
        ...(config.sentinelPassword === undefined ? {} : { sentinelPassword: config.sentinelPassword }),
        ...(config.db === undefined ? {} : { db: config.db }),
      });
    case 'cluster':
      return new Cluster(config.nodes, {
        enableAutoPipelining: autoPipelining,
        redisOptions: { ...perNode, ...(config.password === undefined ? {} : { password: config.password }) },
      });
  }
}

function tlsOptionsOf(tls: RedisTlsOptions): ConnectionOptions {
  return {
    ...(tls.ca === undefined ? {} : { ca: tls.ca }),
    ...(tls.servername === undefined ? {} : { servername: tls.servername }),
    rejectUnauthorized: tls.rejectUnauthorized ?? true,
  };
}

/** True for the Cluster client. */
export function isCluster(client: RedisClient): client is Cluster {
  return client instanceof Cluster;
}

/** Closes a client politely (QUIT), falling back to a hard disconnect if the server is gone. */
export async function closeRedisClient(client: RedisClient): Promise<void> {
  try {
    await client.quit();
  } catch {
    client.disconnect();
  }
}

/**
 * A new connection with the same target and credentials as `client`, set up for blocking reads
 * (no auto-pipelining, `maxRetriesPerRequest: null`). The caller owns it.
 */
export function duplicateForBlocking(client: RedisClient): RedisClient {
  if (client instanceof Cluster) {
    return client.duplicate(undefined, {
      enableAutoPipelining: false,
      redisOptions: { ...client.options.redisOptions, maxRetriesPerRequest: null },
    });
  }
  return client.duplicate({ enableAutoPipelining: false, maxRetriesPerRequest: null });
}
