import type { ResolvedGrant, ResolvedJwt } from '@sluice/config';
import type { JWTPayload } from 'jose';

/** Objectives-free grant: the model's own priority applies and no objective may be requested. */
const EMPTY_GRANT: ResolvedGrant = { objectives: [], defaultObjective: null, maxPriority: null, limits: null };

/** Kubernetes service-account subject: `system:serviceaccount:<namespace>:<name>`. */
const SERVICE_ACCOUNT_SUB = /^system:serviceaccount:([^:]+):([^:]+)$/u;

/** Tenant of OpenShift / Kubernetes user (non service-account) tokens. */
export const OPENSHIFT_USER_TENANT = 'authenticated';

/** A claim value at `path` (nested objects), or undefined. */
export function claimAt(payload: JWTPayload, path: readonly string[]): unknown {
  let value: unknown = payload;
  for (const segment of path) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}

/** Strings of a claim: the string itself, or the string elements of an array. */
function claimStrings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  if (typeof value === 'number' || typeof value === 'boolean') return [String(value)];
  return [];
}

/** `$1`..`$9` in `template` replaced by the regex groups. */
function expand(template: string, groups: readonly (string | undefined)[]): string {
  return template.replace(/\$(\d)/g, (_all, digit: string) => groups[Number(digit)] ?? '');
}

/**
 * Maps verified claims to (tenant, grant). Order: the configured rules (first match wins), then the
 * preset's rules, then `jwt.grant` with the tenant claim. Returns null when nothing grants access
 * or no tenant can be derived. Tenants are capped at 256 characters.
 *
 * OpenShift preset (the OpenShift guide's mapping): a service-account token (sub
 * `system:serviceaccount:<ns>:<name>`, or a `kubernetes.io.namespace` claim) → tenant `<ns>`;
 * every other verified token (a user) → `authenticated`; both with `jwt.grant` (or no objectives).
 * Requests with no token → `unauthenticated` when `auth.anonymous.enabled`, else 401 (handled by
 * the authenticator).
 */
export class ClaimMapper {
  private readonly patterns: readonly (RegExp | null)[];

  constructor(private readonly settings: ResolvedJwt) {
    this.patterns = settings.rules.map((rule) => (rule.pattern === null ? null : new RegExp(rule.pattern, 'u')));
  }

  map(payload: JWTPayload): { tenant: string; grant: ResolvedGrant } | null {
    const settings = this.settings;
    const tenantClaim = claimStrings(claimAt(payload, settings.tenantClaim))[0];
    for (const [index, rule] of settings.rules.entries()) {
      const pattern = this.patterns[index] ?? null;
      for (const value of claimStrings(claimAt(payload, rule.claim))) {
        let groups: (string | undefined)[] | null = null;
        if (rule.equals !== null && value === rule.equals) groups = [value];
        else if (pattern !== null) {
          const match = pattern.exec(value);
          if (match !== null) groups = [...match];
        }
        if (groups === null) continue;
        const tenant = rule.tenant === null ? tenantClaim : expand(rule.tenant, groups);
        if (tenant === undefined || tenant === '') return null;
        return { tenant: tenant.slice(0, 256), grant: rule.grant };
      }
    }
    if (settings.preset === 'openshift') {
      const grant = settings.grant ?? EMPTY_GRANT;
      const sub = typeof payload.sub === 'string' ? payload.sub : '';
      const serviceAccount = SERVICE_ACCOUNT_SUB.exec(sub);
      if (serviceAccount !== null) return { tenant: serviceAccount[1]!.slice(0, 256), grant };
      const namespace = claimAt(payload, ['kubernetes.io', 'namespace']);
      if (typeof namespace === 'string' && namespace !== '') return { tenant: namespace.slice(0, 256), grant };
      return { tenant: OPENSHIFT_USER_TENANT, grant };
    }
    if (settings.grant === null || tenantClaim === undefined || tenantClaim === '') return null;
    return { tenant: tenantClaim.slice(0, 256), grant: settings.grant };
  }
}
