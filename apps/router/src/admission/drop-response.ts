import { DroppedReason, outcomeToResponse } from '@sluice/flow-control';
import type { FlowOutcome } from '@sluice/flow-control';
import { HttpError } from '../http/openai-error.ts';

const MESSAGES: Readonly<Record<string, string>> = {
  [DroppedReason.Saturated]: 'The inference pool is saturated and this request could not be queued. Retry later.',
  [DroppedReason.NoEndpoints]: 'No inference endpoint is available to serve this request.',
  [DroppedReason.TtlExpired]: 'The request waited in the queue longer than its time to live.',
  [DroppedReason.ContextCancelled]: 'The request was cancelled while it waited.',
  [DroppedReason.ShuttingDown]: 'This router replica is shutting down. Retry on another replica.',
  [DroppedReason.Other]: 'The request was dropped by flow control.',
};

/**
 * The client answer for a dropped request (reference §1.7): status from the outcome table,
 * `x-llm-d-request-dropped-reason`, `Retry-After` in whole seconds (≥ 1) and an OpenAI-style body
 * whose `code` is the reason.
 */
export function dropError(outcome: FlowOutcome, ctx: { poolHasEndpoints: boolean; shuttingDown: boolean; retryAfterMs?: number }): HttpError {
  const { status, reason } = outcomeToResponse(outcome, ctx);
  return droppedError(status, reason, ctx.retryAfterMs);
}

/** A drop with an explicit status and reason (e.g. no endpoints after admission, shutting down). */
export function droppedError(status: number, reason: DroppedReason, retryAfterMs?: number): HttpError {
  const retryAfterSec = Math.max(1, Math.ceil((retryAfterMs ?? 1000) / 1000));
  return new HttpError(status, MESSAGES[reason] ?? reason, {
    code: reason,
    headers: { 'x-llm-d-request-dropped-reason': reason, 'retry-after': String(retryAfterSec) },
  });
}
