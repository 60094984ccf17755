import { NoEligibleEndpointsError } from '@sluice/scheduling';
import type { CycleContext, EndpointView, PrefixMatchInfo, PromptBodyLike, SchedulingRequest, SchedulingResult } from '@sluice/scheduling';
import type { RouterDeps } from '../deps.ts';
import { lazyDecision } from '../scheduling/decision-log.ts';
import type { LoadMark } from '../endpoints/endpoint-load.ts';
import type { RequestPrefix } from '../scheduling/prefix-routing.ts';
import type { RequestContext } from './request-context.ts';

/**
 * Looks the request's prompt up in the prefix index for the healthy endpoints. Null when prefix
 * routing is off, the profile does not read it, or the index failed (logged; the request is routed
 * on load alone). Never rejects.
 *
 * The router starts it together with the flow-control admit, so that in Redis mode both scripts go
 * out back to back on the same connection and the lookup costs no round trip of its own; see
 * `prefixAfterAdmission` for when its answer is still usable.
 */
export function lookupPrefix(deps: RouterDeps, ctx: RequestContext): Promise<PrefixWithLoad | null> {
  const prefix = deps.prefix;
  if (prefix === null || !deps.scheduler.usesPrefixMatch()) return Promise.resolve(null);
  // Not async itself: one promise fewer per request (markedLookup catches and logs).
  return markedLookup(deps, ctx, () => prefix.lookup(ctx.resolution.targetModel, ctx.body.json as PromptBodyLike, deps.health.healthyNames()));
}

/**
 * The lookup to schedule with, given the one started alongside the admit. Admitted on the fast path
 * (`queueWaitMs` 0): that lookup is as fresh as a new one would be. Admitted after a queue wait:
 * other requests were routed and recorded meanwhile (often the first of this prompt's group), so
 * the prompt's hashes are looked up again. Records what the index added to the request.
 */
export async function prefixAfterAdmission(deps: RouterDeps, ctx: RequestContext, early: Promise<PrefixWithLoad | null>, queueWaitMs: number): Promise<PrefixWithLoad | null> {
  const prefix = deps.prefix;
  if (prefix === null) return null;
  const started = performance.now();
  const earlier = await early;
  if (earlier === null) return null;
  const result = queueWaitMs === 0 ? earlier : await markedLookup(deps, ctx, () => prefix.lookupHashed(earlier.prompt, deps.health.healthyNames()));
  const addedMs = performance.now() - started;
  prefix.addedMs.add(addedMs);
  deps.metrics.scheduler.prefixIndexAddedLatency.observe(addedMs / 1000);
  return result;
}

/** Runs one index lookup with the load mark taken before it; a failure is logged and yields null. */
async function markedLookup(deps: RouterDeps, ctx: RequestContext, lookup: () => Promise<RequestPrefix>): Promise<PrefixWithLoad | null> {
  try {
    const loadMark = deps.load.mark();
    const found = await lookup();
    return { prompt: found.prompt, info: found.info, inFlight: found.inFlight, loadMark };
  } catch (error) {
    ctx.log.warn({ err: error }, 'prefix index lookup failed; routing on load only');
    return null;
  }
}

/** A prefix lookup plus the release counters taken when its in-flight counts were read. */
export interface PrefixWithLoad extends RequestPrefix {
  readonly loadMark: LoadMark;
}

/** A pick: the endpoint and the cycle it was made in (for onPicked observers). */
export interface Pick {
  readonly endpoint: string;
  readonly cycle: CycleContext;
  readonly view: EndpointView;
  /** The scheduler's full result (scores per candidate, for the scheduling span). */
  readonly result: SchedulingResult;
  /** Endpoints offered to the scheduler (healthy or not, minus the ones already tried). */
  readonly candidates: number;
}

/**
 * Ask the scheduler for an endpoint not yet tried; null when none is eligible. Endpoint views carry
 * global in-flight counts (from the prefix lookup's round trip when it has them, else the store
 * snapshot), and the scraped metrics when fresh.
 */
