/**
 * `npm run bench:overhead -- [--json FILE] [--rps 1000] [--duration-ms 5000] [--warmup-burst-ms 3000] [--warmup-ms 3000] [--max-duration-ms 3000] [--max-rounds 3] [--concurrency 64]
 *   [--targets direct,nginx,bare,memory,lean,redis] [--gc-trace] [--redis-auto-pipelining on|off]`
 *
 * Router overhead against a zero-latency backend, in one run: direct, through nginx (when on PATH),
 * through one `sluice-router` in memory mode and one with Redis (REDIS_URL, else a local
 * redis-server/testcontainers via @sluice/testing). Only the backend and the measured target run at
 * any time. Each target gets a warm-up (a closed-loop burst, then the fixed rate) and a fixed-rate
 * open-loop run (latency from the scheduled send time; the target's CPU per request on Linux). Then
 * the closed-loop max-throughput runs go round-robin over the targets, `--max-rounds` times, each on
 * a fresh, warmed-up process, and each target's median is reported: on a shared VM the machine's
 * speed drifts within a minute, and alternating keeps the ratios to nginx fair. Prints a Markdown
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
import { CpuMeter } from './cpu-meter.ts';
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
    /**
     * Closed-loop burst per target before its fixed-rate warm-up, not measured. V8 keeps optimising
     * the router for tens of thousands of requests, and a burst gets it there sooner.
     */
    'warmup-burst-ms': { type: 'string', default: '3000' },
    'max-duration-ms': { type: 'string', default: '3000' },
    /** Closed-loop rounds over all targets; each target's median max req/s is reported. */
    'max-rounds': { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '64' },
    /**
     * Comma-separated subset of direct,nginx,bare,memory,lean,redis (direct always runs: it is the
     * baseline). `lean`: a memory-mode router configured without the flowControl gate and with a
     * picker-only scheduling profile.
     */
    targets: { type: 'string', default: 'direct,nginx,bare,memory,lean,redis' },
    /** Start the Node targets (bare proxy, routers) with --trace-gc-nvp and report their scavenges during the timed run. */
    'gc-trace': { type: 'boolean', default: false },
    /** Sets `redis.autoPipelining` of the Redis-mode router (on|off); unset = the router's default. */
    'redis-auto-pipelining': { type: 'string' },
  },
});
const rps = Number(values.rps);
const KNOWN_TARGETS = ['direct', 'nginx', 'bare', 'memory', 'lean', 'redis'];
const targets = new Set(values.targets.split(',').map((t) => t.trim()).filter((t) => t !== ''));
for (const t of targets) if (!KNOWN_TARGETS.includes(t)) throw new Error(`--targets: unknown target "${t}" (expected some of ${KNOWN_TARGETS.join(',')})`);
const gcTrace = values['gc-trace'];
const autoPipeliningArg = values['redis-auto-pipelining'];
if (autoPipeliningArg !== undefined && autoPipeliningArg !== 'on' && autoPipeliningArg !== 'off') throw new Error(`--redis-auto-pipelining: expected on or off, got "${autoPipeliningArg}"`);
const durationMs = Number(values['duration-ms']);
const warmupMs = Number(values['warmup-ms']);
const warmupBurstMs = Number(values['warmup-burst-ms']);
const maxDurationMs = Number(values['max-duration-ms']);
const maxRounds = Number(values['max-rounds']);
if (!Number.isInteger(maxRounds) || maxRounds < 1) throw new Error(`--max-rounds: expected an integer >= 1, got "${values['max-rounds']}"`);
const concurrency = Number(values.concurrency);

