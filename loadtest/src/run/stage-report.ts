import { stageLabel } from '../arrivals/stages.ts';
import type { StageSpec } from '../arrivals/stages.ts';
import type { PrefixCacheSection } from '../client/prom-scrape.ts';
import { breakdownBy, computeFairness, serviceTimeline } from '../metrics/breakdowns.ts';
import type { FairnessSection, GroupBreakdown, ServiceTimeline } from '../metrics/breakdowns.ts';
import { computeLifecycle, computeLoadSummary } from '../metrics/lifecycle.ts';
import type { LifecycleSection, LoadSummary } from '../metrics/lifecycle.ts';
import type { RequestRecord } from '../metrics/request-record.ts';
import type { Scenario } from '../scenario/types.ts';
import { summarize } from '../stats/summarize.ts';
import type { Summary } from '../stats/summarize.ts';
import { tenantWeights } from '../workloads/build.ts';
import type { StageResult } from './stage-runner.ts';
import { toModelTime } from './time-scale.ts';

/**
 * One stage's report (stage_N_lifecycle_metrics.json). Latencies and rates are model time
 * (wall ÷ time_scale); load_summary.schedule_delay and send_duration are wall seconds (they judge
 * the generator on the real clock), its rates are model-time requests per second.
 */
export interface StageReport extends LifecycleSection {
  stage: number;
  label: string;
  time_scale: number;
  load_summary: LoadSummary;
  breakdowns: { by_tenant: Record<string, GroupBreakdown>; by_class: Record<string, GroupBreakdown>; by_endpoint: Record<string, GroupBreakdown> };
  fairness: FairnessSection | null;
  prefix_cache: PrefixCacheSection | null;
  router_queue_wait: Summary | null;
  service_timeline: ServiceTimeline | null;
}

export function buildStageReport(scenario: Scenario, spec: StageSpec, result: StageResult, runOrigin: number, wallPlannedSpan: number | null, timeScale: number, requestedRateModel: number | null, prefixCache: PrefixCacheSection | null): StageReport {
  const wallSummary = computeLoadSummary(result.records, {
    stageStart: result.stageStart,
    requestedRate: requestedRateModel === null ? null : requestedRateModel / timeScale,
    plannedSpan: wallPlannedSpan,
    limitedBy: result.limitedBy,
  });
  const load_summary: LoadSummary = {
    ...wallSummary,
    requested_rate: requestedRateModel,
    planned_rate: wallSummary.planned_rate === null ? null : wallSummary.planned_rate * timeScale,
    achieved_rate: wallSummary.achieved_rate * timeScale,
  };
  const records = result.records.map((r) => toModelTime(r, runOrigin, timeScale));
  const stageStartModel = runOrigin + (result.stageStart - runOrigin) / timeScale;
  return {
    stage: result.stage,
    label: stageLabel(spec),
    time_scale: timeScale,
    load_summary,
    ...computeLifecycle(records, scenario.report.goodput),
    ...groupSections(scenario, records, stageStartModel),
    prefix_cache: prefixCache,
  };
}

/** Breakdowns, fairness and the service timeline for any set of model-time records. */
export function groupSections(scenario: Scenario, records: readonly RequestRecord[], origin: number): Pick<StageReport, 'breakdowns' | 'fairness' | 'router_queue_wait' | 'service_timeline'> {
  const hasTenants = records.some((r) => r.tenant !== null);
  return {
    breakdowns: {
      by_tenant: hasTenants ? breakdownBy(records, (r) => r.tenant) : {},
      by_class: records.some((r) => r.objective !== null) ? breakdownBy(records, (r) => r.objective) : {},
      by_endpoint: breakdownBy(records, (r) => r.endpoint),
    },
    fairness: computeFairness(records, tenantWeights(scenario.workload), scenario.report.serviceWeights),
    router_queue_wait: summarize(records.flatMap((r) => (r.queueWait === null ? [] : [r.queueWait]))),
    service_timeline: hasTenants ? serviceTimeline(records, origin, scenario.report.timelineBucket, scenario.report.serviceWeights) : null,
  };
}
