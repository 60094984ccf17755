import type { ServerResponse } from 'node:http';
import type { Clock } from '@sluice/flow-control';
import { errors } from 'undici';
import { downstreamResponseHeaders } from './headers.ts';
import { UsageTap } from './usage-tap.ts';
import type { BodySink, UpstreamExchange, UpstreamHead } from './upstream-exchange.ts';

/** How a relayed response ended. `status` is the upstream status (499: client closed first). */
export type RelayOutcome =
  | { readonly kind: 'ok'; readonly status: number; readonly tap: UsageTap | null }
  | { readonly kind: 'client-aborted'; readonly status: number; readonly tap: UsageTap | null }
  | { readonly kind: 'upstream-error'; readonly status: number; readonly tap: UsageTap | null; readonly error?: unknown };

/** The relay's `resolve` until `run()` sets the real one. */
function ignoreOutcome(): void {}

/** The SSE event the client gets when the engine dies mid-stream (then the stream ends cleanly). */
function streamErrorEvent(message: string): string {
  const body = { error: { message, type: 'server_error', param: null, code: 'upstream_stream_error' } };
  return `data: ${JSON.stringify(body)}\n\n`;
}

/**
 * Streams an upstream response to the client with back-pressure (the exchange pauses the upstream
 * while the client socket is full and resumes on 'drain'), tapping chunks for TTFT and usage. The
 * client's ClientAbort aborts the exchange when the client goes away (the relay then ends as
 * `client-aborted`). If the upstream breaks mid-stream, an SSE response gets an error event and a
 * clean end; any other response is destroyed (its Content-Length cannot be honoured).
 * `run()` resolves exactly once, after the client response is finished or closed.
 */
export class ResponseRelay implements BodySink {
  private readonly res: ServerResponse;
  private readonly exchange: UpstreamExchange;
  private readonly head: UpstreamHead;
  private readonly clock: Clock;
  private readonly ownHeaders: Readonly<Record<string, string>>;
  /** The client's abort state (routes pass the request's ClientAbort). */
  private readonly clientAbort: { readonly aborted: boolean };
  private readonly tap = new UsageTap();
  private readonly isSse: boolean;
  private settled = false;
  private resolve: (outcome: RelayOutcome) => void = ignoreOutcome;
  // The two listeners are assigned in the constructor, not as arrow-function class fields: tsx names
  // every such field with a defineProperty call per instance, and a relay is made per request.
  private readonly onDrain: () => void;
  private readonly onClose: () => void;

  constructor(options: {
    res: ServerResponse;
    exchange: UpstreamExchange;
    head: UpstreamHead;
    clock: Clock;
    headers: Readonly<Record<string, string>>;
    clientAbort: { readonly aborted: boolean };
  }) {
    this.res = options.res;
    this.exchange = options.exchange;
    this.head = options.head;
    this.clock = options.clock;
    this.ownHeaders = options.headers;
    this.clientAbort = options.clientAbort;
    this.isSse = String(options.head.headers['content-type'] ?? '').includes('text/event-stream');
    this.onDrain = () => this.exchange.resume();
    this.onClose = () => {
      if (this.res.writableFinished) return;
      // Client went away: its ClientAbort aborts the exchange too; make sure we end here.
      this.exchange.abort(new errors.RequestAbortedError());
      this.settle({ kind: 'client-aborted', status: 499, tap: this.tap });
    };
  }

  run(): Promise<RelayOutcome> {
    return new Promise<RelayOutcome>((resolve) => {
      this.resolve = resolve;
      const { res } = this;
      if (this.clientAbort.aborted || res.destroyed) {
        this.exchange.abort(new errors.RequestAbortedError());
        this.settle({ kind: 'client-aborted', status: 499, tap: this.tap });
        return;
      }
      res.writeHead(this.head.statusCode, downstreamResponseHeaders(this.head.headers, this.ownHeaders));
      res.on('drain', this.onDrain);
      // `on`, not `once` (which wraps the listener per call): settle() removes it.
      res.on('close', this.onClose);
      this.exchange.attach(this);
    });
  }

  /** BodySink: one upstream chunk; false pauses the upstream until 'drain'. */
  data(chunk: Buffer): boolean {
    this.tap.onChunk(chunk, this.clock.now());
    return this.res.write(chunk);
  }

  /** BodySink: the upstream body ended. */
  end(): void {
    this.res.end(() => this.settle({ kind: 'ok', status: this.head.statusCode, tap: this.tap }));
  }

  /** BodySink: the upstream failed mid-body (or was aborted). */
  error(error: Error): void {
    const { res, tap } = this;
    if (this.clientAbort.aborted || res.destroyed) {
      this.settle({ kind: 'client-aborted', status: 499, tap });
      return;
    }
    if (this.isSse && !res.writableEnded) {
      res.end(streamErrorEvent(`The inference endpoint failed while streaming: ${error.message}`), () => this.settle({ kind: 'upstream-error', status: 502, tap, error }));
      return;
    }
    res.destroy(error);
    this.settle({ kind: 'upstream-error', status: 502, tap, error });
  }

  private settle(outcome: RelayOutcome): void {
    if (this.settled) return;
    this.settled = true;
    this.res.off('drain', this.onDrain);
    this.res.off('close', this.onClose);
    this.resolve(outcome);
  }
}