interface TargetResult {
  readonly target: string;
  readonly fixedRate: LatencySummary;
  /** Median of the rounds' max req/s. */
  readonly maxRps: number;
  /** Each round's max req/s, in round order. */
  readonly maxRpsRounds: readonly number[];
  readonly maxErrors: number;
  /**
   * CPU of the target's process tree during the max-throughput runs (median over the rounds): in
   * cores (1.0 = one core busy the whole run) and µs per request; null off Linux. A Node target at
   * about 1 core is bound by its one JavaScript thread, and its max req/s is then about 1 s over
   * its µs per request.
   */
  readonly maxCpu: { readonly cores: number; readonly usPerRequest: number; readonly redisCores?: number; readonly redisUsPerRequest?: number } | null;
  /** CPU (user + system) the target's process tree spent per request in the timed fixed-rate run, µs; null off Linux. */
  readonly cpuUsPerRequest: number | null;
  /** Redis mode with a redis-server the bench started: that server's CPU per request in the same window, µs. */
  readonly redisCpuUsPerRequest?: number | null;
  /** With --gc-trace, for Node targets: the target's scavenges during the timed fixed-rate run. */
  readonly scavenges?: ScavengeSummary;
}

/** A started target; `gc` is set when it runs under --trace-gc-nvp; `pid` is the process to meter. */
interface Target {
  readonly name: string;
  readonly url: string;
  readonly pid: number | undefined;
  readonly gc?: ScavengeTally;
  /** Extra process to meter alongside (the bench's own redis-server). */
  readonly companionPid?: number | undefined;
  /** The process `stop()` ends (absent for the backend, which runs throughout). */
  readonly process?: ChildProcess;
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

/** Resolves when every child has exited, or after `timeoutMs`. */
async function exited(list: readonly ChildProcess[], timeoutMs: number): Promise<void> {
  const running = list.filter((c) => c.exitCode === null && c.signalCode === null);
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.all(running.map((c) => new Promise<void>((resolve) => c.once('exit', () => resolve())))),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    }),
  ]);
  clearTimeout(timer);
}

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

async function startBackend(): Promise<Target> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', BACKEND, String(port)], { stdio: ['ignore', 'pipe', 'inherit'], cwd: PACKAGE_DIR });
  children.push(child);
  const url = `http://127.0.0.1:${port}`;
  await waitReady(`${url}/health`, 'zero-latency backend');
  return { name: 'direct', url, pid: child.pid, stop: () => child.kill('SIGTERM') };
}

async function startNginx(backendPort: number): Promise<Target | null> {
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
  return { name: 'nginx (1 worker)', url, pid: child.pid, process: child, stop: () => child.kill('SIGTERM') };
}

/**
 * The router's endpointPicker in the bench. `full`: the flowControl gate on and the default
 * scheduling profile (queue, KV-cache and prefix scorers; the prefix lookup runs). `lean`: the gate
 * off and a profile with only max-score-picker (no scorer, no prefix lookup): what the request path
 * costs without those features, from configuration alone.
 */
type PickerSetup = 'full' | 'lean';

function endpointPicker(setup: PickerSetup): Record<string, unknown> {
  const common = { apiVersion: 'inference.networking.x-k8s.io/v1alpha1', kind: 'EndpointPickerConfig' };
  const detector = { type: 'concurrency-detector', parameters: { maxConcurrency: 100000 } };
  if (setup === 'full') {
    return { ...common, featureGates: ['flowControl'], plugins: [detector], flowControl: { saturationDetector: { pluginRef: 'concurrency-detector' } } };
  }
  return { ...common, plugins: [detector, { type: 'max-score-picker' }], schedulingProfiles: [{ name: 'default', plugins: [{ pluginRef: 'max-score-picker' }] }] };
}

async function startRouterProcess(name: string, backend: string, env: Record<string, string>, redisUrl?: string, setup: PickerSetup = 'full'): Promise<Target> {
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
    endpointPicker: endpointPicker(setup),
  };
  writeFileSync(join(dir, 'router.yaml'), JSON.stringify(config));
  const node = nodeTarget([ROUTER_BIN, '--config', join(dir, 'router.yaml')]);
  const child = spawn(process.execPath, node.args, { stdio: ['ignore', node.stdout, 'inherit'], env: { ...process.env, ...env } });
  children.push(child);
  const url = `http://127.0.0.1:${port}`;
  await waitReady(`${url}/readyz`, 'sluice-router');
  return { name, url, pid: child.pid, process: child, ...(child.stdout === null ? {} : { gc: new ScavengeTally(child.stdout) }), stop: () => child.kill('SIGTERM') };
}

