import type { UsageLimitPolicyConfig } from '../types/policies.ts';
import { UsageLimitPolicyType } from '../types/policies.ts';

/**
 * Ceilings for the bands (reference §1.8), one per entry of `prioritiesDesc` (all existing bands,
 * priority descending). Non-increasing from highest to lowest priority. A band is gated while
 * `saturation >= ceiling`.
 * - static: every band gets `threshold`;
 * - priority-holdback rank: `c_i = max − i·(max−min)/(N−1)` (N = 1 → max);
 * - priority-holdback value: `c_i = min + (p_i−pMin)/(pMax−pMin)·(max−min)` (all equal → max).
 */
export function computeCeilings(policy: UsageLimitPolicyConfig, prioritiesDesc: readonly number[]): number[] {
  const n = prioritiesDesc.length;
  if (policy.type === UsageLimitPolicyType.Static) return prioritiesDesc.map(() => policy.threshold);
  const { minCeiling: lo, maxCeiling: hi } = policy;
  if (n <= 1) return prioritiesDesc.map(() => hi);
  if (policy.domain === 'rank') return prioritiesDesc.map((_, i) => hi - (i * (hi - lo)) / (n - 1));
  const pMax = prioritiesDesc[0]!;
  const pMin = prioritiesDesc[n - 1]!;
  if (pMax === pMin) return prioritiesDesc.map(() => hi);
  return prioritiesDesc.map((p) => lo + ((p - pMin) / (pMax - pMin)) * (hi - lo));
}
