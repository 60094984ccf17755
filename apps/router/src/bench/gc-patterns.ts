/**
 * `npm run bench:gc-patterns -- [--duration-ms 2000] [--json FILE]`
 *
 * Why the request path avoids two harmless-looking patterns. For each per-request pattern, a child
 * process (`node --trace-gc-nvp`) runs the loop in `gc-pattern-loop.ts` for the same time, and this
 * prints what V8's young-generation GC had to promote into the old space, and how many iterations
 * ran. `baseline` allocates the same working set with no per-request object. A pattern that
 * promotes megabytes while nothing outlives an iteration makes every scavenge slow (milliseconds,
 * not tenths) and fills the old space, so full GCs follow.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parseScavenge, summarizeScavenges } from './scavenge-tally.ts';

const LOOP = fileURLToPath(new URL('./gc-pattern-loop.ts', import.meta.url));
const PACKAGE_DIR = fileURLToPath(new URL('../..', import.meta.url));
const PATTERNS = ['baseline', 'literal-getter', 'class-getter', 'abort-signal', 'client-abort'] as const;

const { values } = parseArgs({ options: { 'duration-ms': { type: 'string', default: '2000' }, json: { type: 'string' } } });
const durationMs = Number(values['duration-ms']);
if (!Number.isFinite(durationMs) || durationMs <= 0) throw new Error('--duration-ms must be a positive number');

interface PatternResult {
  readonly pattern: string;
  readonly iterations: number;
  readonly scavenges: number;
  readonly promotedMb: number;
  /** Main-thread pause of all scavenges (ms). */
  readonly pauseMsTotal: number;
}

async function measure(pattern: string): Promise<PatternResult> {
  const child = spawn(process.execPath, ['--trace-gc-nvp', '--import', 'tsx', LOOP, pattern, String(durationMs)], { cwd: PACKAGE_DIR, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`${pattern}: loop exited with ${code}`);
  const lines = out.split('\n');
  const done = lines.find((line) => line.startsWith('{'));
  if (done === undefined) throw new Error(`${pattern}: the loop printed no result line`);
  const { iterations } = JSON.parse(done) as { iterations: number };
  const gc = summarizeScavenges(lines.map(parseScavenge).filter((s) => s !== null));
  return { pattern, iterations, scavenges: gc.scavenges, promotedMb: gc.promotedMb, pauseMsTotal: gc.pauseMsTotal };
}

const results: PatternResult[] = [];
for (const pattern of PATTERNS) {
  process.stderr.write(`[bench] ${pattern}: ${durationMs} ms…\n`);
  results.push(await measure(pattern));
}
const base = results[0]!;
console.log(`Each loop ran ${durationMs} ms in its own process (Node ${process.version}); one iteration = one request's per-request object plus a 200-object working set.\n`);
console.log('| pattern | iterations | vs baseline | scavenges | promoted MB | scavenge pauses, ms total |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const r of results) {
  console.log(`| ${r.pattern} | ${r.iterations} | ${((100 * r.iterations) / base.iterations).toFixed(0)} % | ${r.scavenges} | ${r.promotedMb.toFixed(2)} | ${r.pauseMsTotal.toFixed(0)} |`);
}
if (values.json !== undefined) writeFileSync(values.json, `${JSON.stringify({ durationMs, node: process.version, results }, null, 2)}\n`);
