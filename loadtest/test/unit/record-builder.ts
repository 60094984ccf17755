import type { ChunkRecord, RequestRecord } from '../../src/metrics/request-record.ts';

/** Builds a RequestRecord for metric tests; chunks are [time, tokens] pairs. */
export function record(overrides: Partial<RequestRecord> & { chunkSpec?: [number, number][] } = {}): RequestRecord {
  const { chunkSpec, ...rest } = overrides;
  const chunks: ChunkRecord[] = (chunkSpec ?? []).map(([time, tokens]) => ({ time, tokens, text: tokens > 0 ? ' w'.repeat(tokens) : '' }));
  const completion = chunks.reduce((s, c) => s + c.tokens, 0);
  return {
    index: 0,
    stage: 0,
    scheduledTime: 0,
    dispatchTime: 0,
    startTime: 0,
    endTime: 1,
    streamed: true,
    chunks,
    promptTokens: 10,
    completionTokens: completion,
    cachedTokens: 0,
    expectedPromptTokens: 10,
    maxTokens: completion,
    tenant: null,
    objective: null,
    endpoint: null,
    sloTtft: null,
    sloTpot: null,
    outputText: chunks.map((c) => c.text).join(''),
    failure: null,
    queueWait: null,
    ...rest,
  };
}
