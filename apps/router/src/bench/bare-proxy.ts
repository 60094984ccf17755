/**
 * The "what Node can do here" baseline of the overhead benchmark: a bare Fastify 5 + undici Pool
 * proxy with no parsing, flow control, scheduling, metrics or logging. Every POST is forwarded
 * byte for byte to one upstream and the answer relayed. Run as its own process:
 * `tsx bare-proxy.ts PORT UPSTREAM_URL`. GET /readyz answers 200 once listening.
 */
import type { ServerResponse } from 'node:http';
import Fastify from 'fastify';
import { Pool } from 'undici';

const port = Number(process.argv[2] ?? '0');
const upstream = process.argv[3];
if (upstream === undefined) throw new Error('usage: bare-proxy.ts PORT UPSTREAM_URL');
const pool = new Pool(upstream, { keepAliveTimeout: 60_000, headersTimeout: 0, bodyTimeout: 0 });

const app = Fastify({ logger: false, keepAliveTimeout: 65_000 });
app.removeAllContentTypeParsers();
app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
app.get('/readyz', async () => 'ok');
const forward = async (req: { url: string; body: unknown }, reply: { hijack(): void; raw: ServerResponse }): Promise<void> => {
  const body = req.body as Buffer;
  const res = await pool.request({ method: 'POST', path: req.url, headers: { 'content-type': 'application/json', 'content-length': String(body.length) }, body });
  reply.hijack();
  reply.raw.writeHead(res.statusCode, res.headers as Record<string, string>);
  res.body.pipe(reply.raw);
};
app.post('/v1/chat/completions', forward);
app.post('/v1/completions', forward);
await app.listen({ port, host: '127.0.0.1' });
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
