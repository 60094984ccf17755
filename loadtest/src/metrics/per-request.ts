import type { RequestRecord } from './request-record.ts';

/**
 * Per-request latency metrics, exactly as inference-perf defines them (seconds):
 * - request_latency = endTime − startTime
 * - TTFT = time of the first chunk with non-empty text − startTime
 * - token times: each chunk contributes `tokens` entries at the chunk's time (tokens inside one
 *   chunk share its arrival time, so the gaps between them are 0)
 * - TPOT = (last token time − first token time) / (output_tokens − 1)
 * - ITL = every gap between consecutive token times
 * - NTPOT = request_latency / output_tokens
 * output_tokens is the server's usage.completion_tokens when reported, else the chunk token sum.
 * TTFT, TPOT and ITL exist only for streamed requests with more than one output token.
 */
export interface RequestMetrics {
  requestLatency: number;
  ttft: number | null;
  tpot: number | null;
  ntpot: number | null;
  itl: number[];
  outputTokens: number;
  /** Σ chunk tokens differs from the server's completion_tokens. */
  tokenCountMismatch: boolean;
}

/** Token arrival times: chunk time repeated once per token in the chunk. */
export function tokenTimes(record: RequestRecord): number[] {
  const times: number[] = [];
  for (const chunk of record.chunks) for (let k = 0; k < chunk.tokens; k++) times.push(chunk.time);
  return times;
}

export function outputTokensOf(record: RequestRecord): number {
  if (record.completionTokens !== null) return record.completionTokens;
  return record.chunks.reduce((sum, chunk) => sum + chunk.tokens, 0);
}

export function requestMetrics(record: RequestRecord): RequestMetrics {
  const requestLatency = record.endTime - record.startTime;
  const outputTokens = outputTokensOf(record);
  const chunkTokens = record.chunks.reduce((sum, chunk) => sum + chunk.tokens, 0);
  const tokenCountMismatch = record.streamed && record.completionTokens !== null && chunkTokens !== record.completionTokens;
  const ntpot = outputTokens > 0 ? requestLatency / outputTokens : null;
  if (!record.streamed || outputTokens <= 1) {
    return { requestLatency, ttft: null, tpot: null, ntpot, itl: [], outputTokens, tokenCountMismatch };
  }
  const times = tokenTimes(record);
  const first = times[0];
  const last = times[times.length - 1];
  if (first === undefined || last === undefined) {
    return { requestLatency, ttft: null, tpot: null, ntpot, itl: [], outputTokens, tokenCountMismatch };
  }
  const itl: number[] = [];
  for (let i = 1; i < times.length; i++) itl.push((times[i] as number) - (times[i - 1] as number));
  const firstText = record.chunks.find((chunk) => chunk.text.length > 0)?.time ?? first;
  return {
    requestLatency,
    ttft: firstText - record.startTime,
    tpot: (last - first) / (outputTokens - 1),
    ntpot,
    itl,
    outputTokens,
    tokenCountMismatch,
  };
}
