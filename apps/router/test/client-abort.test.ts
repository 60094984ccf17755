import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Pool } from 'undici';
import { ClientAbort } from '../src/http/client-abort.ts';

describe('ClientAbort', () => {
  it('runs each listener once on the first abort; later aborts and removed listeners do nothing', () => {
    const abort = new ClientAbort();
    const calls: string[] = [];
    const kept = (): void => void calls.push('kept');
    const removed = (): void => void calls.push('removed');
    abort.addEventListener('abort', kept);
    abort.addEventListener('abort', removed);
    abort.removeEventListener('abort', removed);
    expect(abort.aborted).toBe(false);
    abort.abort();
    abort.abort();
    expect(abort.aborted).toBe(true);
    expect(calls).toEqual(['kept']);
    expect(abort.listenerCount('abort')).toBe(0);
  });

  describe('as the signal of an undici request (real HTTP)', () => {
    let server: ReturnType<typeof createServer>;
    let pool: Pool;
    const closedByClient: Promise<void>[] = [];

    beforeAll(async () => {
      // Sends the head at once, then never ends the body: only an abort can finish the request.
      server = createServer((req, res) => {
        closedByClient.push(new Promise((resolve) => res.on('close', () => resolve())));
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('data: first\n\n');
        req.resume();
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      pool = new Pool(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    });

    afterAll(async () => {
      await pool.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });

    it('aborts a streaming response mid-body and closes the upstream connection', async () => {
      const abort = new ClientAbort();
      const res = await pool.request({ method: 'GET', path: '/', signal: abort });
      expect(res.statusCode).toBe(200);
      const reading = (async () => {
        for await (const chunk of res.body) void chunk;
      })();
      abort.abort();
      await expect(reading).rejects.toThrow(/aborted/i);
      // The server sees its response closed by the client.
      await closedByClient[0];
      expect(abort.listenerCount('abort')).toBe(0);
    });

    it('refuses to start a request whose client already left', async () => {
      const abort = new ClientAbort();
      abort.abort();
      await expect(pool.request({ method: 'GET', path: '/', signal: abort })).rejects.toThrow(/aborted/i);
    });
  });
});
