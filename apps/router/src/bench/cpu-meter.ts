import { readFileSync } from 'node:fs';

/**
 * CPU time (user + system, all threads) of a process and its live child processes, from Linux
 * /proc, in milliseconds; null where /proc is not readable (not Linux, or the process is gone).
 * Children count for nginx, whose master forks the worker that does the work.
 *
 * Why the benchmark reports it: on a shared 2-core VM, throughput and latency swing by tens of
 * percent between runs (steal time, other tenants), while the CPU a target spends per request moves
 * much less. It is the efficiency number to compare across targets and versions.
 */
export function processTreeCpuMs(pid: number): number | null {
  const own = processCpuMs(pid);
  if (own === null) return null;
  let total = own;
  for (const child of childPids(pid)) total += processCpuMs(child) ?? 0;
  return total;
}

/** utime + stime of one process (fields 14 and 15 of /proc/PID/stat, in clock ticks). */
export function processCpuMs(pid: number): number | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  return cpuMsFromStat(stat);
}

/** Clock ticks per second of /proc/PID/stat (USER_HZ): 100 on every Linux architecture Node runs on. */
const TICKS_PER_SECOND = 100;

/** Parses a /proc/PID/stat line. The command name (field 2) may contain spaces and parentheses. */
export function cpuMsFromStat(stat: string): number | null {
  const afterName = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // afterName[0] is field 3 (state); utime and stime are fields 14 and 15.
  const utime = Number(afterName[11]);
  const stime = Number(afterName[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return null;
  return ((utime + stime) * 1000) / TICKS_PER_SECOND;
}

function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .split(' ')
      .filter((s) => s.trim() !== '')
      .map(Number);
  } catch {
    return [];
  }
}

/** CPU spent by a process tree between `start()` and `stop()` (ms); null when unmeasurable. */
export class CpuMeter {
  readonly #pid: number;
  #startedMs: number | null = null;

  constructor(pid: number) {
    this.#pid = pid;
  }

  start(): void {
    this.#startedMs = processTreeCpuMs(this.#pid);
  }

  stop(): number | null {
    const now = processTreeCpuMs(this.#pid);
    if (now === null || this.#startedMs === null) return null;
    return now - this.#startedMs;
  }
}
