import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTracing } from '../src/index.ts';

interface Received {
  readonly method: string;
  readonly url: string;
  readonly contentType: string;
  readonly body: Buffer;
}

/** A real HTTP server standing in for an OTLP collector; records every request. */
describe('startTracing with an OTLP endpoint', () => {
  let server: Server;
  let baseUrl: string;
  const received: Received[] = [];
  const waiters: (() => void)[] = [];

  beforeAll(async () => {
    server = createServer((request: IncomingMessage, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        received.push({ method: request.method ?? '', url: request.url ?? '', contentType: request.headers['content-type'] ?? '', body: Buffer.concat(chunks) });
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        waiters.splice(0).forEach((wake) => wake());
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('exports spans over OTLP/HTTP to <endpoint>/v1/traces on shutdown', async () => {
    const tracing = startTracing({ serviceName: 'sluice-otlp-test', otlpEndpoint: baseUrl, env: {} });
    expect(tracing.exportTarget).toBe(`${baseUrl}/v1/traces`);
    tracing.tracer.startSpan('proxy.upstream').end();
    const arrived = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no OTLP request within 5 s')), 5000);
      waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    await tracing.shutdown(); // flushes the batch processor
    await arrived;
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ method: 'POST', url: '/v1/traces' });
    expect(received[0]?.contentType).toContain('application/json'); // exporter-trace-otlp-http speaks OTLP/JSON
    const payload = JSON.parse(received[0]?.body.toString('utf8') ?? '{}') as {
      resourceSpans: { resource: { attributes: { key: string; value: { stringValue?: string } }[] }; scopeSpans: { spans: { name: string }[] }[] }[];
    };
    const [resourceSpans] = payload.resourceSpans;
    expect(resourceSpans?.resource.attributes).toContainEqual({ key: 'service.name', value: { stringValue: 'sluice-otlp-test' } });
    expect(resourceSpans?.scopeSpans.flatMap((scope) => scope.spans.map((span) => span.name))).toEqual(['proxy.upstream']);
  });
});
