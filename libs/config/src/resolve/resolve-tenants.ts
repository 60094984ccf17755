import { formatPath, type IssueCollector } from '../issues.ts';
import type { RouterConfigInput } from '../schema/router-config-schema.ts';
import type { ResolvedTenantLimits, ResolvedTenants } from '../resolved-types.ts';
import { checkUnique, readPositiveDuration } from './field-parsers.ts';

/**
 * `tenants:` → fleet-wide rate limits by tenant, for every auth mode (trusted-headers included).
 * The schema already bounds the numbers (integers ≥ 1); here: durations and duplicate tenants.
 */
export function resolveTenants(input: RouterConfigInput['tenants'], issues: IssueCollector): ResolvedTenants {
  const overrides = (input?.overrides ?? []).map((o) => ({ tenant: o.tenant, limits: stripUndefined(o.limits) }));
  checkUnique(overrides, (o) => o.tenant, (i) => ['tenants', 'overrides', i, 'tenant'], 'tenant', issues, (i) => formatPath(['tenants', 'overrides', i]));
  return {
    defaultLimits: input?.defaultLimits === undefined ? null : stripUndefined(input.defaultLimits),
    overrides,
    rateLimitWindowMs: readPositiveDuration(input?.rateLimitWindow, ['tenants', 'rateLimitWindow'], issues, 60_000),
    reservationTtlMs: readPositiveDuration(input?.reservationTtl, ['tenants', 'reservationTtl'], issues, 600_000),
  };
}

function stripUndefined(limits: { requestsPerMinute?: number | undefined; tokensPerMinute?: number | undefined }): ResolvedTenantLimits {
  return {
    ...(limits.requestsPerMinute === undefined ? {} : { requestsPerMinute: limits.requestsPerMinute }),
    ...(limits.tokensPerMinute === undefined ? {} : { tokensPerMinute: limits.tokensPerMinute }),
  };
}
