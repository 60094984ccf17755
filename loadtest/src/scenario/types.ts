import type { StageSpec } from '../arrivals/stages.ts';
import type { ApiType } from '../client/body.ts';
import type { GoodputConstraints } from '../metrics/goodput.ts';
import type { ServiceWeights } from '../metrics/fairness.ts';
import type { RandomWorkloadConfig } from '../workloads/random.ts';
import type { SharedPrefixConfig } from '../workloads/shared-prefix.ts';

/**
 * A validated scenario. Times in the file (stage durations, rates, SLOs, goodput constraints,
 * request timeout, interval) are MODEL time: what a real server would see. When the simulator
 * runs with time scale s (wall = model × s; 0.1 = ten times faster), the runner sends at
 * rate / s for duration × s and reports latencies and rates converted back to model time.
 */
export type WorkloadConfig =
  | { type: 'random'; random: RandomWorkloadConfig }
  | { type: 'shared-prefix'; sharedPrefix: SharedPrefixConfig }
  | { type: 'mix'; entries: MixEntryConfig[] }
  | { type: 'priority-mix'; base: WorkloadConfig; sloTtftMs: number | null; sloTpotMs: number | null };

export interface MixEntryConfig {
  name: string;
  /** Share of traffic (relative). */
  weight: number;
  /** Fairness id (x-gateway-inference-fairness-id); null = not a tenant entry. */
  tenant: string | null;
  objective: string | null;
  priority: number | null;
  /** The tenant's fairness weight, used to normalize service in Jain's index (default 1). */
  fairnessWeight: number;
  sloTtftMs: number | null;
  sloTpotMs: number | null;
  workload: WorkloadConfig;
}

export interface ServerDefaults {
  /** Simulator profile for `compare`. */
  profile: string;
  /** Simulator time scale for `compare` (wall = model × timeScale). */
  timeScale: number;
  pods: number;
  /** Extra sluice-sim arguments. */
  args: string[];
}

export interface Scenario {
  name: string;
  description: string;
  /** Which published benchmark this is a scaled version of, and how it was scaled. */
  scaledFrom: string | null;
  seed: number;
  api: { type: ApiType; model: string; streaming: boolean };
  server: ServerDefaults;
  workload: WorkloadConfig;
  load: { interval: number; maxConcurrency: number | null; requestTimeout: number | null; stages: StageSpec[] };
  report: { goodput: GoodputConstraints | undefined; serviceWeights: ServiceWeights; timelineBucket: number };
  /** File it came from (or `builtin:NAME`). */
  source: string;
}
