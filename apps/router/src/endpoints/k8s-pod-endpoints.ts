import { formatHostPort } from '@sluice/config';
import type { DiscoveredEndpoint } from './dns-discovery.ts';

/** The fields of a Pod that discovery reads (list results and raw watch events both fit). */
export interface PodLike {
  readonly metadata?: { readonly name?: string; readonly namespace?: string; readonly deletionTimestamp?: unknown; readonly resourceVersion?: string };
  readonly spec?: { readonly containers?: readonly { readonly ports?: readonly { readonly name?: string; readonly containerPort?: number }[] }[] };
  readonly status?: { readonly phase?: string; readonly podIP?: string; readonly conditions?: readonly { readonly type?: string; readonly status?: string }[] };
}

/** Why a pod is (not) routable; `ready` is the only state that yields endpoints. */
export type PodReadiness = 'ready' | 'terminating' | 'not-running' | 'no-ip' | 'not-ready';

/**
 * A pod serves traffic when it is Running, has a pod IP, is not being deleted (no
 * deletionTimestamp) and its Ready condition is True — the same rule EndpointSlices apply.
 */
export function podReadiness(pod: PodLike): PodReadiness {
  if (pod.metadata?.deletionTimestamp !== undefined && pod.metadata.deletionTimestamp !== null) return 'terminating';
  if (pod.status?.phase !== 'Running') return 'not-running';
  if (pod.status.podIP === undefined || pod.status.podIP === '') return 'no-ip';
  const ready = pod.status.conditions?.find((c) => c.type === 'Ready');
  return ready?.status === 'True' ? 'ready' : 'not-ready';
}

/** Target port: a number, or a container port name looked up in the pod's spec (like a Service targetPort). */
export type TargetPort = number | string;

/** The pod's port for `target`, or null when a named port is not declared by any container. */
export function resolvePodPort(pod: PodLike, target: TargetPort): number | null {
  if (typeof target === 'number') return target;
  for (const container of pod.spec?.containers ?? []) {
    for (const port of container.ports ?? []) if (port.name === target && port.containerPort !== undefined) return port.containerPort;
  }
  return null;
}

/**
 * Endpoints of one pod: one per target port (an InferencePool may list several, e.g. one per
 * data-parallel rank), `podIP:port`; empty unless the pod is ready. Unresolvable named ports are
 * reported in `missingPorts`.
 */
export function podEndpoints(pod: PodLike, targets: readonly TargetPort[]): { endpoints: DiscoveredEndpoint[]; missingPorts: string[] } {
  if (podReadiness(pod) !== 'ready') return { endpoints: [], missingPorts: [] };
  const endpoints: DiscoveredEndpoint[] = [];
  const missingPorts: string[] = [];
  for (const target of targets) {
    const port = resolvePodPort(pod, target);
    if (port === null) {
      missingPorts.push(String(target));
      continue;
    }
    const name = formatHostPort({ host: pod.status!.podIP!, port });
    endpoints.push({ name, url: `http://${name}` });
  }
  return { endpoints, missingPorts };
}

/** What an InferencePool contributes: a pod label selector and its target ports. */
export interface PoolSelection {
  /** Kubernetes label-selector syntax, `k=v,k2=v2`, keys sorted (so equal pools compare equal). */
  readonly labelSelector: string;
  readonly targetPorts: readonly number[];
}

interface InferencePoolLike {
  readonly spec?: {
    /** v1: `{ matchLabels }`; v1alpha2: the label map itself. */
    readonly selector?: Record<string, unknown>;
    /** v1. */
    readonly targetPorts?: readonly { readonly number?: number }[];
    /** v1alpha2. */
    readonly targetPortNumber?: number;
  };
}

/**
 * Reads an InferencePool of `inference.networking.k8s.io/v1` (spec.selector.matchLabels,
 * spec.targetPorts[].number) or `inference.networking.x-k8s.io/v1alpha2` (spec.selector map,
 * spec.targetPortNumber). Returns an error text when the pool has no usable selector or port.
 */
export function poolSelection(pool: InferencePoolLike, apiVersion: string): PoolSelection | { error: string } {
  const selector = pool.spec?.selector ?? {};
  const labels = (apiVersion.endsWith('/v1') ? selector['matchLabels'] : selector) as Record<string, unknown> | undefined;
  const entries = Object.entries(labels ?? {}).filter((e): e is [string, string] => typeof e[1] === 'string');
  if (entries.length === 0) return { error: 'spec.selector has no labels (it would select every pod)' };
  const labelSelector = entries
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const ports = apiVersion.endsWith('/v1') ? (pool.spec?.targetPorts ?? []).map((p) => p.number) : [pool.spec?.targetPortNumber];
  const targetPorts = ports.filter((p): p is number => typeof p === 'number' && Number.isInteger(p) && p > 0 && p < 65536);
  return { labelSelector, targetPorts };
}
