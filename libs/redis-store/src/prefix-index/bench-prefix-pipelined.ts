/**
 * What the global prefix index adds to a request's latency in the router's real hot-path shape
 * (apps/router/src/routes/inference.ts): the lookup is issued together with the flow-control admit,
 * so both scripts are in flight together on one connection; the record runs after the pick and is not
 * awaited by the request. Alternating iterations time
 *   - `admit`: the admit alone (fast path: dispatched at once), and
 *   - `admit ∥ lookup`: admit and lookup issued in the same tick, until both have answered;
 * then each iteration records (untimed, like the router) and releases its lease (untimed).
 * Added latency = the difference of the two distributions' percentiles, measured in one run.
 */
import { performance } from 'node:perf_hooks';
import { createFlowStoreConfig, DetectorType, FairnessPolicyType, OrderingPolicyType } from '@sluice/flow-control';
import type { BlockHash } from '@sluice/scheduling';
import { uniqueKeyPrefix } from '@sluice/testing';
import type { RedisClient } from '../connection/redis-factory.ts';
import { deletePoolKeys } from '../flow-store/pool-admin.ts';
import { RedisFlowStore } from '../flow-store/redis-flow-store.ts';
import { PoolKeys } from '../keys/pool-keys.ts';
import type { ScriptRegistry } from '../scripts/script-registry.ts';
import { percentile } from '../bench/bench-support.ts';
import { RedisPrefixIndex } from './redis-prefix-index.ts';

export interface PipelinedLookupResult {
  readonly endpoints: number;
  readonly iterations: number;
  readonly admitP50Ms: number;
  readonly admitP99Ms: number;
  readonly admitWithLookupP50Ms: number;
  readonly admitWithLookupP99Ms: number;
  /** admitWithLookup − admit, per percentile (ms). The record adds nothing: it is off the path. */
  readonly addedP50Ms: number;
  readonly addedP99Ms: number;
}

/**
 * `prompts` are hashed prompts, used round robin; `endpoints` the candidates. The pool and index
 * keys live under a unique prefix on `client` and are deleted before returning.
 */
export async function measurePipelinedLookup(options: {
  client: RedisClient;
  scripts: ScriptRegistry;
  prompts: readonly (readonly BlockHash[])[];
  endpoints: readonly string[];
  iterations: number;
}): Promise<PipelinedLookupResult> {
  const { client, scripts, prompts, endpoints, iterations } = options;
  const keys = new PoolKeys(uniqueKeyPrefix('bench-prefix-pipelined'), 'bench');
  const store = new RedisFlowStore({
    client,
    scripts,
    keyPrefix: keys.prefix,
    pool: keys.pool,
    config: createFlowStoreConfig({
      defaultPriorityBand: { maxBytes: 1e13, maxRequests: 1e9, fairness: { type: FairnessPolicyType.RoundRobin }, ordering: { type: OrderingPolicyType.Fcfs }, requestTtlMs: 60_000 },
      defaultRequestTtlMs: 60_000,
      detector: { type: DetectorType.Concurrency, mode: 'requests', maxConcurrency: 1_000_000, maxTokenConcurrency: 1e12 },
    }),
  });
  const index = new RedisPrefixIndex({ client, scripts, keys, inFlight: { key: keys.flowKeys()[0]!, fieldPrefix: 'bl:' } });
  const owner = 'bench-replica';
  const tokens = { uncachedPromptTokens: 100, expectedOutputTokens: 100 };
  const admitMs: number[] = [];
  const pairedMs: number[] = [];
  try {
    await store.publishEndpoints({ owner, snapshot: { endpoints: endpoints.map((name) => ({ name })) } });
    const warmup = 100;
    for (let i = 0; i < iterations + warmup; i++) {
      const hashes = prompts[i % prompts.length]!;
      const admit = { requestId: `r-${i}`, owner, flow: { fairnessId: `tenant-${i % 16}`, priority: 0 }, bytes: 2000, tokens };
      const withLookup = i % 2 === 1;
      const t0 = performance.now();
      const [admission, lookup] = await Promise.all([store.admit(admit), withLookup ? index.lookup(hashes, endpoints) : null]);
      const elapsed = performance.now() - t0;
      if (admission.kind !== 'dispatched') throw new Error(`expected the fast path, got ${admission.kind}`);
      if (i >= warmup) (withLookup ? pairedMs : admitMs).push(elapsed);
      if (lookup !== null) {
        let best = endpoints[0]!;
        for (const e of endpoints) if (lookup.matchedBlocks.get(e)! > lookup.matchedBlocks.get(best)!) best = e;
        await index.record(hashes, best);
      }
      await store.release({ owner, leaseId: admission.lease.leaseId });
    }
  } finally {
    await index.deleteAll();
    await deletePoolKeys(client, keys);
  }
  const admitP50Ms = percentile(admitMs, 0.5);
  const admitP99Ms = percentile(admitMs, 0.99);
  const admitWithLookupP50Ms = percentile(pairedMs, 0.5);
  const admitWithLookupP99Ms = percentile(pairedMs, 0.99);
  return {
    endpoints: endpoints.length,
    iterations,
    admitP50Ms,
    admitP99Ms,
    admitWithLookupP50Ms,
    admitWithLookupP99Ms,
    addedP50Ms: admitWithLookupP50Ms - admitP50Ms,
    addedP99Ms: admitWithLookupP99Ms - admitP99Ms,
  };
}
