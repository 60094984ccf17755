import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ChildRegistry, stopChild } from './child-registry.ts';
import { freePort } from './free-port.ts';
import { waitFor } from './wait-for.ts';

/** Path of the `sluice-sim` entry point inside this repository. */
export const SIM_BIN = fileURLToPath(new URL('../../../apps/model-sim/bin/sluice-sim.js', import.meta.url));

export interface SimPod {
  /** Pod name, also what the sim returns in `x-inference-pod`. */
  name: string;
  port: number;
  /** Base URL, e.g. http://127.0.0.1:41233 (no trailing slash). */
  url: string;
  /** "127.0.0.1:PORT", the form router configs list endpoints in. */
  address: string;
  process: ChildProcess;
  /** Everything the process printed so far (stdout and stderr), for failure messages. */
  output(): string;
}

export interface SimFleetOptions {
  /** Number of simulator processes. */
  count: number;
  /** Profile name (default `tiny`). */
  profile?: string;
  /** Time scale: 0.1 runs 10× faster than the profile's real timings. */
  timeScale?: number;
  /** Extra CLI arguments passed to every pod. */
  args?: string[];
  /** Pod names are `${namePrefix}-${i}` (default `sim`). */
  namePrefix?: string;
  /** How long each pod may take to answer GET /health with 200, in ms (default 20 s). */
  readyTimeoutMs?: number;
  /** Use ports basePort, basePort+1, … instead of free ports (for `npm start`; no retry on a clash). */
  basePort?: number;
}

export interface SimFleet {
  pods: SimPod[];
  /** Kills one pod (SIGKILL by default) without stopping the others; for dead-pod tests. */
  kill(index: number, signal?: NodeJS.Signals): Promise<void>;
  /** Stops every pod; safe to call more than once. */
  stop(): Promise<void>;
}

/**
 * Starts `count` sluice-sim processes on free ports and resolves once every one answers
 * GET /health with 200. All children are killed by stop(), and also when the test process
 * exits (even if a test failed before its teardown). Start-up failures reject with the
 * pod's output.
 */
export async function startSimFleet(options: SimFleetOptions): Promise<SimFleet> {
  const registry = new ChildRegistry();
  const prefix = options.namePrefix ?? 'sim';
  try {
    const pods = await Promise.all(
      Array.from({ length: options.count }, async (_, i) =>
        await startPod(registry, `${prefix}-${i}`, options, options.basePort === undefined ? undefined : options.basePort + i),
      ),
    );
    return {
      pods,
      kill: async (index, signal = 'SIGKILL') => {
        const pod = pods[index];
        if (pod === undefined) throw new Error(`no pod ${index} in a fleet of ${pods.length}`);
        if (pod.process.exitCode !== null || pod.process.signalCode !== null) return;
        const exited = new Promise<void>((resolve) => pod.process.once('exit', () => resolve()));
        pod.process.kill(signal);
        await exited;
      },
      stop: async () => await registry.stopAll(),
    };
  } catch (error) {
    await registry.stopAll(500);
    throw error;
  }
}

async function startPod(registry: ChildRegistry, name: string, options: SimFleetOptions, fixedPort: number | undefined): Promise<SimPod> {
  let lastError: unknown;
  const attempts = fixedPort === undefined ? 3 : 1;
  for (let attempt = 0; attempt < attempts; attempt++) {
    const port = fixedPort ?? (await freePort());
    const args = [SIM_BIN, '--port', String(port), '--profile', options.profile ?? 'tiny', '--pod-name', name];
    if (options.timeScale !== undefined) args.push('--time-scale', String(options.timeScale));
    args.push(...(options.args ?? []));
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    registry.add(child);
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const url = `http://127.0.0.1:${port}`;
    try {
      await waitFor(
        async () => {
          if (child.exitCode !== null || child.signalCode !== null) {
            throw new Error(`${name} exited with ${child.exitCode ?? child.signalCode}: ${output.trim()}`);
          }
          const response = await fetch(`${url}/health`);
          await response.arrayBuffer();
          return response.status === 200 ? true : undefined;
        },
        { timeoutMs: options.readyTimeoutMs ?? 20_000, what: `${name} GET /health to answer 200` },
      );
      return { name, port, url, address: `127.0.0.1:${port}`, process: child, output: () => output };
    } catch (error) {
      lastError = new Error(`${error instanceof Error ? error.message : String(error)}\n--- ${name} output ---\n${output}`);
      await stopChild(child, 500);
      if (!output.includes('EADDRINUSE')) break;
    }
  }
  throw lastError instanceof Error ? lastError : new Error(String(lastError));
}
