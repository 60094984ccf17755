import cliProgress from 'cli-progress';

/** Progress display: a cli-progress bar on a TTY, nothing otherwise (or with --quiet). */
export interface Progress {
  start(total: number, stageLabel: string): void;
  tick(failed: boolean): void;
  stop(): void;
}

export function createProgress(enabled: boolean): Progress {
  if (!enabled || process.stderr.isTTY !== true) return { start: () => {}, tick: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    { format: '{stage} |{bar}| {value}/{total} requests | failed {failed} | {duration_formatted}', stream: process.stderr, hideCursor: true, clearOnComplete: false },
    cliProgress.Presets.shades_classic,
  );
  let failed = 0;
  let running = false;
  return {
    start: (total, stage) => {
      if (running) bar.stop();
      failed = 0;
      bar.start(total, 0, { stage, failed });
      running = true;
    },
    tick: (didFail) => {
      if (didFail) failed++;
      bar.increment(1, { failed });
    },
    stop: () => {
      if (running) bar.stop();
      running = false;
    },
  };
}
