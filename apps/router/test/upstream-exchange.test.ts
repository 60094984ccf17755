import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientAbort } from '../src/http/client-abort.ts';
import { UpstreamExchange } from '../src/proxy/upstream-exchange.ts';
import type { BodySink, ExchangeRequest } from '../src/proxy/upstream-exchange.ts';

/** A sink that records what it gets; `full` makes `data` ask for a pause. */
class RecordingSink implements BodySink {
  readonly chunks: string[] = [];
  ends = 0;
  errors: Error[] = [];
  full = false;
  readonly done: Promise<void>;
  onData: (() => void) | null = null;
  #finish!: () => void;
  constructor() {
    this.done = new Promise((resolve) => (this.#finish = resolve));
  }
  data(chunk: Buffer): boolean {
    this.chunks.push(chunk.toString());
    this.onData?.();
    return !this.full;
  }
  end(): void {
    this.ends++;
    this.#finish();
  }
  error(error: Error): void {
    this.errors.push(error);
    this.#finish();
  }
}

const request = (path: string): ExchangeRequest => ({ method: 'GET', path, headers: {}, body: null, headersTimeout: 5000, bodyTimeout: 5000 });

describe('UpstreamExchange (undici dispatch, real HTTP)', () => {
  let server: ReturnType<typeof createServer>;
  let pool: Pool;
  /** Server-side handlers by path; each test installs its own. */
  const routes = new Map<string, (req: IncomingMessage, res: ServerResponse) => void>();
  const remotePorts: number[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      remotePorts.push(req.socket.remotePort ?? 0);
      routes.get(req.url ?? '')?.(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    pool = new Pool(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, { connections: 1 });
  });

  afterAll(async () => {
    await pool.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('resolves the head, then relays every chunk in order and ends once', async () => {
    routes.set('/stream', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'x-up': 'yes' });
      res.write('data: 1\n\n');
      res.write('data: 2\n\n');
      res.end('data: [DONE]\n\n');
    });
    const exchange = UpstreamExchange.start(pool, request('/stream'), new ClientAbort());
    const head = await exchange.head;
    expect(head.statusCode).toBe(200);
    expect(head.headers['x-up']).toBe('yes');
    const sink = new RecordingSink();
    exchange.attach(sink);
    await sink.done;
    expect(sink.chunks.join('')).toBe('data: 1\n\ndata: 2\n\ndata: [DONE]\n\n');
    expect(sink.ends).toBe(1);
    expect(sink.errors).toEqual([]);
  });

  it('holds the body until a sink is attached, then hands over what arrived first', async () => {
    let finished!: () => void;
    const serverDone = new Promise<void>((resolve) => (finished = resolve));
    routes.set('/early', (_req, res) => {
      res.on('finish', finished);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"whole":"body"}');
    });
    const exchange = UpstreamExchange.start(pool, request('/early'), new ClientAbort());
    await exchange.head;
    await serverDone;
    const sink = new RecordingSink();
    exchange.attach(sink);
    await sink.done;
    expect(sink.chunks.join('')).toBe('{"whole":"body"}');
    expect(sink.ends).toBe(1);
  });

  it('delivers nothing while the sink is full, and the rest after resume()', async () => {
    let writeRest!: () => void;
    let finished!: () => void;
    const serverDone = new Promise<void>((resolve) => (finished = resolve));
    routes.set('/backpressure', (_req, res) => {
      res.on('finish', finished);
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('first;');
      writeRest = () => {
        for (let i = 0; i < 20; i++) res.write(`more${i};`);
        res.end('last');
      };
    });
    const exchange = UpstreamExchange.start(pool, request('/backpressure'), new ClientAbort());
    await exchange.head;
    const sink = new RecordingSink();
    sink.full = true;
    const firstChunk = new Promise<void>((resolve) => (sink.onData = resolve));
    exchange.attach(sink);
    await firstChunk;
    sink.onData = null;
    writeRest();
    await serverDone;
    // Paused after the first chunk: everything else waits in undici / the socket.
    expect(sink.chunks).toEqual(['first;']);
    expect(sink.ends).toBe(0);
    sink.full = false;
    exchange.resume();
    await sink.done;
    expect(sink.chunks.join('')).toBe(`first;${Array.from({ length: 20 }, (_, i) => `more${i};`).join('')}last`);
    expect(sink.ends).toBe(1);
  });

  it('discard() reads the body to its end and keeps the connection for the next request', async () => {
    routes.set('/busy', (_req, res) => {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end('{"error":"busy"}');
    });
    routes.set('/ok', (_req, res) => res.end('ok'));
    remotePorts.length = 0;
    const first = UpstreamExchange.start(pool, request('/busy'), new ClientAbort());
    expect((await first.head).statusCode).toBe(503);
    await first.discard();
    const second = UpstreamExchange.start(pool, request('/ok'), new ClientAbort());
    await second.head;
    await second.discard();
    expect(remotePorts).toHaveLength(2);
    expect(remotePorts[1]).toBe(remotePorts[0]);
  });

  it('a client abort before the head rejects it and closes the upstream request', async () => {
    let closed!: () => void;
    const upstreamClosed = new Promise<void>((resolve) => (closed = resolve));
    let arrived!: () => void;
    const requestArrived = new Promise<void>((resolve) => (arrived = resolve));
    routes.set('/slow-head', (_req, res) => {
      res.on('close', closed);
      arrived();
    });
    const abort = new ClientAbort();
    const exchange = UpstreamExchange.start(pool, request('/slow-head'), abort);
    await requestArrived;
    abort.abort();
    await expect(exchange.head).rejects.toMatchObject({ code: 'UND_ERR_ABORTED' });
    await upstreamClosed;
    expect(abort.listenerCount('abort')).toBe(0);
  });

  it('a client that is already gone never gets a head, and the request is not left queued', async () => {
    routes.set('/never', (_req, res) => res.end('should not be served'));
    const abort = new ClientAbort();
    abort.abort();
    const exchange = UpstreamExchange.start(pool, request('/never'), abort);
    await expect(exchange.head).rejects.toMatchObject({ code: 'UND_ERR_ABORTED' });
    // The pool is free again: a following request is served.
    const next = UpstreamExchange.start(pool, request('/ok'), new ClientAbort());
    expect((await next.head).statusCode).toBe(200);
    await next.discard();
  });

  it('a client abort mid-body ends the sink with one error and drops the abort listener', async () => {
    let writeMore!: () => void;
    routes.set('/endless', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: 1\n\n');
      writeMore = () => res.write('data: 2\n\n');
    });
    const abort = new ClientAbort();
    const exchange = UpstreamExchange.start(pool, request('/endless'), abort);
    await exchange.head;
    const sink = new RecordingSink();
    const gotData = new Promise<void>((resolve) => (sink.onData = resolve));
    exchange.attach(sink);
    await gotData;
    abort.abort();
    await sink.done;
    writeMore();
    expect(sink.errors).toHaveLength(1);
    expect(sink.errors[0]).toMatchObject({ code: 'UND_ERR_ABORTED' });
    expect(sink.ends).toBe(0);
    expect(abort.listenerCount('abort')).toBe(0);
  });
});
