import { request } from 'undici';

/**
 * Reads counters from Prometheus text exposition. Sums every series of a metric name
 * (all label sets), which is what a per-pod total needs.
 */
export function sumMetric(text: string, name: string): number | null {
  let total: number | null = null;
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || !line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== '{' && rest[0] !== ' ') continue;
    const valueText = rest[0] === '{' ? rest.slice(rest.lastIndexOf('}') + 1).trim() : rest.trim();
    const value = Number(valueText.split(' ')[0]);
    if (!Number.isNaN(value)) total = (total ?? 0) + value;
  }
  return total;
}

export interface PrefixCacheCounters {
  hits: number;
  queries: number;
}

/** Snapshot of vllm:prefix_cache_{hits,queries}_total per metrics URL (null when unreachable). */
export async function scrapePrefixCounters(metricsUrls: readonly string[]): Promise<Map<string, PrefixCacheCounters | null>> {
  const result = new Map<string, PrefixCacheCounters | null>();
  await Promise.all(
    metricsUrls.map(async (url) => {
      try {
        const response = await request(url, { method: 'GET', headersTimeout: 5000, bodyTimeout: 5000 });
        const text = await response.body.text();
        const hits = sumMetric(text, 'vllm:prefix_cache_hits_total') ?? sumMetric(text, 'vllm:prefix_cache_hits');
        const queries = sumMetric(text, 'vllm:prefix_cache_queries_total') ?? sumMetric(text, 'vllm:prefix_cache_queries');
        result.set(url, response.statusCode === 200 && hits !== null && queries !== null ? { hits, queries } : null);
      } catch {
        result.set(url, null);
      }
    }),
  );
  return result;
}

/** Prefix-cache hit rate over a stage: Δhits / Δqueries summed over pods, and per pod. */
export interface PrefixCacheSection {
  hits: number;
  queries: number;
  hit_rate: number | null;
  pods: Record<string, { hits: number; queries: number; hit_rate: number | null }>;
}

export function prefixCacheDelta(before: Map<string, PrefixCacheCounters | null>, after: Map<string, PrefixCacheCounters | null>): PrefixCacheSection | null {
  const pods: PrefixCacheSection['pods'] = {};
  let hits = 0;
  let queries = 0;
  for (const [url, end] of after) {
    const start = before.get(url);
    if (end === null || start === null || start === undefined) continue;
    const h = end.hits - start.hits;
    const q = end.queries - start.queries;
    pods[url] = { hits: h, queries: q, hit_rate: q > 0 ? h / q : null };
    hits += h;
    queries += q;
  }
  if (Object.keys(pods).length === 0) return null;
  return { hits, queries, hit_rate: queries > 0 ? hits / queries : null, pods };
}
