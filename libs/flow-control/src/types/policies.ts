/** Plugin type names of the flow-control policies (llm-d names where they exist; reference §2). */
export const FairnessPolicyType = {
  GlobalStrict: 'global-strict-fairness-policy',
  RoundRobin: 'round-robin-fairness-policy',
  TokenFairness: 'token-fairness-policy',
} as const;
export type FairnessPolicyType = (typeof FairnessPolicyType)[keyof typeof FairnessPolicyType];

export const OrderingPolicyType = {
  Fcfs: 'fcfs-ordering-policy',
  Edf: 'edf-ordering-policy',
  SloDeadline: 'slo-deadline-ordering-policy',
} as const;
export type OrderingPolicyType = (typeof OrderingPolicyType)[keyof typeof OrderingPolicyType];

export const UsageLimitPolicyType = {
  Static: 'static-usage-limit-policy',
  PriorityHoldback: 'priority-holdback-policy',
} as const;
export type UsageLimitPolicyType = (typeof UsageLimitPolicyType)[keyof typeof UsageLimitPolicyType];

/**
 * Fairness policy of one band. Plain JSON.
 * `weights` (token-fairness only): fairness id → weight > 0; a flow is charged
 * `tokens / weight`, so weight 2 gets twice the token service. Missing ids use `defaultWeight` (1).
 */
export type FairnessPolicyConfig =
  | { readonly type: typeof FairnessPolicyType.GlobalStrict }
  | { readonly type: typeof FairnessPolicyType.RoundRobin }
  | {
      readonly type: typeof FairnessPolicyType.TokenFairness;
      readonly weights?: Readonly<Record<string, number>>;
      readonly defaultWeight?: number;
    };

/** Ordering policy of one band. Plain JSON. */
export interface OrderingPolicyConfig {
  readonly type: OrderingPolicyType;
}

/**
 * Usage-limit (gating) policy (reference §1.8). Produces one ceiling per band; a band is gated
 * while `saturation >= ceiling`. Plain JSON.
 */
export type UsageLimitPolicyConfig =
  | {
      readonly type: typeof UsageLimitPolicyType.Static;
      /** Same ceiling for every band, in (0, 1]. Default 1. */
      readonly threshold: number;
    }
  | {
      readonly type: typeof UsageLimitPolicyType.PriorityHoldback;
      /** Ceiling of the lowest band, in [0, 1). */
      readonly minCeiling: number;
      /** Ceiling of the highest band, in (minCeiling, 1]. Default 1. */
      readonly maxCeiling: number;
      /** `rank`: spread evenly by band rank; `value`: by priority value. Default `rank`. */
      readonly domain: 'rank' | 'value';
    };
