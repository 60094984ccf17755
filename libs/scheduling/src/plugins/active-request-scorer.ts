import type { PluginFactory } from '../registry.ts';
import type { Scorer } from '../types.ts';
import { numberParam } from './plugin-params.ts';

export const ACTIVE_REQUEST_SCORER = 'active-request-scorer';

/**
 * Prefers endpoints with fewer requests in flight across ALL router replicas (EndpointView.inFlight).
 * inFlight ≤ idleThreshold (default 0) → 1. Busier endpoints are scaled into [0, maxBusyScore]
 * (default 1): maxBusyScore · (maxInFlight − n) / (maxInFlight − idleThreshold), so the busiest
 * candidate scores 0.
 */
export const activeRequestScorerFactory: PluginFactory = (spec): Scorer => {
  const idle = numberParam(spec, 'idleThreshold', 0, { min: 0 });
  const maxBusy = numberParam(spec, 'maxBusyScore', 1, { min: 0, max: 1 });
  return {
    kind: 'scorer',
    type: ACTIVE_REQUEST_SCORER,
    name: spec.name,
    score: (_ctx, endpoints) => {
      const max = Math.max(0, ...endpoints.map((e) => e.inFlight));
      return endpoints.map((e) => {
        if (e.inFlight <= idle) return 1;
        const span = max - idle;
        return span <= 0 ? 0 : (maxBusy * (max - e.inFlight)) / span;
      });
    },
  };
};
