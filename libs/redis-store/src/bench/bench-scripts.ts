// `npm run bench:scripts -- [--requests N] [--json FILE]`
// Server-side time of each Lua script on the router's per-request path, unsaturated: admit,
// bindLease and release (once per routed request in Redis mode), plus readEndpointLoad (every
// 100 ms) and readStats (every 1 s) of the router's stats loop. Means from INFO commandstats, one
// script per phase; p50/p99 from SLOWLOG with every call logged. Runs its own redis-server, so
// changing slowlog settings touches nobody else's Redis; REDIS_URL is ignored. Last, the fixed cost
// of one script call: an empty script, the flow engine's function definitions, config unpack, TIME,
// a 12-field HMGET and packing a reply, each as its own probe script.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createFlowStoreConfig, DetectorType, FairnessPolicyType, OrderingPolicyType } from '@sluice/flow-control';
import { startRedisServer } from '@sluice/testing';
import { closeRedisClient, createRedisClient } from '../connection/redis-factory.ts';
import { RedisFlowStore } from '../flow-store/redis-flow-store.ts';
import { loadLuaScripts } from '../scripts/lua-loader.ts';
import { ScriptRegistry } from '../scripts/script-registry.ts';
import { percentile, scriptServerTime, splitFlowScript } from './bench-support.ts';
import { encodeMsgpack } from '../scripts/msgpack.ts';

const { values: args } = parseArgs({ options: { requests: { type: 'string', default: '2000' }, json: { type: 'string' } } });
const REQUESTS = Number(args.requests);
const TENANTS = 50;
const PROBE_CALLS = 3000;

