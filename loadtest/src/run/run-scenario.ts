import type { StageSpec } from '../arrivals/stages.ts';
import { planStage } from '../arrivals/stages.ts';
import { nowSeconds } from '../client/clock.ts';
import { prefixCacheDelta, scrapePrefixCounters } from '../client/prom-scrape.ts';
import { StreamClient } from '../client/stream-client.ts';
import { computeLifecycle } from '../metrics/lifecycle.ts';
import type { LifecycleSection } from '../metrics/lifecycle.ts';
import { requestMetrics } from '../metrics/per-request.ts';
import type { RequestRecord } from '../metrics/request-record.ts';
import type { Scenario } from '../scenario/types.ts';
import { Rng } from '../stats/rng.ts';
import { buildWorkload } from '../workloads/build.ts';
import { createProgress } from './progress.ts';
import { SessionStore } from './sessions.ts';
import { runStage } from './stage-runner.ts';
import { buildStageReport, groupSections } from './stage-report.ts';
import type { StageReport } from './stage-report.ts';
import { toModelTime } from './time-scale.ts';

/** Where to send traffic. */
export interface TargetEndpoint {
  /** Target name in reports (`direct`, `round-robin`, or a URL). */
  name: string;
  baseUrl: string;
  /** /metrics URLs of the pods behind the target (prefix-cache hit rate); may be empty. */
  metricsUrls: string[];
  /** How the target was realised, e.g. `nginx 1.22 upstream round robin`. */
  implementation: string;
}

export interface RunOptions {
  /** Wall = model × timeScale (same meaning as sluice-sim --time-scale). */
  timeScale: number;
  progress: boolean;
  /** Cap on in-flight requests; overrides the scenario's load.maxConcurrency when set. */
  maxConcurrency?: number | null;
}

export interface SummaryReport extends LifecycleSection, ReturnType<typeof groupSections> {
  scenario: string;
  target: string;
  implementation: string;
  time_scale: number;
  seed: number;
  stages: number;
  invalid_stages: number[];
  prefix_cache: { hits: number; queries: number; hit_rate: number | null } | null;
}

export interface RunReport {
  summary: SummaryReport;
  stages: StageReport[];
  perRequest: PerRequestRow[];
}

/** One row of per_request_lifecycle_metrics.json (model-time seconds). */
export interface PerRequestRow {
  stage: number;
  index: number;
  scheduled_time: number | null;
  start_time: number;
  end_time: number;
  tenant: string | null;
  objective: string | null;
  endpoint: string | null;
  prompt_tokens: number;
  cached_tokens: number | null;
  output_tokens: number;
  ttft: number | null;
  tpot: number | null;
  request_latency: number;
  router_queue_wait: number | null;
  failure: string | null;
}

/** Stage in model time scaled to wall time: rates ÷ s, durations and offsets × s. */
export function wallOffsets(offsets: number[] | null, timeScale: number): number[] | null {
  return offsets === null ? null : offsets.map((t) => t * timeScale);
}

/**
 * Runs every stage of the scenario against one target and builds the reports. Arrivals are planned
 * in model time from the seed (so the traffic is the same at any time scale) and then stretched to
 * wall time. Stages run back to back with `load.interval` (model seconds) between them; each stage
 * ends when all its requests finished.
 */
export async function runScenario(scenario: Scenario, target: TargetEndpoint, options: RunOptions): Promise<RunReport> {
  const s = options.timeScale;
  const rng = new Rng(scenario.seed);
  const workload = buildWorkload(scenario.workload, rng.fork('workload'));
  const client = new StreamClient({ requestTimeout: scenario.load.requestTimeout === null ? null : scenario.load.requestTimeout * s, maxConnections: 4096, timeScale: s });
  const sessions = new SessionStore();
  const progress = createProgress(options.progress);
  const stageReports: StageReport[] = [];
  const allModelRecords: RequestRecord[] = [];
  let prefixHits = 0;
  let prefixQueries = 0;
  let prefixSeen = false;
  const runOrigin = nowSeconds();
  try {
    for (let i = 0; i < scenario.load.stages.length; i++) {
      const spec = scenario.load.stages[i] as StageSpec;
      const modelPlan = planStage(spec, rng.fork(`arrivals:${i}`));
      const plan = { ...modelPlan, offsets: wallOffsets(modelPlan.offsets, s) };
      progress.start(plan.numRequests, `stage ${i}`);
      const before = await scrapePrefixCounters(target.metricsUrls);
      const result = await runStage(
        { client, baseUrl: target.baseUrl, api: scenario.api, workload, sessions, maxConcurrency: options.maxConcurrency ?? scenario.load.maxConcurrency, onRequestDone: (r) => progress.tick(r.failure !== null) },
        i,
        plan,
      );
      const after = await scrapePrefixCounters(target.metricsUrls);
      const cache = prefixCacheDelta(before, after);
      if (cache !== null) {
        prefixSeen = true;
        prefixHits += cache.hits;
        prefixQueries += cache.queries;
      }
      const span = plan.offsets === null || plan.offsets.length === 0 ? null : (plan.offsets[plan.offsets.length - 1] as number);
      stageReports.push(buildStageReport(scenario, spec, result, runOrigin, span, s, modelPlan.requestedRate, cache));
      for (const r of result.records) allModelRecords.push(toModelTime(r, runOrigin, s));
      if (i < scenario.load.stages.length - 1 && scenario.load.interval > 0) await new Promise((resolve) => setTimeout(resolve, scenario.load.interval * s * 1000));
    }
  } finally {
    progress.stop();
    await client.close();
  }
  const summary: SummaryReport = {
    scenario: scenario.name,
    target: target.name,
    implementation: target.implementation,
    time_scale: s,
    seed: scenario.seed,
    stages: stageReports.length,
    invalid_stages: stageReports.filter((st) => !st.load_summary.valid).map((st) => st.stage),
    ...computeLifecycle(allModelRecords, scenario.report.goodput),
    ...groupSections(scenario, allModelRecords, runOrigin),
    prefix_cache: prefixSeen ? { hits: prefixHits, queries: prefixQueries, hit_rate: prefixQueries > 0 ? prefixHits / prefixQueries : null } : null,
  };
  return { summary, stages: stageReports, perRequest: allModelRecords.map(perRequestRow) };
}

function perRequestRow(r: RequestRecord): PerRequestRow {
  const m = requestMetrics(r);
  return {
    stage: r.stage,
    index: r.index,
    scheduled_time: r.scheduledTime,
    start_time: r.startTime,
    end_time: r.endTime,
    tenant: r.tenant,
    objective: r.objective,
    endpoint: r.endpoint,
    prompt_tokens: r.promptTokens ?? r.expectedPromptTokens,
    cached_tokens: r.cachedTokens,
    output_tokens: m.outputTokens,
    ttft: r.failure === null ? m.ttft : null,
    tpot: r.failure === null ? m.tpot : null,
    request_latency: m.requestLatency,
    router_queue_wait: r.queueWait,
    failure: r.failure === null ? null : `${r.failure.status} - ${r.failure.reason}: ${r.failure.message}`,
  };
}
