/**
 * `npm run bench:overhead -- [--json FILE] [--rps 1000] [--duration-ms 5000] [--warmup-ms 3000] [--max-duration-ms 3000] [--concurrency 64] [--targets direct,nginx,bare,memory,redis]
 *   [--gc-trace] [--redis-auto-pipelining on|off]`
 *
 * Router overhead against a zero-latency backend, in one run: direct, through nginx (when on PATH),
 * through one `sluice-router` in memory mode and one with Redis (REDIS_URL, else a local
 * redis-server/testcontainers via @sluice/testing). Each target gets a warm-up, a fixed-rate open-loop
 * run (latency from the scheduled send time) and a closed-loop max-throughput run. Prints a Markdown
 * table; `--json FILE` also writes the numbers.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { closeRedisClient, createRedisClient, deletePoolKeys, PoolKeys } from '@sluice/redis-store';
import { freePort, startRedis, uniqueKeyPrefix, waitFor } from '@sluice/testing';
import { fixedRate, fixedRatePool, maxThroughput } from './load.ts';
import { ScavengeTally } from './scavenge-tally.ts';
import type { ScavengeSummary } from './scavenge-tally.ts';
import type { LatencySummary } from './load.ts';

const ROUTER_BIN = fileURLToPath(new URL('../../bin/sluice-router.js', import.meta.url));
const BACKEND = fileURLToPath(new URL('./zero-backend.ts', import.meta.url));
const BARE_PROXY = fileURLToPath(new URL('./bare-proxy.ts', import.meta.url));
/** The router package folder: `--import tsx` resolves from the working directory. */
const PACKAGE_DIR = fileURLToPath(new URL('../..', import.meta.url));

const { values } = parseArgs({
  options: {
    json: { type: 'string' },
    rps: { type: 'string', default: '1000' },
    'duration-ms': { type: 'string', default: '5000' },
    /** Fixed-rate warm-up per target, not measured: a cold Node process runs interpreted code for its first second or so. */
    'warmup-ms': { type: 'string', default: '3000' },
    'max-duration-ms': { type: 'string', default: '3000' },
    concurrency: { type: 'string', default: '64' },
    /** Comma-separated subset of direct,nginx,bare,memory,redis (direct always runs: it is the baseline). */
    targets: { type: 'string', default: 'direct,nginx,bare,memory,redis' },
    /** Start the Node targets (bare proxy, routers) with --trace-gc-nvp and report their scavenges during the timed run. */
    'gc-trace': { type: 'boolean', default: false },
    /** Sets `redis.autoPipelining` of the Redis-mode router (on|off); unset = the router's default. */
    'redis-auto-pipelining': { type: 'string' },
  },
});
const rps = Number(values.rps);
const KNOWN_TARGETS = ['direct', 'nginx', 'bare', 'memory', 'redis'];
const targets = new Set(values.targets.split(',').map((t) => t.trim()).filter((t) => t !== ''));
for (const t of targets) if (!KNOWN_TARGETS.includes(t)) throw new Error(`--targets: unknown target "${t}" (expected some of ${KNOWN_TARGETS.join(',')})`);
const gcTrace = values['gc-trace'];
const autoPipeliningArg = values['redis-auto-pipelining'];
if (autoPipeliningArg !== undefined && autoPipeliningArg !== 'on' && autoPipeliningArg !== 'off') throw new Error(`--redis-auto-pipelining: expected on or off, got "${autoPipeliningArg}"`);
const durationMs = Number(values['duration-ms']);
const warmupMs = Number(values['warmup-ms']);
const maxDurationMs = Number(values['max-duration-ms']);
const concurrency = Number(values.concurrency);

interface TargetResult {
  readonly target: string;
  readonly fixedRate: LatencySummary;
  readonly maxRps: number;
  readonly maxErrors: number;
  /** With --gc-trace, for Node targets: the target's scavenges during the timed fixed-rate run. */
  readonly scavenges?: ScavengeSummary;
}

/** A started target; `gc` is set when it runs under --trace-gc-nvp. */
interface Target {
  readonly url: string;
  readonly gc?: ScavengeTally;
  stop(): void;
}

/** Node flags and stdout handling of a Node target, by --gc-trace. */
function nodeTarget(args: string[]): { args: string[]; stdout: 'pipe' | 'ignore' } {
  return gcTrace ? { args: ['--trace-gc-nvp', ...args], stdout: 'pipe' } : { args, stdout: 'ignore' };
}

const children: ChildProcess[] = [];
const killAll = (): void => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
};
process.on('exit', killAll);

