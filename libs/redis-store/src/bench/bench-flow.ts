// `npm run bench:flow -- [--json FILE] [--queued N] [--flows F] [--requests R] [--concurrency C] [--notices K]`
// Measures the flow store: MemoryFlowStore, RedisFlowStore with 1 replica, and with 3 replicas
// (3 stores on 3 connections in this process, each its own owner id). Redis comes from REDIS_URL,
// else a private redis-server (via @sluice/testing startRedis). Keys live under a unique prefix and
// are deleted afterwards; nothing is flushed.
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { createFlowStoreConfig, DetectorType, FairnessPolicyType, MemoryFlowStore, OrderingPolicyType } from '@sluice/flow-control';
import type { FlowNotice, FlowStore, FlowStoreConfig } from '@sluice/flow-control';
import { startRedis, uniqueKeyPrefix } from '@sluice/testing';
import { closeRedisClient, createRedisClient } from '../connection/redis-factory.ts';
import type { RedisClient } from '../connection/redis-factory.ts';
import { deletePoolKeys } from '../flow-store/pool-admin.ts';
import { RedisFlowStore } from '../flow-store/redis-flow-store.ts';
import { RedisInboxReader } from '../inbox/redis-inbox-reader.ts';
import { ScriptRegistry } from '../scripts/script-registry.ts';
import { evalshaServerTimes, luaGcStepSplit, percentile, poolBytes, scriptCalls, scriptServerTime } from './bench-support.ts';

const { values: args } = parseArgs({
  options: {
    json: { type: 'string' },
    queued: { type: 'string', default: '100000' },
    flows: { type: 'string', default: '10000' },
    requests: { type: 'string', default: '20000' },
    concurrency: { type: 'string', default: '64' },
    dispatches: { type: 'string', default: '2000' },
    notices: { type: 'string', default: '2000' },
  },
});
const NOTICES = Number(args.notices);
const QUEUED = Number(args.queued);
const FLOWS = Number(args.flows);
const REQUESTS = Number(args.requests);
const CONCURRENCY = Number(args.concurrency);
const DISPATCHES = Number(args.dispatches);

/** Big limits, round-robin fairness, concurrency detector with `perEndpoint` slots on one endpoint. */
function benchConfig(perEndpoint: number): FlowStoreConfig {
  return createFlowStoreConfig({
    defaultPriorityBand: {
      maxBytes: 1e13,
      maxRequests: 1e9,
      fairness: { type: FairnessPolicyType.RoundRobin },
      ordering: { type: OrderingPolicyType.Fcfs },
      requestTtlMs: 600_000,
    },
    defaultRequestTtlMs: 600_000,
    detector: { type: DetectorType.Concurrency, mode: 'requests', maxConcurrency: perEndpoint, maxTokenConcurrency: 1e12 },
    dispatchBatchMax: 1,
  });
}

interface Variant {
  name: string;
  /** One store per replica. */
  stores: FlowStore[];
  owners: string[];
  /** Redis only: the client used for measurements. */
  probe?: RedisClient;
  /** Redis only: the server is this bench's own, so its SLOWLOG may be used (never with REDIS_URL). */
  privateServer?: boolean;
  cleanup(): Promise<void>;
}

/** Cross-replica notice latency of a Redis pool (ms): p50/p99 over `samples` sequential dispatches. */
interface NoticeLatency {
  crossReplicaNoticeP50Ms: number;
  crossReplicaNoticeP99Ms: number;
  noticeSamples: number;
}

interface Result {
  decisionsPerSec: number;
  p50ScriptMs: number;
  p99ScriptMs: number;
  roundTripsPerRequest: number | null;
  bytesPerQueuedItem: number | null;
  p99DispatchMsAt100kQueued: number;
  /** Median of the same releases (ms). */
  p50DispatchMsAt100kQueued: number;
  /** Redis: mean server-side µs of those dispatching release scripts (INFO commandstats); null for memory. */
  meanDispatchScriptServerUs: number | null;
  /** Private redis-server only (SLOWLOG): p99 server µs of those releases, all of them. */
  dispatchServerP99Us?: number;
  /** The same without the calls that paid Redis's Lua GC step (one call in 50). */
  dispatchServerP99UsWithoutGcStepCalls?: number;
  /** Median server µs of the calls that paid the GC step. */
  luaGcStepCallsMedianUs?: number;
  queuedItems: number;
  flows: number;
}

