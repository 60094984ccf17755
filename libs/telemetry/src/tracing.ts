import { context, propagation, ProxyTracerProvider, trace, type TextMapPropagator, type Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { RedisCommandTracing } from './tracing-redis.ts';
import { samplerOf } from './tracing-sampler.ts';

export interface StartTracingOptions {
  /** `service.name` of the spans. Default 'sluice-router'. Env OTEL_SERVICE_NAME wins when set. */
  readonly serviceName?: string;
  /**
   * OTLP/HTTP base endpoint, e.g. http://jaeger:4318 (spans go to `<endpoint>/v1/traces`). Env
   * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (a full URL, used as is) wins over it; when both are absent,
   * env OTEL_EXPORTER_OTLP_ENDPOINT is the base.
   */
  readonly otlpEndpoint?: string | null;
  /**
   * Fraction of new traces sampled, in [0, 1]; child spans follow their parent. Default 1.
   * Env OTEL_TRACES_SAMPLER (+ OTEL_TRACES_SAMPLER_ARG) replaces this sampler when set.
   */
  readonly sampleRatio?: number;
  /**
   * Usually process.env. Read here: the OTLP endpoints, OTEL_SERVICE_NAME, OTEL_TRACES_SAMPLER(_ARG),
   * OTEL_BSP_SCHEDULE_DELAY (ms between batch exports, default 5000). The OTLP exporter itself reads
   * OTEL_EXPORTER_OTLP_HEADERS / _TIMEOUT / _COMPRESSION from process.env.
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * Span processors to use instead of the OTLP exporter (tests pass an in-memory exporter in a
   * SimpleSpanProcessor). Tracing is enabled when these are given or an endpoint is known.
   */
  readonly spanProcessors?: readonly SpanProcessor[];
}

export interface Tracing {
  readonly tracer: Tracer;
  /** false → `tracer` is a no-op and nothing was registered. */
  readonly enabled: boolean;
  /** Where spans go: the OTLP traces URL, 'custom' (spanProcessors), or null. */
  readonly exportTarget: string | null;
  /** W3C Trace Context (`traceparent`/`tracestate`), to extract from requests and inject into upstream calls. */
  readonly propagator: TextMapPropagator;
  /**
   * Traces the commands of this ioredis client (and every client of its class) as child spans of
   * the active span; see RedisCommandTracing. No-op when tracing is disabled. Undone by shutdown().
   */
  instrumentRedisClient(client: object): void;
  /** Flushes pending spans, stops the SDK and unregisters the global providers it set. Idempotent. */
  shutdown(): Promise<void>;
}

/**
 * Starts OpenTelemetry tracing with @opentelemetry/sdk-node when an OTLP endpoint (or span
 * processors) is configured, else returns a no-op tracer. Nothing happens at import time; the SDK
 * registers global tracer/context (AsyncLocalStorage)/propagator providers only here, and
 * shutdown() removes them. Metrics and logs exporters of the SDK are explicitly off (metrics go
 * through prom-client). Throws RangeError for a bad sampler or batch delay setting.
 */
export function startTracing(options: StartTracingOptions = {}): Tracing {
  const env = options.env ?? {};
  const serviceName = nonEmpty(env['OTEL_SERVICE_NAME']) ?? options.serviceName ?? 'sluice-router';
  const propagator = new W3CTraceContextPropagator();
  const target = options.spanProcessors !== undefined ? 'custom' : tracesUrl(options);
  if (target === null) {
    return {
      tracer: new ProxyTracerProvider().getTracer(serviceName),
      enabled: false,
      exportTarget: null,
      propagator,
      instrumentRedisClient: () => undefined,
      shutdown: () => Promise.resolve(),
    };
  }
  const sampler = samplerOf(env, options.sampleRatio ?? 1);
  const spanProcessors: SpanProcessor[] =
    options.spanProcessors !== undefined ? [...options.spanProcessors] : [new BatchSpanProcessor(otlpExporter(target), batchSettings(env))];
  const sdk = new NodeSDK({
    serviceName,
    spanProcessors,
    sampler,
    textMapPropagator: propagator,
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [],
  });
  sdk.start();
  const redis = new RedisCommandTracing();
  let stopped: Promise<void> | null = null;
  return {
    tracer: trace.getTracer(serviceName),
    enabled: true,
    exportTarget: target,
    propagator,
    instrumentRedisClient: (client) => redis.instrument(client),
    shutdown() {
      stopped ??= (async () => {
        redis.dispose();
        await sdk.shutdown();
      })().finally(() => {
        trace.disable();
        context.disable();
        propagation.disable();
      });
      return stopped;
    },
  };
}

function otlpExporter(url: string): SpanExporter {
  return new OTLPTraceExporter({ url });
}

/** BatchSpanProcessor settings from env (only the delay; the processor reads the other OTEL_BSP_* itself). */
function batchSettings(env: Readonly<Record<string, string | undefined>>): { scheduledDelayMillis?: number } {
  const text = nonEmpty(env['OTEL_BSP_SCHEDULE_DELAY']);
  if (text === undefined) return {};
  const ms = Number(text);
  if (!Number.isInteger(ms) || ms < 0) throw new RangeError(`OTEL_BSP_SCHEDULE_DELAY must be a whole number of milliseconds, got ${JSON.stringify(text)}`);
  return { scheduledDelayMillis: ms };
}

/** The OTLP traces URL from options/env, or null when tracing is off. */
function tracesUrl(options: StartTracingOptions): string | null {
  const env = options.env ?? {};
  const signal = nonEmpty(env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT']);
  if (signal !== undefined) return signal;
  const base = nonEmpty(options.otlpEndpoint);
  if (base !== undefined) return appendTracesPath(base);
  const generic = nonEmpty(env['OTEL_EXPORTER_OTLP_ENDPOINT']);
  return generic === undefined ? null : appendTracesPath(generic);
}

function nonEmpty(value: string | null | undefined): string | undefined {
  return value === undefined || value === null || value.trim() === '' ? undefined : value.trim();
}

function appendTracesPath(base: string): string {
  return base.endsWith('/v1/traces') ? base : `${base.replace(/\/+$/, '')}/v1/traces`;
}
