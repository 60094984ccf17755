import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ChildRegistry, freePort, stopChild } from '@sluice/testing';
import { DEFAULT_PORTS, localizedNginxConf, localizePorts, nginxArgv, stackTopology, type StackProcess, type StackTopology, type TopologyPorts } from './topology.ts';

/** Repository root (the image's /app). */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PROXY_BIN = 'loadtest/bin/sluice-bench-proxy.js';

export interface StartStackOptions {
  /**
   * 'default': the ports of docker-compose.yml and the config files as they are (redis moves to a
   * free port when 6379 is busy). 'free': every process on a free port, with localized copies of
   * router.yaml and nginx.conf in a temp dir (tests; machines where 8001-8004 are taken).
   */
  readonly ports?: 'default' | 'free';
  /** 'auto': nginx when on PATH, else the built-in round-robin proxy. */
  readonly gateway?: 'auto' | 'nginx' | 'builtin';
  /** Receives every status line and every child output line (prefixed with the process name). */
  readonly log?: (line: string) => void;
  /** Deadline for the whole start-up, ms. Default 60 000. */
  readonly startTimeoutMs?: number;
}

export interface RunningStack {
  readonly topology: StackTopology;
  /** OpenAI-compatible base URL of the gateway (http://127.0.0.1:PORT). */
  readonly gatewayUrl: string;
  /** 'nginx/1.22.1' or 'built-in round-robin proxy'. */
  readonly gatewayKind: string;
  readonly redisUrl: string;
  /** Config file the routers were started with (the repo's, or a localized temp copy). */
  readonly routerConfigPath: string;
  /** SIGTERM to every process (routers first, so they drain), SIGKILL after the grace period. */
  stop(): Promise<void>;
}

/**
 * Starts the docker-compose topology (deploy/src/topology.ts) as local processes: redis-server,
 * 4 sluice-sim, 2 sluice-router (sharing that Redis), and the gateway. Resolves once every process
 * answers its readiness check; on any failure everything started so far is stopped and the error
 * (with the failing process's last output) is thrown.
 */
