import type { RedisClient } from '../connection/redis-factory.ts';
import { isCluster } from '../connection/redis-factory.ts';
import type { PoolKeys } from '../keys/pool-keys.ts';

/** q-quantile (0..1) of `values` (nearest rank); NaN for an empty list. */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** Σ MEMORY USAGE (bytes, all samples) of every key of the pool (single node). */
export async function poolBytes(client: RedisClient, keys: PoolKeys): Promise<number> {
  if (isCluster(client)) throw new Error('poolBytes needs a single-node client');
  let total = 0;
  let cursor = '0';
  do {
    const [next, found] = await client.scan(cursor, 'MATCH', `${keys.base.replace(/[*?[\]\\]/g, (c) => `\\${c}`)}*`, 'COUNT', 1000);
    cursor = next;
    for (const key of found) total += Number((await client.memory('USAGE', key, 'SAMPLES', 0)) ?? 0);
  } while (cursor !== '0');
  return total;
}

/** Script calls the server has executed (EVALSHA + EVAL), from INFO commandstats. */
export async function scriptCalls(client: RedisClient): Promise<number> {
  if (isCluster(client)) throw new Error('scriptCalls needs a single-node client');
  const info = await client.info('commandstats');
  let total = 0;
  for (const match of info.matchAll(/cmdstat_(evalsha|eval):calls=(\d+)/g)) total += Number(match[2]);
  return total;
}

/** Script calls (EVALSHA + EVAL) and the server time they took (µs), from INFO commandstats. */
export async function scriptServerTime(client: RedisClient): Promise<{ calls: number; usec: number }> {
  if (isCluster(client)) throw new Error('scriptServerTime needs a single-node client');
  const info = await client.info('commandstats');
  let calls = 0;
  let usec = 0;
  for (const match of info.matchAll(/cmdstat_(evalsha|eval):calls=(\d+),usec=(\d+)/g)) {
    calls += Number(match[2]);
    usec += Number(match[3]);
  }
  return { calls, usec };
}
