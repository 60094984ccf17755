import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { cpuMsFromStat, CpuMeter, processTreeCpuMs } from '../src/bench/cpu-meter.ts';

describe('cpu meter (bench:overhead CPU per request)', () => {
  it('reads utime + stime from a /proc/PID/stat line whose command name has spaces and parentheses', () => {
    const stat = '4242 (node (worker) x) S 1 4242 4242 0 -1 4194304 5000 0 0 0 250 75 0 0 20 0 11 0 100 1000000 5000 18446744073709551615';
    expect(cpuMsFromStat(stat)).toBe(3250);
    expect(cpuMsFromStat('garbage')).toBeNull();
  });

  it.runIf(process.platform === 'linux')('counts the CPU a real child spends (busy) and not while it sleeps, children included', async () => {
    // The parent forks a child that spins for ~300 ms of CPU after "go", then both exit on "end".
    const script = `
      const { spawn } = require('node:child_process');
      const kid = spawn(process.execPath, ['-e', "process.stdin.once('data', () => { const t = process.cpuUsage(); while ((process.cpuUsage(t).user + process.cpuUsage(t).system) < 300000); console.log('spun'); }); process.stdin.on('end', () => process.exit(0));"], { stdio: ['pipe', 'pipe', 'inherit'] });
      kid.stdout.on('data', (d) => process.stdout.write(d));
      process.stdin.on('data', (d) => kid.stdin.write(d));
      process.stdin.on('end', () => { kid.stdin.end(); });
      kid.on('exit', () => process.exit(0));
      console.log('ready');`;
    const parent = spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
    const lines: string[] = [];
    const seen = (text: string) =>
      new Promise<void>((resolve) => {
        const check = () => (lines.join('').includes(text) ? resolve() : parent.stdout.once('data', (d: Buffer) => (lines.push(d.toString()), check())));
        check();
      });
    await seen('ready');
    const meter = new CpuMeter(parent.pid!);
    meter.start();
    const idle = new CpuMeter(parent.pid!);
    idle.start();
    expect(idle.stop()).toBeLessThan(50);
    parent.stdin.write('go\n');
    await seen('spun');
    const spent = meter.stop();
    expect(spent).not.toBeNull();
    expect(spent!).toBeGreaterThanOrEqual(250);
    expect(processTreeCpuMs(parent.pid!)).not.toBeNull();
    parent.stdin.end();
    await new Promise<void>((resolve) => parent.on('close', () => resolve()));
  });
});
