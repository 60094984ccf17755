import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunReport } from '../run/run-scenario.ts';
import { runMarkdown } from './markdown.ts';
import { renderLineChart } from './svg-chart.ts';
import type { ChartSeries } from './svg-chart.ts';

/**
 * Writes a run in inference-perf's file layout plus ours:
 * summary_lifecycle_metrics.json, stage_N_lifecycle_metrics.json, per_request_lifecycle_metrics.json,
 * summary.md, and SVG charts (latency/throughput vs requested QPS; per-tenant service over time).
 * Returns the paths written.
 */
export function writeRunReport(dir: string, report: RunReport): string[] {
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  const write = (name: string, content: string): void => {
    const path = join(dir, name);
    writeFileSync(path, content);
    written.push(path);
  };
  write('summary_lifecycle_metrics.json', JSON.stringify(report.summary, null, 2));
  for (const stage of report.stages) write(`stage_${stage.stage}_lifecycle_metrics.json`, JSON.stringify(stage, null, 2));
  write('per_request_lifecycle_metrics.json', JSON.stringify(report.perRequest));
  write('summary.md', runMarkdown(report));
  for (const [name, svg] of runCharts([report])) write(name, svg);
  return written;
}

/** x of a stage on QPS charts: requested rate, else achieved rate (closed-loop stages). */
function stageX(stage: RunReport['stages'][number]): number {
  return stage.load_summary.requested_rate ?? stage.load_summary.achieved_rate;
}

/** Charts for one or more runs (one series per run/target). */
export function runCharts(reports: readonly RunReport[]): [string, string][] {
  const charts: [string, string][] = [];
  const single = reports.length === 1;
  const latency: ChartSeries[] = [];
  const throughput: ChartSeries[] = [];
  for (const r of reports) {
    const prefix = single ? '' : `${r.summary.target} `;
    latency.push({ name: `${prefix}TTFT mean`, points: r.stages.map((st) => [stageX(st), st.successes.latency.time_to_first_token?.mean ?? NaN]) });
    latency.push({ name: `${prefix}TTFT p90`, points: r.stages.map((st) => [stageX(st), st.successes.latency.time_to_first_token?.p90 ?? NaN]) });
    throughput.push({ name: `${prefix}output tok/s`, points: r.stages.map((st) => [stageX(st), st.successes.throughput.output_tokens_per_sec]) });
  }
  charts.push(['latency_vs_qps.svg', renderLineChart({ title: 'TTFT vs requested QPS', xLabel: 'requested QPS (model time)', yLabel: 'seconds', series: latency })]);
  charts.push(['throughput_vs_qps.svg', renderLineChart({ title: 'Output throughput vs requested QPS', xLabel: 'requested QPS (model time)', yLabel: 'output tokens / s', series: throughput })]);
  for (const r of reports) {
    const timeline = r.summary.service_timeline;
    if (timeline === null) continue;
    const series = Object.entries(timeline.tenants).map(([tenant, values]) => ({ name: tenant, points: values.map((v, i): [number, number] => [timeline.times[i] ?? i, v]) }));
    const name = single ? 'tenant_service_over_time.svg' : `tenant_service_over_time_${r.summary.target}.svg`;
    charts.push([name, renderLineChart({ title: `Per-tenant service over time${single ? '' : ` (${r.summary.target})`}`, xLabel: 'seconds since start (model time)', yLabel: 'weighted tokens / s', series })]);
  }
  return charts;
}
