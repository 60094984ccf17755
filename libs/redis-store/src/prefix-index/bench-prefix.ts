/**
 * Micro-benchmark of the global prefix index: lookup + record latency (client round trip, ms) for
 * ~100-block prompts over 4, 8 and 16 candidate endpoints, one request at a time (the router's
 * hot-path shape: lookup before the pick, record after it). Also times hashing a 100-block prompt.
 *
 *   npm run bench:prefix -- [--iterations N] [--json FILE]
 *   (= node --expose-gc --import tsx libs/redis-store/src/prefix-index/bench-prefix.ts)
 *
 * Then the router's real shape (bench-prefix-pipelined.ts): the lookup pipelined with the admit and
 * the record off the request path; it reports what the index adds to a request at p50 and p99.
 *
 * Uses REDIS_URL when set, else a private redis-server (@sluice/testing startRedis). Keys live under
 * a unique prefix and are deleted at the end. Target: lookup + record add ≤ 1 ms at p99.
 */
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { startRedis, uniqueKeyPrefix } from '@sluice/testing';
import { PrefixHasher } from '@sluice/scheduling';
import { closeRedisClient, createRedisClient } from '../connection/redis-factory.ts';
import { PoolKeys } from '../keys/pool-keys.ts';
import { ScriptRegistry } from '../scripts/script-registry.ts';
import { percentile } from '../bench/bench-support.ts';
import { RedisPrefixIndex } from './redis-prefix-index.ts';
import { measurePipelinedLookup } from './bench-prefix-pipelined.ts';
import type { PipelinedLookupResult } from './bench-prefix-pipelined.ts';

const { values } = parseArgs({ options: { iterations: { type: 'string', default: '2000' }, json: { type: 'string' } } });
const iterations = Number(values.iterations);
const BLOCKS = 100;
const SHARED = 80;
const GROUPS = 32;

const redis = await startRedis();
const client = createRedisClient({ mode: 'single', url: redis.url });
const scripts = ScriptRegistry.fromDirectory();
await scripts.preload(client);
const hasher = await PrefixHasher.create();
const blockChars = hasher.options.blockChars;

function prompt(group: number, request: number): string {
  const shared = `group ${group} system prompt `.repeat(Math.ceil((SHARED * blockChars) / 20)).slice(0, SHARED * blockChars);
  const own = `request ${request} user text `.repeat(Math.ceil(((BLOCKS - SHARED) * blockChars) / 20)).slice(0, (BLOCKS - SHARED) * blockChars);
  return shared + own;
}

