import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { closeRedisClient, createRedisClient, deletePoolKeys, PoolKeys } from '@sluice/redis-store';
import { ChildRegistry, startSimFleet, uniqueKeyPrefix, waitFor } from '@sluice/testing';
import type { SimFleet } from '@sluice/testing';
import { testRouterConfig } from './helpers/router-config.ts';
import { spawnRouter } from './helpers/router-process.ts';
import type { RouterProcess } from './helpers/router-process.ts';

/** Long enough (≈ 250 words) to fill several prefix-index blocks. */
const PROMPT = Array.from({ length: 25 }, (_, i) => `step ${i}: the gate closes, water flows in, the boat rises gently.`).join(' ');

/** OTLP span kinds (opentelemetry/proto/trace/v1/trace.proto). */
const KIND = { internal: 1, server: 2, client: 3 } as const;

/** One span as decoded from an OTLP/HTTP JSON export. */
interface ReceivedSpan {
  readonly service: string;
  readonly traceId: string;
  readonly spanId: string;
  /** '' for a root span. */
  readonly parentSpanId: string;
  readonly name: string;
  readonly kind: number;
  readonly attributes: Readonly<Record<string, string | number | boolean | unknown[]>>;
  /** OTLP status code: 0 unset, 1 ok, 2 error. */
  readonly statusCode: number;
}

interface OtlpAnyValue {
  stringValue?: string;
  intValue?: number | string;
  doubleValue?: number;
  boolValue?: boolean;
  arrayValue?: { values?: OtlpAnyValue[] };
}
interface OtlpKeyValue {
  key: string;
  value: OtlpAnyValue;
}
interface OtlpExport {
  resourceSpans?: {
    resource?: { attributes?: OtlpKeyValue[] };
    scopeSpans?: { spans?: { traceId: string; spanId: string; parentSpanId?: string; name: string; kind: number; attributes?: OtlpKeyValue[]; status?: { code?: number } }[] }[];
  }[];
}

function valueOf(v: OtlpAnyValue): string | number | boolean | unknown[] {
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.boolValue !== undefined) return v.boolValue;
  return (v.arrayValue?.values ?? []).map(valueOf);
}

function attributesOf(list: OtlpKeyValue[] | undefined): Record<string, string | number | boolean | unknown[]> {
  const out: Record<string, string | number | boolean | unknown[]> = {};
  for (const kv of list ?? []) out[kv.key] = valueOf(kv.value);
  return out;
}

/**
 * A real OTLP/HTTP collector: POST /v1/traces with the JSON encoding that
 * @opentelemetry/exporter-trace-otlp-http sends (ids are hex strings). Anything else is a test failure.
 */
class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  readonly problems: string[] = [];
  private server: Server | null = null;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        try {
          if (req.method !== 'POST' || req.url !== '/v1/traces') throw new Error(`unexpected ${req.method} ${req.url}`);
          if (!String(req.headers['content-type']).includes('application/json')) throw new Error(`unexpected content-type ${req.headers['content-type']}`);
          const raw = Buffer.concat(chunks);
          const body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
          this.add(JSON.parse(body.toString('utf8')) as OtlpExport);
          res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        } catch (error) {
          this.problems.push((error as Error).message);
          res.writeHead(400).end();
        }
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private add(payload: OtlpExport): void {
    for (const rs of payload.resourceSpans ?? []) {
      const service = String(attributesOf(rs.resource?.attributes)['service.name'] ?? '');
      for (const scope of rs.scopeSpans ?? []) {
        for (const s of scope.spans ?? []) {
          this.spans.push({
            service,
            traceId: s.traceId,
            spanId: s.spanId,
            parentSpanId: s.parentSpanId ?? '',
            name: s.name,
            kind: s.kind,
            attributes: attributesOf(s.attributes),
            statusCode: s.status?.code ?? 0,
          });
        }
      }
    }
  }

  inTrace(traceId: string): ReceivedSpan[] {
    return this.spans.filter((s) => s.traceId === traceId);
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server === null ? resolve() : this.server.close(() => resolve())));
  }
}

/** True when `span` descends from `ancestorId` inside `spans`. */
function descendsFrom(span: ReceivedSpan, ancestorId: string, spans: readonly ReceivedSpan[]): boolean {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  for (let current: ReceivedSpan | undefined = span; current !== undefined; current = byId.get(current.parentSpanId)) {
    if (current.parentSpanId === ancestorId) return true;
  }
  return false;
}

function only(spans: readonly ReceivedSpan[], what: string, match: (s: ReceivedSpan) => boolean): ReceivedSpan {
  const found = spans.filter(match);
  if (found.length !== 1) throw new Error(`expected exactly one ${what}, got ${found.length}: ${JSON.stringify(spans.map((s) => `${s.service}:${s.name}`))}`);
  return found[0]!;
}

