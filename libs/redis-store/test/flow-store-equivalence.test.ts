import { ManualTimeSource, MemoryFlowStore } from '@sluice/flow-control';
import { flowConfigArbitrary, flowOpArbitrary, runFlowOps } from '@sluice/flow-control/conformance';
import { uniqueKeyPrefix } from '@sluice/testing';
import fc from 'fast-check';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { closeRedisClient, createRedisClient, deletePoolKeys, RedisFlowStore, ScriptRegistry } from '../src/index.ts';
import { configArb, contendedOpsArb, Driver, opArb } from './helpers/equivalence-model.ts';
import type { Op } from './helpers/equivalence-model.ts';
import type { FlowStoreConfig } from '@sluice/flow-control';

const client = createRedisClient({ mode: 'single', url: inject('redisUrl') });
const scripts = ScriptRegistry.fromDirectory();
const prefix = uniqueKeyPrefix('flow-store-equivalence');
afterAll(async () => {
  await closeRedisClient(client);
});

const runs = Number(process.env.SLUICE_PROPERTY_RUNS ?? 80);

/** Runs `ops` against a fresh MemoryFlowStore and a fresh RedisFlowStore; asserts equal transcripts. */
async function compare(config: FlowStoreConfig, ops: Op[], pool: string): Promise<void> {
  const memTime = new ManualTimeSource();
  const redisTime = new ManualTimeSource();
  const memory = new MemoryFlowStore({ config, time: memTime });
  const redis = new RedisFlowStore({ client, scripts, keyPrefix: prefix, pool, config, time: redisTime });
  try {
    await redis.dispatch({ owner: 'init', max: 0 });
    const a = new Driver(memory, (ms) => memTime.advance(ms));
    const b = new Driver(redis, (ms) => redisTime.advance(ms));
    for (const op of ops) {
      await a.run(op);
      await b.run(op);
      expect(b.transcript).toEqual(a.transcript);
    }
    const owners = ['replica-a', 'replica-b'];
    const inboxA = await Promise.all(owners.map((owner) => memory.takeInbox({ owner, max: 1000 })));
    const inboxB = await Promise.all(owners.map((owner) => redis.takeInbox({ owner, max: 1000 })));
    expect(inboxB).toEqual(inboxA);
  } finally {
    await memory.close();
    await deletePoolKeys(client, redis.keys);
  }
}

describe('MemoryFlowStore and RedisFlowStore are equivalent (property, fast-check)', () => {
  let pools = 0;

  it('random operation mixes: identical results, notices, inboxes and stats', async () => {
    await fc.assert(
      fc.asyncProperty(configArb, fc.array(opArb, { minLength: 5, maxLength: 60 }), (config, ops) => compare(config, ops, `mix-${++pools}`)),
      { numRuns: runs },
    );
  });

  it('contended queues: identical dispatch order under every fairness and ordering policy', async () => {
    await fc.assert(
      fc.asyncProperty(configArb, contendedOpsArb, (config, ops) => compare(config, ops, `contended-${++pools}`)),
      { numRuns: runs },
    );
  });

  it('the flow-control property model (runFlowOps): same steps, dispatch order and outcomes', async () => {
    await fc.assert(
      fc.asyncProperty(flowConfigArbitrary, fc.array(flowOpArbitrary, { minLength: 5, maxLength: 60 }), async (config, ops) => {
        const memTime = new ManualTimeSource();
        const redisTime = new ManualTimeSource();
        const memory = new MemoryFlowStore({ config, time: memTime });
        const redis = new RedisFlowStore({ client, scripts, keyPrefix: prefix, pool: `model-${++pools}`, config, time: redisTime });
        try {
          await redis.dispatch({ owner: 'init', max: 0 });
          const expected = await runFlowOps(memory, (ms) => memTime.advance(ms), ops);
          const actual = await runFlowOps(redis, (ms) => redisTime.advance(ms), ops);
          expect(actual.steps).toEqual(expected.steps);
          expect(actual.dispatchOrder).toEqual(expected.dispatchOrder);
          expect([...actual.outcomes]).toEqual([...expected.outcomes]);
        } finally {
          await memory.close();
          await deletePoolKeys(client, redis.keys);
        }
      }),
      { numRuns: runs },
    );
  });
});
