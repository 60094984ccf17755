import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DroppedReason } from '@sluice/flow-control';
import type { FlowAdmission, LeaseRecord } from '@sluice/flow-control';
import { droppedError, dropError } from '../admission/drop-response.ts';
import type { RouterDeps } from '../deps.ts';
import { ClientAbort } from '../http/client-abort.ts';
import { HttpError } from '../http/openai-error.ts';
import { ResponseRelay } from '../proxy/response-relay.ts';
import type { RelayOutcome } from '../proxy/response-relay.ts';
import { classifyUpstreamError } from '../proxy/upstream-errors.ts';
import { UpstreamExchange } from '../proxy/upstream-exchange.ts';
import type { UpstreamHead } from '../proxy/upstream-exchange.ts';
import { upstreamRequestHeaders } from '../proxy/headers.ts';
import { checkInputLimits, checkPromptSize } from '../http/input-limits.ts';
import { ControlHeader, firstHeader } from '../request/identity.ts';
import { DEFAULT_EXPECTED_OUTPUT_TOKENS, parseOpenAiBody, rewriteModel } from '../request/openai-body.ts';
import { afterPick, lookupPrefix, pick, prefixAfterAdmission } from './pick-endpoint.ts';
import type { PrefixWithLoad } from './pick-endpoint.ts';
import { recordResponse, release } from './request-completion.ts';
import { RequestContext } from './request-context.ts';
import type { Kind } from './request-context.ts';
import type { RateReservation } from '../limits/tenant-rate-limits.ts';
import { admitTraced, RequestTrace } from '../tracing/request-trace.ts';

/**
 * POST /v1/completions and /v1/chat/completions: parse → resolve model and identity → admit through
 * flow control → pick an endpoint → proxy (retry before the first byte on refused/503) → release.
 * The handler resolves only after the response has ended and the lease was released, so the
 * lifecycle's active count covers queued and streaming requests (graceful drain waits on it).
 */
export function registerInferenceRoutes(app: FastifyInstance, deps: RouterDeps): void {
  let counter = 0;
  const nextFlowId = (): string => `${deps.replicaId}~${(++counter).toString(36)}`;
  const handle = async (kind: Kind, req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    deps.lifecycle.enter();
    // Null when tracing is off: then nothing below allocates for tracing.
    const trace = RequestTrace.start(deps.tracing, kind, req, deps.replicaId);
    try {
      await (trace === null ? handleInference(deps, kind, req, reply, nextFlowId(), null) : trace.run(() => handleInference(deps, kind, req, reply, nextFlowId(), trace)));
      trace?.end(reply.raw.statusCode);
    } catch (error) {
      trace?.end(error instanceof HttpError ? error.status : 500, error);
      throw error;
    } finally {
      deps.lifecycle.leave();
    }
  };
  // api-keys / jwt: the credential is checked before the body is read (auth/request-auth.ts).
  const options = deps.auth.mode === 'trusted-headers' ? {} : { onRequest: (req: FastifyRequest) => deps.auth.authenticateEarly(req) };
  app.post('/v1/completions', options, (req, reply) => handle('completions', req, reply));
  app.post('/v1/chat/completions', options, (req, reply) => handle('chat', req, reply));
}

