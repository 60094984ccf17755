import { priorityMixEntries } from '../scenario/load-scenario.ts';
import type { MixEntryConfig, WorkloadConfig } from '../scenario/types.ts';
import type { Rng } from '../stats/rng.ts';
import { createMixWorkload } from './mix.ts';
import { createRandomWorkload } from './random.ts';
import { createSharedPrefixWorkload } from './shared-prefix.ts';
import type { Workload } from './types.ts';

/** Builds a workload from its validated config; sub-workloads get RNG streams forked by name. */
export function buildWorkload(config: WorkloadConfig, rng: Rng): Workload {
  switch (config.type) {
    case 'random':
      return createRandomWorkload(config.random, rng);
    case 'shared-prefix':
      return createSharedPrefixWorkload(config.sharedPrefix, rng);
    case 'mix':
      return mix(config.entries, rng);
    case 'priority-mix':
      return mix(priorityMixEntries(config.base, config.sloTtftMs, config.sloTpotMs), rng);
  }
}

function mix(entries: readonly MixEntryConfig[], rng: Rng): Workload {
  return createMixWorkload(
    entries.map((e) => ({ ...e, workload: buildWorkload(e.workload, rng.fork(`entry:${e.name}`)) })),
    rng,
  );
}

/** Fairness weight per tenant (Jain's index normalization); tenants not listed weigh 1. */
export function tenantWeights(config: WorkloadConfig): Record<string, number> {
  if (config.type !== 'mix') return {};
  const weights: Record<string, number> = {};
  for (const e of config.entries) if (e.tenant !== null) weights[e.tenant] = e.fairnessWeight;
  return weights;
}