let idCounter = 0;
const requestId = (): string => `${(++idCounter).toString(36)}-bench-request-id-0000000000000`;
const tokens = { uncachedPromptTokens: 100, expectedOutputTokens: 100 };

/** Unsaturated loop: each worker admits and releases; every call is timed. */
async function fastPath(v: Variant): Promise<{ perSec: number; latencies: number[]; calls: number }> {
  const latencies: number[] = [];
  let issued = 0;
  const worker = async (w: number): Promise<void> => {
    const store = v.stores[w % v.stores.length]!;
    const owner = v.owners[w % v.owners.length]!;
    while (issued < REQUESTS) {
      issued++;
      const id = requestId();
      let t = performance.now();
      const r = await store.admit({ requestId: id, owner, flow: { fairnessId: `tenant-${issued % FLOWS}`, priority: 0 }, bytes: 2000, tokens });
      latencies.push(performance.now() - t);
      if (r.kind !== 'dispatched') throw new Error(`fast path expected dispatched, got ${r.kind}`);
      t = performance.now();
      await store.release({ owner, leaseId: r.lease.leaseId, actualTokens: 180 });
      latencies.push(performance.now() - t);
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, (_, w) => worker(w)));
  return { perSec: latencies.length / ((performance.now() - t0) / 1000), latencies, calls: latencies.length };
}

/** Fill QUEUED items over FLOWS flows behind one held lease, then time releases that each dispatch one. */
async function saturated(v: Variant): Promise<{ bytesPerItem: number | null; p50DispatchMs: number; p99DispatchMs: number; serverUs: number | null; gc: ReturnType<typeof luaGcStepSplit> | null }> {
  const [first] = v.stores;
  const holder = await first!.admit({ requestId: 'holder', owner: v.owners[0]!, flow: { fairnessId: 'holder', priority: 0 }, bytes: 1, tokens });
  if (holder.kind !== 'dispatched') throw new Error('holder lease not granted');
  const bytesBefore = v.probe ? await poolBytes(v.probe, (first as RedisFlowStore).keys) : process.memoryUsage().heapUsed;
  const pending: Promise<unknown>[] = [];
  for (let i = 0; i < QUEUED; i++) {
    const s = i % v.stores.length;
    pending.push(v.stores[s]!.admit({ requestId: requestId(), owner: v.owners[s]!, flow: { fairnessId: `tenant-${i % FLOWS}`, priority: 0 }, bytes: 2000, tokens }));
    if (pending.length >= 512) await Promise.all(pending.splice(0));
  }
  await Promise.all(pending);
  const bytesAfter = v.probe ? await poolBytes(v.probe, (first as RedisFlowStore).keys) : process.memoryUsage().heapUsed;
  // Collect the fill phase's garbage first (needs --expose-gc, as `npm run bench:flow` passes), so a
  // major GC of the benchmark's own heap does not land inside the timed releases.
  (globalThis as { gc?: () => void }).gc?.();
  const serverBefore = v.probe ? await scriptServerTime(v.probe) : null;
  const latencies: number[] = [];
  const timedReleases = async (): Promise<void> => {
    let lease = 'holder';
    for (let i = 0; i < DISPATCHES; i++) {
      const s = i % v.stores.length;
      const t = performance.now();
      const r = await v.stores[s]!.release({ owner: v.owners[s]!, leaseId: lease });
      latencies.push(performance.now() - t);
      const own = r.notices.find((n) => n.type === 'dispatched');
      const next = own ?? (await takeAnyInbox(v)).find((n) => n.type === 'dispatched');
      if (next === undefined || next.type !== 'dispatched') throw new Error('release did not dispatch the next item');
      lease = next.lease.leaseId;
    }
  };
  // Per-call server times (SLOWLOG) only on the bench's own redis-server.
  const perCallUs = v.probe !== undefined && v.privateServer === true ? await evalshaServerTimes(v.probe, DISPATCHES * 4 + 100, timedReleases) : (await timedReleases(), null);
  const serverAfter = v.probe ? await scriptServerTime(v.probe) : null;
  const serverUs = serverBefore && serverAfter ? (serverAfter.usec - serverBefore.usec) / Math.max(1, serverAfter.calls - serverBefore.calls) : null;
  return { bytesPerItem: (bytesAfter - bytesBefore) / QUEUED, p50DispatchMs: percentile(latencies, 0.5), p99DispatchMs: percentile(latencies, 0.99), serverUs, gc: perCallUs === null ? null : luaGcStepSplit(perCallUs) };
}

