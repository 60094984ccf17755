// `npm run bench:functions -- [--queued N] [--flows F] [--dispatches D] [--json FILE]`
//
// EXPERIMENT, not the product: what would the dispatching release cost as a Redis Function (FCALL)
// instead of EVALSHA? The product runs every script with EVALSHA (the flow-control issue asks for
// EVALSHA with a NOSCRIPT fallback). This bench builds a throwaway function library from the same
// lua/ files (the flow engine once at library level, releaseLease's body as a function), fills one
// pool with QUEUED items over FLOWS flows behind a held slot, then alternates blocks of 100 dispatching
// releases through EVALSHA and FCALL on the same pool, so both see the same state and the same machine.
// Per-call server times come from SLOWLOG, client times from the wall clock. Every Sluice script is
// SCRIPT LOADed first, as in production (the EVAL Lua heap then holds all of them).
// Runs its own redis-server (Redis ≥ 7.0); REDIS_URL is ignored.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createFlowStoreConfig, DetectorType, FairnessPolicyType, OrderingPolicyType } from '@sluice/flow-control';
import { startRedisServer } from '@sluice/testing';
import { closeRedisClient, createRedisClient } from '../connection/redis-factory.ts';
import { RedisFlowStore } from '../flow-store/redis-flow-store.ts';
import { decodeMsgpack, encodeMsgpack } from '../scripts/msgpack.ts';
import { ScriptRegistry } from '../scripts/script-registry.ts';
import { luaGcStepSplit, percentile, serverTimesByCommand, splitFlowScript } from './bench-support.ts';

const { values: args } = parseArgs({
  options: { queued: { type: 'string', default: '100000' }, flows: { type: 'string', default: '10000' }, dispatches: { type: 'string', default: '4000' }, json: { type: 'string' } },
});
const QUEUED = Number(args.queued);
const FLOWS = Number(args.flows);
const DISPATCHES = Number(args.dispatches);
const LIBRARY = 'sluice_bench_experiment';

/** The function library: the resolved engine once, then releaseLease's body as `<LIBRARY>_release`. */
function releaseLibrary(scripts: ScriptRegistry): string {
  const { engine: resolvedEngine, body } = splitFlowScript(scripts, 'releaseLease');
  // redis.call does not exist while a library loads, so the engine's `local rcall = redis.call`
  // becomes a forwarding function (one extra Lua call per Redis command: a handicap for FCALL).
  // Neither is cjson: FC.NULL (cjson.null) is set when the function runs instead.
  const engine = resolvedEngine
    .replaceAll('local rcall = redis.call', 'local rcall = function(...) return redis.call(...) end')
    .replace('FC.NULL = cjson.null', '');
  return `#!lua name=${LIBRARY}\n${engine}\nredis.register_function('${LIBRARY}_release', function(KEYS, ARGV)\nFC.NULL = cjson.null\n${body}\nend)\n`;
}

