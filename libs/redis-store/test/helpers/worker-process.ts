import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { WorkerSpec } from './replica-worker.ts';

const WORKER = fileURLToPath(new URL('./replica-worker.ts', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

export interface WorkerLine {
  id?: string;
  dispatched?: boolean;
  outcome?: string;
  done?: number;
}

/** A replica-worker child process; `lines` collects its JSON output. Always `kill()` it in afterAll. */
export class WorkerProcess {
  readonly lines: WorkerLine[] = [];
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  #stderr = '';

  constructor(spec: WorkerSpec) {
    this.child = spawn(process.execPath, ['--import', 'tsx', WORKER], {
      cwd: REPO_ROOT,
      env: { ...process.env, SLUICE_WORKER: JSON.stringify(spec) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      try {
        this.lines.push(JSON.parse(line) as WorkerLine);
      } catch {
        this.#stderr += `${line}\n`;
      }
    });
    this.child.stderr?.on('data', (chunk: Buffer) => (this.#stderr += chunk.toString()));
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  get finished(): WorkerLine[] {
    return this.lines.filter((l) => l.id !== undefined);
  }

  get done(): boolean {
    return this.lines.some((l) => l.done !== undefined);
  }

  get stderr(): string {
    return this.#stderr;
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
  }
}
