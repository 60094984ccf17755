import type { IncomingMessage, ServerResponse } from 'node:http';
import { defaultTextMapGetter, ROOT_CONTEXT, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { TextMapPropagator, Tracer } from '@opentelemetry/api';
import type { Sequence, SequenceListener } from '../engine/sequence.ts';
import type { Endpoint } from './openai-request.ts';

/** Span name of one generation request inside the simulated engine. */
export const ENGINE_SPAN_NAME = 'engine.generate';

/**
 * Attribute keys of the engine span. Latencies use vLLM's own `llm_request` span names (seconds);
 * token counts use both the current GenAI semconv names and vLLM's.
 */
export const EngineAttr = {
  operation: 'gen_ai.operation.name',
  requestModel: 'gen_ai.request.model',
  responseModel: 'gen_ai.response.model',
  maxTokens: 'gen_ai.request.max_tokens',
  inputTokens: 'gen_ai.usage.input_tokens',
  outputTokens: 'gen_ai.usage.output_tokens',
  promptTokens: 'gen_ai.usage.prompt_tokens',
  completionTokens: 'gen_ai.usage.completion_tokens',
  finishReasons: 'gen_ai.response.finish_reasons',
  timeInQueueS: 'gen_ai.latency.time_in_queue',
  ttftS: 'gen_ai.latency.time_to_first_token',
  e2eS: 'gen_ai.latency.e2e',
  cachedPromptTokens: 'sim.cached_prompt_tokens',
  preemptions: 'sim.preemptions',
  pod: 'sim.pod',
  timeScale: 'sim.time_scale',
} as const;

/** The simulator's tracer (OTLP export via @sluice/telemetry). */
export interface SimTracing {
  readonly tracer: Tracer;
  readonly propagator: TextMapPropagator;
  /** Where spans go (the OTLP traces URL). */
  readonly exportTarget: string | null;
  /** Flushes pending spans and stops the SDK. */
  shutdown(): Promise<void>;
}

/**
 * Starts tracing (service `sluice-sim` unless OTEL_SERVICE_NAME says otherwise) when `otlpEndpoint`
 * is given or the OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT env is set; null otherwise. The telemetry
 * library (OpenTelemetry SDK) is imported only then, so an untraced simulator starts as fast as before.
 */
export async function startSimTracing(otlpEndpoint: string | undefined, env: Readonly<Record<string, string | undefined>>): Promise<SimTracing | null> {
  const wanted = [otlpEndpoint, env['OTEL_EXPORTER_OTLP_ENDPOINT'], env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT']].some((v) => v !== undefined && v.trim() !== '');
  if (!wanted) return null;
  const { startTracing } = await import('@sluice/telemetry');
  // The flag beats every env endpoint (startTracing lets OTEL_EXPORTER_OTLP_TRACES_ENDPOINT win over a configured one).
  const flagged = otlpEndpoint !== undefined && otlpEndpoint.trim() !== '';
  const tracing = startTracing({ serviceName: 'sluice-sim', otlpEndpoint: otlpEndpoint ?? null, env: flagged ? { ...env, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: undefined } : env });
  return tracing.enabled ? tracing : null;
}

/**
 * Removes `--otlp-endpoint URL` / `--otlp-endpoint=URL` from argv (the simulator's config parser is
 * strict and does not know the flag). Throws Error when the flag has no value.
 */
export function takeOtlpEndpointFlag(argv: readonly string[]): { otlpEndpoint: string | undefined; rest: string[] } {
  const rest: string[] = [];
  let otlpEndpoint: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--otlp-endpoint') {
      const value = argv[i + 1];
      if (value === undefined || value.startsWith('--')) throw new Error('--otlp-endpoint needs a URL, e.g. http://127.0.0.1:4318');
      otlpEndpoint = value;
      i++;
    } else if (arg.startsWith('--otlp-endpoint=')) otlpEndpoint = arg.slice('--otlp-endpoint='.length);
    else rest.push(arg);
  }
  return { otlpEndpoint, rest };
}

export interface TracedRequest {
  readonly endpoint: Endpoint;
  readonly model: string;
  readonly maxTokens: number;
  readonly podName: string;
  readonly timeScale: number;
}

/**
 * Opens an `engine.generate` span (SERVER) for `seq`, continuing the caller's W3C `traceparent`, and
 * ends it when the engine finishes the sequence (or the connection closes first). Must be called
 * after `seq.listener` is set and before the sequence is submitted; it wraps the listener. Times
 * are the simulator clock's milliseconds (wall time; `timeScale` converts to model time).
 */
export function traceSequence(tracing: SimTracing, req: IncomingMessage, res: ServerResponse, seq: Sequence, info: TracedRequest): void {
  const parent = tracing.propagator.extract(ROOT_CONTEXT, req.headers, defaultTextMapGetter);
  const operation = info.endpoint === 'chat' ? 'chat' : 'text_completion';
  const span = tracing.tracer.startSpan(
    ENGINE_SPAN_NAME,
    {
      kind: SpanKind.SERVER,
      attributes: {
        [EngineAttr.operation]: operation,
        [EngineAttr.requestModel]: info.model,
        [EngineAttr.maxTokens]: info.maxTokens,
        [EngineAttr.pod]: info.podName,
        [EngineAttr.timeScale]: info.timeScale,
      },
    },
    parent,
  );
  const inner = seq.listener;
  let ended = false;
  const end = (): void => {
    if (ended) return;
    ended = true;
    span.setAttributes(finishedAttributes(seq, info.model));
    if (seq.finishReason === 'abort' || seq.finishReason === null) span.setStatus({ code: SpanStatusCode.ERROR, message: 'aborted' });
    span.end();
  };
  const listener: SequenceListener = {
    onProgress(s, finished, nowMs) {
      inner?.onProgress(s, finished, nowMs);
      if (finished) end();
    },
  };
  seq.listener = listener;
  res.once('close', end);
}

function finishedAttributes(seq: Sequence, model: string): Record<string, string | number | string[]> {
  const seconds = (from: number, to: number): number | undefined => (from >= 0 && to >= 0 ? (to - from) / 1000 : undefined);
  const queue = seconds(seq.queuedMs, seq.firstScheduledMs);
  const ttft = seconds(seq.arrivalMs, seq.firstTokenMs);
  const e2e = seconds(seq.arrivalMs, seq.finishedMs);
  return {
    [EngineAttr.responseModel]: model,
    [EngineAttr.inputTokens]: seq.promptLength,
    [EngineAttr.promptTokens]: seq.promptLength,
    [EngineAttr.outputTokens]: seq.numOutputTokens,
    [EngineAttr.completionTokens]: seq.numOutputTokens,
    [EngineAttr.cachedPromptTokens]: Math.max(0, seq.numCachedTokens),
    [EngineAttr.preemptions]: seq.numPreemptions,
    ...(seq.finishReason === null ? {} : { [EngineAttr.finishReasons]: [seq.finishReason] }),
    ...(queue === undefined ? {} : { [EngineAttr.timeInQueueS]: queue }),
    ...(ttft === undefined ? {} : { [EngineAttr.ttftS]: ttft }),
    ...(e2e === undefined ? {} : { [EngineAttr.e2eS]: e2e }),
  };
}
