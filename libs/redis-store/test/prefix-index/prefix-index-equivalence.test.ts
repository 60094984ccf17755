import { uniqueKeyPrefix } from '@sluice/testing';
import fc from 'fast-check';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { MemoryPrefixIndex } from '@sluice/scheduling';
import { hashOf } from '@sluice/scheduling/prefix-conformance';
import { closeRedisClient, createRedisClient, PoolKeys, ScriptRegistry } from '../../src/index.ts';
import { RedisPrefixIndex } from '../../src/prefix-index/index.ts';

const client = createRedisClient({ mode: 'single', url: inject('redisUrl') });
const scripts = ScriptRegistry.fromDirectory();
afterAll(async () => {
  await closeRedisClient(client);
});

const ENDPOINTS = ['e0', 'e1', 'e2'];
/** Chains over a small alphabet of prompts, so prefixes are shared and capacity trims often. */
const chainArb = fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 12 })).map(([prompt, length]) => Array.from({ length }, (_, i) => hashOf(`p${prompt % 2}-${i < 4 ? 'shared' : prompt}-${i}`)));
const endpointArb = fc.constantFrom(...ENDPOINTS);
const opArb = fc.oneof(
  { weight: 5, arbitrary: fc.record({ op: fc.constant('record' as const), hashes: chainArb, endpoint: endpointArb }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('lookup' as const), hashes: chainArb }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('evict' as const), hashes: chainArb, endpoint: endpointArb }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('setCapacity' as const), blocks: fc.integer({ min: 1, max: 20 }), endpoint: endpointArb }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('removeEndpoint' as const), endpoint: endpointArb }) },
);

describe('MemoryPrefixIndex ≡ RedisPrefixIndex on random operation sequences', () => {
  it('every lookup and size agrees', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 40 }), async (ops) => {
        const memory = new MemoryPrefixIndex({ defaultCapacityBlocks: 10 });
        const redis = new RedisPrefixIndex({ client, scripts, keys: new PoolKeys(uniqueKeyPrefix('prefix-equivalence'), 'pool'), defaultCapacityBlocks: 10 });
        try {
          for (const op of ops) {
            if (op.op === 'lookup') {
              const [m, r] = await Promise.all([memory.lookup(op.hashes, ENDPOINTS), redis.lookup(op.hashes, ENDPOINTS)]);
              expect(r.matchedBlocks).toEqual(m.matchedBlocks);
            } else if (op.op === 'record') {
              await memory.record(op.hashes, op.endpoint);
              await redis.record(op.hashes, op.endpoint);
            } else if (op.op === 'evict') {
              await memory.evict(op.endpoint, op.hashes);
              await redis.evict(op.endpoint, op.hashes);
            } else if (op.op === 'setCapacity') {
              await memory.setCapacity(op.endpoint, op.blocks);
              await redis.setCapacity(op.endpoint, op.blocks);
            } else {
              await memory.removeEndpoint(op.endpoint);
              await redis.removeEndpoint(op.endpoint);
            }
          }
          for (const e of ENDPOINTS) expect(await redis.size(e)).toBe(await memory.size(e));
        } finally {
          await redis.deleteAll();
        }
      }),
      { numRuns: 40 },
    );
  });
});
