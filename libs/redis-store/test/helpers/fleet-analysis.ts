// Checks over the fleet's globally ordered event log. Every time is store clock (Redis TIME): each
// store call is atomic and serialized, so these times order the calls of all replicas.
import type { FleetRecord } from './fleet-worker.ts';

/** A lease's life on the store clock: dispatched at `from`, released at `to`. */
export interface LeaseSpan {
  readonly from: number;
  readonly to: number;
}

/**
 * Highest number of simultaneously live leases. At equal times the release comes first: a call that
 * frees a lease and dispatches another runs both at the same `now`, release first.
 */
export function maxInFlight(spans: readonly LeaseSpan[]): number {
  const events: [number, number][] = [];
  for (const s of spans) events.push([s.from, +1], [s.to, -1]);
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let live = 0;
  let max = 0;
  for (const [, delta] of events) {
    live += delta;
    max = Math.max(max, live);
  }
  return max;
}

export function leaseSpans(records: readonly FleetRecord[]): LeaseSpan[] {
  return records.filter((r) => r.dispatchAtMs !== null && r.releaseAtMs !== null).map((r) => ({ from: r.dispatchAtMs!, to: r.releaseAtMs! }));
}

/** One priority inversion: `low` was dispatched while `high` (higher priority) waited in a queue. */
export interface Inversion {
  readonly low: string;
  readonly high: string;
}

/**
 * Dispatches of a lower priority that happened strictly inside the queue wait (enqueue, dispatch)
 * of a higher-priority item, on any replica.
 */
export function priorityInversions(records: readonly FleetRecord[]): Inversion[] {
  const waited = records.filter((r) => r.admitKind === 'queued' && r.dispatchAtMs !== null);
  const dispatches = records.filter((r) => r.dispatchAtMs !== null);
  const found: Inversion[] = [];
  for (const high of waited) {
    for (const low of dispatches) {
      if (low.priority >= high.priority) continue;
      if (low.dispatchAtMs! > high.admitAtMs && low.dispatchAtMs! < high.dispatchAtMs!) found.push({ low: low.id, high: high.id });
    }
  }
  return found;
}

/**
 * Service per tenant while ALL `tenants` were backlogged: dispatches up to the moment the first of
 * them dispatched its last item. `measure` = 1 per request (round-robin) or its tokens.
 */
export function serviceWhileBacklogged(records: readonly FleetRecord[], tenants: readonly string[], measure: (r: FleetRecord) => number): Map<string, number> {
  const dispatched = records.filter((r) => r.dispatchAtMs !== null && tenants.includes(r.tenant));
  let cut = Infinity;
  for (const t of tenants) {
    const last = Math.max(...dispatched.filter((r) => r.tenant === t).map((r) => r.dispatchAtMs!));
    cut = Math.min(cut, last);
  }
  const service = new Map<string, number>(tenants.map((t) => [t, 0]));
  for (const r of dispatched) if (r.dispatchAtMs! <= cut) service.set(r.tenant, service.get(r.tenant)! + measure(r));
  return service;
}

/** Cross-replica notice latencies (ms): inbox receipt (owner's wall clock) − dispatch (Redis TIME). */
export function noticeLatencies(records: readonly FleetRecord[]): number[] {
  return records
    .filter((r) => r.noticeReceivedAtMs !== null && r.dispatchAtMs !== null)
    .map((r) => r.noticeReceivedAtMs! - r.dispatchAtMs!)
    .sort((a, b) => a - b);
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
