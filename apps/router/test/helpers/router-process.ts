import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { closeRedisClient, createRedisClient, deletePoolKeys, PoolKeys } from '@sluice/redis-store';
import { freePort, waitFor } from '@sluice/testing';
import type { ChildRegistry, SimFleet } from '@sluice/testing';

/** Path of the `sluice-router` bin shim. */
export const ROUTER_BIN = fileURLToPath(new URL('../../bin/sluice-router.js', import.meta.url));

export interface RouterProcess {
  readonly url: string;
  readonly port: number;
  output(): string;
  /** SIGTERM and wait for exit (graceful drain); resolves with the exit code. */
  terminate(): Promise<number | null>;
  /** SIGKILL (a crash: nothing is released) and wait for exit. */
  kill(): Promise<void>;
}

/**
 * Spawns `sluice-router --config FILE` as a child process (the config is written as JSON, which is
 * YAML) and waits for GET /readyz = 200. Every child is killed by `registry.stopAll()`.
 */
export async function spawnRouter(registry: ChildRegistry, config: Record<string, unknown>, env: Record<string, string> = {}): Promise<RouterProcess> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'sluice-router-'));
  const file = join(dir, 'router.yaml');
  writeFileSync(file, JSON.stringify({ ...config, server: { ...(config['server'] as object), port } }));
  const child = spawn(process.execPath, [ROUTER_BIN, '--config', file], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  registry.add(child);
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`router exited ${child.exitCode}: ${output}`);
      const res = await fetch(`${url}/readyz`);
      await res.arrayBuffer();
      return res.status === 200;
    },
    { timeoutMs: 30_000, what: `router on ${port} to be ready` },
  ).catch((error: unknown) => {
    throw new Error(`${(error as Error).message}\n--- router output ---\n${output}`);
  });
  return {
    url,
    port,
    output: () => output,
    kill: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGKILL');
      await exited;
    },
    terminate: async () => {
      if (child.exitCode !== null) return child.exitCode;
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      return await exited;
    },
  };
}

/**
 * afterAll of a multi-process Redis test: stops every router child and the simulators, then deletes
 * the pool's keys under `keyPrefix` (pool `test`, as testRouterConfig names it) even if stopping failed.
 */
export async function stopFleetAndDeletePool(registry: ChildRegistry, fleet: SimFleet | undefined, redisUrl: string, keyPrefix: string): Promise<void> {
  try {
    await registry.stopAll();
    await fleet?.stop();
  } finally {
    const redis = createRedisClient({ mode: 'single', url: redisUrl });
    await deletePoolKeys(redis, new PoolKeys(keyPrefix, 'test'));
    await closeRedisClient(redis);
  }
}
