import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stopChild } from './child-registry.ts';
import { freePort } from './free-port.ts';
import { waitFor } from './wait-for.ts';

/** Where the Redis a test run talks to came from. */
export type RedisSource = 'env' | 'redis-server' | 'testcontainers';

export interface RedisHandle {
  /** redis:// URL of the server. */
  url: string;
  host: string;
  port: number;
  source: RedisSource;
  /** Stops what startRedis started. A REDIS_URL given from outside is left running. */
  stop(): Promise<void>;
}

export interface StartRedisOptions {
  /** Environment to read REDIS_URL from; defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  /** Skip REDIS_URL even when set (for tests that must own their server, e.g. restart tests). */
  ignoreEnv?: boolean;
  /** Extra redis-server arguments, e.g. ['--maxmemory', '64mb']. */
  serverArgs?: string[];
  /** The redis-server command to look for on PATH (default `redis-server`). */
  redisServerBinary?: string;
  /** Try testcontainers when no binary is found (default true). */
  allowTestcontainers?: boolean;
}

export const HOW_TO_GET_REDIS = [
  'No Redis available for the tests. Sluice tests need a real Redis 7, in this order:',
  '  1. set REDIS_URL=redis://host:port/db to use one you run (tests isolate themselves with key prefixes);',
  '  2. or put a `redis-server` binary on PATH (Debian/Ubuntu: apt-get install -y redis-server;',
  '     macOS: brew install redis) and each test run starts its own on a free port;',
  '  3. or run Docker, and testcontainers starts redis:7-alpine.',
].join('\n');

/**
 * Provides a Redis for one test run: REDIS_URL if set, else a private `redis-server` on a free
 * port (no persistence, killed by stop()), else a testcontainers Redis when Docker answers,
 * else throws an error that says how to get one ({@link HOW_TO_GET_REDIS}).
 */
export async function startRedis(options: StartRedisOptions = {}): Promise<RedisHandle> {
  const env = options.env ?? process.env;
  const fromEnv = env['REDIS_URL'];
  if (!options.ignoreEnv && fromEnv !== undefined && fromEnv !== '') {
    const parsed = new URL(fromEnv);
    return { url: fromEnv, host: parsed.hostname, port: Number(parsed.port || 6379), source: 'env', stop: async () => {} };
  }
  const binary = options.redisServerBinary ?? 'redis-server';
  if (hasBinary(binary)) return await startRedisServer(options.serverArgs ?? [], 3, binary);
  if (options.allowTestcontainers ?? true) {
    const container = await tryTestcontainers();
    if (container !== undefined) return container;
  }
  throw new Error(HOW_TO_GET_REDIS);
}

function hasBinary(binary: string): boolean {
  const probe = spawnSync(binary, ['--version'], { stdio: 'ignore' });
  return probe.error === undefined && probe.status === 0;
}

/**
 * Starts `redis-server` on a free port with persistence off, in its own temp dir.
 * Retries on a port race. Resolves once the server answers PING.
 */
export async function startRedisServer(extraArgs: string[] = [], attempts = 3, binary = 'redis-server'): Promise<RedisHandle> {
  let lastError: unknown;
  for (let attempt = 0; attempt < attempts; attempt++) {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'sluice-redis-'));
    const child = spawn(
      binary,
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...extraArgs],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const killOnExit = (): void => {
      child.kill('SIGKILL');
    };
    process.once('exit', killOnExit);
    try {
      await waitFor(
        async () => {
          if (child.exitCode !== null) throw new Error(`redis-server exited: ${output.trim()}`);
          return (await ping('127.0.0.1', port)) ? true : undefined;
        },
        { timeoutMs: 10_000, what: `redis-server on port ${port} to answer PING` },
      );
      return {
        url: `redis://127.0.0.1:${port}`,
        host: '127.0.0.1',
        port,
        source: 'redis-server',
        stop: async () => {
          process.removeListener('exit', killOnExit);
          await stopChild(child);
          rmSync(dir, { recursive: true, force: true });
        },
      };
    } catch (error) {
      lastError = error;
      process.removeListener('exit', killOnExit);
      await stopChild(child, 500);
      rmSync(dir, { recursive: true, force: true });
    }
  }
  throw lastError instanceof Error ? lastError : new Error(String(lastError));
}

/** Sends an inline PING over a raw socket; true when the server answers +PONG. */
export async function ping(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return await new Promise<boolean>((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(port, host, () => socket.write('PING\r\n'));
    socket.once('data', (data: Buffer) => done(data.toString().startsWith('+PONG')));
  });
}

async function tryTestcontainers(): Promise<RedisHandle | undefined> {
  try {
    const { RedisContainer } = await import('@testcontainers/redis');
    const container = await new RedisContainer('redis:7-alpine').start();
    const host = container.getHost();
    const port = container.getPort();
    return {
      url: `redis://${host}:${port}`,
      host,
      port,
      source: 'testcontainers',
      stop: async () => {
        await container.stop();
      },
    };
  } catch {
    return undefined;
  }
}
