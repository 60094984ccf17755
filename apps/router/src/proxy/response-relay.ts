import type { ServerResponse } from 'node:http';
import type { Clock } from '@sluice/flow-control';
import type { Dispatcher } from 'undici';
import { downstreamResponseHeaders } from './headers.ts';
import { UsageTap } from './usage-tap.ts';

/** How a relayed response ended. `status` is the upstream status (499: client closed first). */
export type RelayOutcome =
  | { readonly kind: 'ok'; readonly status: number; readonly tap: UsageTap | null }
  | { readonly kind: 'client-aborted'; readonly status: number; readonly tap: UsageTap | null }
  | { readonly kind: 'upstream-error'; readonly status: number; readonly tap: UsageTap | null; readonly error?: unknown };

/** The SSE event the client gets when the engine dies mid-stream (then the stream ends cleanly). */
function streamErrorEvent(message: string): string {
  const body = { error: { message, type: 'server_error', param: null, code: 'upstream_stream_error' } };
  return `data: ${JSON.stringify(body)}\n\n`;
}

/**
 * Streams an upstream response to the client with back-pressure (pause the upstream body while the
 * client socket is full, resume on 'drain'), tapping chunks for TTFT and usage. The upstream is
 * aborted by the caller's AbortSignal when the client goes away (the body then errors and the relay
 * ends as `client-aborted`). If the upstream breaks mid-stream, an SSE response gets an error event
 * and a clean end; any other response is destroyed (its Content-Length cannot be honoured).
 * `run()` resolves exactly once, after the client response is finished or closed.
 */
export class ResponseRelay {
  private readonly res: ServerResponse;
  private readonly upstream: Dispatcher.ResponseData;
  private readonly clock: Clock;
  private readonly ownHeaders: Readonly<Record<string, string>>;
  private readonly clientAborted: () => boolean;

  constructor(options: {
    res: ServerResponse;
    upstream: Dispatcher.ResponseData;
    clock: Clock;
    headers: Readonly<Record<string, string>>;
    clientAborted: () => boolean;
  }) {
    this.res = options.res;
    this.upstream = options.upstream;
    this.clock = options.clock;
    this.ownHeaders = options.headers;
    this.clientAborted = options.clientAborted;
  }

  run(): Promise<RelayOutcome> {
    const { res, upstream } = this;
    const status = upstream.statusCode;
    const tap = new UsageTap();
    const contentType = String(upstream.headers['content-type'] ?? '');
    const isSse = contentType.includes('text/event-stream');
    return new Promise<RelayOutcome>((resolve) => {
      let settled = false;
      const settle = (outcome: RelayOutcome): void => {
        if (settled) return;
        settled = true;
        res.off('drain', onDrain);
        resolve(outcome);
      };
      const onDrain = (): void => {
        upstream.body.resume();
      };
      if (this.clientAborted() || res.destroyed) {
        // No listener is attached yet: without this one, the AbortError that destroying an aborted
        // undici body emits would be unhandled and crash the process (found by fuzz-inputs.test.ts).
        upstream.body.once('error', () => undefined);
        upstream.body.destroy();
        settle({ kind: 'client-aborted', status: 499, tap });
        return;
      }
      res.writeHead(status, downstreamResponseHeaders(upstream.headers, this.ownHeaders));
      res.on('drain', onDrain);
      upstream.body.on('data', (chunk: Buffer) => {
        tap.onChunk(chunk, this.clock.now());
        if (!res.write(chunk)) upstream.body.pause();
      });
      upstream.body.on('end', () => {
        res.end(() => settle({ kind: 'ok', status, tap }));
      });
      upstream.body.on('error', (error: Error) => {
        if (this.clientAborted() || res.destroyed) {
          settle({ kind: 'client-aborted', status: 499, tap });
          return;
        }
        if (isSse && !res.writableEnded) {
          res.end(streamErrorEvent(`The inference endpoint failed while streaming: ${error.message}`), () =>
            settle({ kind: 'upstream-error', status: 502, tap, error }),
          );
          return;
        }
        res.destroy(error);
        settle({ kind: 'upstream-error', status: 502, tap, error });
      });
      res.once('close', () => {
        if (res.writableFinished) return;
        // Client went away: the caller's AbortSignal aborts the upstream; make sure we end here too.
        upstream.body.destroy();
        settle({ kind: 'client-aborted', status: 499, tap });
      });
    });
  }
}
