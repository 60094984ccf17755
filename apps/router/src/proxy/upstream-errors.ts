/** How an upstream call failed before the response head arrived. */
export type UpstreamFailure =
  /** The client went away (our AbortSignal fired). */
  | 'client-aborted'
  /** Could not connect (refused, connect timeout, unreachable): safe to retry elsewhere. */
  | 'connect'
  /** Connected, but no response head within the first-byte timeout. */
  | 'first-byte-timeout'
  /** The connection broke after the request may have reached the engine: not retried. */
  | 'socket';

const CONNECT_CODES = new Set(['ECONNREFUSED', 'UND_ERR_CONNECT_TIMEOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND']);

/** Classify an undici error thrown before the response head (or while reading the body). */
export function classifyUpstreamError(error: unknown, clientAborted: boolean): UpstreamFailure {
  if (clientAborted) return 'client-aborted';
  const code = (error as { code?: string } | null)?.code ?? '';
  const causeCode = (error as { cause?: { code?: string } } | null)?.cause?.code ?? '';
  if (CONNECT_CODES.has(code) || CONNECT_CODES.has(causeCode)) return 'connect';
  if (code === 'UND_ERR_HEADERS_TIMEOUT') return 'first-byte-timeout';
  return 'socket';
}