async function waitReady(url: string, what: string): Promise<void> {
  await waitFor(
    async () => {
      const res = await fetch(url);
      await res.arrayBuffer();
      return res.status === 200;
    },
    { timeoutMs: 30_000, what },
  );
}

async function startBackend(): Promise<string> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', BACKEND, String(port)], { stdio: ['ignore', 'pipe', 'inherit'], cwd: PACKAGE_DIR });
  children.push(child);
  const url = `http://127.0.0.1:${port}`;
  await waitReady(`${url}/health`, 'zero-latency backend');
  return url;
}

async function startNginx(backendPort: number): Promise<{ url: string; stop(): void } | null> {
  if (spawnSync('sh', ['-c', 'command -v nginx']).status !== 0) return null;
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'sluice-nginx-'));
  mkdirSync(join(dir, 'logs'));
  const conf = `worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  upstream backend { server 127.0.0.1:${backendPort}; keepalive 256; }
  server {
    listen 127.0.0.1:${port};
    location / { proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
}
`;
  writeFileSync(join(dir, 'nginx.conf'), conf);
  const child = spawn('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: ['ignore', 'inherit', 'inherit'] });
  children.push(child);
  const url = `http://127.0.0.1:${port}`;
  await waitReady(`${url}/health`, 'nginx');
  return { url, stop: () => child.kill('SIGTERM') };
}

async function startRouterProcess(backend: string, env: Record<string, string>, redisUrl?: string): Promise<Target> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-router-'));
  const config = {
    apiVersion: 'sluice.dev/v1alpha1',
    kind: 'RouterConfig',
    server: { port, host: '127.0.0.1' },
    ...(redisUrl ? { redis: { url: redisUrl, ...(autoPipeliningArg === undefined ? {} : { autoPipelining: autoPipeliningArg === 'on' }) } } : {}),
    pool: { name: 'bench', endpoints: [backend.replace('http://', '')] },
    auth: { mode: 'trusted-headers' },
    logging: { level: 'warn' },
    endpointPicker: {
      apiVersion: 'inference.networking.x-k8s.io/v1alpha1',
      kind: 'EndpointPickerConfig',
      featureGates: ['flowControl'],
      plugins: [{ type: 'concurrency-detector', parameters: { maxConcurrency: 100000 } }],
      flowControl: { saturationDetector: { pluginRef: 'concurrency-detector' } },
    },
  };
  writeFileSync(join(dir, 'router.yaml'), JSON.stringify(config));
  const node = nodeTarget([ROUTER_BIN, '--config', join(dir, 'router.yaml')]);
  const child = spawn(process.execPath, node.args, { stdio: ['ignore', node.stdout, 'inherit'], env: { ...process.env, ...env } });
  children.push(child);
  const url = `http://127.0.0.1:${port}`;
  await waitReady(`${url}/readyz`, 'sluice-router');
  return { url, ...(child.stdout === null ? {} : { gc: new ScavengeTally(child.stdout) }), stop: () => child.kill('SIGTERM') };
}

/** The bare Fastify + undici proxy (`bare-proxy.ts`): what plain Node does on this box. */
async function startBareProxy(backend: string): Promise<Target> {
  const port = await freePort();
  const node = nodeTarget(['--import', 'tsx', BARE_PROXY, String(port), backend]);
  const child = spawn(process.execPath, node.args, { stdio: ['ignore', node.stdout, 'inherit'], cwd: PACKAGE_DIR });
  children.push(child);
  const url = `http://127.0.0.1:${port}`;
  await waitReady(`${url}/readyz`, 'bare proxy');
  return { url, ...(child.stdout === null ? {} : { gc: new ScavengeTally(child.stdout) }), stop: () => child.kill('SIGTERM') };
}

async function measure(target: string, url: string, gc?: ScavengeTally): Promise<TargetResult> {
  // One pool for the warm-up and the timed run: the timed run starts on warm connections, so it
  // measures per-request overhead, not connection set-up (the same for every target).
  const pool = fixedRatePool(url);
  process.stderr.write(`[bench] ${target}: warm-up, ${warmupMs} ms at ${rps}/s (not measured)…\n`);
  await fixedRate(url, rps, warmupMs, {}, pool);
  process.stderr.write(`[bench] ${target}: fixed rate ${rps}/s for ${durationMs} ms…\n`);
  gc?.start();
  const fixed = await fixedRate(url, rps, durationMs, {}, pool);
  const scavenges = gc?.stop();
  await pool.close();
  process.stderr.write(`[bench] ${target}: max throughput, ${concurrency} connections for ${maxDurationMs} ms…\n`);
  const max = await maxThroughput(url, concurrency, maxDurationMs);
  return { target, fixedRate: fixed, maxRps: max.rps, maxErrors: max.errors, ...(scavenges === undefined ? {} : { scavenges }) };
}

