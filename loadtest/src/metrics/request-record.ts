/**
 * What the client records for one request. All times are seconds on one monotonic clock
 * (the run's clock, see client/clock.ts); durations derived from them are seconds too.
 */
export interface ChunkRecord {
  /** Arrival time of the network read that carried this SSE event. */
  time: number;
  /** Text carried by the event (completion `text` or chat `delta.content`); '' for role/usage/finish events. */
  text: string;
  /** Tokens attributed to this chunk (word rule of @sluice/tokenizer on `text`; 0 when text is empty). */
  tokens: number;
}

export interface RequestFailure {
  /** HTTP status, or 0 when no response arrived (connection error, timeout). */
  status: number;
  /** Short reason: HTTP reason phrase / error type (`TimeoutError`, `StreamError`, …). */
  reason: string;
  /** Human-readable message (error body message, exception text). */
  message: string;
}

export interface RequestRecord {
  /** Position in the stage's request sequence (0-based). */
  index: number;
  stage: number;
  /** When the arrival process wanted the request sent (null for closed-loop concurrency stages). */
  scheduledTime: number | null;
  /** When the generator got to it (≥ scheduledTime; the difference is the schedule delay). */
  dispatchTime: number;
  /** When the request was written to the socket (after any concurrency-slot or session wait). */
  startTime: number;
  /** When the response finished (stream end, error, or timeout). */
  endTime: number;
  streamed: boolean;
  chunks: ChunkRecord[];
  /** Server usage, when reported. */
  promptTokens: number | null;
  completionTokens: number | null;
  cachedTokens: number | null;
  /** Prompt length the workload built (word rule), known before sending. */
  expectedPromptTokens: number;
  /** max_tokens sent. */
  maxTokens: number;
  tenant: string | null;
  /** Objective / priority class name, e.g. `critical`. */
  objective: string | null;
  /** Pod that served the request (`x-gateway-destination-endpoint-served`, else `x-inference-pod`). */
  endpoint: string | null;
  /** Per-request SLOs from headers, in seconds. */
  sloTtft: number | null;
  sloTpot: number | null;
  /** Reply text (kept for multi-turn sessions; not written to reports). */
  outputText: string;
  failure: RequestFailure | null;
  /** Router queue wait from `x-sluice-queue-wait-ms`, seconds, when present. */
  queueWait: number | null;
}

/** Failure label as inference-perf groups them: "<status> - <reason>". */
export function failureLabel(failure: RequestFailure): string {
  return `${failure.status} - ${failure.reason}`;
}
