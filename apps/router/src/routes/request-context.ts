import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyBaseLogger } from 'fastify';
import type { ClientAbort } from '../http/client-abort.ts';
import type { RateReservation } from '../limits/tenant-rate-limits.ts';
import type { ModelResolution } from '../request/model-resolver.ts';
import type { ParsedBody } from '../request/openai-body.ts';

export type Kind = 'chat' | 'completions';

/**
 * Per-request state shared by the admission, proxy and release steps.
 *
 * A class on purpose, built once per request by the inference route. A getter written in an object
 * literal (as `headers` once was) makes V8's young-generation GC promote the objects it creates, and
 * with one per request every request was copied into the old space (`npm run bench:gc-patterns`,
 * docs/architecture.md "Hot-path rules"). A prototype getter costs nothing. `headers` is built on
 * first read only: session-affinity plugins read it, most profiles never do.
 */
export class RequestContext {
  declare readonly requestId: string;
  /** Flow-control id: unique across replicas while queued or leased. */
  declare readonly flowRequestId: string;
  declare readonly kind: Kind;
  declare readonly receivedAtMs: number;
  declare readonly log: FastifyBaseLogger;
  declare readonly body: ParsedBody;
  declare readonly resolution: ModelResolution;
  declare readonly fairnessId: string;
  declare readonly labels: Record<string, string | undefined>;
  /** Fires when the client goes away before the response has been sent. */
  declare readonly abort: ClientAbort;
  /** Tenant rate-limit reservation to settle on release (null: no limit applies). */
  declare readonly rateReservation?: RateReservation | null;
  /**
   * max_tokens (tokens) to send upstream for a request that named none while a tokens-per-minute
   * limit applies: the reservation covers prompt + this, so usage cannot outgrow it. Else undefined.
   */
  declare readonly maxTokensCap?: number;
  readonly #rawHeaders: IncomingHttpHeaders;
  #headers: Readonly<Record<string, string | undefined>> | undefined;

  constructor(fields: RequestContextFields, rawHeaders: IncomingHttpHeaders) {
    // Field by field, every field always set: one object shape for every request.
    this.requestId = fields.requestId;
    this.flowRequestId = fields.flowRequestId;
    this.kind = fields.kind;
    this.receivedAtMs = fields.receivedAtMs;
    this.log = fields.log;
    this.body = fields.body;
    this.resolution = fields.resolution;
    this.fairnessId = fields.fairnessId;
    this.labels = fields.labels;
    this.abort = fields.abort;
    this.rateReservation = fields.rateReservation;
    this.maxTokensCap = fields.maxTokensCap;
    this.#rawHeaders = rawHeaders;
  }

  /** Request headers, names lower-cased, string values only. */
  get headers(): Readonly<Record<string, string | undefined>> {
    return (this.#headers ??= stringHeaders(this.#rawHeaders));
  }
}

/** Everything a RequestContext holds except the lazily built `headers`. */
export type RequestContextFields = Omit<RequestContext, 'headers'>;

/** Request headers with lower-cased names and string values (arrays joined by ", "). */
function stringHeaders(headers: IncomingHttpHeaders): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(headers)) out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  return out;
}
