/**
 * One request as the workload plans it. The client turns it into an OpenAI body:
 * completion API → `prompt = joinText(system, user)`; chat API → system + user messages.
 * Every request is sent with `max_tokens = maxTokens` and `ignore_eos: true`, so the reply is
 * exactly maxTokens tokens on servers that honour ignore_eos.
 */
export interface RequestSpec {
  /** Shared part (system prompt / group prefix); '' when none. */
  system: string;
  /** Per-request part (question). */
  user: string;
  maxTokens: number;
  /** Fairness id sent as x-gateway-inference-fairness-id; null sends none. */
  tenant: string | null;
  /** Objective sent as x-gateway-inference-objective; null sends none. */
  objective: string | null;
  /** Numeric priority of the objective (reporting only). */
  priority: number | null;
  /** Per-request SLOs, milliseconds, sent as x-slo-ttft-ms / x-slo-tpot-ms. */
  sloTtftMs: number | null;
  sloTpotMs: number | null;
  /**
   * Multi-turn: rounds of one session are sent one after another; round r > 0 sends
   * `context + " " + user` where context = previous round's prompt + " " + its reply.
   */
  session: { id: string; round: number } | null;
}

/** A deterministic request sequence: the same seed gives the same specs in the same order. */
export interface Workload {
  next(): RequestSpec;
}

export function plainSpec(system: string, user: string, maxTokens: number): RequestSpec {
  return { system, user, maxTokens, tenant: null, objective: null, priority: null, sloTtftMs: null, sloTpotMs: null, session: null };
}