const results: TargetResult[] = [];
const backend = await startBackend();
let redis: Awaited<ReturnType<typeof startRedis>> | null = null;
try {
  results.push(await measure('direct', backend));
  const nginx = targets.has('nginx') ? await startNginx(Number(new URL(backend).port)) : null;
  if (nginx) {
    results.push(await measure('nginx (1 worker)', nginx.url));
    nginx.stop();
  } else if (targets.has('nginx')) process.stderr.write('[bench] nginx not on PATH: skipped\n');

  if (targets.has('bare')) {
    const bare = await startBareProxy(backend);
    results.push(await measure('bare Fastify + undici proxy', bare.url, bare.gc));
    bare.stop();
  }

  if (targets.has('memory')) {
    const memoryRouter = await startRouterProcess(backend, { LOG_LEVEL: 'warn' });
    results.push(await measure('sluice-router, memory', memoryRouter.url, memoryRouter.gc));
    memoryRouter.stop();
  }

  if (targets.has('redis')) {
    redis = await startRedis();
    const keyPrefix = uniqueKeyPrefix('bench-overhead');
    const redisRouter = await startRouterProcess(backend, { LOG_LEVEL: 'warn', SLUICE_REDIS_KEY_PREFIX: keyPrefix }, redis.url);
    results.push(await measure(`sluice-router, Redis (${redis.source})`, redisRouter.url, redisRouter.gc));
    redisRouter.stop();
    const client = createRedisClient({ mode: 'single', url: redis.url });
    await deletePoolKeys(client, new PoolKeys(keyPrefix, 'bench'));
    await closeRedisClient(client);
  }
} finally {
  killAll();
  await redis?.stop();
}

const direct = results[0]!;
const nginxResult = results.find((r) => r.target.startsWith('nginx'));
const f = (n: number): string => (Number.isFinite(n) ? n.toFixed(2) : 'n/a');
const lines = [
  `Fixed rate ${rps} req/s for ${durationMs} ms after a ${warmupMs} ms warm-up (open loop, latency from the scheduled send); max throughput: ${concurrency} connections, closed loop, ${maxDurationMs} ms. ${cpus().length} CPUs, Node ${process.version}.`,
  '',
  '| target | p50 ms | p99 ms | added p50 ms | added p99 ms | errors | achieved req/s | max req/s | % of nginx max |',
  '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...results.map((r) =>
    [
      r.target,
      f(r.fixedRate.p50Ms),
      f(r.fixedRate.p99Ms),
      r === direct ? '—' : f(r.fixedRate.p50Ms - direct.fixedRate.p50Ms),
      r === direct ? '—' : f(r.fixedRate.p99Ms - direct.fixedRate.p99Ms),
      String(r.fixedRate.errors + r.maxErrors),
      r.fixedRate.achievedRps.toFixed(0),
      r.maxRps.toFixed(0),
      nginxResult ? `${((100 * r.maxRps) / nginxResult.maxRps).toFixed(0)}%` : 'n/a',
    ].join(' | ').replace(/^/, '| ').concat(' |'),
  ),
];
const traced = results.filter((r) => r.scavenges !== undefined);
if (traced.length > 0) {
  lines.push('', `Young-generation GC of each Node target during the ${durationMs} ms timed run (--trace-gc-nvp):`, '', '| target | scavenges | promoted MB | KB promoted per request | pause ms, total | pause ms, max |', '|---|---:|---:|---:|---:|---:|');
  for (const r of traced) {
    const g = r.scavenges!;
    lines.push(`| ${r.target} | ${g.scavenges} | ${g.promotedMb.toFixed(1)} | ${((g.promotedMb * 1000) / Math.max(1, r.fixedRate.requests)).toFixed(1)} | ${g.pauseMsTotal.toFixed(0)} | ${g.pauseMsMax.toFixed(1)} |`);
  }
}
console.log(lines.join('\n'));
if (values.json) {
  writeFileSync(values.json, JSON.stringify({ rps, durationMs, warmupMs, maxDurationMs, concurrency, cpus: cpus().length, node: process.version, results }, null, 2));
  console.log(`\nwrote ${values.json}`);
}
process.exit(0);