/**
 * Replica B queues one item behind the single slot that replica A holds; A releases, its dispatch
 * cycle leases B's item and pushes the notice to B's inbox; B's RedisInboxReader (own blocking
 * connection) receives it. Latency = B's wall clock at the callback − lease.dispatchedAtMs (Redis
 * TIME, same host clock). One at a time, so nothing else competes for the event loop or Redis.
 */
async function noticeLatency(url: string, scripts: ScriptRegistry, prefix: string, samples: number): Promise<NoticeLatency> {
  const clients = [createRedisClient({ mode: 'single', url }), createRedisClient({ mode: 'single', url })];
  const [a, b] = clients.map((client) => new RedisFlowStore({ client, scripts, keyPrefix: prefix, pool: 'bench-notice', config: benchConfig(1) }));
  const wallNowMs = (): number => performance.timeOrigin + performance.now();
  let waiting: ((notice: FlowNotice, at: number) => void) | null = null;
  const sub = new RedisInboxReader({ client: clients[1]!, keys: b!.keys }).subscribe('replica-b', (notices) => {
    const at = wallNowMs();
    for (const n of notices) waiting?.(n, at);
  });
  const latencies: number[] = [];
  try {
    await a!.publishEndpoints({ owner: 'replica-a', snapshot: { endpoints: [{ name: 'ep-0' }] } });
    let held = await a!.admit({ requestId: requestId(), owner: 'replica-a', flow: { fairnessId: 'a', priority: 0 }, bytes: 1, tokens });
    if (held.kind !== 'dispatched') throw new Error('slot not granted');
    for (let i = 0; i < samples; i++) {
      const q = await b!.admit({ requestId: requestId(), owner: 'replica-b', flow: { fairnessId: 'b', priority: 0 }, bytes: 1, tokens });
      if (q.kind !== 'queued') throw new Error('expected the item to queue');
      const received = new Promise<{ notice: FlowNotice; at: number }>((resolve) => (waiting = (notice, at) => resolve({ notice, at })));
      await a!.release({ owner: 'replica-a', leaseId: held.kind === 'dispatched' ? held.lease.leaseId : '' });
      const { notice, at } = await received;
      if (notice.type !== 'dispatched') throw new Error('expected a dispatch notice');
      latencies.push(at - notice.lease.dispatchedAtMs);
      // B now holds the slot; hand it back to A for the next round.
      await b!.release({ owner: 'replica-b', leaseId: notice.lease.leaseId });
      held = await a!.admit({ requestId: requestId(), owner: 'replica-a', flow: { fairnessId: 'a', priority: 0 }, bytes: 1, tokens });
      if (held.kind !== 'dispatched') throw new Error('slot not granted');
    }
  } finally {
    await sub.stop();
    await deletePoolKeys(clients[0]!, a!.keys);
    await Promise.all(clients.map((c) => closeRedisClient(c)));
  }
  return {
    crossReplicaNoticeP50Ms: round(percentile(latencies, 0.5)),
    crossReplicaNoticeP99Ms: round(percentile(latencies, 0.99)),
    noticeSamples: latencies.length,
  };
}

async function takeAnyInbox(v: Variant) {
  const all = await Promise.all(v.stores.map((s, i) => s.takeInbox({ owner: v.owners[i]!, max: 100 })));
  return all.flat();
}

