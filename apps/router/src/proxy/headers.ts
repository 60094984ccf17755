import type { IncomingHttpHeaders } from 'node:http';
import { isControlHeader } from '../request/identity.ts';

/** Hop-by-hop headers (RFC 9110 §7.6.1) plus the ones the proxy sets itself. Lower-case. */
const NOT_FORWARDED_UPSTREAM = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host', 'content-length', 'expect']);
const NOT_FORWARDED_DOWNSTREAM = new Set(['connection', 'keep-alive', 'transfer-encoding', 'trailer', 'upgrade']);

/**
 * Request headers for the upstream: everything but hop-by-hop and control headers
 * (x-gateway-*, x-llm-d-*, x-slo-* never leave the router), with content-length and x-request-id set.
 */
export function upstreamRequestHeaders(incoming: IncomingHttpHeaders, requestId: string, contentLength: number): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const name in incoming) {
    if (NOT_FORWARDED_UPSTREAM.has(name) || isControlHeader(name)) continue;
    const value = incoming[name];
    if (value !== undefined) out[name] = value;
  }
  out['x-request-id'] = requestId;
  out['content-length'] = String(contentLength);
  if (out['content-type'] === undefined) out['content-type'] = 'application/json';
  return out;
}

/** Response headers for the client: the upstream's minus hop-by-hop, plus the router's own. */
export function downstreamResponseHeaders(
  upstream: Record<string, string | string[] | undefined>,
  own: Readonly<Record<string, string>>,
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const name in upstream) {
    if (NOT_FORWARDED_DOWNSTREAM.has(name)) continue;
    const value = upstream[name];
    if (value !== undefined) out[name] = value;
  }
  for (const name in own) out[name] = own[name]!;
  return out;
}