export function pick(deps: RouterDeps, ctx: RequestContext, tried: ReadonlySet<string>, prefix: PrefixWithLoad | null): Pick | null {
  const started = performance.now();
  const views: EndpointView[] = [];
  for (const s of deps.health.snapshot()) {
    if (tried.has(s.name)) continue;
    const looked = prefix?.inFlight?.get(s.name);
    const inFlight = looked === undefined || prefix === null ? deps.load.inFlight(s.name) : deps.load.correctStoreCount(s.name, looked.requests, prefix.loadMark);
    const inFlightTokens = looked === undefined ? deps.load.inFlightTokens(s.name) : looked.tokens;
    views.push({ name: s.name, healthy: s.healthy, inFlight, inFlightTokens, metrics: deps.poolMetrics.schedulingMetrics(s.name, inFlight) });
  }
  const request = new PickRequest(ctx, prefix === null ? undefined : prefix.info, isLoraAdapter(views, ctx.resolution.targetModel) ? ctx.resolution.targetModel : undefined);
  const cycle: CycleContext = { request, nowMs: deps.clock.now(), random: deps.random };
  try {
    const result = deps.scheduler.schedule(cycle, views);
    const chosen = result.picked[0]?.endpoint;
    if (chosen === undefined) return null;
    const ms = performance.now() - started;
    // Stored by reference: the entry is built only when /admin/decisions is read.
    const atEpochMs = Date.now();
    const promptBlocks = prefix?.info.totalBlocks ?? 0;
    const matched = prefix?.info.matchedBlocks;
    const who = { requestId: request.requestId, model: request.model, targetModel: request.targetModel, fairnessId: request.fairnessId, priority: request.priority };
    deps.decisions.add(lazyDecision(who, result, promptBlocks, matched, ms, atEpochMs));
    return { endpoint: chosen.name, cycle, view: chosen, result, candidates: views.length };
  } catch (error) {
    if (error instanceof NoEligibleEndpointsError) return null;
    throw error;
  } finally {
    deps.metrics.scheduler.e2eDuration.observe((performance.now() - started) / 1000);
  }
}

/**
 * After the router committed to `chosen` (PreRequest): stateful plugins learn the pick, the
 * prefix index records the prompt for it (asynchronously, off the latency path), and the hit
 * ratio is observed.
 */
export function afterPick(deps: RouterDeps, ctx: RequestContext, chosen: Pick, prefix: RequestPrefix | null): void {
  deps.scheduler.notifyPicked(chosen.cycle, chosen.view);
  if (deps.prefix === null || prefix === null || prefix.info.totalBlocks === 0) return;
  deps.metrics.scheduler.prefixIndexerHitRatio.observe((prefix.info.matchedBlocks.get(chosen.endpoint) ?? 0) / prefix.info.totalBlocks);
  deps.prefix.record(prefix.prompt.hashes, chosen.endpoint).catch((error: unknown) => ctx.log.warn({ err: error }, 'prefix index record failed'));
}

/**
 * The scheduler's view of a request. A class so that `headers` is a prototype getter: an
 * object-literal getter gets the objects it creates promoted by the young-generation GC, and this
 * one would drag the request context along (see RequestContext). The headers are built only if a
 * plugin reads them.
 */
class PickRequest implements SchedulingRequest {
  readonly requestId: string;
  readonly model: string;
  readonly targetModel: string;
  readonly priority: number;
  readonly fairnessId: string;
  readonly prefixMatch: PrefixMatchInfo | undefined;
  readonly loraAdapter: string | undefined;
  readonly #ctx: RequestContext;

  constructor(ctx: RequestContext, prefixMatch: PrefixMatchInfo | undefined, loraAdapter: string | undefined) {
    this.requestId = ctx.requestId;
    this.model = ctx.resolution.model;
    this.targetModel = ctx.resolution.targetModel;
    this.priority = ctx.resolution.priority;
    this.fairnessId = ctx.fairnessId;
    this.prefixMatch = prefixMatch;
    this.loraAdapter = loraAdapter;
    this.#ctx = ctx;
  }

  get headers(): Readonly<Record<string, string | undefined>> {
    return this.#ctx.headers;
  }
}

/** True when some endpoint's scraped LoRA info lists `model` as an adapter (running or waiting). */
function isLoraAdapter(views: readonly EndpointView[], model: string): boolean {
  return views.some((v) => v.metrics?.lora !== undefined && (v.metrics.lora.running.includes(model) || v.metrics.lora.waiting.includes(model)));
}
