import type { PluginFactory } from '../registry.ts';
import type { CycleContext, Scorer } from '../types.ts';
import type { PickObserver } from './plugin-inputs.ts';
import { requestExtras } from './plugin-inputs.ts';
import { numberParam, stringParam } from './plugin-params.ts';

export const SESSION_AFFINITY_SCORER = 'session-affinity-scorer';
/** Header carrying the encoded endpoint (mode encoded_endpoint_header); the router writes it on responses. */
export const SESSION_TOKEN_HEADER = 'x-session-token';
/** Header carrying a client session id (mode session_id). */
export const SESSION_ID_HEADER = 'x-session-id';

/** The x-session-token value for an endpoint: base64 of its name. */
export function encodeSessionToken(endpointName: string): string {
  return Buffer.from(endpointName, 'utf8').toString('base64');
}

/** Endpoint name from an x-session-token value; a `namespace/name` form yields `name`. Undefined when malformed. */
export function decodeSessionToken(token: string): string | undefined {
  if (!/^[A-Za-z0-9+/=_-]+$/.test(token)) return undefined;
  const decoded = Buffer.from(token, 'base64').toString('utf8');
  if (decoded.length === 0) return undefined;
  const slash = decoded.lastIndexOf('/');
  return slash >= 0 ? decoded.slice(slash + 1) : decoded;
}

/**
 * Sticks a session to the endpoint that served it: 1 for the bound endpoint, 0 for the others; 0
 * for all when the request has no (live) binding.
 * - `mode: encoded_endpoint_header` (default): the binding travels in the `x-session-token` request
 *   header (see encodeSessionToken; the router sets it on each response, the client echoes it).
 * - `mode: session_id`: a server-side binding from the `x-session-id` header, made by onPicked,
 *   living `ttlSeconds` (default 300) after its last use; expired bindings are swept every
 *   `sweepIntervalSeconds` (default 10), on the injected cycle clock (ctx.nowMs).
 */
export const sessionAffinityScorerFactory: PluginFactory = (spec): Scorer & PickObserver => {
  const mode = stringParam(spec, 'mode', 'encoded_endpoint_header', ['encoded_endpoint_header', 'session_id']);
  const ttlMs = numberParam(spec, 'ttlSeconds', 300, { min: 0 }) * 1000;
  const sweepMs = numberParam(spec, 'sweepIntervalSeconds', 10, { min: 0 }) * 1000;
  const bindings = new Map<string, { endpoint: string; expiresAtMs: number }>();
  let nextSweepMs = Number.NEGATIVE_INFINITY;
  const sweep = (nowMs: number): void => {
    if (nowMs < nextSweepMs) return;
    for (const [id, b] of bindings) if (b.expiresAtMs <= nowMs) bindings.delete(id);
    nextSweepMs = nowMs + sweepMs;
  };
  const boundEndpoint = (ctx: CycleContext): string | undefined => {
    const headers = requestExtras(ctx).headers ?? {};
    if (mode === 'encoded_endpoint_header') {
      const token = headers[SESSION_TOKEN_HEADER];
      return token === undefined ? undefined : decodeSessionToken(token);
    }
    sweep(ctx.nowMs);
    const id = headers[SESSION_ID_HEADER];
    const b = id === undefined ? undefined : bindings.get(id);
    return b !== undefined && b.expiresAtMs > ctx.nowMs ? b.endpoint : undefined;
  };
  return {
    kind: 'scorer',
    type: SESSION_AFFINITY_SCORER,
    name: spec.name,
    score: (ctx, endpoints) => {
      const bound = boundEndpoint(ctx);
      return endpoints.map((e) => (bound !== undefined && e.name === bound ? 1 : 0));
    },
    onPicked: (ctx, endpoint) => {
      if (mode !== 'session_id') return;
      const id = requestExtras(ctx).headers?.[SESSION_ID_HEADER];
      if (id === undefined || id.length === 0) return;
      sweep(ctx.nowMs);
      bindings.set(id, { endpoint: endpoint.name, expiresAtMs: ctx.nowMs + ttlMs });
    },
  };
};
