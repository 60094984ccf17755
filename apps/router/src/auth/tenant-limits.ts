/**
 * Per-tenant rate limits carried by an authenticated identity (from an API key entry or JWT rules).
 * Enforced fleet-wide by the limits module (apps/router/src/limits). Absent field = no limit.
 */
export interface TenantLimits {
  /** Admitted requests per rolling minute, for the whole fleet. */
  readonly requestsPerMinute?: number;
  /** Tokens (prompt estimate + max_tokens reserved, settled with usage) per rolling minute. */
  readonly tokensPerMinute?: number;
}
