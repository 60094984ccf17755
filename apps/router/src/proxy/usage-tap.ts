/** Token usage reported by the engine (OpenAI `usage`). */
export interface ReportedUsage {
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly cachedTokens: number;
}

/** Bytes of the response tail kept to find `usage` (the last SSE chunk or the end of a JSON body). */
const TAIL_BYTES = 4096;
const DATA_EVENT = Buffer.from('data: ');

/**
 * Watches response chunks without copying the stream: records the time of the first chunk, counts
 * SSE `data: ` events (≈ one per output token on vLLM) and keeps the last few KB to read `usage`
 * at the end. Cost per chunk: one indexOf scan and at most one small copy.
 */
export class UsageTap {
  firstChunkAtMs: number | null = null;
  dataEvents = 0;
  bytes = 0;
  private tail: Buffer = Buffer.alloc(0);

  onChunk(chunk: Buffer, nowMs: number): void {
    if (this.firstChunkAtMs === null) this.firstChunkAtMs = nowMs;
    this.bytes += chunk.length;
    for (let i = chunk.indexOf(DATA_EVENT); i !== -1; i = chunk.indexOf(DATA_EVENT, i + DATA_EVENT.length)) this.dataEvents++;
    // An event marker split across two chunks: look at the seam (previous tail + this chunk's head).
    if (this.tail.length > 0) {
      const keep = DATA_EVENT.length - 1;
      const seam = Buffer.concat([this.tail.subarray(Math.max(0, this.tail.length - keep)), chunk.subarray(0, keep)]);
      const at = seam.indexOf(DATA_EVENT);
      if (at !== -1 && at < Math.min(keep, this.tail.length) && at + DATA_EVENT.length > Math.min(keep, this.tail.length)) this.dataEvents++;
    }
    if (chunk.length >= TAIL_BYTES) this.tail = Buffer.from(chunk.subarray(chunk.length - TAIL_BYTES));
    else {
      const joined = Buffer.concat([this.tail, chunk]);
      this.tail = joined.length > TAIL_BYTES ? joined.subarray(joined.length - TAIL_BYTES) : joined;
    }
  }

  /** The last `usage` object in the tail, or null (streams without include_usage report none). */
  usage(): ReportedUsage | null {
    const text = this.tail.toString('latin1');
    const at = text.lastIndexOf('"usage":{');
    if (at < 0) return null;
    const rest = text.slice(at);
    const prompt = /"prompt_tokens":\s*(\d+)/.exec(rest);
    const completion = /"completion_tokens":\s*(\d+)/.exec(rest);
    if (!prompt || !completion) return null;
    const cached = /"cached_tokens":\s*(\d+)/.exec(rest);
    return { promptTokens: Number(prompt[1]), completionTokens: Number(completion[1]), cachedTokens: cached ? Number(cached[1]) : 0 };
  }
}
