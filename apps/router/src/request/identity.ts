import type { IncomingHttpHeaders } from 'node:http';
import type { TenantLimits } from '../auth/tenant-limits.ts';

/**
 * Control headers, both families (DESIGN §2.1). Trusted only in `auth.mode: trusted-headers`, where
 * a gateway in front injects them. They are never forwarded upstream (see `isControlHeader`).
 */
export const ControlHeader = {
  fairnessId: ['x-gateway-inference-fairness-id', 'x-llm-d-inference-fairness-id'],
  objective: ['x-gateway-inference-objective', 'x-llm-d-inference-objective'],
  modelName: ['x-gateway-model-name'],
  sloTtftMs: ['x-slo-ttft-ms', 'x-llm-d-slo-ttft-ms'],
  sloTpotMs: ['x-slo-tpot-ms'],
} as const;

/** Header name prefixes that belong to the router, stripped before proxying. */
const CONTROL_PREFIXES = ['x-gateway-', 'x-llm-d-', 'x-slo-'];

/** True for any control header (lower-case name). */
export function isControlHeader(name: string): boolean {
  for (const prefix of CONTROL_PREFIXES) if (name.startsWith(prefix)) return true;
  return false;
}

/** First non-empty value among `names` (lower-case), trimmed; undefined if none. */
export function firstHeader(headers: IncomingHttpHeaders, names: readonly string[]): string | undefined {
  for (const name of names) {
    const raw = headers[name];
    const value = Array.isArray(raw) ? raw[0] : raw;
    if (value !== undefined) {
      const trimmed = value.trim();
      if (trimmed !== '') return trimmed;
    }
  }
  return undefined;
}

/** Who is asking and how important it is, from trusted headers. */
export interface RequestIdentity {
  /** Fairness id (tenant); the configured default (`default-flow`) when absent. */
  readonly fairnessId: string;
  /** Objective named by the objective header, if any (resolved to a priority by the model resolver). */
  readonly objective: string | undefined;
  /** TTFT objective in ms from x-slo-ttft-ms, if a positive number. */
  readonly sloTtftMs: number | undefined;
  /** Per-tenant limits from the credential (api-keys / jwt modes); undefined = none. */
  readonly limits?: TenantLimits;
  /** Highest priority the credential allows (api-keys / jwt modes); undefined = no ceiling. */
  readonly priorityCeiling?: number;
}

/** Reads identity from trusted headers. Fairness ids are capped at 256 characters. */
export function identityFromHeaders(headers: IncomingHttpHeaders, defaultFairnessId: string): RequestIdentity {
  const fairness = firstHeader(headers, ControlHeader.fairnessId);
  const slo = Number(firstHeader(headers, ControlHeader.sloTtftMs));
  return {
    fairnessId: fairness === undefined ? defaultFairnessId : fairness.slice(0, 256),
    objective: firstHeader(headers, ControlHeader.objective),
    sloTtftMs: Number.isFinite(slo) && slo > 0 ? slo : undefined,
  };
}
