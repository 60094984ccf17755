import { readFileSync } from 'node:fs';
import type { IssueCollector } from '../issues.ts';
import type { ResolvedRedis, ResolvedRedisTls } from '../resolved-types.ts';
import type { RouterConfigInput } from '../schema/router-config-schema.ts';
import type { ConfigEnv } from './resolve-router-config.ts';

type RedisInput = NonNullable<RouterConfigInput['redis']>;

/**
 * Adds AUTH / ACL credentials and TLS to a resolved Redis topology:
 * - `username` (ACL user) and `password` / `passwordEnv` (the env var wins over nothing, never
 *   over an explicit `password`; setting both is an error);
 * - `tls: { enabled, caFile, servername, insecureSkipVerify }`; a `rediss://` URL implies TLS.
 * The password is kept in the resolved config only (the start-up summary masks it).
 */
export function resolveRedisSecurity(redis: ResolvedRedis, spec: RedisInput, env: ConfigEnv, issues: IssueCollector): ResolvedRedis {
  let password = spec.password;
  if (spec.password !== undefined && spec.passwordEnv !== undefined) issues.add(['redis', 'passwordEnv'], 'set either password or passwordEnv, not both');
  if (spec.passwordEnv !== undefined) {
    const value = env[spec.passwordEnv];
    if (value === undefined || value === '') issues.add(['redis', 'passwordEnv'], `environment variable ${spec.passwordEnv} is not set`);
    else password = value;
  }
  const tlsSpec = spec.tls;
  const urlIsTls = redis.mode === 'single' && redis.url.startsWith('rediss://');
  let tls: ResolvedRedisTls | undefined;
  if ((tlsSpec !== undefined && tlsSpec.enabled !== false) || urlIsTls) {
    let ca: string | undefined;
    if (tlsSpec?.caFile !== undefined) {
      try {
        ca = readFileSync(tlsSpec.caFile, 'utf8');
      } catch (error) {
        issues.add(['redis', 'tls', 'caFile'], `cannot read: ${(error as Error).message}`);
      }
    }
    tls = {
      ...(ca === undefined ? {} : { ca }),
      ...(tlsSpec?.servername === undefined ? {} : { servername: tlsSpec.servername }),
      rejectUnauthorized: tlsSpec?.insecureSkipVerify !== true,
    };
  }
  return {
    ...redis,
    ...(password === undefined ? {} : { password }),
    ...(spec.username === undefined ? {} : { username: spec.username }),
    ...(tls === undefined ? {} : { tls }),
  };
}
