// `npm run bench:scripts -- [--requests N] [--json FILE]`
// Server-side time of each Lua script on the router's per-request path, unsaturated: admit,
// bindLease and release (once per routed request in Redis mode), plus readEndpointLoad (every
// 100 ms) and readStats (every 1 s) of the router's stats loop. Means from INFO commandstats, one
// script per phase; p50/p99 from SLOWLOG with every call logged. Runs its own redis-server, so
// changing slowlog settings touches nobody else's Redis; REDIS_URL is ignored.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createFlowStoreConfig, DetectorType, FairnessPolicyType, OrderingPolicyType } from '@sluice/flow-control';
import { startRedisServer } from '@sluice/testing';
import { closeRedisClient, createRedisClient } from '../connection/redis-factory.ts';
import { RedisFlowStore } from '../flow-store/redis-flow-store.ts';
import { loadLuaScripts } from '../scripts/lua-loader.ts';
import { ScriptRegistry } from '../scripts/script-registry.ts';
import { percentile, scriptServerTime } from './bench-support.ts';

const { values: args } = parseArgs({ options: { requests: { type: 'string', default: '2000' }, json: { type: 'string' } } });
const REQUESTS = Number(args.requests);
const TENANTS = 50;

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
  if (args.json !== undefined) writeFileSync(args.json, `${JSON.stringify({ bench: 'scripts', at: new Date().toISOString(), requests: REQUESTS, rows }, null, 2)}\n`);
} finally {
  await closeRedisClient(client);
  await redis.stop();
}
