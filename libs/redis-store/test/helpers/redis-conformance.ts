import type { ConformanceStoreFactory } from '@sluice/flow-control';
import { uniqueKeyPrefix } from '@sluice/testing';
import { deletePoolKeys, RedisFlowStore, RedisInboxReader, ScriptRegistry } from '../../src/index.ts';
import type { RedisClient } from '../../src/index.ts';

/**
 * A conformance-suite store factory over `getClient()` (read at each call, so the client may be
 * created in beforeAll). Each store gets its own pool name under one unique prefix; cleanup and
 * loseState delete the pool's keys (never FLUSH*). loseState re-initialises the pool at once, as
 * MemoryFlowStore.resetState does.
 */
export function redisConformanceFactory(getClient: () => RedisClient, label: string): ConformanceStoreFactory {
  const scripts = ScriptRegistry.fromDirectory();
  const prefix = uniqueKeyPrefix(label);
  let pools = 0;
  return async ({ config, time }) => {
    const client = getClient();
    const store = new RedisFlowStore({ client, scripts, keyPrefix: prefix, pool: `pool-${++pools}`, config, time });
    await store.dispatch({ owner: 'init', max: 0 });
    return {
      store,
      inbox: new RedisInboxReader({ client, keys: store.keys }),
      loseState: async () => {
        await deletePoolKeys(client, store.keys);
        await store.dispatch({ owner: 'init', max: 0 });
      },
      cleanup: async () => {
        await deletePoolKeys(client, store.keys);
      },
    };
  };
}