/** The bare Fastify + undici proxy (`bare-proxy.ts`): what plain Node does on this box. */
async function startBareProxy(backend: string): Promise<Target> {
  const port = await freePort();
  const node = nodeTarget(['--import', 'tsx', BARE_PROXY, String(port), backend]);
  const child = spawn(process.execPath, node.args, { stdio: ['ignore', node.stdout, 'inherit'], cwd: PACKAGE_DIR });
  children.push(child);
  const url = `http://127.0.0.1:${port}`;
  await waitReady(`${url}/readyz`, 'bare proxy');
  return { name: 'bare Fastify + undici proxy', url, pid: child.pid, process: child, ...(child.stdout === null ? {} : { gc: new ScavengeTally(child.stdout) }), stop: () => child.kill('SIGTERM') };
}

/** Latency, CPU and GC of one target at the fixed rate (after its warm-up). */
async function measureFixedRate(target: Target): Promise<Omit<TargetResult, 'maxRps' | 'maxRpsRounds' | 'maxErrors' | 'maxCpu'>> {
  // One pool for the warm-up and the timed run: the timed run starts on warm connections, so it
  // measures per-request overhead, not connection set-up (the same for every target).
  const pool = fixedRatePool(target.url);
  if (warmupBurstMs > 0) {
    process.stderr.write(`[bench] ${target.name}: warm-up burst, ${concurrency} connections for ${warmupBurstMs} ms (not measured)…\n`);
    await maxThroughput(target.url, concurrency, warmupBurstMs);
  }
  process.stderr.write(`[bench] ${target.name}: warm-up, ${warmupMs} ms at ${rps}/s (not measured)…\n`);
  await fixedRate(target.url, rps, warmupMs, {}, pool);
  process.stderr.write(`[bench] ${target.name}: fixed rate ${rps}/s for ${durationMs} ms…\n`);
  const cpu = target.pid === undefined ? null : new CpuMeter(target.pid);
  const companion = target.companionPid === undefined ? null : new CpuMeter(target.companionPid);
  target.gc?.start();
  cpu?.start();
  companion?.start();
  const fixed = await fixedRate(target.url, rps, durationMs, {}, pool);
  const cpuMs = cpu?.stop() ?? null;
  const companionMs = companion?.stop() ?? null;
  const scavenges = target.gc?.stop();
  await pool.close();
  const perRequest = (ms: number | null): number | null => (ms === null ? null : (ms * 1000) / Math.max(1, fixed.requests));
  return {
    target: target.name,
    fixedRate: fixed,
    cpuUsPerRequest: perRequest(cpuMs),
    ...(companion === null ? {} : { redisCpuUsPerRequest: perRequest(companionMs) }),
    ...(scavenges === undefined ? {} : { scavenges }),
  };
}

/** CPU metered over one max-throughput run. */
interface MaxRunCpu {
  readonly elapsedMs: number;
  readonly cpuMs: number;
  readonly redisCpuMs: number | null;
  readonly requests: number;
}

