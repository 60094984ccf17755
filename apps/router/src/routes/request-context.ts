import type { FastifyBaseLogger } from 'fastify';
import type { RateReservation } from '../limits/tenant-rate-limits.ts';
import type { ModelResolution } from '../request/model-resolver.ts';
import type { ParsedBody } from '../request/openai-body.ts';

export type Kind = 'chat' | 'completions';

/** Per-request state shared by the admission, proxy and release steps. */
export interface RequestContext {
  readonly requestId: string;
  /** Flow-control id: unique across replicas while queued or leased. */
  readonly flowRequestId: string;
  readonly kind: Kind;
  readonly receivedAtMs: number;
  readonly log: FastifyBaseLogger;
  readonly body: ParsedBody;
  readonly resolution: ModelResolution;
  readonly fairnessId: string;
  readonly labels: Record<string, string | undefined>;
  readonly abort: AbortController;
  /** Tenant rate-limit reservation to settle on release (null: no limit applies). */
  readonly rateReservation?: RateReservation | null;
  /**
   * max_tokens (tokens) to send upstream for a request that named none while a tokens-per-minute
   * limit applies: the reservation covers prompt + this, so usage cannot outgrow it. Else undefined.
   */
  readonly maxTokensCap?: number;
  /** Request headers, names lower-cased, string values only (session-affinity plugins read them). */
  readonly headers: Readonly<Record<string, string | undefined>>;
}

