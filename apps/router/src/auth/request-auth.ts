import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import type { ResolvedAuth } from '@sluice/config';
import type { SluiceMetrics } from '@sluice/telemetry';
import { identityFromHeaders } from '../request/identity.ts';
import type { RequestIdentity } from '../request/identity.ts';
import { ApiKeyAuthenticator } from './api-key-authenticator.ts';
import { authFailureError, objectiveForbiddenError } from './auth-errors.ts';
import { bearerToken } from './bearer-token.ts';
import { JwtAuthenticator } from './jwt-authenticator.ts';
import { decideObjective } from './objective-policy.ts';
import type { Authenticator } from './principal.ts';
import { stripControlHeaders } from './trust-boundary.ts';

/**
 * Step 1 of the request path (DESIGN §2.1): who is asking and at which priority.
 * - trusted-headers: the control headers say it (a gateway in front injected them).
 * - api-keys / jwt: the credential says it; control headers are removed (and counted when spoofed),
 *   the objective header is honoured only up to the credential's ceiling.
 * `identify` throws HttpError (401/403/503) for a refused request.
 */
export class RequestAuth {
  /** Identities established by the onRequest hook, before the body was read. */
  private readonly early = new WeakMap<FastifyRequest, RequestIdentity>();

  private constructor(
    private readonly auth: ResolvedAuth,
    private readonly authenticator: Authenticator | null,
    private readonly priorityOf: (objective: string) => number | undefined,
    private readonly metrics: SluiceMetrics,
  ) {}

  /**
   * `priorityOf` gives an objective's current priority (the model resolver's view, which includes
   * discovered objectives). Throws (stopping start-up) when the key material cannot be used.
   */
  static create(auth: ResolvedAuth, priorityOf: (objective: string) => number | undefined, metrics: SluiceMetrics): RequestAuth {
    const authenticator = auth.mode === 'api-keys' ? new ApiKeyAuthenticator(auth) : auth.mode === 'jwt' ? JwtAuthenticator.create(auth) : null;
    return new RequestAuth(auth, authenticator, priorityOf, metrics);
  }

  get mode(): ResolvedAuth['mode'] {
    return this.auth.mode;
  }

  /**
   * onRequest hook of the inference routes (api-keys / jwt): checks the credential before Fastify
   * reads the body, so an unauthenticated client cannot make the router buffer bodies. Throws
   * HttpError like `identify`.
   */
  async authenticateEarly(req: FastifyRequest): Promise<void> {
    if (this.authenticator === null) return;
    this.early.set(req, await this.identify(req));
  }

  /**
   * The identity without waiting, when no credential has to be checked (trusted-headers mode);
   * null in the other modes (use `identify`). Saves the request path an await.
   */
  trustedIdentity(req: FastifyRequest): RequestIdentity | null {
    return this.authenticator === null ? identityFromHeaders(req.headers, this.auth.defaultFairnessId) : null;
  }

  /** The request's identity (computed once: a second call returns the identity the hook found). */
  async identify(req: FastifyRequest): Promise<RequestIdentity> {
    const known = this.early.get(req);
    if (known !== undefined) return known;
    if (this.authenticator === null) return identityFromHeaders(req.headers, this.auth.defaultFairnessId);
    const token = bearerToken(req.headers);
    const scan = stripControlHeaders(req.headers);
    if (scan.spoofed.length > 0) {
      for (const header of scan.spoofed) this.metrics.auth.spoofedHeaders.inc({ header });
      req.log.warn({ headers: scan.spoofed, auth_mode: this.auth.mode }, 'ignored control headers sent by the client (only a trusted gateway may set them)');
    }
    const result = await this.authenticator.authenticate(token);
    if (!result.ok) {
      this.metrics.auth.requests.inc({ mode: this.auth.mode, outcome: result.failure.reason });
      logFailure(req.log, this.auth.mode, result.failure.reason, result.failure.code);
      throw authFailureError(result.failure);
    }
    const { principal } = result;
    const decision = decideObjective(principal.grant, scan.requestedObjective, this.priorityOf, this.auth.clampPriority);
    if (!decision.ok) {
      this.metrics.auth.priorityClamped.inc({ tenant: this.metrics.tenantLabel(principal.tenant), action: 'rejected' });
      this.metrics.auth.requests.inc({ mode: this.auth.mode, outcome: 'forbidden' });
      req.log.warn({ tenant: principal.tenant, principal: principal.label, requested_objective: decision.requested.slice(0, 128), max_priority: decision.ceiling }, 'objective above the credential ceiling: refused (auth.clampPriority is false)');
      throw objectiveForbiddenError(decision.requested);
    }
    if (decision.clamped) {
      this.metrics.auth.priorityClamped.inc({ tenant: this.metrics.tenantLabel(principal.tenant), action: 'clamped' });
      req.log.warn({ tenant: principal.tenant, principal: principal.label, requested_objective: scan.requestedObjective?.slice(0, 128), objective: decision.objective, max_priority: decision.ceiling }, 'objective above the credential ceiling: clamped');
    }
    this.metrics.auth.requests.inc({ mode: this.auth.mode, outcome: principal.kind === 'anonymous' ? 'anonymous' : 'ok' });
    return {
      fairnessId: principal.tenant,
      objective: decision.objective,
      sloTtftMs: undefined,
      ...(principal.grant.limits === null ? {} : { limits: principal.grant.limits }),
      ...(decision.ceiling === null ? {} : { priorityCeiling: decision.ceiling }),
    };
  }
}

function logFailure(log: FastifyBaseLogger, mode: string, reason: string, code: string): void {
  const fields = { auth_mode: mode, reason, code };
  if (reason === 'unavailable') log.error(fields, 'authentication unavailable');
  else log.info(fields, 'request refused: credential missing or not valid');
}