/** Medians over the rounds of the target's (and its redis-server's) cores and µs per request. */
function summarizeMaxCpu(runs: readonly MaxRunCpu[]): TargetResult['maxCpu'] {
  if (runs.length === 0) return null;
  const perRequest = (ms: number, r: MaxRunCpu): number => (ms * 1000) / Math.max(1, r.requests);
  const own = { cores: median(runs.map((r) => r.cpuMs / r.elapsedMs)), usPerRequest: median(runs.map((r) => perRequest(r.cpuMs, r))) };
  const withRedis = runs.filter((r): r is MaxRunCpu & { redisCpuMs: number } => r.redisCpuMs !== null);
  if (withRedis.length === 0) return own;
  return { ...own, redisCores: median(withRedis.map((r) => r.redisCpuMs / r.elapsedMs)), redisUsPerRequest: median(withRedis.map((r) => perRequest(r.redisCpuMs, r))) };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The pid of a local redis-server the bench started (INFO server), to meter its CPU. */
async function redisServerPid(url: string): Promise<number | undefined> {
  const client = createRedisClient({ mode: 'single', url });
  try {
    const info = await client.info('server');
    const pid = Number(/process_id:(\d+)/.exec(info)?.[1]);
    return Number.isInteger(pid) ? pid : undefined;
  } finally {
    await closeRedisClient(client);
  }
}

/** A target the bench can start (again): one process per phase and round, so that only the measured target runs. */
interface TargetSpec {
  readonly name: string;
  start(): Promise<Target>;
}

/** Stops a target and waits for its processes to exit (a SIGKILLed nginx master leaves its worker running). */
async function stopTarget(target: Target): Promise<void> {
  target.stop();
  if (target.process !== undefined) await exited([target.process], 3000);
}

const results: TargetResult[] = [];
let redis: Awaited<ReturnType<typeof startRedis>> | null = null;
const redisKeyPrefixes: string[] = [];
try {
  const backend = await startBackend();
  const backendTarget: Target = { ...backend, stop: () => undefined };
  const specs: TargetSpec[] = [{ name: backend.name, start: async () => backendTarget }];
  if (targets.has('nginx')) {
    if (spawnSync('sh', ['-c', 'command -v nginx']).status === 0) specs.push({ name: 'nginx (1 worker)', start: async () => (await startNginx(Number(new URL(backend.url).port)))! });
    else process.stderr.write('[bench] nginx not on PATH: skipped\n');
  }
  if (targets.has('bare')) specs.push({ name: 'bare Fastify + undici proxy', start: () => startBareProxy(backend.url) });
  if (targets.has('memory')) specs.push({ name: 'sluice-router, memory', start: () => startRouterProcess('sluice-router, memory', backend.url, { LOG_LEVEL: 'warn' }) });
  const leanName = 'sluice-router, memory, lean config (no flowControl gate, picker only)';
  if (targets.has('lean')) specs.push({ name: leanName, start: () => startRouterProcess(leanName, backend.url, { LOG_LEVEL: 'warn' }, undefined, 'lean') });
  if (targets.has('redis')) {
    const server = await startRedis();
    redis = server;
    // Only a redis-server this bench started is metered: a shared one (REDIS_URL) serves others too.
    const companionPid = server.source === 'redis-server' ? await redisServerPid(server.url) : undefined;
    const name = `sluice-router, Redis (${server.source})`;
    specs.push({
      name,
      start: async () => {
        const keyPrefix = uniqueKeyPrefix('bench-overhead');
        redisKeyPrefixes.push(keyPrefix);
        const router = await startRouterProcess(name, backend.url, { LOG_LEVEL: 'warn', SLUICE_REDIS_KEY_PREFIX: keyPrefix }, server.url);
        return { ...router, companionPid };
      },
    });
  }

  // Only the backend and the measured target run at any time: an idle router is not idle (metrics
  // scrapes every 50 ms, store polls every 100 ms) and would take CPU from the one being measured.
  const fixedResults: Awaited<ReturnType<typeof measureFixedRate>>[] = [];
  for (const spec of specs) {
    const target = await spec.start();
    fixedResults.push(await measureFixedRate(target));
    await stopTarget(target);
  }

  const rounds = specs.map((): number[] => []);
  const errors = specs.map(() => 0);
  const cpuRounds = specs.map((): MaxRunCpu[] => []);
  for (let round = 1; round <= maxRounds; round++) {
    for (const [i, spec] of specs.entries()) {
      const target = await spec.start();
      if (warmupBurstMs > 0) await maxThroughput(target.url, concurrency, warmupBurstMs);
      process.stderr.write(`[bench] max throughput, round ${round}/${maxRounds}: ${target.name}, ${concurrency} connections for ${maxDurationMs} ms…\n`);
      const cpu = target.pid === undefined ? null : new CpuMeter(target.pid);
      const companion = target.companionPid === undefined ? null : new CpuMeter(target.companionPid);
      cpu?.start();
      companion?.start();
      const startedAt = performance.now();
      const max = await maxThroughput(target.url, concurrency, maxDurationMs);
      const cpuMs = cpu?.stop() ?? null;
      const companionMs = companion?.stop() ?? null;
      if (cpuMs !== null) cpuRounds[i]!.push({ elapsedMs: performance.now() - startedAt, cpuMs, redisCpuMs: companionMs, requests: max.requests });
      rounds[i]!.push(max.rps);
      errors[i]! += max.errors;
      await stopTarget(target);
    }
  }
  specs.forEach((_spec, i) => {
    const maxRpsRounds = rounds[i]!;
    results.push({ ...fixedResults[i]!, maxRps: median(maxRpsRounds), maxRpsRounds, maxErrors: errors[i]!, maxCpu: summarizeMaxCpu(cpuRounds[i]!) });
  });
  if (redis !== null && redisKeyPrefixes.length > 0) {
    const client = createRedisClient({ mode: 'single', url: redis.url });
    for (const keyPrefix of redisKeyPrefixes) await deletePoolKeys(client, new PoolKeys(keyPrefix, 'bench'));
    await closeRedisClient(client);
  }
} finally {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  // SIGTERM first and wait: a SIGKILLed nginx master leaves its worker running (and holding our stdout).
  await exited(children, 3000);
  killAll();
  await redis?.stop();
}

const direct = results[0]!;
const nginxResult = results.find((r) => r.target.startsWith('nginx'));
const f = (n: number): string => (Number.isFinite(n) ? n.toFixed(2) : 'n/a');
const cpuCell = (r: TargetResult): string => {
  const own = r.cpuUsPerRequest === null ? 'n/a' : r.cpuUsPerRequest.toFixed(0);
  return r.redisCpuUsPerRequest === undefined || r.redisCpuUsPerRequest === null ? own : `${own} + Redis ${r.redisCpuUsPerRequest.toFixed(0)}`;
};
const maxCpuCell = (r: TargetResult): string => {
  const c = r.maxCpu;
  if (c === null) return 'n/a';
  const own = `${c.cores.toFixed(2)} (${c.usPerRequest.toFixed(0)})`;
  return c.redisCores === undefined || c.redisUsPerRequest === undefined ? own : `${own} + Redis ${c.redisCores.toFixed(2)} (${c.redisUsPerRequest.toFixed(0)})`;
};
const lines = [
  `Fixed rate ${rps} req/s for ${durationMs} ms after a warm-up of ${warmupBurstMs} ms closed loop + ${warmupMs} ms at the fixed rate (open loop, latency from the scheduled send); CPU: the target's process tree, user + system, over the fixed-rate run. Max throughput: ${concurrency} connections, closed loop, ${maxDurationMs} ms, median of ${maxRounds} round-robin round(s); CPU at max: the target's process tree in cores (µs/request), median of the rounds. ${cpus().length} CPUs, Node ${process.version}.`,
  '',
  '| target | p50 ms | p99 ms | added p50 ms | added p99 ms | errors | achieved req/s | CPU µs/request | max req/s (rounds) | % of nginx max | CPU at max: cores (µs/request) |',
  '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...results.map((r) =>
    [
      r.target,
      f(r.fixedRate.p50Ms),
      f(r.fixedRate.p99Ms),
      r === direct ? '—' : f(r.fixedRate.p50Ms - direct.fixedRate.p50Ms),
      r === direct ? '—' : f(r.fixedRate.p99Ms - direct.fixedRate.p99Ms),
      String(r.fixedRate.errors + r.maxErrors),
      r.fixedRate.achievedRps.toFixed(0),
      cpuCell(r),
      `${r.maxRps.toFixed(0)} (${r.maxRpsRounds.map((v) => v.toFixed(0)).join(', ')})`,
      nginxResult ? `${((100 * r.maxRps) / nginxResult.maxRps).toFixed(0)}%` : 'n/a',
      maxCpuCell(r),
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
  writeFileSync(values.json, JSON.stringify({ rps, durationMs, warmupBurstMs, warmupMs, maxDurationMs, maxRounds, concurrency, cpus: cpus().length, node: process.version, results }, null, 2));
  console.log(`\nwrote ${values.json}`);
}
process.exit(0);
