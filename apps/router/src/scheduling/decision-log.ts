import type { SchedulingResult } from '@sluice/scheduling';

/** One routing decision as /admin/decisions shows it. */
export interface RoutingDecision {
  readonly requestId: string;
  /** Wall-clock ISO time of the decision. */
  readonly at: string;
  readonly model: string;
  readonly targetModel: string;
  readonly fairnessId: string;
  readonly priority: number;
  readonly profile: string;
  readonly picked: string;
  /** Prefix blocks of the prompt (0 when prefix routing is off). */
  readonly promptBlocks: number;
  /** Milliseconds spent in prefix lookup + scheduling for this decision. */
  readonly schedulingMs: number;
  readonly filtered: readonly { readonly filter: string; readonly removed: readonly string[] }[];
  /** Every candidate that survived the filters: its total and each scorer's clamped score (weight shown once per scorer). */
  readonly candidates: readonly {
    readonly endpoint: string;
    readonly total: number;
    readonly inFlight: number;
    readonly prefixMatchedBlocks: number;
    readonly scores: Readonly<Record<string, number>>;
  }[];
  readonly weights: Readonly<Record<string, number>>;
}

/** A decision as stored: built, or a builder run only when /admin/decisions is read. */
type StoredDecision = RoutingDecision | (() => RoutingDecision);

/**
 * A bounded ring buffer of the most recent routing decisions (oldest dropped first). The hot path
 * stores builders (`addLazy`) that keep references to the scheduling result; the JSON-shaped entry
 * is built only when read. Builders must capture everything that could change later (e.g. the time).
 */
export class DecisionLog {
  readonly capacity: number;
  readonly #ring: StoredDecision[] = [];
  #next = 0;
  total = 0;

  constructor(capacity = 256) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`decision log capacity must be an integer >= 1, got ${capacity}`);
    this.capacity = capacity;
  }

  add(decision: RoutingDecision | (() => RoutingDecision)): void {
    this.total++;
    if (this.#ring.length < this.capacity) this.#ring.push(decision);
    else this.#ring[this.#next] = decision;
    this.#next = (this.#next + 1) % this.capacity;
  }

  /** Most recent first, at most `limit`. */
  recent(limit = this.capacity): RoutingDecision[] {
    const ordered = this.#ring.length < this.capacity ? [...this.#ring] : [...this.#ring.slice(this.#next), ...this.#ring.slice(0, this.#next)];
    return ordered
      .reverse()
      .slice(0, Math.max(0, limit))
      .map((d) => (typeof d === 'function' ? d() : d));
  }
}

/** The request fields a decision shows: plain values only (see `lazyDecision`). */
export interface DecisionRequest {
  readonly requestId: string;
  readonly model: string;
  readonly targetModel: string;
  readonly fairnessId: string;
  readonly priority: number;
}

/**
 * The ring entry for one decision, built only when /admin/decisions is read. The request path must
 * create entries through this function, never as an arrow inside its own functions: V8 gives all
 * closures of one function a shared context, so an arrow in `pick` would hold `ctx` (which the
 * scheduler's request object holds) and through it the request, the response and the parsed body,
 * for as long as the ring keeps the entry (256 requests). Those graphs then survive every
 * young-generation GC and are copied into the old space. `decision-retention.test.ts` checks that a
 * logged decision does not keep its request alive.
 */
export function lazyDecision(
  who: DecisionRequest,
  result: SchedulingResult,
  promptBlocks: number,
  matched: ReadonlyMap<string, number> | undefined,
  schedulingMs: number,
  atEpochMs: number,
): () => RoutingDecision {
  return () => decisionOf(who, result, promptBlocks, matched, schedulingMs, atEpochMs);
}

/** Builds the log entry of a scheduling result. */
export function decisionOf(
  request: DecisionRequest,
  result: SchedulingResult,
  promptBlocks: number,
  prefixMatched: ReadonlyMap<string, number> | undefined,
  schedulingMs: number,
  atEpochMs: number = Date.now(),
): RoutingDecision {
  const weights: Record<string, number> = {};
  for (const s of result.scorers) weights[s.name] = s.weight;
  return {
    requestId: request.requestId,
    at: new Date(atEpochMs).toISOString(),
    model: request.model,
    targetModel: request.targetModel,
    fairnessId: request.fairnessId,
    priority: request.priority,
    profile: result.primaryProfile,
    picked: result.picked[0]?.endpoint.name ?? '',
    promptBlocks,
    schedulingMs: Math.round(schedulingMs * 1000) / 1000,
    filtered: result.filters.map((f) => ({ filter: f.name, removed: f.removed })),
    candidates: result.scored.map((c, i) => {
      const scores: Record<string, number> = {};
      for (const s of result.scorers) if (s.scores.length > 0) scores[s.name] = round(s.scores[i] ?? 0);
      return { endpoint: c.endpoint.name, total: round(c.score), inFlight: c.endpoint.inFlight, prefixMatchedBlocks: prefixMatched?.get(c.endpoint.name) ?? 0, scores };
    }),
    weights,
  };
}

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
