import type { SimPod } from '@sluice/testing';

/** Deterministic RNG (mulberry32), uniform in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function words(random: () => number, n: number): string {
  return Array.from({ length: n }, () => `w${Math.floor(random() * 1e6).toString(36)}`).join(' ');
}

/** One completion request of a shared-prefix workload. */
export interface PrefixRequest {
  readonly group: number;
  readonly prompt: string;
  /** Prompt tokens as the simulator counts them (one per word). */
  readonly promptTokens: number;
}

export interface PrefixWorkload {
  readonly requests: readonly PrefixRequest[];
  /**
   * Share of prompt tokens an engine could serve from its prefix cache if every group always went
   * to one pod: each group's first request is cold; every later one reuses the system prompt's full
   * engine blocks (16 tokens).
   */
  readonly oracleHitRate: number;
}

/**
 * inference-perf's shared-prefix shape: `groups` system prompts of `systemLen` words, each with
 * `promptsPerGroup` questions of `questionLen` words, shuffled with the seed. `popularity` (optional,
 * one weight per group) skews traffic: the requests are then drawn i.i.d. by weight (`total` of them).
 */
export function sharedPrefixWorkload(o: { seed: number; groups: number; promptsPerGroup: number; systemLen: number; questionLen: number; popularity?: readonly number[]; total?: number }): PrefixWorkload {
  const random = seededRandom(o.seed);
  const systems = Array.from({ length: o.groups }, () => words(random, o.systemLen));
  let order: number[];
  if (o.popularity === undefined) {
    order = Array.from({ length: o.groups * o.promptsPerGroup }, (_, i) => i % o.groups);
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
  } else {
    const weights = o.popularity;
    const sum = weights.reduce((a, b) => a + b, 0);
    order = Array.from({ length: o.total ?? o.groups * o.promptsPerGroup }, () => {
      let x = random() * sum;
      for (let g = 0; g < weights.length; g++) if ((x -= weights[g]!) < 0) return g;
      return weights.length - 1;
    });
  }
  const seen = new Set<number>();
  let cacheable = 0;
  let total = 0;
  const requests = order.map((group) => {
    const prompt = `${systems[group]!} ${words(random, o.questionLen)}`;
    const promptTokens = o.systemLen + o.questionLen;
    if (seen.has(group)) cacheable += Math.floor(o.systemLen / 16) * 16;
    seen.add(group);
    total += promptTokens;
    return { group, prompt, promptTokens };
  });
  return { requests, oracleHitRate: cacheable / total };
}

/**
 * Sends every request (completions, `maxTokens` output tokens, ignore_eos) with `concurrency`
 * closed-loop workers; request i goes to urls[i mod urls.length]. Returns the status counts.
 */
export async function sendAll(urls: readonly string[], model: string, requests: readonly PrefixRequest[], concurrency: number, maxTokens: number): Promise<Map<number, number>> {
  const statuses = new Map<number, number>();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < requests.length) {
      const i = next++;
      const r = requests[i]!;
      const res = await fetch(`${urls[i % urls.length]!}/v1/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model, prompt: r.prompt, max_tokens: maxTokens, ignore_eos: true }),
      });
      await res.arrayBuffer();
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return statuses;
}

/** Σ over pods of vllm:prefix_cache_hits_total and _queries_total (tokens). */
export async function prefixCacheCounters(pods: readonly SimPod[]): Promise<{ hits: number; queries: number }> {
  let hits = 0;
  let queries = 0;
  for (const p of pods) {
    const text = await (await fetch(`${p.url}/metrics`)).text();
    hits += metricSum(text, 'vllm:prefix_cache_hits_total');
    queries += metricSum(text, 'vllm:prefix_cache_queries_total');
  }
  return { hits, queries };
}

function metricSum(text: string, name: string): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== ' ' && rest[0] !== '{') continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

/**
 * Samples every pod's engine load (running + waiting from /admin/stats) every `intervalMs` and
 * returns the time-averaged load per pod when stopped.
 */
export function sampleLoad(pods: readonly SimPod[], intervalMs = 20): { stop(): Promise<Map<string, number>> } {
  const sums = new Map<string, number>(pods.map((p) => [p.name, 0]));
  let rounds = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const counts = await Promise.all(
        pods.map(async (p) => {
          try {
            const s = (await (await fetch(`${p.url}/admin/stats`)).json()) as { running: number; waiting: number };
            return s.running + s.waiting;
          } catch {
            return 0;
          }
        }),
      );
      pods.forEach((p, i) => sums.set(p.name, sums.get(p.name)! + counts[i]!));
      rounds++;
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return new Map([...sums].map(([name, s]) => [name, rounds === 0 ? 0 : s / rounds]));
    },
  };
}

/** busiest / mean of a per-pod load map (1 = perfectly even). */
export function hotSpotRatio(load: ReadonlyMap<string, number>): number {
  const values = [...load.values()];
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return mean === 0 ? 1 : Math.max(...values) / mean;
}
