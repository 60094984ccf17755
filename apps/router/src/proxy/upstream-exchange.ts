import type { IncomingHttpHeaders } from 'node:http';
import { errors } from 'undici';
import type { Dispatcher } from 'undici';
import type { ClientAbort } from '../http/client-abort.ts';

/** Status line and headers of an upstream response. */
export interface UpstreamHead {
  readonly statusCode: number;
  readonly headers: IncomingHttpHeaders;
}

/**
 * Where an upstream response body goes once attached (`UpstreamExchange.attach`). `data` returns
 * false when the sink is full: the exchange then pauses the upstream until `resume()`. After
 * `end` or `error` no further call is made.
 */
export interface BodySink {
  data(chunk: Buffer): boolean;
  end(): void;
  error(error: Error): void;
}

/** The options of one upstream request (undici dispatch options the proxy uses). */
export interface ExchangeRequest {
  readonly method: 'POST' | 'GET';
  readonly path: string;
  readonly headers: Record<string, string | string[]>;
  readonly body: Buffer | null;
  /** Milliseconds from sending to the response head (0: none). */
  readonly headersTimeout: number;
  /** Milliseconds of silence allowed between body chunks (0: none). */
  readonly bodyTimeout: number;
}

/**
 * One request to an endpoint through undici's `dispatch` handler API: the response body goes chunk
 * by chunk to a sink, with no Readable stream, no promise per chunk and no AbortSignal per request
 * (the `request()` API costs all three; the overhead benchmark measured the difference).
 *
 * Lifecycle: `head` resolves when the status and headers arrive, or rejects with undici's error when
 * the request fails first (refused, first-byte timeout, client abort). The upstream is then held
 * paused until the caller `attach`es a sink (relay) or `discard`s the body (a 503 before a retry);
 * chunks that arrived meanwhile are handed over in order. The client's `ClientAbort` aborts the
 * exchange at any point; the listener is removed when the exchange ends.
 *
 * Not reusable: one instance per attempt. Only the request path (routes/inference.ts) creates them.
 */
export class UpstreamExchange implements Dispatcher.DispatchHandler {
  readonly head: Promise<UpstreamHead>;
  #resolveHead!: (head: UpstreamHead) => void;
  #rejectHead!: (error: Error) => void;
  #controller: Dispatcher.DispatchController | null = null;
  #headArrived = false;
  #sink: BodySink | null = null;
  /** Chunks received before a sink was attached (normally none: the upstream is paused). */
  #pending: Buffer[] | null = null;
  /** Set when the body ended or failed before a sink was attached. */
  #finished: { readonly error: Error | null } | null = null;
  #done = false;
  /** An abort that came before undici handed the request a connection (applied in onRequestStart). */
  #abortBeforeStart: Error | null = null;
  readonly #clientAbort: ClientAbort;
  /** Assigned in the constructor, not as an arrow-function field (tsx names those per instance). */
  readonly #onClientAbort: () => void;

  private constructor(clientAbort: ClientAbort) {
    this.#clientAbort = clientAbort;
    this.#onClientAbort = () => this.abort(new errors.RequestAbortedError());
    this.head = new Promise<UpstreamHead>((resolve, reject) => {
      this.#resolveHead = resolve;
      this.#rejectHead = reject;
    });
  }

  /** Sends `request` on `dispatcher`. A client that already went away gets a rejected `head`. */
  static start(dispatcher: Dispatcher, request: ExchangeRequest, clientAbort: ClientAbort): UpstreamExchange {
    const exchange = new UpstreamExchange(clientAbort);
    clientAbort.addEventListener('abort', exchange.#onClientAbort);
    dispatcher.dispatch(
      {
        method: request.method,
        path: request.path,
        headers: request.headers,
        body: request.body,
        headersTimeout: request.headersTimeout,
        bodyTimeout: request.bodyTimeout,
      },
      exchange,
    );
    return exchange;
  }

  /** Aborts the request (idempotent); a pending `head` rejects, an attached sink gets `error`. */
  abort(reason: Error): void {
    if (this.#done) return;
    if (this.#controller === null) {
      // Not on a connection yet: onRequestStart aborts it.
      this.#abortBeforeStart = reason;
      return;
    }
    this.#controller.abort(reason);
  }

  /** Hands the body to `sink` (once): first what is buffered, then live chunks. */
  attach(sink: BodySink): void {
    if (this.#sink !== null) throw new Error('UpstreamExchange: a sink is already attached');
    this.#sink = sink;
    const pending = this.#pending;
    this.#pending = null;
    if (pending !== null) for (const chunk of pending) sink.data(chunk);
    const finished = this.#finished;
    if (finished !== null) {
      if (finished.error === null) sink.end();
      else sink.error(finished.error);
      return;
    }
    this.resume();
  }

  /** Reads and drops the body (keeps the connection reusable); resolves when it ended or failed. */
  discard(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.attach({ data: () => true, end: resolve, error: () => resolve() });
    });
  }

  /** Resumes an upstream paused by a full sink. */
  resume(): void {
    this.#controller?.resume();
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#abortBeforeStart !== null) controller.abort(this.#abortBeforeStart);
    else if (this.#clientAbort.aborted) controller.abort(new errors.RequestAbortedError());
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    this.#controller = controller;
    this.#headArrived = true;
    // Held until the caller decides (relay or discard): attach() resumes.
    if (this.#sink === null) controller.pause();
    this.#resolveHead({ statusCode, headers });
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    const sink = this.#sink;
    if (sink === null) {
      (this.#pending ??= []).push(chunk);
      controller.pause();
      return;
    }
    if (!sink.data(chunk)) controller.pause();
  }

  onResponseEnd(): void {
    this.#finish(null);
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.#finish(error);
  }

  #finish(error: Error | null): void {
    if (this.#done) return;
    this.#done = true;
    this.#clientAbort.removeEventListener('abort', this.#onClientAbort);
    if (!this.#headArrived) {
      this.#rejectHead(error ?? new Error('upstream ended without a response head'));
      return;
    }
    const sink = this.#sink;
    if (sink === null) this.#finished = { error };
    else if (error === null) sink.end();
    else sink.error(error);
  }
}
