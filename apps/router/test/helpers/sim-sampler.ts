import type { SimPod } from '@sluice/testing';

/**
 * Samples every simulator's `/admin/stats` (engine `running` and `waiting` counts, the same numbers as
 * vllm:num_requests_running / _waiting) every `intervalMs` until stopped; reports the maximum
 * running + waiting seen per pod, i.e. the most requests the router had sent it at once.
 */
export function sampleSims(pods: readonly SimPod[], intervalMs = 5): { stop(): Promise<Map<string, number>>; maxTotal(): number } {
  const max = new Map<string, number>(pods.map((p) => [p.name, 0]));
  let maxTotal = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const counts = await Promise.all(
        pods.map(async (p) => {
          try {
            const s = (await (await fetch(`${p.url}/admin/stats`)).json()) as { running: number; waiting: number };
            max.set(p.name, Math.max(max.get(p.name) ?? 0, s.running + s.waiting));
            return s.running + s.waiting;
          } catch {
            return 0; // a pod that is down reports nothing
          }
        }),
      );
      maxTotal = Math.max(maxTotal, counts.reduce((a, b) => a + b, 0));
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  })();
  return {
    /** Largest sum over pods in one sampling round (pods are read concurrently, not atomically). */
    maxTotal: () => maxTotal,
    stop: async () => {
      running = false;
      await loop;
      return max;
    },
  };
}
