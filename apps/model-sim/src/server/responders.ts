import type { ServerResponse } from 'node:http';
import type { Sequence, SequenceListener } from '../engine/sequence.ts';
import type { Endpoint } from './openai-request.ts';

/** A mid-response fault chosen for this request: reset the connection or stall after `afterTokens`. */
export interface StreamFault {
  kind: 'reset' | 'stall';
  afterTokens: number;
}

export interface ResponderInit {
  res: ServerResponse;
  endpoint: Endpoint;
  id: string;
  created: number;
  model: string;
  includeUsage: boolean;
  /** The connection's 'close' handler aborts the sequence when a fault ends the stream. */
  fault: StreamFault | null;
}

function usageJson(seq: Sequence): string {
  const prompt = seq.promptLength;
  const completion = seq.numOutputTokens;
  const cached = Math.max(0, seq.numCachedTokens);
  return `{"prompt_tokens":${prompt},"total_tokens":${prompt + completion},"completion_tokens":${completion},"prompt_tokens_details":{"cached_tokens":${cached}}}`;
}

/**
 * Writes an SSE stream exactly as vLLM does (reference §1.8): for chat a role chunk first, then one
 * chunk per token, a finish chunk with an empty delta, a usage chunk (`choices: []`) only when
 * stream_options.include_usage, then `data: [DONE]`. Every other chunk carries `"usage":null`.
 * JSON fragments are built once per request; each engine step costs one res.write per stream.
 */
export class StreamResponder implements SequenceListener {
  private readonly head: string;
  private readonly tail: string;
  private readonly envelope: string;
  private written = 0;
  private started = false;
  private halted = false;

  constructor(private readonly init: ResponderInit) {
    const { endpoint, id, created, model } = init;
    const object = endpoint === 'chat' ? 'chat.completion.chunk' : 'text_completion';
    this.envelope = `data: {"id":"${id}","object":"${object}","created":${created},"model":${JSON.stringify(model)},"choices":`;
    if (endpoint === 'chat') {
      this.head = `${this.envelope}[{"index":0,"delta":{"content":"`;
      this.tail = '"},"logprobs":null,"finish_reason":null}],"usage":null}\n\n';
    } else {
      this.head = `${this.envelope}[{"index":0,"text":"`;
      this.tail = '","logprobs":null,"finish_reason":null,"stop_reason":null}],"usage":null}\n\n';
    }
  }

  /** Sends the status line and headers right away, as vLLM's StreamingResponse does. */
  open(headers: Record<string, string>): void {
    this.init.res.writeHead(200, { ...headers, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
    this.init.res.flushHeaders();
  }

  onProgress(seq: Sequence, finished: boolean): void {
    if (this.halted) return;
    const { res, endpoint, fault } = this.init;
    let out = '';
    if (!this.started) {
      this.started = true;
      if (endpoint === 'chat') out += `${this.envelope}[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}],"usage":null}\n\n`;
    }
    const visible = seq.visibleOutputTokens;
    while (this.written < visible) {
      out += this.head + (this.written > 0 ? ' ' : '') + seq.outputWord(this.written) + this.tail;
      this.written++;
    }
    if (fault !== null && this.written >= fault.afterTokens && !(finished && seq.finishReason === 'abort')) {
      this.halted = true;
      if (out.length > 0) res.write(out);
      if (fault.kind === 'reset') {
        res.socket?.resetAndDestroy?.();
        res.destroy();
      }
      return; // stall: keep the socket open and silent until the client gives up
    }
    if (finished) {
      if (seq.finishReason === 'abort') {
        res.destroy();
        return;
      }
      out +=
        endpoint === 'chat'
          ? `${this.envelope}[{"index":0,"delta":{},"logprobs":null,"finish_reason":"${seq.finishReason}"}],"usage":null}\n\n`
          : `${this.envelope}[{"index":0,"text":"","logprobs":null,"finish_reason":"${seq.finishReason}","stop_reason":null}],"usage":null}\n\n`;
      if (this.init.includeUsage) out += `${this.envelope}[],"usage":${usageJson(seq)}}\n\n`;
      out += 'data: [DONE]\n\n';
      res.end(out);
      return;
    }
    if (out.length > 0) res.write(out);
  }
}

/** Answers a non-streamed request once the sequence finishes (usage always included). */
export class JsonResponder implements SequenceListener {
  constructor(
    private readonly init: ResponderInit,
    private readonly headers: Record<string, string>,
  ) {}

  onProgress(seq: Sequence, finished: boolean): void {
    if (!finished) return;
    const { res, endpoint, id, created, model, fault } = this.init;
    if (seq.finishReason === 'abort') {
      res.destroy();
      return;
    }
    if (fault !== null) {
      if (fault.kind === 'reset') {
        res.socket?.resetAndDestroy?.();
        res.destroy();
      }
      return; // stall: never answer
    }
    const words: string[] = new Array<string>(seq.visibleOutputTokens);
    for (let i = 0; i < words.length; i++) words[i] = seq.outputWord(i);
    const text = words.join(' ');
    const choice =
      endpoint === 'chat'
        ? { index: 0, message: { role: 'assistant', content: text }, logprobs: null, finish_reason: seq.finishReason }
        : { index: 0, text, logprobs: null, finish_reason: seq.finishReason, stop_reason: null };
    const body = `{"id":"${id}","object":"${endpoint === 'chat' ? 'chat.completion' : 'text_completion'}","created":${created},"model":${JSON.stringify(model)},"choices":[${JSON.stringify(choice)}],"usage":${usageJson(seq)}}`;
    res.writeHead(200, { ...this.headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  }
}