const results: Record<string, unknown>[] = [];
try {
  const hashMs: number[] = [];
  for (let i = 0; i < 500; i++) {
    const text = prompt(i % GROUPS, i);
    const t0 = performance.now();
    hasher.hashText('bench-model', text);
    hashMs.push(performance.now() - t0);
  }
  console.log(`hash ${BLOCKS} blocks (${BLOCKS * blockChars} chars): p50 ${percentile(hashMs, 0.5).toFixed(3)} ms, p99 ${percentile(hashMs, 0.99).toFixed(3)} ms`);

  const pingMs: number[] = [];
  for (let i = 0; i < 1000; i++) {
    const t0 = performance.now();
    await client.ping();
    pingMs.push(performance.now() - t0);
  }
  console.log(`PING round trip (baseline): p50 ${percentile(pingMs, 0.5).toFixed(3)} ms, p99 ${percentile(pingMs, 0.99).toFixed(3)} ms`);

  for (const endpointCount of [4, 8, 16]) {
    const keys = new PoolKeys(uniqueKeyPrefix('bench-prefix'), 'bench');
    const state = keys.flowKeys()[0]!;
    const index = new RedisPrefixIndex({ client, scripts, keys, inFlight: { key: state, fieldPrefix: 'bl:' } });
    const endpoints = Array.from({ length: endpointCount }, (_, i) => `10.0.0.${i}:8000`);
    try {
      for (let g = 0; g < GROUPS; g++) await index.record(hasher.hashText('bench-model', prompt(g, -1)), endpoints[g % endpointCount]!);
      const prompts = Array.from({ length: iterations }, (_, i) => hasher.hashText('bench-model', prompt(i % GROUPS, i)));
      await client.config('RESETSTAT');
      // Collect the setup's garbage first (needs --expose-gc, as `npm run bench:prefix` passes), so a
      // major GC of the benchmark's own heap does not land inside the timed calls.
      (globalThis as { gc?: () => void }).gc?.();
      const lookupMs: number[] = [];
      const recordMs: number[] = [];
      const totalMs: number[] = [];
      let matchedSum = 0;
      for (let i = 0; i < iterations; i++) {
        const hashes = prompts[i]!;
        const t0 = performance.now();
        const r = await index.lookup(hashes, endpoints);
        const t1 = performance.now();
        let best = endpoints[0]!;
        for (const e of endpoints) if (r.matchedBlocks.get(e)! > r.matchedBlocks.get(best)!) best = e;
        matchedSum += r.matchedBlocks.get(best)!;
        await index.record(hashes, best);
        const t2 = performance.now();
        if (i >= 100) {
          lookupMs.push(t1 - t0);
          recordMs.push(t2 - t1);
          totalMs.push(t2 - t0);
        }
      }
      const serverUsecPerCall = await evalshaUsecPerCall();
      // Server-side cost of each script alone (Lua execution time, no network).
      await client.config('RESETSTAT');
      for (let i = 0; i < 300; i++) await index.lookup(prompts[i]!, endpoints);
      const lookupServerUsec = await evalshaUsecPerCall();
      await client.config('RESETSTAT');
      for (let i = 0; i < 300; i++) await index.record(prompts[i]!, endpoints[i % endpointCount]!);
      const recordServerUsec = await evalshaUsecPerCall();
      const row = {
        serverUsecPerScriptCall: serverUsecPerCall,
        lookupServerUsec,
        recordServerUsec,
        endpoints: endpointCount,
        blocks: BLOCKS,
        iterations,
        meanMatchedBlocks: matchedSum / iterations,
        lookupP50Ms: percentile(lookupMs, 0.5),
        lookupP99Ms: percentile(lookupMs, 0.99),
        recordP50Ms: percentile(recordMs, 0.5),
        recordP99Ms: percentile(recordMs, 0.99),
        lookupPlusRecordP50Ms: percentile(totalMs, 0.5),
        lookupPlusRecordP99Ms: percentile(totalMs, 0.99),
      };
      results.push(row);
      console.log(
        `endpoints ${endpointCount}: lookup p50 ${row.lookupP50Ms.toFixed(3)} p99 ${row.lookupP99Ms.toFixed(3)} ms; record p50 ${row.recordP50Ms.toFixed(3)} p99 ${row.recordP99Ms.toFixed(3)} ms; ` +
          `lookup+record p50 ${row.lookupPlusRecordP50Ms.toFixed(3)} p99 ${row.lookupPlusRecordP99Ms.toFixed(3)} ms (mean match ${row.meanMatchedBlocks.toFixed(1)} blocks; server Lua: lookup ${lookupServerUsec.toFixed(0)} µs, record ${recordServerUsec.toFixed(0)} µs)`,
      );
    } finally {
      await index.deleteAll();
    }
  }
  // The router's shape: lookup pipelined with the admit, record off the request path.
  const pipelined: PipelinedLookupResult[] = [];
  const hotPrompts = Array.from({ length: 256 }, (_, i) => hasher.hashText('bench-model', prompt(i % GROUPS, i)));
  for (const endpointCount of [4, 8, 16]) {
    const endpoints = Array.from({ length: endpointCount }, (_, i) => `10.0.0.${i}:8000`);
    (globalThis as { gc?: () => void }).gc?.();
    const row = await measurePipelinedLookup({ client, scripts, prompts: hotPrompts, endpoints, iterations });
    pipelined.push(row);
    console.log(
      `endpoints ${endpointCount}, router shape: admit p50 ${row.admitP50Ms.toFixed(3)} p99 ${row.admitP99Ms.toFixed(3)} ms; admit ∥ lookup p50 ${row.admitWithLookupP50Ms.toFixed(3)} p99 ${row.admitWithLookupP99Ms.toFixed(3)} ms; ` +
        `added by the index: p50 ${row.addedP50Ms.toFixed(3)} ms, p99 ${row.addedP99Ms.toFixed(3)} ms (record off the path)`,
    );
  }
  if (values.json !== undefined) writeFileSync(values.json, `${JSON.stringify({ redis: redis.source, pingP50Ms: percentile(pingMs, 0.5), pingP99Ms: percentile(pingMs, 0.99), hashBlocks: BLOCKS, hashP99Ms: percentile(hashMs, 0.99), results, pipelined }, null, 2)}\n`);
} finally {
  await closeRedisClient(client);
  await redis.stop();
}

/** Server-side mean µs per EVALSHA since the last CONFIG RESETSTAT (INFO commandstats). */
async function evalshaUsecPerCall(): Promise<number> {
  const info = await client.info('commandstats');
  const match = /cmdstat_evalsha:calls=\d+,usec=\d+,usec_per_call=([\d.]+)/.exec(info);
  return match === null ? Number.NaN : Number(match[1]);
}
