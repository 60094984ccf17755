import type { PluginFactory } from '../registry.ts';
import type { Scorer } from '../types.ts';

export const LEAST_IN_FLIGHT_SCORER = 'least-in-flight-scorer';

/**
 * Prefers endpoints with fewer requests in flight across ALL router replicas (EndpointView.inFlight).
 * Score = (max − inFlight) / (max − min) over the candidates: 1 for the least loaded, 0 for the most;
 * every candidate scores 1 when they are all equal. No parameters.
 */
export const leastInFlightScorerFactory: PluginFactory = (spec): Scorer => ({
  kind: 'scorer',
  type: LEAST_IN_FLIGHT_SCORER,
  name: spec.name,
  score: (_ctx, endpoints) => {
    let min = Infinity;
    let max = -Infinity;
    for (const e of endpoints) {
      if (e.inFlight < min) min = e.inFlight;
      if (e.inFlight > max) max = e.inFlight;
    }
    const range = max - min;
    return endpoints.map((e) => (range === 0 ? 1 : (max - e.inFlight) / range));
  },
});
