import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freeClusterPort } from './free-port.ts';

/**
 * A redis-server child process owned by one test file: its own port and temp dir, no persistence.
 * `stop()` SIGKILLs it (data is lost, as in a crash); `start()` brings it back on the same port,
 * empty. Always call `destroy()` in afterAll.
 */
export class RedisProcess {
  readonly port: number;
  readonly dir: string;
  readonly extraArgs: string[];
  #child: ChildProcess | undefined;

  private constructor(port: number, dir: string, extraArgs: string[]) {
    this.port = port;
    this.dir = dir;
    this.extraArgs = extraArgs;
  }

  static async start(extraArgs: string[] = [], port?: number): Promise<RedisProcess> {
    const chosen = port ?? (await freeClusterPort());
    const proc = new RedisProcess(chosen, mkdtempSync(join(tmpdir(), `sluice-redis-${chosen}-`)), extraArgs);
    await proc.start();
    return proc;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    if (this.#child !== undefined) return;
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.dir, ...this.extraArgs];
    const child = spawn('redis-server', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    this.#child = child;
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await waitForPing(this.port, 5000, () => (child.exitCode !== null ? `redis-server exited: ${stderr}` : undefined));
  }

  /** SIGKILL: the server vanishes with all its data, like a crash. */
  async stop(): Promise<void> {
    const child = this.#child;
    if (child === undefined) return;
    this.#child = undefined;
    if (child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }

  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Polls PING until it answers, `deadlineMs` passes, or `failed()` reports a reason. */
export async function waitForPing(port: number, deadlineMs: number, failed: () => string | undefined = () => undefined): Promise<void> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const reason = failed();
    if (reason !== undefined) throw new Error(reason);
    const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => {});
    try {
      await client.connect();
      if ((await client.ping()) === 'PONG') return;
    } catch {
      // not up yet
    } finally {
      client.disconnect();
    }
    if (Date.now() > until) throw new Error(`redis on port ${port} did not answer PING within ${deadlineMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
