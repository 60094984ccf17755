import type { Rng } from '../stats/rng.ts';
import { constantArrivals, gammaArrivals, poissonArrivals } from './arrivals.ts';

/** One stage of a load ladder, as the scenario file declares it (seconds, requests per second). */
export type StageSpec =
  | { type: 'constant' | 'poisson'; rate: number; duration: number }
  | { type: 'gamma'; rate: number; duration: number; burstiness: number }
  | { type: 'concurrent'; numRequests: number; concurrency: number }
  | { type: 'trace'; offsets: number[] };

/**
 * A stage ready to run. Open-loop stages have `offsets`; closed-loop stages have
 * `concurrency` (a new request starts whenever one finishes, until numRequests were sent).
 */
export interface StagePlan {
  offsets: number[] | null;
  numRequests: number;
  concurrency: number | null;
  requestedRate: number | null;
  /** Planned send window, seconds (0 for closed-loop stages). */
  duration: number;
}

export function planStage(spec: StageSpec, rng: Rng): StagePlan {
  switch (spec.type) {
    case 'constant':
    case 'poisson': {
      const offsets = spec.type === 'constant' ? constantArrivals(rng, spec.rate, spec.duration) : poissonArrivals(rng, spec.rate, spec.duration);
      return { offsets, numRequests: offsets.length, concurrency: null, requestedRate: spec.rate, duration: spec.duration };
    }
    case 'gamma': {
      const offsets = gammaArrivals(rng, spec.rate, spec.burstiness, Math.round(spec.rate * spec.duration));
      return { offsets, numRequests: offsets.length, concurrency: null, requestedRate: spec.rate, duration: spec.duration };
    }
    case 'concurrent':
      return { offsets: null, numRequests: spec.numRequests, concurrency: spec.concurrency, requestedRate: null, duration: 0 };
    case 'trace': {
      const duration = spec.offsets[spec.offsets.length - 1] ?? 0;
      return { offsets: spec.offsets, numRequests: spec.offsets.length, concurrency: null, requestedRate: duration > 0 ? spec.offsets.length / duration : null, duration };
    }
  }
}

/** Short human label of a stage, e.g. `poisson 3/s × 20 s`. */
export function stageLabel(spec: StageSpec): string {
  switch (spec.type) {
    case 'constant':
    case 'poisson':
      return `${spec.type} ${spec.rate}/s × ${spec.duration} s`;
    case 'gamma':
      return `gamma(b=${spec.burstiness}) ${spec.rate}/s × ${spec.duration} s`;
    case 'concurrent':
      return `${spec.numRequests} requests @ concurrency ${spec.concurrency}`;
    case 'trace':
      return `trace (${spec.offsets.length} requests)`;
  }
}
