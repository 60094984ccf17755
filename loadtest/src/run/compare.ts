import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startRedis, startSimFleet } from '@sluice/testing';
import type { RedisHandle, SimFleet } from '@sluice/testing';
import { ms, num, pct } from '../report/markdown.ts';
import { runCharts, writeRunReport } from '../report/write-report.ts';
import type { Scenario } from '../scenario/types.ts';
import { targetDefinition } from '../targets/targets.ts';
import type { StartedTarget } from '../targets/targets.ts';
import { resolveModel } from './resolve-model.ts';
import { runScenario } from './run-scenario.ts';
import type { RunReport } from './run-scenario.ts';

export interface CompareOptions {
  targets: string[];
  outDir: string;
  timeScale: number;
  pods: number;
  profile: string;
  replicas: number;
  progress: boolean;
  forceBuiltinProxy: boolean;
  /** Target the ratios divide by (default: the first target). */
  baseline?: string;
  log: (line: string) => void;
}

/**
 * Runs the same seeded scenario against each target in turn. Every target gets a fresh simulator
 * fleet (so no target inherits another's warm prefix cache), and Redis only when it needs one.
 * Writes <out>/<target>/… per run plus <out>/comparison.{md,json} and comparison charts.
 */
export async function compareTargets(scenario: Scenario, options: CompareOptions): Promise<RunReport[]> {
  const definitions = options.targets.map((name) => ({ name, definition: targetDefinition(name) }));
  for (const { definition } of definitions) {
    const reason = definition.unavailable?.();
    if (reason !== undefined && reason !== null) throw new Error(reason);
  }
  const reports: RunReport[] = [];
  for (const { name, definition } of definitions) {
    let fleet: SimFleet | undefined;
    let redis: RedisHandle | undefined;
    let target: StartedTarget | undefined;
    try {
      options.log(`[${name}] starting ${options.pods} × sluice-sim (profile ${options.profile}, time scale ${options.timeScale})`);
      fleet = await startSimFleet({ count: options.pods, profile: options.profile, timeScale: options.timeScale, args: scenario.server.args });
      if (definition.needsRedis) redis = await startRedis();
      target = await definition.start({ pods: fleet.pods, replicas: options.replicas, forceBuiltinProxy: options.forceBuiltinProxy }, redis?.url ?? null);
      options.log(`[${name}] ${target.implementation} at ${target.baseUrl}`);
      const model = await resolveModel(target.baseUrl, scenario.api.model);
      const report = await runScenario({ ...scenario, api: { ...scenario.api, model } }, target, { timeScale: options.timeScale, progress: options.progress });
      writeRunReport(join(options.outDir, name), report);
      reports.push(report);
      options.log(`[${name}] done: ${report.summary.successes.count} ok, ${report.summary.failures.count} failed, invalid stages [${report.summary.invalid_stages.join(', ')}]`);
    } finally {
      await target?.stop();
      await fleet?.stop();
      await redis?.stop();
    }
  }
  mkdirSync(options.outDir, { recursive: true });
  writeFileSync(join(options.outDir, 'comparison.json'), JSON.stringify(comparisonJson(scenario, options, reports), null, 2));
  writeFileSync(join(options.outDir, 'comparison.md'), comparisonMarkdown(scenario, options, reports));
  for (const [file, svg] of runCharts(reports)) writeFileSync(join(options.outDir, file), svg);
  return reports;
}

function ratio(value: number | null | undefined, baseline: number | null | undefined): string {
  if (value === null || value === undefined || baseline === null || baseline === undefined || baseline === 0) return '–';
  return `${(value / baseline).toFixed(2)}×`;
}

/** The baseline run: the one named by `baseline`, else the first. */
function baselineOf(reports: readonly RunReport[], baseline: string | undefined): RunReport | undefined {
  return reports.find((r) => r.summary.target === baseline) ?? reports[0];
}

export function comparisonJson(scenario: Scenario, options: Pick<CompareOptions, 'timeScale' | 'pods' | 'profile' | 'baseline'>, reports: readonly RunReport[]): unknown {
  return {
    scenario: scenario.name,
    scaled_from: scenario.scaledFrom,
    seed: scenario.seed,
    time_scale: options.timeScale,
    pods: options.pods,
    profile: options.profile,
    baseline: baselineOf(reports, options.baseline)?.summary.target ?? null,
    targets: reports.map((r) => ({
      target: r.summary.target,
      implementation: r.summary.implementation,
      invalid_stages: r.summary.invalid_stages,
      whole_run: headline(r),
      stages: r.stages.map((st) => ({
        stage: st.stage,
        label: st.label,
        requested_rate: st.load_summary.requested_rate,
        achieved_rate: st.load_summary.achieved_rate,
        valid: st.load_summary.valid,
        successes: st.successes.count,
        failures: st.failures.count,
        output_tokens_per_sec: st.successes.throughput.output_tokens_per_sec,
        requests_per_sec: st.successes.throughput.requests_per_sec,
        ttft_mean: st.successes.latency.time_to_first_token?.mean ?? null,
        ttft_p90: st.successes.latency.time_to_first_token?.p90 ?? null,
        tpot_mean: st.successes.latency.time_per_output_token?.mean ?? null,
        itl_mean: st.successes.latency.inter_token_latency?.mean ?? null,
        prefix_cache_hit_rate: st.prefix_cache?.hit_rate ?? null,
      })),
    })),
  };
}

