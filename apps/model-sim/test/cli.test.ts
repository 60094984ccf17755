import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SIM_BIN } from '@sluice/testing';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';

/** Runs sluice-sim with `args` and returns its exit code and output (expects it to exit on its own). */
async function runSim(args: string[]): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [SIM_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  try {
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    return { code, output };
  } finally {
    clearTimeout(timer);
  }
}

function configError(args: string[]): string {
  try {
    loadConfig(args);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error(`no error for ${args.join(' ')}`);
}

describe('sluice-sim configuration', () => {
  it('names the flag in every validation error', () => {
    expect(configError(['--profile', 'nope'])).toContain('invalid value for --profile');
    expect(configError(['--time-scale=0'])).toContain('invalid value for --time-scale');
    expect(configError(['--time-scale=-2'])).toContain('invalid value for --time-scale');
    expect(configError(['--max-num-seqs', '1.5'])).toContain('invalid value for --max-num-seqs');
    expect(configError(['--kv-cache-tokens', 'lots'])).toContain('invalid value for --kv-cache-tokens');
    expect(configError(['--fault-500-rate', '2'])).toContain('invalid value for --fault-500-rate');
    expect(configError(['--latency-mode', 'slow'])).toContain('invalid value for --latency-mode');
    expect(configError(['--profile', 'tiny', '--max-model-len', '4096'])).toContain('invalid value for --max-model-len');
    expect(configError(['--bogus', '1'])).toContain("'--bogus'");
  });

  it('layers profile < YAML file < flags', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-sim-'));
    const file = join(dir, 'sim.yaml');
    writeFileSync(file, 'profile: qwen3-32b-h100-tp2\ntime-scale: 0.5\nmax-num-seqs: 64\nfault-429-rate: 0.25\n');
    const config = loadConfig(['--config', file, '--max-num-seqs', '32', '--t0-ms', '9']);
    expect(config).toMatchObject({ profile: 'qwen3-32b-h100-tp2', model: 'Qwen/Qwen3-32B', timeScale: 0.5, maxNumSeqs: 32, t0Ms: 9, kvCacheTokens: 307_328 });
    expect(config.faults.error429).toBe(0.25);
    writeFileSync(file, 'tim-scale: 2\n');
    expect(configError(['--config', file])).toContain('unknown key "tim-scale"');
  });

  it('the process exits with status 2 and the message', async () => {
    const result = await runSim(['--port', '0', '--jitter', 'x']);
    expect(result.code, result.output).toBe(2);
    expect(result.output).toContain('invalid value for --jitter');
  });
});