async function measure(v: Variant): Promise<Result> {
  const callsBefore = v.probe ? await scriptCalls(v.probe) : 0;
  const fast = await fastPath(v);
  const callsAfter = v.probe ? await scriptCalls(v.probe) : 0;
  const sat = await saturated(v);
  return {
    decisionsPerSec: Math.round(fast.perSec),
    p50ScriptMs: round(percentile(fast.latencies, 0.5)),
    p99ScriptMs: round(percentile(fast.latencies, 0.99)),
    roundTripsPerRequest: v.probe ? round((callsAfter - callsBefore) / (fast.calls / 2)) : null,
    bytesPerQueuedItem: sat.bytesPerItem === null ? null : Math.round(sat.bytesPerItem),
    p99DispatchMsAt100kQueued: round(sat.p99DispatchMs),
    p50DispatchMsAt100kQueued: round(sat.p50DispatchMs),
    meanDispatchScriptServerUs: sat.serverUs === null ? null : Math.round(sat.serverUs),
    ...(sat.gc === null ? {} : { dispatchServerP99Us: sat.gc.allCallsP99Us, dispatchServerP99UsWithoutGcStepCalls: sat.gc.otherCallsP99Us, luaGcStepCallsMedianUs: sat.gc.stepCallsMedianUs }),
    queuedItems: QUEUED,
    flows: FLOWS,
  };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

async function main(): Promise<void> {
  const redis = await startRedis();
  const scripts = ScriptRegistry.fromDirectory();
  const prefix = uniqueKeyPrefix('bench-flow');
  const results: Record<string, Result | (Result & NoticeLatency)> = {};
  const slots = CONCURRENCY * 2;
  try {
    const memoryStore = new MemoryFlowStore({ config: benchConfig(slots), time: { nowMs: () => performance.timeOrigin + performance.now() } });
    await memoryStore.publishEndpoints({ owner: 'replica-0', snapshot: { endpoints: [{ name: 'ep-0' }] } });
    results.memory = await measure({ name: 'memory', stores: [memoryStore], owners: ['replica-0'], cleanup: () => memoryStore.close() });
    await memoryStore.close();
    console.log('memory', results.memory);

    for (const replicas of [1, 3]) {
      const clients = Array.from({ length: replicas }, () => createRedisClient({ mode: 'single', url: redis.url }));
      await scripts.preload(clients[0]!);
      const pool = `bench-${replicas}`;
      const stores = clients.map((client) => new RedisFlowStore({ client, scripts, keyPrefix: prefix, pool, config: benchConfig(slots) }));
      const owners = stores.map((_, i) => `replica-${i}`);
      await stores[0]!.publishEndpoints({ owner: owners[0]!, snapshot: { endpoints: [{ name: 'ep-0' }] } });
      const name = `redis-${replicas}-replica${replicas > 1 ? 's' : ''}`;
      try {
        results[name] = await measure({ name, stores, owners, probe: clients[0]!, privateServer: redis.source !== 'env', cleanup: async () => {} });
        if (replicas > 1) results[name] = { ...results[name]!, ...(await noticeLatency(redis.url, scripts, prefix, NOTICES)) };
        console.log(name, results[name]);
      } finally {
        await deletePoolKeys(clients[0]!, stores[0]!.keys);
        await Promise.all(clients.map((c) => closeRedisClient(c)));
      }
    }
  } finally {
    await redis.stop();
  }
  const report = {
    bench: 'flow-store',
    at: new Date().toISOString(),
    machine: { cpus: cpus().length, node: process.version, loadAverage1m: Math.round(loadavg()[0]! * 100) / 100 },
    redis: { source: redis.source },
    params: { queued: QUEUED, flows: FLOWS, requests: REQUESTS, concurrency: CONCURRENCY, dispatches: DISPATCHES, notices: NOTICES },
    notes: {
      decisionsPerSec: 'admit + release store calls per second on the unsaturated fast path, all replicas together',
      p50ScriptMs: 'client-observed latency of one store call (one EVALSHA for Redis)',
      roundTripsPerRequest: 'script calls (EVALSHA+EVAL) per admitted-and-released request',
      bytesPerQueuedItem: 'Redis: Σ MEMORY USAGE of the pool keys / queued items; memory: JS heap delta / items (rough)',
      p99DispatchMsAt100kQueued: 'latency of a release that dispatches the next item with the queue full (client-observed)',
      meanDispatchScriptServerUs: 'Redis: mean server-side time of those release scripts (INFO commandstats usec / calls)',
      dispatchServerP99Us: 'private redis-server only: p99 of the per-call server times (SLOWLOG, every command logged)',
      dispatchServerP99UsWithoutGcStepCalls: 'the same p99 without the one call in 50 after which Redis runs its periodic Lua GC step',
      luaGcStepCallsMedianUs: 'median server time of the calls that paid that GC step',
      replicas: 'several RedisFlowStore instances on separate connections in one process',
      crossReplicaNoticeP99Ms:
        'one at a time: replica A releases, its dispatch leases replica B\'s queued item; B\'s RedisInboxReader callback wall clock − lease.dispatchedAtMs (Redis TIME)',
    },
    results,
  };
  if (args.json !== undefined) writeFileSync(args.json, `${JSON.stringify(report, null, 2)}\n`);
  console.log(JSON.stringify(results, null, 2));
}

await main();
