import type { RunReport } from '../run/run-scenario.ts';

/** Formats seconds as ms with sensible precision; '–' for missing values. */
export function ms(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '–';
  const v = seconds * 1000;
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

export function num(value: number | null | undefined, digits = 1): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  return value.toFixed(digits);
}

export function pct(value: number | null | undefined): string {
  return value === null || value === undefined ? '–' : `${(value * 100).toFixed(1)}%`;
}

/** Markdown summary of one run: a row per stage, then per-tenant / per-class tables when present. */
export function runMarkdown(report: RunReport): string {
  const s = report.summary;
  const lines: string[] = [];
  lines.push(`# ${s.scenario} → ${s.target}`, '');
  lines.push(`Target: ${s.implementation}. Seed ${s.seed}. Time scale ${s.time_scale} (latencies and rates below are model time = wall ÷ time scale).`, '');
  lines.push('| stage | load | requested/s | planned/s | achieved/s | valid | ok | failed | req/s | out tok/s | TTFT mean ms | TTFT p90 ms | TPOT mean ms | ITL p50 ms | latency p50 s | cache hit |');
  lines.push('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const st of report.stages) {
    const l = st.successes.latency;
    lines.push(
      `| ${st.stage} | ${st.label} | ${num(st.load_summary.requested_rate, 2)} | ${num(st.load_summary.planned_rate, 2)} | ${num(st.load_summary.achieved_rate, 2)} | ${st.load_summary.valid ? (st.load_summary.limited_by === null ? 'yes' : `yes (${st.load_summary.limited_by}-limited)`) : `**no**: ${st.load_summary.invalid_reasons.join('; ')}`} | ${st.successes.count} | ${st.failures.count} | ${num(st.successes.throughput.requests_per_sec, 2)} | ${num(st.successes.throughput.output_tokens_per_sec, 0)} | ${ms(l.time_to_first_token?.mean)} | ${ms(l.time_to_first_token?.p90)} | ${ms(l.time_per_output_token?.mean)} | ${ms(l.inter_token_latency?.median)} | ${num(l.request_latency?.median, 2)} | ${pct(st.prefix_cache?.hit_rate)} |`,
    );
  }
  const failureLabels = Object.entries(s.failures.by_label);
  if (failureLabels.length > 0) {
    lines.push('', '## Failures', '');
    for (const [label, entry] of failureLabels) lines.push(`- \`${label}\` × ${entry.count}: ${entry.messages.slice(0, 3).join(' | ')}`);
  }
  if (s.goodput_metrics !== undefined) {
    const g = s.goodput_metrics;
    lines.push('', `Goodput: ${g.good_requests}/${g.total_requests} good (${num(g.goodput_percentage)}% of successes), ${num(g.request_goodput, 2)} good req/s, constraints ${JSON.stringify(g.constraints)} (per-request SLO headers override).`);
  }
  for (const [title, groups] of [['tenant', s.breakdowns.by_tenant], ['class (objective)', s.breakdowns.by_class], ['endpoint', s.breakdowns.by_endpoint]] as const) {
    if (Object.keys(groups).length === 0) continue;
    lines.push('', `## By ${title} (whole run)`, '', '| group | requests | ok | failed | TTFT p50 ms | TTFT p99 ms | TPOT p50 ms | out tok/s | cached tokens |', '|---|---|---|---|---|---|---|---|---|');
    for (const [name, g] of Object.entries(groups)) {
      lines.push(`| ${name} | ${g.requests} | ${g.successes} | ${g.failures} | ${ms(g.time_to_first_token?.median)} | ${ms(g.time_to_first_token?.p99)} | ${ms(g.time_per_output_token?.median)} | ${num(g.output_tokens_per_sec, 0)} | ${g.cached_tokens} |`);
    }
  }
  if (s.fairness !== null) {
    lines.push('', `Jain's fairness index (service ÷ fairness weight): ${num(s.fairness.jain, 3)}; by demand (service ÷ offered): ${num(s.fairness.jain_by_demand, 3)}. Service = ${s.fairness.service_weights.input}·prompt + ${s.fairness.service_weights.output}·output tokens.`);
  }
  if (s.prefix_cache !== null) lines.push('', `Prefix-cache hit rate over the run (pods' vllm:prefix_cache_hits_total / queries_total deltas): ${pct(s.prefix_cache.hit_rate)}.`);
  return lines.join('\n') + '\n';
}
