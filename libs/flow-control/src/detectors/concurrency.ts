import type { ConcurrencyDetectorConfig } from '../types/detector.ts';

/** Global lease load as the concurrency detector sees it. */
export interface LeaseLoad {
  /** Ready endpoint names (the last published snapshot). */
  readonly endpoints: readonly string[];
  /** All live leases, all owners. */
  readonly totalLeases: number;
  /** Σ estimated tokens of all live leases. */
  readonly totalTokens: number;
  /** Leases bound (bindLease) to each endpoint. Bindings to unknown endpoints count as unbound. */
  readonly bound: ReadonlyMap<string, { readonly requests: number; readonly tokens: number }>;
}

/**
 * `concurrency-detector` saturation (reference §3.2), ≥ 0, not clamped. Zero endpoints → 1.0.
 * `maxConcurrency` and `maxTokenConcurrency` are PER READY ENDPOINT.
 */
export function concurrencySaturation(cfg: ConcurrencyDetectorConfig, load: LeaseLoad): number {
  const n = load.endpoints.length;
  if (n === 0) return 1;
  if (cfg.mode === 'requests') return load.totalLeases / (n * cfg.maxConcurrency);
  if (cfg.mode === 'tokens') return load.totalTokens / (n * cfg.maxTokenConcurrency);
  let boundReq = 0;
  let boundTok = 0;
  for (const name of load.endpoints) {
    const b = load.bound.get(name);
    if (b) {
      boundReq += b.requests;
      boundTok += b.tokens;
    }
  }
  const spreadReq = (load.totalLeases - boundReq) / n;
  const spreadTok = (load.totalTokens - boundTok) / n;
  let sum = 0;
  for (const name of load.endpoints) {
    const b = load.bound.get(name);
    const req = (b?.requests ?? 0) + spreadReq;
    const tok = (b?.tokens ?? 0) + spreadTok;
    sum += Math.max(req / cfg.maxConcurrency, tok / cfg.maxTokenConcurrency);
  }
  return sum / n;
}
