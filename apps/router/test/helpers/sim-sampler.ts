import type { SimPod } from '@sluice/testing';

/** One simulator's counters at one read. */
interface PodReading {
  /** Engine running + waiting (vllm:num_requests_running / _waiting): requests the pod holds now. */
  readonly inFlight: number;
  /** Requests the engine has finished so far (any reason): changes whenever one ends. */
  readonly finished: number;
}

async function readPod(pod: SimPod): Promise<PodReading | null> {
  try {
    const s = (await (await fetch(`${pod.url}/admin/stats`)).json()) as { running: number; waiting: number; stats: { finished: Record<string, number> } };
    const finished = Object.values(s.stats.finished).reduce((a, b) => a + b, 0);
    return { inFlight: s.running + s.waiting, finished };
  } catch {
    return null; // a pod that is down reports nothing
  }
}

/**
 * Samples every simulator's `/admin/stats` every `intervalMs` until stopped.
 *
 * - Per pod: the most requests it held at once (every read is one pod's exact value).
 * - Over all pods (`maxTotal`): pods are separate processes, read concurrently, so one round of
 *   reads is not one instant. A request that ends on pod A after A was read, and whose freed slot
 *   goes to pod B before B is read, would be counted twice. So each round reads every pod twice, the
 *   second time only after all the first reads returned, and counts the round only when no pod
 *   changed in between (same in-flight and finished counts). Then every pod held those values at
 *   the moment between the two reads, and the sum is the exact fleet-wide count at that moment.
 *   `stableRounds` says how many rounds counted.
 */
export function sampleSims(pods: readonly SimPod[], intervalMs = 5): { stop(): Promise<Map<string, number>>; maxTotal(): number; stableRounds(): number } {
  const max = new Map<string, number>(pods.map((p) => [p.name, 0]));
  let maxTotal = 0;
  let stableRounds = 0;
  let running = true;
  const notePerPod = (readings: readonly (PodReading | null)[]): void => {
    pods.forEach((p, i) => max.set(p.name, Math.max(max.get(p.name) ?? 0, readings[i]?.inFlight ?? 0)));
  };
  const loop = (async () => {
    while (running) {
      const first = await Promise.all(pods.map(readPod));
      const second = await Promise.all(pods.map(readPod));
      notePerPod(first);
      notePerPod(second);
      const unchanged = first.every((a, i) => {
        const b = second[i];
        return a !== null && b !== null && b !== undefined && a.inFlight === b.inFlight && a.finished === b.finished;
      });
      if (unchanged) {
        stableRounds++;
        maxTotal = Math.max(maxTotal, first.reduce((sum, r) => sum + (r?.inFlight ?? 0), 0));
      }
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  })();
  return {
    /** Largest fleet-wide in-flight count over the rounds that counted (see above). */
    maxTotal: () => maxTotal,
    /** Rounds in which no pod changed between its two reads. */
    stableRounds: () => stableRounds,
    stop: async () => {
      running = false;
      await loop;
      return max;
    },
  };
}
