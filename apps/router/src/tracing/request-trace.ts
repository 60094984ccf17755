import { context, defaultTextMapGetter, defaultTextMapSetter, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Context, Span, TextMapPropagator, Tracer } from '@opentelemetry/api';
import type { FastifyRequest } from 'fastify';
import type { FlowAdmission } from '@sluice/flow-control';
import type { RelayOutcome } from '../proxy/response-relay.ts';
import type { ModelResolution } from '../request/model-resolver.ts';
import type { ParsedBody } from '../request/openai-body.ts';
import type { Pick } from '../routes/pick-endpoint.ts';
import type { Kind } from '../routes/request-context.ts';
import type { RequestPrefix } from '../scheduling/prefix-routing.ts';
import { Attr, GEN_AI_PROVIDER, SpanName } from './attributes.ts';
import type { RouterTracing } from './router-tracing.ts';

/**
 * The trace of one inference request: a SERVER span continuing the caller's `traceparent`, with
 * child spans for flow control, each scheduling decision and each upstream attempt (CLIENT, whose
 * context is injected into the upstream request). Call sites hold `RequestTrace | null`: null when
 * tracing is disabled, so the hot path then allocates nothing for tracing.
 *
 * Span tree: `POST /v1/…` (server) → `flow_control.admit` → (Redis script spans)
 *                                  → `scheduling.pick` → (Redis prefix-index spans)
 *                                  → `chat <model>` / `text_completion <model>` (client) → model server spans
 */
export class RequestTrace {
  readonly #tracer: Tracer;
  readonly #propagator: TextMapPropagator;
  readonly #kind: Kind;
  readonly #span: Span;
  /** The request span's context: parent of every child span. */
  readonly #context: Context;
  #targetModel = '';
  #fairnessId = '';
  #priority = 0;
  #ended = false;