export async function startStack(options: StartStackOptions = {}): Promise<RunningStack> {
  const log = options.log ?? ((line: string) => console.log(line));
  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  const registry = new ChildRegistry();
  /** Started processes by start-up group (redis, sims, routers, gateway). */
  const started: Array<{ group: number; child: ChildProcess }> = [];
  let group = 0;
  const workDir = mkdtempSync(join(tmpdir(), 'sluice-stack-'));
  let stopping = false;
  const stopAll = async (): Promise<void> => {
    stopping = true;
    // Reverse start order, one group at a time: gateway, routers (they drain), sims, redis.
    for (let g = group; g >= 0; g -= 1) await Promise.all(started.filter((s) => s.group === g).map(({ child }) => stopChild(child, 5000)));
    await registry.stopAll(1000);
    rmSync(workDir, { recursive: true, force: true });
  };
  try {
    const ports = await choosePorts(options.ports ?? 'default', log);
    const topology = stackTopology(ports);
    // REDIS_URL comes from the environment, so only --free-ports needs localized config copies.
    const routerConfigPath = options.ports === 'free' ? writeLocalized(workDir, 'router.yaml', localizePorts(read(topology.files.routerConfig), ports)) : topology.files.routerConfig;
    const remaining = (): number => Math.max(1000, deadline - Date.now());

    const launch = (proc: StackProcess, argv: readonly string[] = proc.argv): ChildProcess => {
      const [command = '', ...args] = argv;
      const child = spawn(command === 'node' ? process.execPath : command, args, {
        cwd: REPO_ROOT,
        env: { ...process.env, ...proc.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      registry.add(child);
      started.push({ group, child });
      const tail: string[] = [];
      const onData = (chunk: Buffer): void => {
        for (const line of chunk.toString().split('\n')) {
          if (line.trim() === '') continue;
          tail.push(line);
          if (tail.length > 20) tail.shift();
          log(`[${proc.name}] ${line}`);
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.once('error', (error) => {
        const hint = (error as NodeJS.ErrnoException).code === 'ENOENT' ? ` (is ${command} installed and on PATH?)` : '';
        tail.push(`cannot start ${command}: ${error.message}${hint}`);
        (child as ChildProcess & { failed?: boolean }).failed = true;
      });
      child.once('exit', (code, signal) => {
        if (!stopping) log(`[${proc.name}] exited unexpectedly (${code ?? signal}); the rest of the stack keeps running`);
      });
      (child as ChildProcess & { tail?: string[] }).tail = tail;
      return child;
    };
    // Polls the readiness check every 100 ms until the deadline; fails at once if the process exits.
    const ready = async (proc: StackProcess, child: ChildProcess, url: string | null): Promise<void> => {
      for (;;) {
        if (child.exitCode !== null || child.signalCode !== null || (child as ChildProcess & { failed?: boolean }).failed === true) {
          const tail = (child as ChildProcess & { tail?: string[] }).tail ?? [];
          throw new Error(`${proc.name} exited (${child.exitCode ?? child.signalCode}) before it was ready:\n  ${tail.join('\n  ')}`);
        }
        const ok = url === null ? await tcpOpen(proc.port) : await httpOk(url);
        if (ok) return;
        if (Date.now() > deadline) throw new Error(`${proc.name} not ready on ${url ?? `port ${proc.port}`} before the start-up deadline`);
        await new Promise((resolvePromise) => setTimeout(resolvePromise, 100));
      }
    };

    const redisChild = launch(topology.redis);
    await ready(topology.redis, redisChild, null);
    const redisUrl = `redis://127.0.0.1:${ports.redis}`;
    log(`redis-server on ${redisUrl}`);

    group += 1;
    const sims = topology.sims.map((sim) => ({ sim, child: launch(sim) }));
    await Promise.all(sims.map(({ sim, child }) => ready(sim, child, `http://127.0.0.1:${sim.port}${sim.readyPath ?? '/'}`)));
    log(`${sims.length} × sluice-sim ready on ports ${ports.sims.join(', ')}`);

    group += 1;
    const routers = topology.routers.map((router) => ({
      router,
      child: launch(router, router.argv.map((arg) => (arg === topology.files.routerConfig ? routerConfigPath : arg))),
    }));
    await Promise.all(routers.map(({ router, child }) => ready(router, child, `http://127.0.0.1:${router.port}${router.readyPath ?? '/'}`)));
    log(`${routers.length} × sluice-router ready on ports ${ports.routers.join(', ')} (REDIS_URL=${redisUrl})`);

    group += 1;
    const nginx = options.gateway === 'builtin' ? null : nginxVersion();
    if (options.gateway === 'nginx' && nginx === null) throw new Error('gateway: nginx requested but not on PATH');
    let gatewayUrl: string;
    let gatewayKind: string;
    if (nginx !== null) {
      const confPath = options.ports === 'free' ? writeLocalized(workDir, 'nginx.conf', localizedNginxConf(read(topology.files.nginxConf), ports)) : resolve(REPO_ROOT, topology.files.nginxConf);
      const child = launch(topology.gateway, nginxArgv(`${workDir}/`, confPath));
      gatewayUrl = `http://127.0.0.1:${ports.gateway}`;
      await ready(topology.gateway, child, `${gatewayUrl}${topology.gateway.readyPath ?? '/'}`);
      gatewayKind = nginx;
    } else {
      const upstreams = ports.routers.map((port) => `http://127.0.0.1:${port}`);
      const child = launch({ ...topology.gateway, readyPath: null }, ['node', PROXY_BIN, 'round-robin', ...upstreams]);
      gatewayUrl = await listeningUrl(child, remaining());
      gatewayKind = 'built-in round-robin proxy (nginx not on PATH)';
    }
    log(`gateway (${gatewayKind}) on ${gatewayUrl}`);
    return { topology, gatewayUrl, gatewayKind, redisUrl, routerConfigPath, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

async function httpOk(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}

async function choosePorts(mode: 'default' | 'free', log: (line: string) => void): Promise<TopologyPorts> {
  if (mode === 'free') {
    const taken: number[] = [];
    // Distinct ports: freePort() may hand out the same port twice once it was closed again.
    while (taken.length < 2 + DEFAULT_PORTS.sims.length + DEFAULT_PORTS.routers.length) {
      const port = await freePort();
      if (!taken.includes(port)) taken.push(port);
    }
    const [redis = 0, gateway = 0, ...rest] = taken;
    return { redis, gateway, sims: rest.slice(0, DEFAULT_PORTS.sims.length), routers: rest.slice(DEFAULT_PORTS.sims.length) };
  }
  const fixed = [...DEFAULT_PORTS.sims, ...DEFAULT_PORTS.routers, DEFAULT_PORTS.gateway];
  const busy: number[] = [];
  for (const port of fixed) if (!(await canBind(port))) busy.push(port);
  if (busy.length > 0) throw new Error(`ports ${busy.join(', ')} are in use; stop what holds them or run with --free-ports`);
  if (await canBind(DEFAULT_PORTS.redis)) return DEFAULT_PORTS;
  const redis = await freePort();
  log(`port ${DEFAULT_PORTS.redis} is busy: redis-server uses ${redis} instead (REDIS_URL=redis://127.0.0.1:${redis})`);
  return { ...DEFAULT_PORTS, redis };
}

async function canBind(port: number): Promise<boolean> {
  return await new Promise((resolvePromise) => {
    const server = createServer();
    server.once('error', () => resolvePromise(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolvePromise(true)));
  });
}

async function tcpOpen(port: number): Promise<boolean> {
  return await new Promise((resolvePromise) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolvePromise(true);
    });
    socket.once('error', () => resolvePromise(false));
  });
}

/** 'nginx/1.22.1', or null when nginx is not on PATH. */
export function nginxVersion(): string | null {
  const result = spawnSync('nginx', ['-v'], { encoding: 'utf8' });
  if (result.error !== undefined || result.status !== 0) return null;
  return /nginx\/[\d.]+/.exec(`${result.stderr}${result.stdout}`)?.[0] ?? 'nginx';
}

function read(relativePath: string): string {
  return readFileSync(resolve(REPO_ROOT, relativePath), 'utf8');
}

function writeLocalized(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** Resolves with the URL the built-in proxy prints (`listening <url>`). */
async function listeningUrl(child: ChildProcess, timeoutMs: number): Promise<string> {
  return await new Promise((resolvePromise, reject) => {
    let buffered = '';
    const timer = setTimeout(() => reject(new Error(`built-in proxy did not print "listening <url>" within ${timeoutMs} ms`)), timeoutMs);
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const match = /listening (http:\/\/\S+)/.exec(buffered);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolvePromise(match[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`built-in proxy exited (${code}) before listening`));
    });
  });
}
