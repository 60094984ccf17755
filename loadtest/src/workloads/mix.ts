import type { Rng } from '../stats/rng.ts';
import type { RequestSpec, Workload } from './types.ts';

/**
 * A weighted mixture of sub-workloads. Each request picks an entry with probability
 * weight / Σweights (seeded), then takes that entry's next spec and stamps its identity:
 * tenant (fairness id), objective, priority, SLOs. Tenant mixes set `tenant`; priority-mix sets
 * `objective`/`priority` only.
 */
export interface MixEntry {
  name: string;
  weight: number;
  tenant: string | null;
  objective: string | null;
  priority: number | null;
  sloTtftMs: number | null;
  sloTpotMs: number | null;
  workload: Workload;
}

export function createMixWorkload(entries: readonly MixEntry[], rng: Rng): Workload {
  const picker = rng.fork('mix-picker');
  const weights = entries.map((e) => e.weight);
  return {
    next: (): RequestSpec => {
      const entry = entries[picker.weightedIndex(weights)] as MixEntry;
      const spec = entry.workload.next();
      return {
        ...spec,
        tenant: entry.tenant,
        objective: entry.objective,
        priority: entry.priority,
        sloTtftMs: entry.sloTtftMs ?? spec.sloTtftMs,
        sloTpotMs: entry.sloTpotMs ?? spec.sloTpotMs,
        session: spec.session === null ? null : { ...spec.session, id: `${entry.name}/${spec.session.id}` },
      };
    },
  };
}

/** llm-d-benchmark's priority-mix classes: critical/normal/batch at 0.2/0.6/0.2, priorities 100/0/−10. */
export const PRIORITY_MIX_CLASSES = [
  { name: 'critical', weight: 0.2, priority: 100 },
  { name: 'normal', weight: 0.6, priority: 0 },
  { name: 'batch', weight: 0.2, priority: -10 },
] as const;