  private constructor(tracing: RouterTracing, kind: Kind, req: FastifyRequest, replicaId: string) {
    this.#tracer = tracing.tracer;
    this.#propagator = tracing.propagator;
    this.#kind = kind;
    const route = kind === 'chat' ? '/v1/chat/completions' : '/v1/completions';
    const parent = this.#propagator.extract(ROOT_CONTEXT, req.headers, defaultTextMapGetter);
    const url = req.url;
    const query = url.indexOf('?');
    const userAgent = req.headers['user-agent'];
    this.#span = this.#tracer.startSpan(
      `POST ${route}`,
      {
        kind: SpanKind.SERVER,
        attributes: {
          [Attr.httpMethod]: 'POST',
          [Attr.httpRoute]: route,
          [Attr.urlPath]: query < 0 ? url : url.slice(0, query),
          [Attr.urlScheme]: req.protocol,
          [Attr.serverAddress]: req.hostname,
          ...(req.port === null ? {} : { [Attr.serverPort]: req.port }),
          [Attr.clientAddress]: req.ip,
          ...(userAgent === undefined ? {} : { [Attr.userAgent]: userAgent }),
          [Attr.genAiOperation]: operationOf(kind),
          [Attr.genAiProvider]: GEN_AI_PROVIDER,
          [Attr.genAiSystem]: GEN_AI_PROVIDER,
          [Attr.requestId]: String(req.id),
          [Attr.replica]: replicaId,
        },
      },
      parent,
    );
    this.#context = trace.setSpan(parent, this.#span);
  }

  /** A trace for this request, or null when tracing is disabled. */
  static start(tracing: RouterTracing, kind: Kind, req: FastifyRequest, replicaId: string): RequestTrace | null {
    return tracing.enabled ? new RequestTrace(tracing, kind, req, replicaId) : null;
  }

  /** Runs `fn` with the request span active, so child spans and traced Redis commands nest under it. */
  run<T>(fn: () => T): T {
    return context.with(this.#context, fn);
  }

  /** GenAI request attributes, once the body is parsed and the model resolved. */
  describe(body: ParsedBody, resolution: ModelResolution, fairnessId: string): void {
    this.#targetModel = resolution.targetModel;
    this.#fairnessId = fairnessId;
    this.#priority = resolution.priority;
    this.#span.setAttributes({
      [Attr.genAiRequestModel]: resolution.model,
      [Attr.targetModel]: resolution.targetModel,
      [Attr.fairnessId]: fairnessId,
      [Attr.priority]: resolution.priority,
      [Attr.stream]: body.stream,
      [Attr.promptTokensEstimate]: body.promptTokens,
      ...(body.maxTokens === undefined ? {} : { [Attr.genAiMaxTokens]: body.maxTokens }),
      ...(resolution.objective === undefined ? {} : { [Attr.objective]: resolution.objective }),
    });
  }

  /** The tenant rate-limit reservation (tokens), and the max_tokens cap the router set, if any. */
  rateLimited(reservedTokens: number, maxTokensCap: number | undefined): void {
    this.#span.setAttributes({
      [Attr.rateReservedTokens]: reservedTokens,
      ...(maxTokensCap === undefined ? {} : { [Attr.rateMaxTokensCap]: maxTokensCap }),
    });
  }

  /**
   * Runs the flow-control admission inside a `flow_control.admit` span (active during the call, so
   * the store's Redis scripts are its children) and records its outcome and queue wait (ms). The
   * flow (fairness id, priority band) is the one given to describe().
   */
  async admit(run: () => Promise<FlowAdmission>): Promise<FlowAdmission> {
    const span = this.#tracer.startSpan(SpanName.flowControl, { attributes: { [Attr.fairnessId]: this.#fairnessId, [Attr.priority]: this.#priority } }, this.#context);
    try {
      const admission = await context.with(trace.setSpan(this.#context, span), run);
      const outcome = admission.dispatched ? 'dispatched' : admission.outcome;
      span.setAttributes({ [Attr.flowOutcome]: outcome, [Attr.queueWaitMs]: admission.queueWaitMs, [Attr.fastPath]: admission.dispatched && admission.queueWaitMs === 0 });
      this.#span.setAttributes({ [Attr.flowOutcome]: outcome, [Attr.queueWaitMs]: admission.queueWaitMs });
      if (!admission.dispatched) span.setStatus({ code: SpanStatusCode.ERROR, message: outcome });
      return admission;
    } catch (error) {
      failSpan(span, error, 'flow_control_unavailable');
      throw error;
    } finally {
      span.end();
    }
  }

  /** Starts a `scheduling.pick` span; the first one also covers the prefix-index lookup. */
  startScheduling(attempt: number): SchedulingSpan {
    return new SchedulingSpan(this.#tracer.startSpan(SpanName.scheduling, { attributes: { [Attr.attempt]: attempt } }, this.#context), this.#context);
  }

  /**
   * Starts the CLIENT span of one upstream attempt. Its `inject` returns the upstream headers with
   * this span's `traceparent` (and the caller's `tracestate`), so the model server's spans join.
   */
  startUpstream(endpoint: string, path: string, attempt: number): UpstreamSpan {
    const colon = endpoint.lastIndexOf(':');
    const port = colon < 0 ? NaN : Number(endpoint.slice(colon + 1));
    const span = this.#tracer.startSpan(
      `${operationOf(this.#kind)} ${this.#targetModel}`,
      {
        kind: SpanKind.CLIENT,
        attributes: {
          [Attr.httpMethod]: 'POST',
          [Attr.urlFull]: `http://${endpoint}${path}`,
          [Attr.serverAddress]: colon < 0 ? endpoint : endpoint.slice(0, colon),
          ...(Number.isInteger(port) ? { [Attr.serverPort]: port } : {}),
          [Attr.genAiOperation]: operationOf(this.#kind),
          [Attr.genAiProvider]: GEN_AI_PROVIDER,
          [Attr.genAiSystem]: GEN_AI_PROVIDER,
          [Attr.genAiRequestModel]: this.#targetModel,
          [Attr.endpoint]: endpoint,
          [Attr.attempt]: attempt,
        },
      },
      this.#context,
    );
    return new UpstreamSpan(span, trace.setSpan(this.#context, span), this.#propagator, this.#targetModel);
  }

  /**
   * Response attributes on the request span: served endpoint, GenAI usage (when the engine reported
   * it), TTFT (ms from receipt to the first response chunk, `firstChunkAtMs` on the same clock as
   * `receivedAtMs`).
   */
  responded(endpoint: string, outcome: RelayOutcome, receivedAtMs: number): void {
    this.#span.setAttribute(Attr.endpoint, endpoint);
    this.#span.setAttributes(responseAttributes(outcome, this.#targetModel));
    const firstChunkAtMs = outcome.tap?.firstChunkAtMs ?? null;
    if (firstChunkAtMs !== null) this.#span.setAttribute(Attr.ttftMs, firstChunkAtMs - receivedAtMs);
  }

  /** Ends the request span with the HTTP status sent (≥ 500 marks it as an error). Idempotent. */
  end(status: number, error?: unknown): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#span.setAttribute(Attr.httpStatus, status);
    if (error !== undefined && status >= 500) failSpan(this.#span, error, String(status));
    else if (status >= 500) this.#span.setStatus({ code: SpanStatusCode.ERROR });
    this.#span.end();
  }
}

/** One scheduling decision. */
export class SchedulingSpan {
  constructor(
    private readonly span: Span,
    private readonly parent: Context,
  ) {}

  /** Runs `fn` with this span active (the prefix-index lookup's Redis commands nest under it). */
  run<T>(fn: () => T): T {
    return context.with(trace.setSpan(this.parent, this.span), fn);
  }

  /** Records the decision (chosen endpoint, its per-scorer scores, matched prefix blocks) and ends the span. */
  picked(chosen: Pick | null, prefix: RequestPrefix | null): void {
    if (prefix !== null) this.span.setAttribute(Attr.promptBlocks, prefix.info.totalBlocks);
    if (chosen === null) {
      this.span.setAttribute(Attr.outcome, 'no-eligible-endpoint');
      this.span.setStatus({ code: SpanStatusCode.ERROR, message: 'no eligible endpoint' });
      this.span.end();
      return;
    }
    const { result } = chosen;
    const index = result.scored.findIndex((c) => c.endpoint.name === chosen.endpoint);
    this.span.setAttributes({
      [Attr.endpoint]: chosen.endpoint,
      [Attr.candidates]: chosen.candidates,
      [Attr.eligible]: result.scored.length,
      [Attr.profile]: result.primaryProfile,
      ...(index < 0 ? {} : { [Attr.scoreTotal]: result.scored[index]!.score }),
      ...(prefix === null ? {} : { [Attr.matchedBlocks]: prefix.info.matchedBlocks.get(chosen.endpoint) ?? 0 }),
    });
    if (index >= 0) {
      for (const scorer of result.scorers) {
        const score = scorer.scores[index];
        if (score !== undefined) this.span.setAttribute(`${Attr.scorePrefix}${scorer.name}`, score);
      }
    }
    this.span.end();
  }

  /** Ends the span after an exception in scheduling. */
  fail(error: unknown): void {
    failSpan(this.span, error, 'scheduling_error');
    this.span.end();
  }
}

/** One upstream attempt (CLIENT span). */
export class UpstreamSpan {
  #ended = false;

  constructor(
    private readonly span: Span,
    private readonly spanContext: Context,
    private readonly propagator: TextMapPropagator,
    private readonly targetModel: string,
  ) {}

  /** A copy of `headers` whose `traceparent`/`tracestate` are this span's (the caller's are replaced). */
  inject(headers: Readonly<Record<string, string | string[]>>): Record<string, string | string[]> {
    const out: Record<string, string | string[]> = { ...headers };
    delete out['traceparent'];
    delete out['tracestate'];
    this.propagator.inject(this.spanContext, out, defaultTextMapSetter);
    return out;
  }

  /** The upstream failed before answering (connect error, timeout, abort). */
  failed(kind: string, error: unknown): void {
    if (this.#ended) return;
    this.#ended = true;
    failSpan(this.span, error, kind);
    this.span.end();
  }

  /** The upstream answered `status` and the exchange is over (relayed, or dumped for a retry). */
  finished(status: number, outcome: RelayOutcome | null): void {
    if (this.#ended) return;
    this.#ended = true;
    this.span.setAttribute(Attr.httpStatus, status);
    if (outcome !== null) {
      this.span.setAttributes(responseAttributes(outcome, this.targetModel));
      this.span.setAttribute(Attr.outcome, outcome.kind);
    }
    if (status >= 500 || (outcome !== null && outcome.kind === 'upstream-error')) this.span.setStatus({ code: SpanStatusCode.ERROR, message: outcome?.kind ?? String(status) });
    this.span.end();
  }
}

/** `run()` inside a flow-control span when tracing, else just `run()`. */
export function admitTraced(trace: RequestTrace | null, run: () => Promise<FlowAdmission>): Promise<FlowAdmission> {
  return trace === null ? run() : trace.admit(run);
}

function operationOf(kind: Kind): 'chat' | 'text_completion' {
  return kind === 'chat' ? 'chat' : 'text_completion';
}

/**
 * GenAI usage of a relayed response (from the engine's `usage`, when reported). The response model is
 * the target model the router sent upstream, which vLLM-compatible servers echo in `model`.
 */
function responseAttributes(outcome: RelayOutcome, targetModel: string): Record<string, string | number> {
  const usage = outcome.tap?.usage() ?? null;
  return {
    ...(targetModel === '' ? {} : { [Attr.genAiResponseModel]: targetModel }),
    ...(usage === null ? {} : { [Attr.genAiInputTokens]: usage.promptTokens, [Attr.genAiOutputTokens]: usage.completionTokens, [Attr.cachedInputTokens]: usage.cachedTokens }),
  };
}

function failSpan(span: Span, error: unknown, errorType: string): void {
  span.setAttribute(Attr.errorType, errorType);
  if (error instanceof Error) span.recordException(error);
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
}