const redis = await startRedisServer();
const client = createRedisClient({ mode: 'single', url: redis.url, autoPipelining: false });
try {
  const scripts = ScriptRegistry.fromDirectory();
  await scripts.preload(client);
  await client.call('FUNCTION', 'LOAD', 'REPLACE', releaseLibrary(scripts));
  const config = createFlowStoreConfig({
    defaultPriorityBand: { maxBytes: 1e13, maxRequests: 1e9, fairness: { type: FairnessPolicyType.RoundRobin }, ordering: { type: OrderingPolicyType.Fcfs }, requestTtlMs: 600_000 },
    defaultRequestTtlMs: 600_000,
    detector: { type: DetectorType.Concurrency, mode: 'requests', maxConcurrency: 1, maxTokenConcurrency: 1e12 },
    dispatchBatchMax: 1,
  });
  const store = new RedisFlowStore({ client, scripts, keyPrefix: 'bench-functions', pool: 'bench', config });
  const owner = 'replica-0';
  await store.publishEndpoints({ owner, snapshot: { endpoints: [{ name: 'ep-0' }] } });
  const tokens = { uncachedPromptTokens: 100, expectedOutputTokens: 100 };
  const holder = await store.admit({ requestId: 'holder', owner, flow: { fairnessId: 'holder', priority: 0 }, bytes: 1, tokens });
  if (holder.kind !== 'dispatched') throw new Error('holder lease not granted');
  const pending: Promise<unknown>[] = [];
  for (let i = 0; i < QUEUED; i++) {
    pending.push(store.admit({ requestId: `q-${i}`, owner, flow: { fairnessId: `tenant-${i % FLOWS}`, priority: 0 }, bytes: 2000, tokens }));
    if (pending.length >= 512) await Promise.all(pending.splice(0));
  }
  await Promise.all(pending);
  console.log(`filled ${QUEUED} items over ${FLOWS} flows; ${DISPATCHES} dispatching releases, EVALSHA and FCALL in alternating blocks of 100`);

  const flowKeys = store.keys.flowKeys();
  const configArg = encodeMsgpack(config);
  const sha = scripts.get('releaseLease').sha;
  const clientMs = { evalsha: [] as number[], fcall: [] as number[] };
  let lease = 'holder';
  const run = async (): Promise<void> => {
    for (let i = 0; i < DISPATCHES; i++) {
      // Blocks of 100: Redis counts script calls of both kinds together and runs the GC step of the
      // VM that made every 50th call, so strict alternation would hand every step to one path.
      const viaFunction = Math.floor(i / 100) % 2 === 1;
      const argv = [configArg, '', owner, JSON.stringify({ leaseId: lease })];
      const t = performance.now();
      const reply = viaFunction
        ? await client.callBuffer('FCALL', `${LIBRARY}_release`, flowKeys.length, ...flowKeys, ...argv)
        : await (client as unknown as { evalshaBuffer(...a: unknown[]): Promise<Buffer> }).evalshaBuffer(sha, flowKeys.length, ...flowKeys, ...argv);
      (viaFunction ? clientMs.fcall : clientMs.evalsha).push(performance.now() - t);
      const result = decodeMsgpack(reply as Buffer) as { notices: { type: string; lease?: { leaseId: string } }[] };
      const next = result.notices.find((n) => n.type === 'dispatched');
      if (next?.lease === undefined) throw new Error('release did not dispatch the next item');
      lease = next.lease.leaseId;
    }
  };
  const serverUs = await serverTimesByCommand(client, DISPATCHES * 2 + 100, run);
  const row = (path: string, clientTimes: number[], server: number[]) => {
    const gc = luaGcStepSplit(server);
    return {
      path,
      clientP50Ms: percentile(clientTimes, 0.5),
      clientP99Ms: percentile(clientTimes, 0.99),
      serverMeanUs: Math.round(server.reduce((a, b) => a + b, 0) / server.length),
      serverP99Us: percentile(server, 0.99),
      serverP99UsWithoutGcStepCalls: gc.otherCallsP99Us,
      gcStepCallsMedianUs: gc.stepCallsMedianUs,
    };
  };
  const rows = [row('EVALSHA', clientMs.evalsha, serverUs.get('evalsha') ?? []), row('FCALL', clientMs.fcall, serverUs.get('fcall') ?? [])];
  const memory = await client.info('memory');
  const luaHeap = (name: string) => Number(new RegExp(`${name}:(\\d+)`).exec(memory)?.[1] ?? Number.NaN);
  console.log('| path | client p50 ms | client p99 ms | server mean µs | server p99 µs | p99 µs without GC-step calls | GC-step calls, median µs |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) console.log(`| ${r.path} | ${r.clientP50Ms.toFixed(3)} | ${r.clientP99Ms.toFixed(3)} | ${r.serverMeanUs} | ${r.serverP99Us} | ${r.serverP99UsWithoutGcStepCalls} | ${r.gcStepCallsMedianUs} |`);
  const heaps = { evalLuaHeapBytes: luaHeap('used_memory_lua'), functionsLuaHeapBytes: luaHeap('used_memory_vm_functions') };
  console.log(`Lua heaps: EVAL ${heaps.evalLuaHeapBytes} bytes (every Sluice script), functions ${heaps.functionsLuaHeapBytes} bytes (the engine once)`);
  if (args.json !== undefined) writeFileSync(args.json, `${JSON.stringify({ queued: QUEUED, flows: FLOWS, dispatches: DISPATCHES, rows, ...heaps }, null, 2)}\n`);
} finally {
  await closeRedisClient(client);
  await redis.stop();
}
