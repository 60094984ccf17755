import type { IncomingHttpHeaders } from 'node:http';

/**
 * The credential of a request: `Authorization: Bearer <token>` (scheme case-insensitive).
 * Returns null when there is no Authorization header, and '' for a malformed one (present but not
 * a bearer token), so a malformed header is refused instead of treated as anonymous.
 */
export function bearerToken(headers: IncomingHttpHeaders): string | null {
  const raw = headers.authorization;
  if (raw === undefined) return null;
  const match = /^\s*bearer\s+(\S+)\s*$/i.exec(raw);
  return match === null ? '' : match[1]!;
}