const redis = await startRedisServer();
const client = createRedisClient({ mode: 'single', url: redis.url });
try {
  const scripts = ScriptRegistry.fromDirectory();
  await scripts.preload(client);
  const nameBySha = new Map(loadLuaScripts().map((s) => [s.sha, s.name]));
  const config = createFlowStoreConfig({
    defaultPriorityBand: { maxBytes: 1e13, maxRequests: 1e9, fairness: { type: FairnessPolicyType.RoundRobin }, ordering: { type: OrderingPolicyType.Fcfs }, requestTtlMs: 60_000 },
    defaultRequestTtlMs: 60_000,
    detector: { type: DetectorType.Concurrency, mode: 'requests', maxConcurrency: 1_000_000, maxTokenConcurrency: 1e12 },
  });
  const store = new RedisFlowStore({ client, scripts, keyPrefix: 'bench-scripts', pool: 'bench', config });
  const endpoints = ['10.0.0.1:8000', '10.0.0.2:8000', '10.0.0.3:8000', '10.0.0.4:8000'];
  await store.publishEndpoints({ owner: 'replica-0', snapshot: { endpoints: endpoints.map((name) => ({ name })) } });
  const tokens = { uncachedPromptTokens: 100, expectedOutputTokens: 100 };
  // Warm-up (script cache, key encodings), not logged.
  for (let i = 0; i < 200; i++) {
    const r = await store.admit({ requestId: `warm-${i}`, owner: 'replica-0', flow: { fairnessId: `tenant-${i % TENANTS}`, priority: 0 }, bytes: 2000, tokens });
    if (r.kind === 'dispatched') await store.release({ owner: 'replica-0', leaseId: r.lease.leaseId, actualTokens: 180 });
  }
  // 1. Means without SLOWLOG (which would also log, and time, each command a script runs): phases
  //    of one script each, INFO commandstats deltas.
  const meanUs: Record<string, number> = {};
  const phase = async (script: string, run: (i: number) => Promise<unknown>, count: number): Promise<void> => {
    const before = await scriptServerTime(client);
    for (let i = 0; i < count; i++) await run(i);
    const after = await scriptServerTime(client);
    meanUs[script] = Math.round((after.usec - before.usec) / Math.max(1, after.calls - before.calls));
  };
  const leases: string[] = [];
  await phase('admitRequest', async (i) => {
    const r = await store.admit({ requestId: `mean-${i}`, owner: 'replica-0', flow: { fairnessId: `tenant-${i % TENANTS}`, priority: 0 }, bytes: 2000, tokens });
    if (r.kind !== 'dispatched') throw new Error(`expected the fast path, got ${r.kind}`);
    leases.push(r.lease.leaseId);
  }, REQUESTS);
  await phase('bindLease', (i) => store.bindLease({ leaseId: leases[i]!, endpoint: endpoints[i % endpoints.length]! }), REQUESTS);
  await phase('releaseLease', (i) => store.release({ owner: 'replica-0', leaseId: leases[i]!, actualTokens: 180 }), REQUESTS);
  await phase('readEndpointLoad', () => store.endpointLoad(), REQUESTS / 10);
  await phase('readStats', () => store.stats(), REQUESTS / 100);

  // 2. Per-call distribution: the router's interleaving, every call in SLOWLOG. Redis 7 also logs
  //    (and so times) the commands a script runs, so these run a little above the means.
  await client.config('SET', 'slowlog-log-slower-than', '0');
  await client.config('SET', 'slowlog-max-len', String(REQUESTS * 100 + 10_000));
  await client.slowlog('RESET');
  for (let i = 0; i < REQUESTS; i++) {
    const r = await store.admit({ requestId: `req-${i}`, owner: 'replica-0', flow: { fairnessId: `tenant-${i % TENANTS}`, priority: 0 }, bytes: 2000, tokens });
    if (r.kind !== 'dispatched') throw new Error(`expected the fast path, got ${r.kind}`);
    await store.bindLease({ leaseId: r.lease.leaseId, endpoint: endpoints[i % endpoints.length]! });
    await store.release({ owner: 'replica-0', leaseId: r.lease.leaseId, actualTokens: 180 });
    if (i % 10 === 0) await store.endpointLoad();
    if (i % 100 === 0) await store.stats();
  }
  const log = (await client.slowlog('GET', -1)) as [number, number, number, string[]][];
  if (log.length >= REQUESTS * 100 + 10_000) throw new Error('SLOWLOG overflowed: raise slowlog-max-len');
  const byScript = new Map<string, number[]>();
  for (const [, , micros, argv] of log) {
    if (String(argv[0]).toLowerCase() !== 'evalsha') continue;
    const name = nameBySha.get(String(argv[1])) ?? String(argv[1]).slice(0, 8);
    const list = byScript.get(name) ?? [];
    list.push(micros);
    byScript.set(name, list);
  }
  const rows = [...byScript].map(([script, us]) => ({
    script,
    calls: us.length,
    meanUs: meanUs[script] ?? null,
    slowlogP50Us: percentile(us, 0.5),
    slowlogP99Us: percentile(us, 0.99),
  }));
  rows.sort((a, b) => b.calls - a.calls || a.script.localeCompare(b.script));
  console.log(`${REQUESTS} requests (admit → bindLease → release), ${TENANTS} tenants, 4 endpoints; server-side µs per call:`);
  console.log('| script | calls | mean µs (commandstats) | p50 µs (SLOWLOG) | p99 µs (SLOWLOG) |\n|---|---:|---:|---:|---:|');
  for (const r of rows) console.log(`| ${r.script} | ${r.calls} | ${r.meanUs ?? '—'} | ${r.slowlogP50Us} | ${r.slowlogP99Us} |`);

  // 3. Fixed cost of one script call on this server: probe scripts run by EVALSHA (no SLOWLOG),
  //    INFO commandstats means; "added" is over the empty script.
  await client.config('SET', 'slowlog-log-slower-than', '10000');
  const probes: [string, string][] = [
    ['empty script (`return 1`)', 'return 1'],
    ['define the flow engine\'s functions', `${splitFlowScript(scripts, 'releaseLease').engine}\nreturn 1`],
    ['unpack the store config (ARGV[1])', 'local c = cmsgpack.unpack(ARGV[1]) return 1'],
    ['Redis TIME', "local t = redis.call('TIME') return 1"],
    ['HMGET of 12 fields', "local m = redis.call('HMGET', KEYS[1], 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l') return 1"],
    ['pack a release reply', 'return cmsgpack.pack({released = true, notices = {}, dispatchedCount = 0, storeNowMs = 1763790000000.123})'],
  ];
  const configArg = encodeMsgpack(config);
  const fixedCosts: { probe: string; usPerCall: number; addedUs: number }[] = [];
  for (const [probe, source] of probes) {
    const sha = (await client.script('LOAD', source)) as string;
    const before = await scriptServerTime(client);
    for (let i = 0; i < PROBE_CALLS; i++) await client.evalsha(sha, 1, 'bench-scripts:probe', configArg);
    const after = await scriptServerTime(client);
    const usPerCall = (after.usec - before.usec) / Math.max(1, after.calls - before.calls);
    fixedCosts.push({ probe, usPerCall, addedUs: usPerCall - (fixedCosts[0]?.usPerCall ?? usPerCall) });
  }
  console.log(`\nFixed cost of a script call (${PROBE_CALLS} EVALSHA calls per probe, INFO commandstats):`);
  console.log('| probe | µs per call | added over the empty script |\n|---|---:|---:|');
  for (const c of fixedCosts) console.log(`| ${c.probe} | ${c.usPerCall.toFixed(1)} | ${c.addedUs.toFixed(1)} |`);
  if (args.json !== undefined) writeFileSync(args.json, `${JSON.stringify({ bench: 'scripts', at: new Date().toISOString(), requests: REQUESTS, rows, fixedCosts }, null, 2)}\n`);
} finally {
  await closeRedisClient(client);
  await redis.stop();
}
