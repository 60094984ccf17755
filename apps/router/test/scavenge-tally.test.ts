import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseScavenge, ScavengeTally, summarizeScavenges } from '../src/bench/scavenge-tally.ts';

describe('scavenge tally (bench:overhead --gc-trace, bench:gc-patterns)', () => {
  it('reads pause and promoted bytes from a --trace-gc-nvp scavenge line and ignores other lines', () => {
    const line = '[8173:0x43debd90]     6866 ms: pause=4.0 mutator=101.9 gc=s reduce_memory=0 scavenge=3.83 promoted=1779080 new_space_survived=1810104';
    expect(parseScavenge(line)).toEqual({ pauseMs: 4.0, promotedBytes: 1_779_080 });
    expect(parseScavenge('[8173:0x43debd90]  7000 ms: pause=9.5 mutator=50 gc=mc reduce_memory=0 promoted=0')).toBeNull();
    expect(parseScavenge('{"level":"warn","msg":"gc=s in a log line"}')).toBeNull();
    expect(summarizeScavenges([{ pauseMs: 1, promotedBytes: 2e6 }, { pauseMs: 3, promotedBytes: 1e6 }])).toEqual({ scavenges: 2, pauseMsTotal: 4, pauseMsMax: 3, promotedMb: 3 });
  });

  it('counts a real child process scavenges only between start() and stop()', async () => {
    // Allocates for a while after "go" on stdin, then exits.
    const script = "process.stdin.once('data', () => { let k = []; for (let i = 0; i < 2e6; i++) { k.push({ i }); if (k.length > 1000) k = []; } console.log('done'); process.exit(0); });";
    const child = spawn(process.execPath, ['--trace-gc-nvp', '-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
    const tally = new ScavengeTally(child.stdout);
    const idle = tally.stop();
    tally.start();
    const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
    child.stdin.write('go\n');
    await exited;
    const counted = tally.stop();
    expect(idle.scavenges).toBe(0);
    expect(counted.scavenges).toBeGreaterThan(0);
    expect(counted.pauseMsTotal).toBeGreaterThan(0);
  });
});
