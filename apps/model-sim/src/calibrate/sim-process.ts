import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Path of the sluice-sim entry point. */
export const SIM_BIN_PATH = fileURLToPath(new URL('../../bin/sluice-sim.js', import.meta.url));

export interface SimProcess {
  url: string;
  pid: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Spawns `sluice-sim --port 0 ...args` and resolves with its URL once it prints the readiness line.
 * The child is killed when this process exits.
 */
export async function spawnSim(args: readonly string[], timeoutMs = 20_000): Promise<SimProcess> {
  const child = spawn(process.execPath, [SIM_BIN_PATH, '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sluice-sim did not start within ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = /ready on (http:\/\/\S+)/u.exec(output);
      if (match !== null) {
        clearTimeout(timer);
        resolve(match[1] as string);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`sluice-sim exited with ${code}:\n${output}`));
    });
  });
  return {
    url,
    pid: child.pid as number,
    child,
    stop: async () => {
      process.off('exit', killOnExit);
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
      await exited;
      clearTimeout(timer);
    },
  };
}
