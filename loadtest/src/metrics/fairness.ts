/**
 * Jain's fairness index J = (Σx)² / (n·Σx²) over n non-negative allocations.
 * J = 1 when all are equal, 1/n when one tenant gets everything. Defined as 1 when Σx² = 0
 * (nobody got anything: equally nothing) and null when n = 0.
 */
export function jainIndex(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  let sum = 0;
  let sumSquares = 0;
  for (const x of values) {
    sum += x;
    sumSquares += x * x;
  }
  if (sumSquares === 0) return 1;
  return (sum * sum) / (values.length * sumSquares);
}

/**
 * Service weights: a tenant's service is `input·prompt_tokens + output·completion_tokens`
 * (VTC-style weighted tokens; output costs more to produce). Defaults 1 and 2.
 */
export interface ServiceWeights {
  input: number;
  output: number;
}

export const DEFAULT_SERVICE_WEIGHTS: ServiceWeights = { input: 1, output: 2 };
