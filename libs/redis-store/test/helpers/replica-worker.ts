// A router replica in its own process, for multi-process tests: a FlowController over a
// RedisFlowStore and a RedisInboxReader. Input: env SLUICE_WORKER (JSON, see WorkerSpec).
// Output: one JSON line per finished request on stdout ({id, dispatched, outcome, waitedMs}),
// then {"done": n}. Runs until all its requests finished; exits 0.
import { createSystemClock, FlowController } from '@sluice/flow-control';
import type { FlowStoreConfig } from '@sluice/flow-control';
import { closeRedisClient, createRedisClient, RedisFlowStore, RedisInboxReader, ScriptRegistry } from '../../src/index.ts';

export interface WorkerSpec {
  redisUrl: string;
  keyPrefix: string;
  pool: string;
  replicaId: string;
  config: FlowStoreConfig;
  requests: number;
  /** Each dispatched request holds its lease for holdMs[0]..holdMs[1] ms. */
  holdMs: [number, number];
  renewIntervalMs: number;
  safetyTickMs: number;
}

const spec = JSON.parse(process.env.SLUICE_WORKER ?? '') as WorkerSpec;
const client = createRedisClient({ mode: 'single', url: spec.redisUrl });
const store = new RedisFlowStore({ client, scripts: ScriptRegistry.fromDirectory(), keyPrefix: spec.keyPrefix, pool: spec.pool, config: spec.config });
const controller = new FlowController({
  store,
  inbox: new RedisInboxReader({ client, keys: store.keys, blockSeconds: 1 }),
  replicaId: spec.replicaId,
  clock: createSystemClock(),
  renewIntervalMs: spec.renewIntervalMs,
  safetyTickMs: spec.safetyTickMs,
});
await controller.start();

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
await Promise.all(
  Array.from({ length: spec.requests }, async (_, i) => {
    const id = `${spec.replicaId}-req-${i}`;
    const started = performance.now();
    const admission = await controller.admit({
      requestId: id,
      flow: { fairnessId: `tenant-${i % 3}`, priority: 0 },
      bytes: 100,
      tokens: { uncachedPromptTokens: 10, expectedOutputTokens: 10 },
    });
    if (admission.dispatched) {
      await sleep(spec.holdMs[0] + Math.random() * (spec.holdMs[1] - spec.holdMs[0]));
      await controller.release(admission.lease.leaseId, 20);
    }
    const outcome = admission.dispatched ? 'dispatched' : admission.outcome;
    process.stdout.write(`${JSON.stringify({ id, dispatched: admission.dispatched, outcome, waitedMs: performance.now() - started })}\n`);
  }),
);
process.stdout.write(`${JSON.stringify({ done: spec.requests })}\n`);
await controller.stop();
await closeRedisClient(client);
process.exit(0);
