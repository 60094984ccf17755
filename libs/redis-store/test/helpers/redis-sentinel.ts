import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeClusterPort } from './free-port.ts';
import { waitForPing } from './redis-process.ts';

/** One Sentinel (redis-server --sentinel) monitoring `masterName` at 127.0.0.1:masterPort. */
export class SentinelProcess {
  readonly port: number;
  readonly #dir: string;
  readonly #child: ChildProcess;

  private constructor(port: number, dir: string, child: ChildProcess) {
    this.port = port;
    this.#dir = dir;
    this.#child = child;
  }

  static async start(masterName: string, masterPort: number): Promise<SentinelProcess> {
    const port = await freeClusterPort();
    const dir = mkdtempSync(join(tmpdir(), `sluice-sentinel-${port}-`));
    const conf = join(dir, 'sentinel.conf');
    writeFileSync(conf, `port ${port}\nbind 127.0.0.1\ndir ${dir}\nsentinel monitor ${masterName} 127.0.0.1 ${masterPort} 1\n`);
    const child = spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' });
    const sentinel = new SentinelProcess(port, dir, child);
    try {
      await waitForPing(port, 5000, () => (child.exitCode !== null ? 'redis sentinel exited' : undefined));
    } catch (error) {
      await sentinel.stop();
      throw error;
    }
    return sentinel;
  }

  async stop(): Promise<void> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) {
      await new Promise<void>((resolve) => {
        this.#child.once('exit', () => resolve());
        this.#child.kill('SIGKILL');
      });
    }
    rmSync(this.#dir, { recursive: true, force: true });
  }
}
