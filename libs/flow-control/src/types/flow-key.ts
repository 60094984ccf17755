/**
 * A flow is the unit of fairness and queueing: one tenant (fairness id) at one priority.
 * The same tenant at two priorities is two flows (reference §1.2).
 */
export interface FlowKey {
  /** Tenant identity; `default-flow` when the request carried none. Opaque, compared by code unit. */
  readonly fairnessId: string;
  /** Integer priority; higher is more important; < 0 means sheddable. */
  readonly priority: number;
}

/** Fairness id used when the request carries none (reference §1.2). */
export const DEFAULT_FAIRNESS_ID = 'default-flow';

/** `"<fairnessId>:<priority>"`, matching upstream `FlowKey.String()`. */
export function flowKeyString(key: FlowKey): string {
  return `${key.fairnessId}:${key.priority}`;
}

/**
 * Byte-order-free, deterministic string comparison used everywhere a store must agree with
 * another store (Memory vs Redis/Lua). Compares UTF-16 code units; Lua compares bytes, which is
 * the same order for ASCII. Returns -1, 0 or 1.
 */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Upstream `FlowKey.Compare`: priority descending, then fairness id ascending. */
export function compareFlowKeys(a: FlowKey, b: FlowKey): number {
  if (a.priority !== b.priority) return a.priority > b.priority ? -1 : 1;
  return compareIds(a.fairnessId, b.fairnessId);
}
