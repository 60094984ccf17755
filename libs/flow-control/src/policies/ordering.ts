import { FAR_FUTURE_MS } from '../types/items.ts';
import { OrderingPolicyType } from '../types/policies.ts';

/** Inputs of the order key, all store-clock ms. */
export interface OrderKeyInput {
  readonly enqueuedAtMs: number;
  /** Saturation TTL applied to the item (0 = none). */
  readonly ttlMs: number;
  readonly receivedAtMs: number;
  readonly sloTtftMs: number | undefined;
}

/**
 * Primary order key of an item (lower dispatches first; ties by admission seq). Reference §2.3:
 * - fcfs: enqueue time;
 * - edf: enqueue time + TTL (no TTL → FAR_FUTURE_MS);
 * - slo-deadline: receipt time + TTFT objective (missing, negative or non-finite → FAR_FUTURE_MS).
 * Stores MUST compute exactly this (the Redis store computes it in Lua).
 */
export function computeOrderKey(policy: OrderingPolicyType, input: OrderKeyInput): number {
  switch (policy) {
    case OrderingPolicyType.Fcfs:
      return input.enqueuedAtMs;
    case OrderingPolicyType.Edf:
      return input.ttlMs > 0 ? input.enqueuedAtMs + input.ttlMs : FAR_FUTURE_MS;
    case OrderingPolicyType.SloDeadline: {
      const slo = input.sloTtftMs;
      if (slo === undefined || !Number.isFinite(slo) || slo < 0) return FAR_FUTURE_MS;
      return Math.min(input.receivedAtMs + slo, FAR_FUTURE_MS);
    }
  }
}

/** `(orderKey, seq)` comparison: negative when `a` goes first. */
export function compareOrder(a: { orderKey: number; seq: number }, b: { orderKey: number; seq: number }): number {
  if (a.orderKey !== b.orderKey) return a.orderKey < b.orderKey ? -1 : 1;
  return a.seq - b.seq;
}