function headline(r: RunReport): Record<string, number | null> {
  const s = r.summary;
  const lat = s.successes.latency;
  return {
    successes: s.successes.count,
    failures: s.failures.count,
    requests_per_sec: s.successes.throughput.requests_per_sec,
    output_tokens_per_sec: s.successes.throughput.output_tokens_per_sec,
    ttft_mean: lat.time_to_first_token?.mean ?? null,
    ttft_p90: lat.time_to_first_token?.p90 ?? null,
    ttft_p99: lat.time_to_first_token?.p99 ?? null,
    tpot_mean: lat.time_per_output_token?.mean ?? null,
    itl_mean: lat.inter_token_latency?.mean ?? null,
    request_latency_p50: lat.request_latency?.median ?? null,
    prefix_cache_hit_rate: s.prefix_cache?.hit_rate ?? null,
    jain: s.fairness?.jain ?? null,
  };
}

export function comparisonMarkdown(scenario: Scenario, options: Pick<CompareOptions, 'timeScale' | 'pods' | 'profile' | 'baseline'>, reports: readonly RunReport[]): string {
  const base = baselineOf(reports, options.baseline);
  const others = reports.filter((r) => r !== base);
  const lines: string[] = [];
  lines.push(`# ${scenario.name}: ${reports.map((r) => r.summary.target).join(' vs ')}`, '');
  if (scenario.scaledFrom !== null) lines.push(`Scaled from: ${scenario.scaledFrom}`, '');
  lines.push(`${options.pods} simulated pods, profile \`${options.profile}\`, time scale ${options.timeScale} (numbers are model time). Seed ${scenario.seed}. Ratios are target ÷ ${base?.summary.target ?? 'baseline'}.`, '');
  for (const r of reports) lines.push(`- **${r.summary.target}**: ${r.summary.implementation}${r.summary.invalid_stages.length > 0 ? ` — INVALID stages (generator lagged): ${r.summary.invalid_stages.join(', ')}` : ''}`);
  lines.push('', '## Whole run', '');
  lines.push('| target | ok | failed | req/s | out tok/s | TTFT mean ms | TTFT p90 ms | TTFT p99 ms | TPOT mean ms | ITL mean ms | latency p50 s | cache hit | out tok/s ratio | TTFT mean ratio | TTFT p90 ratio |');
  lines.push('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  const bh = base === undefined ? undefined : headline(base);
  for (const r of reports) {
    const h = headline(r);
    lines.push(
      `| ${r.summary.target} | ${h.successes} | ${h.failures} | ${num(h.requests_per_sec, 2)} | ${num(h.output_tokens_per_sec, 0)} | ${ms(h.ttft_mean)} | ${ms(h.ttft_p90)} | ${ms(h.ttft_p99)} | ${ms(h.tpot_mean)} | ${ms(h.itl_mean)} | ${num(h.request_latency_p50, 2)} | ${pct(h.prefix_cache_hit_rate)} | ${ratio(h.output_tokens_per_sec, bh?.output_tokens_per_sec)} | ${ratio(h.ttft_mean, bh?.ttft_mean)} | ${ratio(h.ttft_p90, bh?.ttft_p90)} |`,
    );
  }
  lines.push('', '## Per stage', '');
  const header = ['stage', 'QPS'];
  for (const r of reports) header.push(`${r.summary.target} TTFT mean ms`, `${r.summary.target} TTFT p90 ms`, `${r.summary.target} out tok/s`, `${r.summary.target} cache hit`);
  for (const r of others) header.push(`${r.summary.target} TTFT ratio`, `${r.summary.target} tok/s ratio`);
  lines.push(`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`);
  for (let i = 0; i < (base?.stages.length ?? 0); i++) {
    const b = base?.stages[i];
    const row = [String(i), num(b?.load_summary.requested_rate, 1)];
    for (const r of reports) {
      const st = r.stages[i];
      const mark = st?.load_summary.valid === false ? ' (invalid)' : '';
      row.push(ms(st?.successes.latency.time_to_first_token?.mean) + mark, ms(st?.successes.latency.time_to_first_token?.p90), num(st?.successes.throughput.output_tokens_per_sec, 0), pct(st?.prefix_cache?.hit_rate));
    }
    for (const r of others) {
      const st = r.stages[i];
      row.push(ratio(st?.successes.latency.time_to_first_token?.mean, b?.successes.latency.time_to_first_token?.mean), ratio(st?.successes.throughput.output_tokens_per_sec, b?.successes.throughput.output_tokens_per_sec));
    }
    lines.push(`| ${row.join(' | ')} |`);
  }
  return lines.join('\n') + '\n';
}
