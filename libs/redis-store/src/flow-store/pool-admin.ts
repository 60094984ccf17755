import type { RedisClient } from '../connection/redis-factory.ts';
import { isCluster } from '../connection/redis-factory.ts';
import type { PoolKeys } from '../keys/pool-keys.ts';

/**
 * Deletes every key of one pool (`<prefix>:{<pool>}:*`) with SCAN + UNLINK on every master.
 * For tests (simulating a Redis that lost its data) and for decommissioning a pool. Never FLUSH*.
 * Returns the number of keys deleted.
 */
export async function deletePoolKeys(client: RedisClient, keys: PoolKeys): Promise<number> {
  const pattern = `${keys.base.replace(/[*?[\]\\]/g, (c) => `\\${c}`)}*`;
  const nodes = isCluster(client) ? client.nodes('master') : [client];
  let deleted = 0;
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, found] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      if (found.length > 0) deleted += await node.unlink(...found);
    } while (cursor !== '0');
  }
  return deleted;
}
