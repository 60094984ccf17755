import type { IncomingHttpHeaders } from 'node:http';
import { ControlHeader, firstHeader, isControlHeader } from '../request/identity.ts';

/** Control headers counted under their own name; any other x-gateway-/x-llm-d-/x-slo- header counts as `other`. */
const KNOWN_CONTROL_HEADERS: ReadonlySet<string> = new Set([
  ...ControlHeader.fairnessId,
  ...ControlHeader.objective,
  ...ControlHeader.modelName,
  ...ControlHeader.sloTtftMs,
  ...ControlHeader.sloTpotMs,
  'x-gateway-destination-endpoint',
  'x-gateway-destination-endpoint-served',
  'x-llm-d-request-dropped-reason',
]);

const OBJECTIVE_HEADERS: ReadonlySet<string> = new Set(ControlHeader.objective);

export interface ControlHeaderScan {
  /** The objective the client asked for (a request, checked against its grant), if any. */
  readonly requestedObjective: string | undefined;
  /** Metric label per ignored control header: its name, or `other`. */
  readonly spoofed: readonly string[];
}

/**
 * The trust boundary for every mode except trusted-headers: removes from `headers` (in place) every
 * control header and the Authorization header, so neither reaches the model server nor any plugin.
 * The objective header is the one exception read first: it is a request for a (lower) objective,
 * not an assertion. Every other control header is reported as spoofed.
 */
export function stripControlHeaders(headers: IncomingHttpHeaders): ControlHeaderScan {
  const requestedObjective = firstHeader(headers, ControlHeader.objective);
  const spoofed: string[] = [];
  for (const name of Object.keys(headers)) {
    if (name === 'authorization') {
      delete headers[name];
      continue;
    }
    if (!isControlHeader(name)) continue;
    if (!OBJECTIVE_HEADERS.has(name)) spoofed.push(KNOWN_CONTROL_HEADERS.has(name) ? name : 'other');
    delete headers[name];
  }
  return { requestedObjective, spoofed };
}