/**
 * A request through the official `openai` client, carrying a caller's `traceparent`, produces one
 * trace across the router and the simulator: caller → router server span → {flow control,
 * scheduling, upstream client span (+ Redis commands)} → the simulator's engine span, all exported
 * over real OTLP/HTTP to a receiver inside the test.
 */
describe.each([{ mode: 'memory' as const }, { mode: 'redis' as const }])('OpenTelemetry tracing end to end ($mode)', ({ mode }) => {
  const receiver = new OtlpReceiver();
  const children = new ChildRegistry();
  const keyPrefix = uniqueKeyPrefix(`router-tracing-${mode}`);
  const redisUrl = mode === 'redis' ? inject('redisUrl') : undefined;
  let fleet: SimFleet;
  let router: RouterProcess;

  beforeAll(async () => {
    await receiver.start();
    fleet = await startSimFleet({ count: 1, profile: 'tiny', timeScale: 0.1, args: ['--otlp-endpoint', receiver.url] });
    // `default` scheduling = the llm-d default profile (queue, kv-cache and prefix-cache scorers).
    const config = {
      ...testRouterConfig({ endpoints: fleet.pods.map((p) => p.address), scheduling: 'default', ...(redisUrl === undefined ? {} : { redisUrl }) }),
      // A token limit far above this test's use: every request reserves, and the span says how much.
      tenants: { defaultLimits: { tokensPerMinute: 10_000_000 } },
    };
    router = await spawnRouter(children, config, { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '50', SLUICE_REDIS_KEY_PREFIX: keyPrefix });
  });

  afterAll(async () => {
    try {
      await children.stopAll();
      await fleet?.stop();
      await receiver.stop();
    } finally {
      if (redisUrl !== undefined) {
        const redis = createRedisClient({ mode: 'single', url: redisUrl });
        await deletePoolKeys(redis, new PoolKeys(keyPrefix, 'test'));
        await closeRedisClient(redis);
      }
    }
  });

  it('a streamed completion records usage (include_usage) and TTFT on the request span', async () => {
    const client = new OpenAI({ baseURL: `${router.url}/v1`, apiKey: 'unused', maxRetries: 0 });
    const stream = await client.completions.create({ model: 'travel-helper', prompt: PROMPT, max_tokens: 6, stream: true, stream_options: { include_usage: true } });
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) usage ??= chunk.usage ?? undefined;
    expect(usage?.completion_tokens).toBeGreaterThan(0);
    const request = await waitFor(
      () => receiver.spans.find((s) => s.service === 'sluice-router' && s.kind === KIND.server && s.name === 'POST /v1/completions'),
      { timeoutMs: 10_000, what: 'the streamed request span' },
    );
    expect(request.parentSpanId).toBe(''); // no traceparent sent: a new trace starts at the router
    expect(request.attributes).toMatchObject({
      'gen_ai.operation.name': 'text_completion',
      'gen_ai.request.model': 'travel-helper',
      'sluice.stream': true,
      'gen_ai.usage.input_tokens': usage!.prompt_tokens,
      'gen_ai.usage.output_tokens': usage!.completion_tokens,
      'http.response.status_code': 200,
    });
    expect(request.attributes['sluice.ttft_ms']).toBeGreaterThan(0);
  });

  it('continues the caller trace through router and simulator with GenAI attributes', async () => {
    const traceId = randomBytes(16).toString('hex');
    const callerSpanId = randomBytes(8).toString('hex');
    const client = new OpenAI({ baseURL: `${router.url}/v1`, apiKey: 'unused', maxRetries: 0 });
    const { data, response } = await client.chat.completions
      .create(
        { model: 'qwen', messages: [{ role: 'user', content: PROMPT }], max_tokens: 8 },
        { headers: { traceparent: `00-${traceId}-${callerSpanId}-01` } },
      )
      .withResponse();
    const served = response.headers.get('x-gateway-destination-endpoint-served');
    expect(served).toBe(fleet.pods[0]!.address);
    const usage = data.usage!;
    expect(usage.completion_tokens).toBeGreaterThan(0);

    // The router exports every 50 ms; its request span ends last (after the lease release).
    const routerSpans = await waitFor(
      () => {
        const spans = receiver.inTrace(traceId).filter((s) => s.service === 'sluice-router');
        return spans.some((s) => s.kind === KIND.server) ? spans : undefined;
      },
      { timeoutMs: 10_000, what: 'the router request span at the OTLP receiver' },
    );
    expect(receiver.problems).toEqual([]);

    const request = only(routerSpans, 'router server span', (s) => s.kind === KIND.server);
    expect(request.name).toBe('POST /v1/chat/completions');
    expect(request.parentSpanId).toBe(callerSpanId); // the caller's traceparent was honoured
    expect(request.attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.route': '/v1/chat/completions',
      'http.response.status_code': 200,
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'vllm',
      'gen_ai.request.model': 'qwen',
      'gen_ai.response.model': data.model,
      'gen_ai.request.max_tokens': 8,
      'gen_ai.usage.input_tokens': usage.prompt_tokens,
      'gen_ai.usage.output_tokens': usage.completion_tokens,
      'sluice.endpoint': served,
      'sluice.fairness_id': expect.any(String),
      'sluice.flow_control.outcome': 'dispatched',
      // prompt estimate (the same word tokenizer as the engine) + max_tokens
      'sluice.rate_limit.reserved_tokens': usage.prompt_tokens + 8,
    });
    expect(request.attributes['sluice.rate_limit.max_tokens_cap']).toBeUndefined();

    const flow = only(routerSpans, 'flow-control span', (s) => s.name === 'flow_control.admit');
    expect(flow.parentSpanId).toBe(request.spanId);
    expect(flow.attributes).toMatchObject({ 'sluice.flow_control.outcome': 'dispatched', 'sluice.fairness_id': request.attributes['sluice.fairness_id'], 'sluice.priority': expect.any(Number) });
    expect(flow.attributes['sluice.flow_control.queue_wait_ms']).toBeCloseTo(Number(response.headers.get('x-sluice-queue-wait-ms')), 2);

    const scheduling = only(routerSpans, 'scheduling span', (s) => s.name === 'scheduling.pick');
    expect(scheduling.parentSpanId).toBe(request.spanId);
    expect(scheduling.attributes).toMatchObject({ 'sluice.endpoint': served, 'sluice.scheduling.candidates': 1, 'sluice.scheduling.eligible': 1, 'sluice.attempt': 1 });
    const scorerScores = Object.keys(scheduling.attributes).filter((k) => k.startsWith('sluice.scheduling.score.'));
    expect(scorerScores.length).toBeGreaterThan(0);
    expect(scheduling.attributes['sluice.prefix.prompt_blocks']).toBeGreaterThan(0);
    expect(scheduling.attributes['sluice.prefix.matched_blocks']).toEqual(expect.any(Number));

    const upstream = only(routerSpans, 'upstream client span', (s) => s.kind === KIND.client && s.attributes['db.system.name'] === undefined);
    expect(upstream.parentSpanId).toBe(request.spanId);
    expect(upstream.name).toBe('chat sim/tiny');
    expect(upstream.attributes).toMatchObject({
      'http.response.status_code': 200,
      'server.port': fleet.pods[0]!.port,
      'sluice.endpoint': served,
      'gen_ai.usage.output_tokens': usage.completion_tokens,
    });

    const redisSpans = routerSpans.filter((s) => s.attributes['db.system.name'] === 'redis');
    if (mode === 'memory') expect(redisSpans).toEqual([]);
    else {
      // Only the request's own commands, each in the context it was issued in, even though the
      // client auto-pipelines them together with the background loops' commands.
      for (const span of redisSpans) {
        expect(span.kind).toBe(KIND.client);
        expect(span.name).toMatch(/^eval(sha)?$/);
        expect(descendsFrom(span, request.spanId, routerSpans)).toBe(true);
      }
      expect(redisSpans.filter((s) => s.parentSpanId === flow.spanId).length).toBeGreaterThan(0); // the admit script
      // Admitted at once (no queue wait): the prefix-index lookup, started alongside the admit, is
      // reused, so scheduling issued no Redis call of its own.
      expect(Number(response.headers.get('x-sluice-queue-wait-ms'))).toBe(0);
      expect(redisSpans.filter((s) => s.parentSpanId === scheduling.spanId)).toEqual([]);
      // lookup (pipelined with the admit), record, bind, release
      expect(redisSpans.filter((s) => s.parentSpanId === request.spanId).length).toBeGreaterThanOrEqual(4);
    }

    // The simulator exports on its batch schedule (5 s default) and flushes on SIGTERM: stop it.
    await fleet.stop();
    const engine = await waitFor(() => receiver.inTrace(traceId).find((s) => s.service === 'sluice-sim'), { timeoutMs: 10_000, what: 'the simulator engine span' });
    expect(engine.name).toBe('engine.generate');
    expect(engine.parentSpanId).toBe(upstream.spanId); // the injected traceparent was the upstream span's
    expect(engine.attributes).toMatchObject({
      'gen_ai.request.model': data.model,
      'gen_ai.usage.input_tokens': usage.prompt_tokens,
      'gen_ai.usage.output_tokens': usage.completion_tokens,
      'sim.cached_prompt_tokens': usage.prompt_tokens_details?.cached_tokens ?? 0,
      'gen_ai.latency.time_to_first_token': expect.any(Number),
      'gen_ai.latency.time_in_queue': expect.any(Number),
    });
    expect(receiver.problems).toEqual([]);
  });
});
