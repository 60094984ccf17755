import { createParser } from 'eventsource-parser';
import { request, type Dispatcher } from 'undici';

export interface StreamUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: { cached_tokens?: number };
}

/** Client-side timing of one streamed completion (performance.now() ms). */
export interface StreamResult {
  status: number;
  sentAtMs: number;
  /** Arrival time of every chunk that carried generated text. */
  tokenTimesMs: number[];
  usage: StreamUsage | null;
}

/**
 * POSTs a streamed /v1/completions request and records when each text chunk arrives. The body
 * gets `stream: true` and `stream_options.include_usage: true`.
 */
export async function streamCompletion(baseUrl: string, body: Record<string, unknown>, dispatcher?: Dispatcher): Promise<StreamResult> {
  const sentAtMs = performance.now();
  const response = await request(`${baseUrl}/v1/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...body, stream: true, stream_options: { include_usage: true } }),
    ...(dispatcher === undefined ? {} : { dispatcher }),
  });
  const tokenTimesMs: number[] = [];
  let usage: StreamUsage | null = null;
  if (response.statusCode !== 200) {
    await response.body.text();
    return { status: response.statusCode, sentAtMs, tokenTimesMs, usage };
  }
  let now = 0;
  const parser = createParser({
    onEvent(event) {
      if (event.data === '[DONE]') return;
      const chunk = JSON.parse(event.data) as { choices: { text?: string }[]; usage: StreamUsage | null };
      if ((chunk.choices[0]?.text ?? '').length > 0) tokenTimesMs.push(now);
      if (chunk.usage !== null) usage = chunk.usage;
    },
  });
  const decoder = new TextDecoder();
  for await (const bytes of response.body as AsyncIterable<Uint8Array>) {
    now = performance.now();
    parser.feed(decoder.decode(bytes, { stream: true }));
  }
  return { status: response.statusCode, sentAtMs, tokenTimesMs, usage };
}

/** Mean of all inter-token gaps pooled over streams, seconds. */
export function pooledMeanItlS(results: readonly StreamResult[]): number {
  let sum = 0;
  let gaps = 0;
  for (const r of results) {
    const t = r.tokenTimesMs;
    if (t.length < 2) continue;
    sum += (t[t.length - 1] as number) - (t[0] as number);
    gaps += t.length - 1;
  }
  return gaps === 0 ? Number.NaN : sum / gaps / 1000;
}

/** Client TTFT of one stream, seconds. */
export function ttftS(result: StreamResult): number {
  const first = result.tokenTimesMs[0];
  if (first === undefined) throw new Error(`stream produced no tokens (HTTP ${result.status})`);
  return (first - result.sentAtMs) / 1000;
}
