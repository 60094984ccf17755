/**
 * `npm run bench:scheduling -- --json FILE [--out DIR] [--targets LIST] [--scenario NAME|FILE]`
 *
 * Sluice (1 replica, and 3 replicas on the global prefix index) against round-robin and
 * least-request on the scaled shared-prefix ladder, with the `sluice-bench compare` machinery
 * (fresh simulator fleet per target). Reports per stage: output tokens/s, TTFT mean and p90,
 * prefix-cache hit rate (the pods' counters); the routers' prefix-index lookup and record latency
 * quantiles; and ratios against round-robin at the last (saturating) stage.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { compareTargets, loadScenarioFile } from '@sluice/loadtest';

interface StageRow {
  stage: number;
  label: string;
  requested_rate: number | null;
  valid: boolean;
  successes: number;
  failures: number;
  output_tokens_per_sec: number | null;
  ttft_mean: number | null;
  ttft_p90: number | null;
  prefix_cache_hit_rate: number | null;
}
interface TargetRow {
  target: string;
  implementation: string;
  stages: StageRow[];
}

const { values } = parseArgs({
  options: {
    json: { type: 'string' },
    out: { type: 'string' },
    targets: { type: 'string', default: 'round-robin,least-request,sluice,sluice-3' },
    scenario: { type: 'string', default: 'shared-prefix-scaled' },
    'builtin-proxy': { type: 'boolean', default: false },
  },
});
const out = resolve(values.out ?? join(tmpdir(), `sluice-bench-scheduling-${Date.now()}`));
mkdirSync(out, { recursive: true });
const statsFile = join(out, 'router-stats.jsonl');
rmSync(statsFile, { force: true });
process.env['SLUICE_BENCH_ROUTER_STATS'] = statsFile;

const scenario = loadScenarioFile(values.scenario);
const targets = values.targets.split(',').map((t) => t.trim()).filter((t) => t.length > 0);
const started = Date.now();
await compareTargets(scenario, {
  targets,
  outDir: out,
  timeScale: scenario.server.timeScale,
  pods: scenario.server.pods,
  profile: scenario.server.profile,
  replicas: 1,
  progress: false,
  forceBuiltinProxy: values['builtin-proxy'],
  baseline: 'round-robin',
  log: (line) => console.error(line),
});
const comparison = JSON.parse(readFileSync(join(out, 'comparison.json'), 'utf8')) as { targets: TargetRow[] } & Record<string, unknown>;
const routerStats = existsSync(statsFile)
  ? readFileSync(statsFile, 'utf8')
      .split('\n')
      .filter((l) => l.length > 0)
      .map((l) => JSON.parse(l) as { variant: string; prefixIndex: { lookupMs: { p99: number | null }; recordMs: { p99: number | null }; addedMs?: { p50: number | null; p99: number | null } } | null })
  : [];

const rr = comparison.targets.find((t) => t.target === 'round-robin');
const last = (t: TargetRow) => t.stages[t.stages.length - 1];
const ratio = (a: number | null | undefined, b: number | null | undefined) => (a === null || a === undefined || b === null || b === undefined || b === 0 ? null : a / b);
const vsRoundRobin = comparison.targets.map((t) => ({
  target: t.target,
  stage: last(t)?.stage ?? null,
  ttft_mean_change: rr === undefined ? null : (ratio(last(t)?.ttft_mean, last(rr)?.ttft_mean) ?? 1) - 1,
  output_tokens_per_sec_change: rr === undefined ? null : (ratio(last(t)?.output_tokens_per_sec, last(rr)?.output_tokens_per_sec) ?? 1) - 1,
}));
const prefixLatency = routerStats.map((s) => ({ variant: s.variant, lookup_p99_ms: s.prefixIndex?.lookupMs.p99 ?? null, record_p99_ms: s.prefixIndex?.recordMs.p99 ?? null, lookup_plus_record_p99_ms: (s.prefixIndex?.lookupMs.p99 ?? 0) + (s.prefixIndex?.recordMs.p99 ?? 0), added_to_request_p50_ms: s.prefixIndex?.addedMs?.p50 ?? null, added_to_request_p99_ms: s.prefixIndex?.addedMs?.p99 ?? null }));
const result = {
  command: `npm run bench:scheduling -- ${process.argv.slice(2).join(' ')}`.trim(),
  machine: { cpus: cpus().length, cpu_model: cpus()[0]?.model ?? 'unknown', memory_gb: Math.round(totalmem() / 2 ** 30), node: process.version },
  wall_seconds: Math.round((Date.now() - started) / 1000),
  out_dir: out,
  comparison,
  router_prefix_index_latency: prefixLatency,
  vs_round_robin_last_stage: vsRoundRobin,
};
if (values.json !== undefined) writeFileSync(resolve(values.json), JSON.stringify(result, null, 2));

const f = (x: number | null | undefined, digits = 1) => (x === null || x === undefined ? '–' : x.toFixed(digits));
const lines = ['| target | stage | load | out tok/s | TTFT mean s | TTFT p90 s | cache hit | ok/failed |', '|---|---|---|---|---|---|---|---|'];
for (const t of comparison.targets) {
  for (const st of t.stages) lines.push(`| ${t.target} | ${st.stage} | ${st.label} | ${f(st.output_tokens_per_sec, 0)} | ${f(st.ttft_mean, 3)} | ${f(st.ttft_p90, 3)} | ${st.prefix_cache_hit_rate === null ? '–' : `${(100 * st.prefix_cache_hit_rate).toFixed(1)}%`} | ${st.successes}/${st.failures} |`);
}
console.log(lines.join('\n'));
console.log('\nvs round-robin at the last stage:');
for (const v of vsRoundRobin) console.log(`  ${v.target}: TTFT mean ${v.ttft_mean_change === null ? '–' : `${(100 * v.ttft_mean_change).toFixed(1)}%`}, output tok/s ${v.output_tokens_per_sec_change === null ? '–' : `${(100 * v.output_tokens_per_sec_change).toFixed(1)}%`}`);
console.log('\nprefix index lookup + record p99 (ms) per router:', prefixLatency.map((p) => `${p.variant} ${f(p.lookup_p99_ms, 3)} + ${f(p.record_p99_ms, 3)}`).join('; '));
console.log('prefix index: added to the request (ms, p50 / p99; lookup sent with the admit, record off the path):', prefixLatency.map((p) => `${p.variant} ${f(p.added_to_request_p50_ms, 3)} / ${f(p.added_to_request_p99_ms, 3)}`).join('; '));
