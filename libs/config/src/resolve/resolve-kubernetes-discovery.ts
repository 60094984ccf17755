import type { IssueCollector, PathSegments } from '../issues.ts';
import type { KubernetesDiscovery } from '../resolved-types.ts';
import type { RouterConfigInput } from '../schema/router-config-schema.ts';
import { isHttpUrl, readPositiveDuration } from './field-parsers.ts';

type KubernetesInput = NonNullable<RouterConfigInput['pool']['kubernetes']>;
type InferencePoolApiVersion = Extract<KubernetesDiscovery['source'], { kind: 'inferencePool' }>['apiVersion'];

/** Label key: optional DNS-subdomain prefix `/`, then a name of at most 63 characters. */
const LABEL_KEY = String.raw`(?:[a-z0-9](?:[-a-z0-9.]{0,251}[a-z0-9])?\/)?[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?`;
const LABEL_VALUE = String.raw`(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?`;
/** One requirement of a Kubernetes label selector: `k`, `!k`, `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`. */
const REQUIREMENT = new RegExp(
  String.raw`^\s*(?:!\s*${LABEL_KEY}|${LABEL_KEY}\s*(?:(?:==?|!=)\s*${LABEL_VALUE}|\s(?:in|notin)\s*\(\s*${LABEL_VALUE}(?:\s*,\s*${LABEL_VALUE})*\s*\))?)\s*$`,
);
/** IANA service name, as a container port name: lowercase alphanumerics and '-', at least one letter, <= 15 chars. */
const PORT_NAME = /^(?=.*[a-z])[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){0,14}$/;

/** Splits a selector on the commas that are not inside `( … )`. */
function requirements(selector: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < selector.length; i++) {
    const c = selector[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(selector.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(selector.slice(start));
  return parts;
}

/** The first malformed requirement of a label selector, or null when every one parses. */
export function labelSelectorProblem(selector: string): string | null {
  if (selector.trim() === '') return 'must not be empty (it would select every pod of the namespace)';
  for (const part of requirements(selector)) {
    if (!REQUIREMENT.test(part)) return `invalid requirement ${JSON.stringify(part.trim())} in label selector ${JSON.stringify(selector)}`;
  }
  return null;
}

/** `pool.kubernetes` → KubernetesDiscovery, every problem reported with its field path. */
export function resolveKubernetesDiscovery(spec: KubernetesInput, issues: IssueCollector): KubernetesDiscovery {
  const at: PathSegments = ['pool', 'kubernetes'];
  const { labelSelector, inferencePool } = spec;
  let source: KubernetesDiscovery['source'] = { kind: 'labelSelector', labelSelector: labelSelector ?? '' };
  if (labelSelector !== undefined && inferencePool !== undefined) issues.add(at, 'set either labelSelector or inferencePool, not both');
  else if (labelSelector === undefined && inferencePool === undefined) issues.add(at, 'set labelSelector (pods) or inferencePool (an InferencePool name)');
  if (labelSelector !== undefined) {
    const problem = labelSelectorProblem(labelSelector);
    if (problem !== null) issues.add([...at, 'labelSelector'], problem);
  } else if (inferencePool !== undefined) {
    source = { kind: 'inferencePool', name: inferencePool, apiVersion: (spec.inferencePoolApiVersion ?? 'inference.networking.k8s.io/v1') as InferencePoolApiVersion };
  }
  if (spec.inferencePoolApiVersion !== undefined && inferencePool === undefined) issues.add([...at, 'inferencePoolApiVersion'], 'only applies with inferencePool');

  const { targetPort } = spec;
  if (targetPort === undefined) {
    if (labelSelector !== undefined) issues.add([...at, 'targetPort'], 'required with labelSelector: a port number or a container port name');
  } else if (typeof targetPort === 'number') {
    if (targetPort < 1 || targetPort > 65535) issues.add([...at, 'targetPort'], `must be a port 1-65535, got ${targetPort}`);
  } else if (!PORT_NAME.test(targetPort)) {
    issues.add([...at, 'targetPort'], `must be a port number or a container port name (lowercase letters, digits, '-', <= 15 chars), got ${JSON.stringify(targetPort)}`);
  }

  if (spec.namespace !== undefined && !/^[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?$/.test(spec.namespace)) {
    issues.add([...at, 'namespace'], `must be a Kubernetes namespace name (DNS label), got ${JSON.stringify(spec.namespace)}`);
  }
  if (inferencePool !== undefined && !/^[a-z0-9](?:[-a-z0-9.]{0,251}[a-z0-9])?$/.test(inferencePool)) {
    issues.add([...at, 'inferencePool'], `must be a Kubernetes object name, got ${JSON.stringify(inferencePool)}`);
  }
  if (spec.apiServer !== undefined && !isHttpUrl(spec.apiServer)) issues.add([...at, 'apiServer'], `must be an http(s) URL, got ${JSON.stringify(spec.apiServer)}`);

  return {
    kind: 'kubernetes',
    namespace: spec.namespace ?? null,
    source,
    targetPort: targetPort ?? null,
    objectives: spec.objectives ?? false,
    apiServer: spec.apiServer ?? null,
    restartBackoffMs: readPositiveDuration(spec.restartBackoff, [...at, 'restartBackoff'], issues, 1000),
    watchTimeoutMs: watchTimeout(spec.watchTimeout, [...at, 'watchTimeout'], issues),
  };
}

/** `watchTimeout`: whole seconds (the API's timeoutSeconds), at least 1 s; default 5 min. */
function watchTimeout(raw: unknown, path: PathSegments, issues: IssueCollector): number {
  const ms = readPositiveDuration(raw, path, issues, 300_000);
  if (raw !== undefined && (ms < 1000 || ms % 1000 !== 0)) issues.add(path, `must be a whole number of seconds, at least 1s, got ${JSON.stringify(raw)}`);
  return ms;
}
