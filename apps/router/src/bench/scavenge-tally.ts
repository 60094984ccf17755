import type { Readable } from 'node:stream';

/** One young-generation GC (scavenge) as `node --trace-gc-nvp` prints it. */
export interface Scavenge {
  /** Pause of the main thread (ms). */
  readonly pauseMs: number;
  /** Bytes copied into the old space. */
  readonly promotedBytes: number;
}

/** The scavenge in one `--trace-gc-nvp` stdout line; null for every other line. */
export function parseScavenge(line: string): Scavenge | null {
  if (!line.includes(' gc=s ')) return null;
  return {
    pauseMs: Number(/ pause=([\d.]+)/.exec(line)?.[1] ?? 0),
    promotedBytes: Number(/ promoted=(\d+)/.exec(line)?.[1] ?? 0),
  };
}

/** Scavenges counted over a window (`start()` … `stop()`). */
export interface ScavengeSummary {
  readonly scavenges: number;
  readonly pauseMsTotal: number;
  readonly pauseMsMax: number;
  readonly promotedMb: number;
}

/**
 * Counts the scavenges a child process started with `--trace-gc-nvp` reports on `stdout` (other
 * lines, such as logs, are ignored). Only scavenges between `start()` and `stop()` are counted.
 */
export class ScavengeTally {
  #counting = false;
  #seen: Scavenge[] = [];
  #partial = '';

  constructor(stdout: Readable) {
    stdout.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (this.#partial + chunk).split('\n');
      this.#partial = lines.pop() ?? '';
      if (!this.#counting) return;
      for (const line of lines) {
        const s = parseScavenge(line);
        if (s !== null) this.#seen.push(s);
      }
    });
  }

  start(): void {
    this.#seen = [];
    this.#counting = true;
  }

  stop(): ScavengeSummary {
    this.#counting = false;
    return summarizeScavenges(this.#seen);
  }
}

export function summarizeScavenges(seen: readonly Scavenge[]): ScavengeSummary {
  let pauseMsTotal = 0;
  let pauseMsMax = 0;
  let promoted = 0;
  for (const s of seen) {
    pauseMsTotal += s.pauseMs;
    pauseMsMax = Math.max(pauseMsMax, s.pauseMs);
    promoted += s.promotedBytes;
  }
  return { scavenges: seen.length, pauseMsTotal, pauseMsMax, promotedMb: promoted / 1e6 };
}
