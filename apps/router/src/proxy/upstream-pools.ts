import { Pool } from 'undici';

/** Connection settings shared by every endpoint pool. Durations in ms. */
export interface PoolSettings {
  readonly connectTimeoutMs: number;
}

/**
 * One undici keep-alive Pool per endpoint (`host:port` → `http://host:port`), created on first use
 * and kept for the life of the router. Not a cache of anything else.
 */
export class UpstreamPools {
  private readonly pools = new Map<string, Pool>();
  private readonly settings: PoolSettings;

  constructor(settings: PoolSettings) {
    this.settings = settings;
  }

  get(endpoint: string): Pool {
    let pool = this.pools.get(endpoint);
    if (!pool) {
      pool = new Pool(`http://${endpoint}`, {
        connectTimeout: this.settings.connectTimeoutMs,
        keepAliveTimeout: 60_000,
        // Headers and body timeouts are set per request (first byte, stream idle).
        headersTimeout: 0,
        bodyTimeout: 0,
      });
      this.pools.set(endpoint, pool);
    }
    return pool;
  }

  /** Close every pool; in-flight requests are destroyed. */
  async close(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((p) => p.destroy().catch(() => undefined)));
  }
}
