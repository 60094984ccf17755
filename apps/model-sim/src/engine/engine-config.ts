/** Per-step cost model (all in model milliseconds, before time scaling). See reference §2.5. */
export interface StepCostModel {
  /** Fixed cost of every step (weights read, launch, all-reduce). */
  t0Ms: number;
  /** Cost per prefill token scheduled in the step. */
  prefillMsPerToken: number;
  /** Cost per sequence scheduled in the step. */
  seqMs: number;
  /** Cost per 1,000 context tokens (computed + scheduled) summed over scheduled sequences. */
  ctxMsPer1k: number;
  /** Uniform multiplicative jitter: the step takes ×(1 ± jitter). 0.1 = ±10 %. */
  jitter: number;
}

/** Engine settings. Fields marked "live" may change between steps (POST /admin/config). */
export interface EngineConfig {
  /** Served model name; seeds the prefix-cache hash chain. */
  model: string;
  /** Tokens per KV block (16, as vLLM on CUDA). */
  blockSize: number;
  /** KV capacity in tokens; the pool has floor(kvCacheTokens / blockSize) blocks. */
  kvCacheTokens: number;
  /** live: at most this many running sequences. */
  maxNumSeqs: number;
  /** live: token budget of one step. */
  maxNumBatchedTokens: number;
  /** live: at most this many distinct LoRA adapters among running sequences. */
  maxLoras: number;
  /** live: model ms added to the step that first loads an adapter onto the GPU. */
  loraLoadMs: number;
  /** live */
  cost: StepCostModel;
  /** live: wall ms per model ms (0.1 = ten times faster than the real GPU). */
  timeScale: number;
}

/** The step cost before jitter, in model ms. */
export function stepCostMs(cost: StepCostModel, prefillTokens: number, numSeqs: number, contextTokens: number): number {
  return cost.t0Ms + cost.prefillMsPerToken * prefillTokens + cost.seqMs * numSeqs + (cost.ctxMsPer1k * contextTokens) / 1000;
}
