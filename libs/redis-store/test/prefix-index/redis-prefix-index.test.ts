import { uniqueKeyPrefix } from '@sluice/testing';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { runPrefixIndexConformance, hashOf } from '@sluice/scheduling/prefix-conformance';
import { closeRedisClient, createRedisClient, PoolKeys, ScriptRegistry } from '../../src/index.ts';
import { RedisPrefixIndex } from '../../src/prefix-index/index.ts';

const client = createRedisClient({ mode: 'single', url: inject('redisUrl') });
const scripts = ScriptRegistry.fromDirectory();
afterAll(async () => {
  await closeRedisClient(client);
});

runPrefixIndexConformance('RedisPrefixIndex (single node)', ({ defaultCapacityBlocks }) => {
  const index = new RedisPrefixIndex({ client, scripts, keys: new PoolKeys(uniqueKeyPrefix('prefix-index'), 'pool'), defaultCapacityBlocks });
  return Promise.resolve({ index, cleanup: () => index.deleteAll() });
});

describe('RedisPrefixIndex specifics', () => {
  it('returns global in-flight load from the flow-control state hash in the same lookup', async () => {
    const keys = new PoolKeys(uniqueKeyPrefix('prefix-inflight'), 'pool');
    const state = keys.flowKeys()[0]!;
    const index = new RedisPrefixIndex({ client, scripts, keys, inFlight: { key: state, fieldPrefix: 'bl:' } });
    try {
      await client.hset(state, 'bl:e1', '3|1200', 'bl:e2', '1');
      const hashes = [hashOf('a'), hashOf('b')];
      await index.record(hashes, 'e2');
      const r = await index.lookup(hashes, ['e1', 'e2', 'e3']);
      expect(r.matchedBlocks).toEqual(new Map([['e1', 0], ['e2', 2], ['e3', 0]]));
      expect(r.inFlight).toEqual(
        new Map([
          ['e1', { requests: 3, tokens: 1200 }],
          ['e2', { requests: 1, tokens: 0 }],
          ['e3', { requests: 0, tokens: 0 }],
        ]),
      );
      expect(await index.endpoints()).toEqual(['e2']);
    } finally {
      await index.deleteAll();
      await client.del(state);
    }
  });

  it('keeps every key under the pool hash tag and rejects malformed input', async () => {
    const keys = new PoolKeys(uniqueKeyPrefix('prefix-keys'), 'tagged');
    const index = new RedisPrefixIndex({ client, scripts, keys });
    try {
      await index.record([hashOf('a')], 'host:8000');
      const found = await client.keys(`${keys.base}*`);
      expect(found.length).toBe(4);
      for (const k of found) expect(k).toContain('{tagged}');
      await expect(index.record(['XYZ'], 'e1')).rejects.toThrow(RangeError);
      await expect(index.lookup([hashOf('a')], ['bad\nname'])).rejects.toThrow(RangeError);
      expect(() => new RedisPrefixIndex({ client, scripts, keys, inFlight: { key: 'elsewhere', fieldPrefix: 'bl:' } })).toThrow(/hash tag/);
    } finally {
      await index.deleteAll();
    }
    expect(await client.keys(`${keys.base}*`)).toEqual([]);
  });
});
