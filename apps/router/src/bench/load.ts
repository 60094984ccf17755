import { Pool } from 'undici';

/** Latency summary of one run, in milliseconds. */
export interface LatencySummary {
  readonly requests: number;
  readonly errors: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly meanMs: number;
  /** Requests per second actually completed. */
  readonly achievedRps: number;
}

const BODY = JSON.stringify({ model: 'bench', messages: [{ role: 'user', content: 'hello there' }], max_tokens: 1 });

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

async function oneRequest(pool: Pool, headers: Record<string, string>): Promise<boolean> {
  const res = await pool.request({ method: 'POST', path: '/v1/chat/completions', headers, body: BODY });
  await res.body.dump();
  return res.statusCode === 200;
}

/** The connection pool of the fixed-rate runs: pass one to `fixedRate` to reuse warm connections. */
export function fixedRatePool(url: string): Pool {
  return new Pool(url, { connections: 256, keepAliveTimeout: 30_000 });
}

/**
 * Open-loop load at a FIXED arrival rate (requests are sent on schedule whether or not earlier ones
 * finished, so a slow server shows up as latency, not as a lower rate). Latency is measured from the
 * scheduled send time (no coordinated omission), or from the actual send when that was earlier.
 * With `shared`, the run uses (and leaves open) that pool, so a warm-up run also warms the
 * connections; otherwise it opens and closes its own.
 */
export async function fixedRate(url: string, rps: number, durationMs: number, headers: Record<string, string> = {}, shared?: Pool): Promise<LatencySummary> {
  const pool = shared ?? fixedRatePool(url);
  const allHeaders = { 'content-type': 'application/json', ...headers };
  const latencies: number[] = [];
  let errors = 0;
  const total = Math.round((rps * durationMs) / 1000);
  const intervalMs = 1000 / rps;
  const start = performance.now();
  const inflight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = start + i * intervalMs;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    // Late (the loop fell behind): from the scheduled time, so a slow target is not excused.
    // Early (timers fire up to 1 ms ahead): from the actual send, so no latency comes out negative.
    const from = Math.min(due, performance.now());
    inflight.push(
      oneRequest(pool, allHeaders).then(
        (ok) => {
          if (ok) latencies.push(performance.now() - from);
          else errors++;
        },
        () => {
          errors++;
        },
      ),
    );
  }
  await Promise.all(inflight);
  const elapsed = performance.now() - start;
  if (shared === undefined) await pool.close();
  latencies.sort((a, b) => a - b);
  return {
    requests: total,
    errors,
    p50Ms: quantile(latencies, 0.5),
    p99Ms: quantile(latencies, 0.99),
    meanMs: latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length),
    achievedRps: (latencies.length * 1000) / elapsed,
  };
}

/** Closed loop with `concurrency` workers for `durationMs`: the maximum sustained requests/s. */
export async function maxThroughput(url: string, concurrency: number, durationMs: number, headers: Record<string, string> = {}): Promise<{ rps: number; errors: number; requests: number }> {
  const pool = new Pool(url, { connections: concurrency, keepAliveTimeout: 30_000 });
  const allHeaders = { 'content-type': 'application/json', ...headers };
  let done = 0;
  let errors = 0;
  const deadline = performance.now() + durationMs;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        try {
          if (await oneRequest(pool, allHeaders)) done++;
          else errors++;
        } catch {
          errors++;
        }
      }
    }),
  );
  const elapsed = performance.now() - start;
  await pool.close();
  return { rps: (done * 1000) / elapsed, errors, requests: done };
}
