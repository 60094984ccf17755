import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { FleetRecord, FleetWorkerSpec } from './fleet-worker.ts';

const WORKER = fileURLToPath(new URL('./fleet-worker.ts', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** A fleet-worker child process (one router replica). Always `kill()` it in afterEach/afterAll. */
export class FleetProcess {
  readonly records: FleetRecord[] = [];
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  #done = false;
  #ready = false;
  #stderr = '';

  constructor(spec: FleetWorkerSpec) {
    this.child = spawn(process.execPath, ['--import', 'tsx', WORKER], {
      cwd: REPO_ROOT,
      env: { ...process.env, SLUICE_FLEET: JSON.stringify(spec) },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      try {
        const parsed = JSON.parse(line) as FleetRecord | { done: number } | { ready: true };
        if ('ready' in parsed) this.#ready = true;
        else if ('done' in parsed) this.#done = true;
        else this.records.push(parsed);
      } catch {
        this.#stderr += `${line}\n`;
      }
    });
    this.child.stderr?.on('data', (chunk: Buffer) => (this.#stderr += chunk.toString()));
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  /** True once the worker has started its controller and waits for `go()`. */
  get ready(): boolean {
    return this.#ready;
  }

  /** Releases the worker's start barrier: it begins its request schedule. */
  go(): void {
    this.child.stdin?.write('go\n');
  }

  /** True once the worker printed every record. */
  get done(): boolean {
    return this.#done;
  }

  /** True if the process ended without finishing (crash): fail fast instead of timing out. */
  get crashed(): boolean {
    return !this.#done && (this.child.exitCode !== null || this.child.signalCode !== null);
  }

  get stderr(): string {
    return this.#stderr;
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}
