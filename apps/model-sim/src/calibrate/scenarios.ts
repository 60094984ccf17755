/**
 * The calibration scenarios for `qwen3-32b-h100-tp2` (reference §2.5 (a)) and their targets.
 * Shared by the HTTP calibration CLI and the deterministic virtual-clock tests, so both check the
 * same shapes. Targets are in model seconds at time scale 1; at time scale X multiply by X.
 */

/** `count` distinct words `tag-0 tag-1 …` (each one token for the word tokenizer). */
export function words(tag: string, count: number): string {
  const parts = new Array<string>(count);
  for (let i = 0; i < count; i++) parts[i] = `${tag}${i}`;
  return parts.join(' ');
}

export const CALIBRATION_PROFILE = 'qwen3-32b-h100-tp2';

export const SHARED_PREFIX_TOKENS = 6000;
export const QUESTION_TOKENS = 1200;
export const COLD_PROMPT_TOKENS = 7200;
export const SINGLE_STREAM_PROMPT_TOKENS = 1000;
export const SINGLE_STREAM_OUTPUT_TOKENS = 200;
export const CONCURRENT_STREAMS = 100;
export const CONCURRENT_OUTPUT_TOKENS = 400;
/** TTFT scenarios take the median of this many samples (each with its own prompts), so one step's ±10 % jitter draw does not decide PASS/FAIL. */
export const TTFT_SAMPLES = 5;

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export interface Target {
  /** Row label for the table. */
  name: string;
  /** Human description of the target. */
  target: string;
  /** True if `measured` (seconds at time scale 1) meets the target. */
  check: (measuredSeconds: number) => boolean;
}

export const TARGETS = {
  coldTtft: { name: 'cold 7,200-token prompt TTFT (median of 5)', target: '0.52 s ±15 % (0.442–0.598 s)', check: (s: number) => s >= 0.52 * 0.85 && s <= 0.52 * 1.15 },
  warmTtft: { name: 'warm TTFT, 6,000-token prefix cached (median of 5)', target: '≤ 0.20 s', check: (s: number) => s <= 0.2 },
  singleItl: { name: 'single-stream ITL', target: '12–16 ms', check: (s: number) => s >= 0.012 && s <= 0.016 },
  concurrentItl: { name: '100 streams, 6,000 shared + 1,200 own: mean ITL', target: '40–75 ms', check: (s: number) => s >= 0.04 && s <= 0.075 },
} satisfies Record<string, Target>;

/** Prompts of the scenarios (plain completions prompts). */
export const PROMPTS = {
  cold: (sample: number): string => words(`cold${sample}x`, COLD_PROMPT_TOKENS),
  /** A 6,000-token system prompt; `tag` keeps scenarios from sharing each other's cache. */
  sharedPrefix: (tag: string): string => words(`${tag}sys`, SHARED_PREFIX_TOKENS),
  question: (tag: string): string => words(`${tag}q`, QUESTION_TOKENS),
  single: (): string => words('single', SINGLE_STREAM_PROMPT_TOKENS),
  /** A short request that warms the server and client up before measuring. */
  warmUp: (): string => words('hello', 64),
};

export interface CalibrationResult {
  coldTtftS: number;
  warmTtftS: number;
  singleItlS: number;
  concurrentItlS: number;
}

/** Rows of measured vs target; `measured` converted back to time scale 1. */
export function calibrationRows(result: CalibrationResult, timeScale: number): { name: string; target: string; measured: string; pass: boolean }[] {
  const rows: [Target, number, 's' | 'ms'][] = [
    [TARGETS.coldTtft, result.coldTtftS, 's'],
    [TARGETS.warmTtft, result.warmTtftS, 's'],
    [TARGETS.singleItl, result.singleItlS, 'ms'],
    [TARGETS.concurrentItl, result.concurrentItlS, 'ms'],
  ];
  return rows.map(([target, measured, unit]) => {
    const atScale1 = measured / timeScale;
    return {
      name: target.name,
      target: target.target,
      measured: unit === 's' ? `${atScale1.toFixed(3)} s` : `${(atScale1 * 1000).toFixed(1)} ms`,
      pass: target.check(atScale1),
    };
  });
}

/** A plain-text table with PASS/FAIL per row. */
export function formatCalibrationTable(rows: ReturnType<typeof calibrationRows>): string {
  const header = ['scenario', 'target', 'measured', 'result'];
  const lines = rows.map((r) => [r.name, r.target, r.measured, r.pass ? 'PASS' : 'FAIL']);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] as string).length)));
  const fmt = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i] as number)).join(' | ')} |`;
  return [fmt(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...lines.map(fmt)].join('\n');
}