async function handleInference(deps: RouterDeps, kind: Kind, req: FastifyRequest, reply: FastifyReply, flowRequestId: string, trace: RequestTrace | null): Promise<void> {
  const receivedAtMs = deps.clock.now();
  if (deps.lifecycle.draining) throw droppedError(503, DroppedReason.ShuttingDown);
  const identity = deps.auth.trustedIdentity(req) ?? (await deps.auth.identify(req));
  const raw = req.body;
  if (!Buffer.isBuffer(raw) || raw.length === 0) throw new HttpError(400, 'The request body is empty; expected a JSON object.', { code: 'invalid_json' });
  checkInputLimits(deps, raw);
  const body = parseOpenAiBody(raw, kind);
  checkPromptSize(deps, body.promptTokens);
  const modelName = body.model ?? firstHeader(req.headers, ControlHeader.modelName);
  if (modelName === undefined) throw new HttpError(400, 'You must provide a model parameter.', { param: 'model', code: 'missing_model' });
  const resolution = deps.models.resolve(modelName, identity.objective, identity.priorityCeiling);
  if (resolution === null) throw new HttpError(404, `The model \`${modelName}\` does not exist.`, { param: 'model', code: 'model_not_found' });
  trace?.describe(body, resolution, identity.fairnessId);

  const labels = deps.metrics.requestLabels({ modelName: resolution.model, targetModelName: resolution.targetModel, objective: resolution.objective });
  deps.metrics.requests.total.inc(labels);
  // The EPP protocol answers 503 at once when no endpoint is ready (flow control would otherwise
  // hold the request for noEndpointRequestTTL, hoping endpoints come back).
  if (!deps.health.anyHealthy()) {
    deps.metrics.requests.errors.inc({ ...labels, error_code: 'rejected-no-endpoints' });
    throw droppedError(503, DroppedReason.NoEndpoints);
  }
  // Tenant limits (fleet-wide in Redis mode): reserve a request slot and prompt + max_tokens before
  // flow control; 429 rate_limit_exceeded when a limit stops it. Settled on every path below.
  const reservedTokens = body.promptTokens + (body.maxTokens ?? DEFAULT_EXPECTED_OUTPUT_TOKENS);
  const reserving = deps.rateLimits.admit({ tenant: identity.fairnessId, reservationId: flowRequestId, tokens: reservedTokens, credentialLimits: identity.limits });
  let rateReservation: RateReservation | null = null;
  if (reserving !== null) {
    try {
      rateReservation = await reserving;
    } catch (error) {
      deps.metrics.requests.errors.inc({ ...labels, error_code: DroppedReason.RateLimited });
      throw error;
    }
  }
  // Under a token limit the output must be bounded for the reservation to hold: a request with no
  // max_tokens is sent upstream with the reserved output as its max_tokens (counted, logged).
  const maxTokensCap = rateReservation?.limitsTokens === true && body.maxTokens === undefined ? DEFAULT_EXPECTED_OUTPUT_TOKENS : undefined;
  if (rateReservation !== null) trace?.rateLimited(reservedTokens, maxTokensCap);
  if (maxTokensCap !== undefined) {
    deps.metrics.rateLimits.outputCapped.inc({ tenant: deps.metrics.tenantLabel(identity.fairnessId) });
    req.log.debug({ tenant: identity.fairnessId, max_tokens: maxTokensCap }, 'no max_tokens under a token limit: capped at the reserved output');
  }
  const abort = new ClientAbort();
  const res = reply.raw;
  // Passed inline (not bound to a name): the tsx transform wraps named closures in a per-request
  // defineProperty call.
  // 'close' is emitted once; `on` avoids the wrapper `once` allocates per request.
  res.on('close', () => {
    if (!res.writableFinished) abort.abort();
  });
  const ctx = new RequestContext(
    {
      requestId: String(req.id),
      flowRequestId,
      kind,
      receivedAtMs,
      log: req.log,
      body,
      resolution,
      fairnessId: identity.fairnessId,
      labels,
      abort,
      rateReservation,
      maxTokensCap,
    },
    req.headers,
  );

  // The prefix lookup starts before the admit: in Redis mode both scripts leave in one socket write
  // (ScriptRegistry batches the calls of an event-loop turn) and share one round trip. It never
  // rejects (a failed lookup is logged and yields null).
  const earlyPrefix = lookupPrefix(deps, ctx);
  let admission: FlowAdmission;
  try {
    admission = await admitTraced(trace, () =>
      deps.controller.admit({
        requestId: flowRequestId,
        flow: { fairnessId: identity.fairnessId, priority: resolution.priority },
        bytes: raw.length,
        tokens: {
          uncachedPromptTokens: body.promptTokens,
          expectedOutputTokens: Math.min(body.maxTokens ?? DEFAULT_EXPECTED_OUTPUT_TOKENS, DEFAULT_EXPECTED_OUTPUT_TOKENS * 4),
        },
        ...(identity.sloTtftMs === undefined ? {} : { sloTtftMs: identity.sloTtftMs }),
        receivedAtMs,
      }, abort),
    );
  } catch (error) {
    ctx.log.error({ err: error }, 'flow control store call failed');
    await rateReservation?.settle(0);
    deps.metrics.requests.errors.inc({ ...labels, error_code: '503' });
    throw new HttpError(503, 'Flow control is unavailable.', { code: 'flow_control_unavailable' });
  }

  if (!admission.dispatched) {
    deps.metrics.requests.errors.inc({ ...labels, error_code: admission.outcome });
    // Never reached an endpoint: no tokens used; the request slot stays counted (it was admitted).
    await rateReservation?.settle(0);
    if (abort.aborted) {
      ctx.log.info({ outcome: admission.outcome, queue_wait_ms: admission.queueWaitMs }, 'client went away while queued');
      return reply.hijack();
    }
    const poolHasEndpoints = deps.health.anyHealthy();
    ctx.log.info({ outcome: admission.outcome, queue_wait_ms: admission.queueWaitMs }, 'request dropped by flow control');
    throw dropError(admission.outcome, {
      poolHasEndpoints,
      shuttingDown: deps.lifecycle.draining,
      ...(admission.retryAfterMs === undefined ? {} : { retryAfterMs: admission.retryAfterMs }),
    });
  }
  await proxyAndRelease(deps, ctx, reply, admission.lease, admission.queueWaitMs, earlyPrefix, trace);
}

