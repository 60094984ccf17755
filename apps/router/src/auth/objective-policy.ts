import type { ResolvedGrant } from '@sluice/config';

/** The objective a request gets under its credential's grant. */
export type ObjectiveDecision =
  | {
      readonly ok: true;
      /** Objective to resolve the priority from; undefined → the model's own priority (capped by `ceiling`). */
      readonly objective: string | undefined;
      /** Priority ceiling of the grant; null = none. */
      readonly ceiling: number | null;
      /** True when the requested objective was above the ceiling and was lowered. */
      readonly clamped: boolean;
    }
  | { readonly ok: false; readonly requested: string; readonly ceiling: number | null };

/**
 * A client may ask (objective header) for any configured objective whose priority is at most the
 * grant's ceiling — a lower one than allowed is fine — never for a higher one. A higher one is
 * clamped to the highest allowed objective at or below the ceiling (else the default), or refused
 * when `clamp` is false. An unknown objective name is ignored (the default applies), as in
 * trusted-headers mode. A grant without a ceiling (no objectives, no maxPriority) allows no
 * requested objective at all.
 */
export function decideObjective(grant: ResolvedGrant, requested: string | undefined, priorityOf: (objective: string) => number | undefined, clamp: boolean): ObjectiveDecision {
  const ceiling = grant.maxPriority;
  const fallback = grant.defaultObjective ?? undefined;
  if (requested === undefined) return { ok: true, objective: fallback, ceiling, clamped: false };
  const priority = priorityOf(requested);
  if (priority === undefined) return { ok: true, objective: fallback, ceiling, clamped: false };
  if (ceiling !== null && priority <= ceiling) return { ok: true, objective: requested, ceiling, clamped: false };
  if (!clamp) return { ok: false, requested, ceiling };
  let best: { name: string; priority: number } | null = null;
  for (const name of grant.objectives) {
    const p = priorityOf(name);
    if (p === undefined || (ceiling !== null && p > ceiling)) continue;
    if (best === null || p > best.priority) best = { name, priority: p };
  }
  return { ok: true, objective: best?.name ?? fallback, ceiling, clamped: true };
}
