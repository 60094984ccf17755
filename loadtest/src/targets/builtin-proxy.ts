import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, request } from 'undici';

/**
 * A minimal HTTP load balancer for baselines when nginx is not installed: streaming
 * pass-through (request body streamed up, response body written through chunk by chunk, so SSE
 * is not buffered), keep-alive undici pool to the upstreams.
 * - `round-robin`: upstream i mod n, like nginx's default `upstream`.
 * - `least-request`: the upstream with the fewest requests in flight through this proxy
 *   (ties: the lowest index after the last pick, like nginx least_conn + round robin).
 */
export type BalancePolicy = 'round-robin' | 'least-request';

export interface BuiltinProxy {
  url: string;
  port: number;
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'te', 'trailer', 'host', 'content-length']);

export async function startBuiltinProxy(upstreams: readonly string[], policy: BalancePolicy, port = 0): Promise<BuiltinProxy> {
  if (upstreams.length === 0) throw new Error('proxy needs at least one upstream');
  const agent = new Agent({ connections: 2048, keepAliveTimeout: 30_000, headersTimeout: 0, bodyTimeout: 0 });
  const inFlight = upstreams.map(() => 0);
  let cursor = 0;
  const pick = (): number => {
    if (policy === 'round-robin') return cursor++ % upstreams.length;
    let best = -1;
    for (let k = 0; k < upstreams.length; k++) {
      const i = (cursor + k) % upstreams.length;
      if (best === -1 || (inFlight[i] as number) < (inFlight[best] as number)) best = i;
    }
    cursor = (best + 1) % upstreams.length;
    return best;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const i = pick();
    inFlight[i] = (inFlight[i] as number) + 1;
    let released = false;
    const release = (): void => {
      if (!released) inFlight[i] = (inFlight[i] as number) - 1;
      released = true;
    };
    const abort = new AbortController();
    // The client went away before the reply finished: free the slot and abort the upstream request.
    // (Not req 'close': that fires as soon as the request body has been read.)
    res.on('close', () => {
      release();
      if (!res.writableFinished) abort.abort();
    });
    try {
      const headers: Record<string, string> = {};
      for (const [key, value] of Object.entries(req.headers)) if (!HOP_BY_HOP.has(key) && value !== undefined) headers[key] = Array.isArray(value) ? value.join(', ') : value;
      const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
      const upstream = await request(`${upstreams[i]}${req.url ?? '/'}`, { method: (req.method ?? 'GET') as 'GET', headers, body: hasBody ? req : undefined, dispatcher: agent, signal: abort.signal });
      const outHeaders: Record<string, string | string[]> = {};
      for (const [key, value] of Object.entries(upstream.headers)) if (!HOP_BY_HOP.has(key) && value !== undefined) outHeaders[key] = value;
      res.writeHead(upstream.statusCode, outHeaders);
      res.flushHeaders();
      for await (const chunk of upstream.body) res.write(chunk);
      res.end();
    } catch (error) {
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: `upstream ${upstreams[i]} failed: ${(error as Error).message}`, type: 'BadGateway', param: null, code: 502 } }));
      } else res.destroy();
    } finally {
      release();
    }
  };

  const server: Server = createServer((req, res) => void handle(req, res));
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const actualPort = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${actualPort}`,
    port: actualPort,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await agent.close();
    },
  };
}