/** Picks, proxies (with retries before the first byte) and always releases the lease. */
async function proxyAndRelease(deps: RouterDeps, ctx: RequestContext, reply: FastifyReply, lease: LeaseRecord, queueWaitMs: number, earlyPrefix: Promise<PrefixWithLoad | null>, trace: RequestTrace | null): Promise<void> {
  let boundEndpoint: string | null = null;
  let outcome: RelayOutcome | null = null;
  try {
    const payload = rewriteModel(ctx.body, ctx.resolution.targetModel, ctx.maxTokensCap);
    const headers = upstreamRequestHeaders(reply.request.headers, ctx.requestId, payload.length);
    const path = ctx.kind === 'chat' ? '/v1/chat/completions' : '/v1/completions';
    const tried = new Set<string>();
    const maxAttempts = 1 + deps.config.proxy.maxRetries;
    // Scheduling spans: the first covers waiting for (or redoing) the prefix-index lookup too; each
    // retry gets its own.
    let scheduling = trace?.startScheduling(1) ?? null;
    const prefix = await (scheduling === null
      ? prefixAfterAdmission(deps, ctx, earlyPrefix, queueWaitMs)
      : scheduling.run(() => prefixAfterAdmission(deps, ctx, earlyPrefix, queueWaitMs)));
    for (let attempt = 1; ; attempt++) {
      scheduling ??= trace?.startScheduling(attempt) ?? null;
      const chosen = pick(deps, ctx, tried, prefix);
      scheduling?.picked(chosen, prefix);
      scheduling = null;
      if (chosen === null) {
        if (tried.size === 0) throw droppedError(503, DroppedReason.NoEndpoints);
        throw new HttpError(502, 'Every endpoint tried refused the request.', { code: 'upstream_unavailable' });
      }
      const endpoint = chosen.endpoint;
      afterPick(deps, ctx, chosen, prefix);
      tried.add(endpoint);
      if (boundEndpoint !== null) deps.load.add(boundEndpoint, -1);
      boundEndpoint = endpoint;
      deps.load.add(endpoint, 1);
      deps.controller.bindLease(lease.leaseId, endpoint).catch((error: unknown) => ctx.log.warn({ err: error }, 'bindLease failed'));

      const upstreamSpan = trace?.startUpstream(endpoint, path, attempt) ?? null;
      const exchange = UpstreamExchange.start(
        deps.upstreams.get(endpoint),
        {
          method: 'POST',
          path,
          headers: upstreamSpan === null ? headers : upstreamSpan.inject(headers),
          body: payload,
          headersTimeout: deps.config.proxy.firstByteTimeoutMs,
          bodyTimeout: deps.config.proxy.streamIdleTimeoutMs,
        },
        ctx.abort,
      );
      let head: UpstreamHead;
      try {
        head = await exchange.head;
      } catch (error) {
        const failure = classifyUpstreamError(error, ctx.abort.aborted);
        upstreamSpan?.failed(failure, error);
        if (failure === 'client-aborted') {
          outcome = { kind: 'client-aborted', status: 499, tap: null };
          return reply.hijack();
        }
        deps.health.reportFailure(endpoint, `${failure}: ${(error as Error).message}`);
        ctx.log.warn({ endpoint, failure, attempt, err: error }, 'upstream request failed before the first byte');
        if (failure === 'connect' && attempt < maxAttempts) continue;
        if (failure === 'first-byte-timeout') throw new HttpError(504, `The endpoint ${endpoint} sent no response within ${deps.config.proxy.firstByteTimeoutMs} ms.`, { code: 'upstream_timeout' });
        throw new HttpError(502, `The endpoint ${endpoint} failed: ${(error as Error).message}`, { code: 'upstream_error' });
      }
      if (head.statusCode === 503 && attempt < maxAttempts) {
        await exchange.discard();
        upstreamSpan?.finished(503, null);
        deps.health.reportFailure(endpoint, 'answered 503');
        ctx.log.warn({ endpoint, attempt }, 'endpoint answered 503 before the first byte; retrying on another endpoint');
        continue;
      }
      deps.health.reportSuccess(endpoint);
      reply.hijack();
      const relay = new ResponseRelay({
        res: reply.raw,
        exchange,
        head,
        clock: deps.clock,
        headers: {
          'x-gateway-destination-endpoint-served': endpoint,
          'x-sluice-queue-wait-ms': queueWaitMs === 0 ? '0.000' : queueWaitMs.toFixed(3),
          'x-sluice-replica': deps.replicaId,
          'x-request-id': ctx.requestId,
        },
        clientAbort: ctx.abort,
      });
      outcome = await relay.run();
      upstreamSpan?.finished(outcome.status, outcome);
      trace?.responded(endpoint, outcome, ctx.receivedAtMs);
      if (outcome.kind === 'upstream-error') deps.health.reportFailure(endpoint, 'stream broke');
      recordResponse(deps, ctx, endpoint, queueWaitMs, outcome);
      if (prefix !== null && deps.prefix !== null && outcome.tap !== null) {
        const usage = outcome.tap.usage();
        if (usage !== null) {
          deps.prefix.feedback(endpoint, prefix, usage).catch((error: unknown) => ctx.log.warn({ err: error }, 'prefix index feedback failed'));
        }
      }
      return;
    }
  } finally {
    if (boundEndpoint === null) {
      await release(deps, ctx, lease, outcome);
    } else {
      deps.load.add(boundEndpoint, -1);
      deps.load.releaseStarted(boundEndpoint);
      try {
        await release(deps, ctx, lease, outcome);
      } finally {
        deps.load.releaseSettled(boundEndpoint);
      }
    }
  }
}
