import { STATUS_CODES } from 'node:http';
import { countTokens } from '@sluice/tokenizer';
import { createParser } from 'eventsource-parser';
import { Agent, request } from 'undici';
import type { ChunkRecord, RequestFailure } from '../metrics/request-record.ts';
import { nowSeconds } from './clock.ts';

/**
 * Sends OpenAI requests over a keep-alive undici pool and records the arrival time of every
 * SSE event. Times are nowSeconds(); an event's time is when the network read that carried it
 * arrived (events in one read share it).
 *
 * Tokens per chunk: the word rule on the chunk's text. When the server's usage.completion_tokens
 * disagrees with that sum but equals the number of text chunks, each text chunk counts as one
 * token (one-token-per-chunk servers whose token strings are not whole words).
 */
export interface ResponseRecord {
  startTime: number;
  endTime: number;
  chunks: ChunkRecord[];
  promptTokens: number | null;
  completionTokens: number | null;
  cachedTokens: number | null;
  endpoint: string | null;
  queueWait: number | null;
  text: string;
  failure: RequestFailure | null;
}

export interface StreamClientOptions {
  /** Abort a request after this many seconds (null: no limit). */
  requestTimeout: number | null;
  /** Upper bound of open connections per origin. */
  maxConnections: number;
  /** Wall = model × timeScale; only used to state timeouts in model time in failure messages. */
  timeScale?: number;
}

interface Usage {
  prompt_tokens?: number;
  completion_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number } | null;
}

interface ChunkJson {
  choices?: { text?: string; delta?: { content?: string | null } }[];
  usage?: Usage | null;
  error?: { message?: string; type?: string };
}

export class StreamClient {
  private readonly agent: Agent;

  constructor(private readonly options: StreamClientOptions) {
    this.agent = new Agent({ connections: options.maxConnections, keepAliveTimeout: 30_000, headersTimeout: 0, bodyTimeout: 0, pipelining: 1 });
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  /** Sends one request; never throws (errors become `failure`). */
  async send(url: string, body: Record<string, unknown>, headers: Record<string, string>): Promise<ResponseRecord> {
    const record: ResponseRecord = { startTime: nowSeconds(), endTime: 0, chunks: [], promptTokens: null, completionTokens: null, cachedTokens: null, endpoint: null, queueWait: null, text: '', failure: null };
    const signal = this.options.requestTimeout === null ? undefined : AbortSignal.timeout(this.options.requestTimeout * 1000);
    try {
      const response = await request(url, { method: 'POST', body: JSON.stringify(body), headers, dispatcher: this.agent, signal });
      record.endpoint = headerValue(response.headers['x-gateway-destination-endpoint-served']) ?? headerValue(response.headers['x-inference-pod']);
      const wait = headerValue(response.headers['x-sluice-queue-wait-ms']);
      if (wait !== null && !Number.isNaN(Number(wait))) record.queueWait = Number(wait) / 1000;
      if (response.statusCode !== 200) {
        const text = await response.body.text();
        record.failure = { status: response.statusCode, reason: STATUS_CODES[response.statusCode] ?? 'HTTP Error', message: errorMessage(text) };
      } else if (body.stream === true) {
        await this.readStream(response.body, record);
      } else {
        const json = (await response.body.json()) as ChunkJson;
        record.text = json.choices?.[0]?.text ?? (json.choices?.[0] as { message?: { content?: string } } | undefined)?.message?.content ?? '';
        applyUsage(record, json.usage);
      }
    } catch (error) {
      record.failure = exceptionFailure(error, this.options.requestTimeout, this.options.timeScale ?? 1);
    }
    record.endTime = nowSeconds();
    return record;
  }

  private async readStream(stream: AsyncIterable<Buffer>, record: ResponseRecord): Promise<void> {
    let readTime = 0;
    let done = false;
    const parser = createParser({
      onEvent: (event) => {
        if (event.data === '[DONE]') {
          done = true;
          return;
        }
        const json = JSON.parse(event.data) as ChunkJson;
        if (json.error !== undefined) {
          record.failure ??= { status: 200, reason: json.error.type ?? 'StreamError', message: json.error.message ?? 'error event in stream' };
          return;
        }
        const choice = json.choices?.[0];
        const text = choice?.text ?? choice?.delta?.content ?? '';
        if (text.length > 0 || choice !== undefined) {
          record.chunks.push({ time: readTime, text, tokens: countTokens(text) });
          record.text += text;
        }
        applyUsage(record, json.usage);
      },
    });
    const decoder = new TextDecoder();
    for await (const piece of stream) {
      readTime = nowSeconds();
      parser.feed(decoder.decode(piece, { stream: true }));
    }
    parser.feed(decoder.decode());
    if (!done && record.failure === null) record.failure = { status: 200, reason: 'IncompleteStream', message: 'stream ended without [DONE]' };
    reconcileChunkTokens(record);
  }
}

function applyUsage(record: ResponseRecord, usage: Usage | null | undefined): void {
  if (usage === null || usage === undefined) return;
  if (typeof usage.prompt_tokens === 'number') record.promptTokens = usage.prompt_tokens;
  if (typeof usage.completion_tokens === 'number') record.completionTokens = usage.completion_tokens;
  const cached = usage.prompt_tokens_details?.cached_tokens;
  if (typeof cached === 'number') record.cachedTokens = cached;
}

/** See the class comment: fall back to one token per text chunk when that matches the server. */
export function reconcileChunkTokens(record: Pick<ResponseRecord, 'chunks' | 'completionTokens'>): void {
  if (record.completionTokens === null) return;
  const byWords = record.chunks.reduce((s, c) => s + c.tokens, 0);
  const textChunks = record.chunks.filter((c) => c.text.length > 0);
  if (byWords !== record.completionTokens && textChunks.length === record.completionTokens) {
    for (const chunk of record.chunks) chunk.tokens = chunk.text.length > 0 ? 1 : 0;
  }
}

function headerValue(value: string | string[] | undefined): string | null {
  if (value === undefined) return null;
  return Array.isArray(value) ? (value[0] ?? null) : value;
}

function errorMessage(text: string): string {
  try {
    const json = JSON.parse(text) as { error?: { message?: string } | string; message?: string };
    if (typeof json.error === 'string') return json.error;
    return json.error?.message ?? json.message ?? text.slice(0, 300);
  } catch {
    return text.slice(0, 300);
  }
}

function exceptionFailure(error: unknown, timeout: number | null, timeScale: number): RequestFailure {
  const e = error as { name?: string; code?: string; message?: string };
  if (e.name === 'TimeoutError' || (e.name === 'AbortError' && timeout !== null)) {
    const model = timeout === null ? null : timeout / timeScale;
    const wall = timeScale === 1 ? '' : ` (${timeout} s wall)`;
    return { status: 0, reason: 'TimeoutError', message: `no complete reply within the ${model} s request timeout${wall}` };
  }
  return { status: 0, reason: e.code ?? e.name ?? 'Error', message: e.message ?? String(error) };
}
