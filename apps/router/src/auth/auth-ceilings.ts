import type { ResolvedAuth, ResolvedGrant } from '@sluice/config';

/** Every priority ceiling a credential can impose (flow control provisions a band for each). */
export function authCeilings(auth: ResolvedAuth): number[] {
  const grants: ResolvedGrant[] = auth.apiKeys.map((key) => key.grant);
  if (auth.anonymous !== null) grants.push(auth.anonymous.grant);
  if (auth.jwt !== null) {
    if (auth.jwt.grant !== null) grants.push(auth.jwt.grant);
    for (const rule of auth.jwt.rules) grants.push(rule.grant);
  }
  const ceilings = new Set<number>();
  for (const grant of grants) if (grant.maxPriority !== null) ceilings.add(grant.maxPriority);
  return [...ceilings];
}
