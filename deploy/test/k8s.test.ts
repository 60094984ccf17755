/* eslint-disable @typescript-eslint/no-explicit-any -- rendered manifests are untyped JSON here; their shapes are checked against the Kubernetes / CRD schemas by the schema test in this file. */
import { fileURLToPath } from 'node:url';
import { parseRouterConfig } from '@sluice/config';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { validateK8sObject, type K8sObject } from '../src/k8s-schemas.ts';
import { findKustomizations, kubectlClientVersion, renderKustomization, renderWithKubectl } from '../src/kustomize.ts';
import { renderMiniKustomize } from '../src/mini-kustomize.ts';

const K8S_ROOT = fileURLToPath(new URL('../../k8s/', import.meta.url));
const kubectl = kubectlClientVersion();
/** Which renderer produced the objects under test. */
const renderer = kubectl ?? 'deploy/src/mini-kustomize.ts (kubectl not on PATH)';

/** The kustomizations users apply; the test fails when a new one is added without being listed. */
const KUSTOMIZATIONS = ['base', 'inference-extension', 'overlays/sim', 'overlays/vllm', 'redis'];

type Obj = K8sObject & { spec?: any; data?: Record<string, string> };
const find = (objects: readonly Obj[], kind: string, name: string): Obj => {
  const object = objects.find((o) => o.kind === kind && o.metadata.name.startsWith(name));
  if (object === undefined) throw new Error(`${kind} ${name} not rendered`);
  return object;
};
const matches = (selector: Record<string, string>, labels: Record<string, string> | undefined): boolean =>
  Object.entries(selector).every(([key, value]) => labels?.[key] === value);

describe(`Kubernetes manifests, rendered by ${renderer}`, () => {
  const rendered = new Map<string, Obj[]>();
  beforeAll(() => {
    for (const dir of KUSTOMIZATIONS) rendered.set(dir, renderKustomization(`${K8S_ROOT}${dir}`, kubectl !== null) as Obj[]);
  });
  const get = (dir: string): Obj[] => rendered.get(dir) ?? [];

  it('lists every kustomization under k8s/', () => {
    expect(findKustomizations(K8S_ROOT)).toEqual(KUSTOMIZATIONS);
  });

  it.each(KUSTOMIZATIONS)('%s: every rendered object passes its Kubernetes / CRD schema', (dir) => {
    const objects = get(dir);
    expect(objects.length).toBeGreaterThan(0);
    const failures: string[] = [];
    for (const object of objects) {
      try {
        validateK8sObject(object);
      } catch (error) {
        failures.push(`${object.kind}/${object.metadata.name}: ${(error as Error).message}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it.each(['overlays/sim', 'overlays/vllm'])('%s: a complete, consistent deployment', (dir) => {
    const objects = get(dir);
    for (const o of objects) if (o.kind !== 'Namespace') expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBe('sluice');

    // The ConfigMap's RouterConfig passes Sluice's own validation.
    const configMap = find(objects, 'ConfigMap', 'sluice-router-config');
    const config = parseRouterConfig(parse(configMap.data?.['router.yaml'] ?? ''), { env: {}, source: 'k8s ConfigMap router.yaml' });
    expect(config.warnings).toEqual([]);

    const router = find(objects, 'Deployment', 'sluice-router');
    const pod = router.spec.template;
    const container = pod.spec.containers[0];
    expect(matches(router.spec.selector.matchLabels, pod.metadata.labels)).toBe(true);
    expect(container.image).toBe('ghcr.io/sluice-dev/sluice:0.1.0');
    // The generated ConfigMap (hash-suffixed name) is what the pod mounts, at the path the command reads.
    const configVolume = pod.spec.volumes.find((v: any) => v.configMap !== undefined);
    expect(configVolume.configMap.name).toBe(configMap.metadata.name);
    const mount = container.volumeMounts.find((m: any) => m.name === configVolume.name);
    expect(container.command).toEqual(['node', 'apps/router/bin/sluice-router.js', '--config', `${mount.mountPath}/router.yaml`]);
    // Probes, resources, spread, non-root.
    expect(container.readinessProbe.httpGet.path).toBe('/readyz');
    expect(container.livenessProbe.httpGet.path).toBe('/healthz');
    expect(container.startupProbe.httpGet.path).toBe('/healthz');
    expect(container.ports[0].containerPort).toBe(config.server.port);
    expect(container.resources.requests.cpu).toBeDefined();
    expect(container.resources.requests.memory).toBeDefined();
    expect(pod.spec.topologySpreadConstraints.length).toBeGreaterThan(0);
    for (const c of pod.spec.topologySpreadConstraints) expect(matches(c.labelSelector.matchLabels, pod.metadata.labels)).toBe(true);
    expect(pod.spec.securityContext.runAsNonRoot).toBe(true);
    // Graceful termination outlasts the preStop pause plus the router's drain timeout.
    const preStopSeconds = Number(container.lifecycle.preStop.exec.command[1]);
    expect(pod.spec.terminationGracePeriodSeconds * 1000).toBeGreaterThan(preStopSeconds * 1000 + config.server.drainTimeoutMs);

    // Service, PDB, HPA, ServiceMonitor point at the router pods.
    const service = find(objects, 'Service', 'sluice-router');
    expect(matches(service.spec.selector, pod.metadata.labels)).toBe(true);
    expect(matches(find(objects, 'PodDisruptionBudget', 'sluice-router').spec.selector.matchLabels, pod.metadata.labels)).toBe(true);
    const hpa = find(objects, 'HorizontalPodAutoscaler', 'sluice-router');
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: router.metadata.name });
    expect(hpa.spec.metrics.some((m: any) => m.type === 'Resource' && m.resource.name === 'cpu')).toBe(true);
    const monitor = find(objects, 'ServiceMonitor', 'sluice-router');
    expect(matches(monitor.spec.selector.matchLabels, service.metadata.labels)).toBe(true);
    expect(service.spec.ports.map((p: any) => p.name)).toContain(monitor.spec.endpoints[0].port);

    // RBAC for discovery.
    const role = find(objects, 'Role', 'sluice-router-discovery');
    for (const resource of ['pods', 'endpointslices', 'inferencepools', 'inferenceobjectives']) {
      const rule = (role as any).rules.find((r: any) => r.resources.includes(resource));
      expect(rule?.verbs, resource).toEqual(['get', 'list', 'watch']);
    }
    const binding = find(objects, 'RoleBinding', 'sluice-router-discovery');
    expect((binding as any).subjects).toEqual([{ kind: 'ServiceAccount', name: pod.spec.serviceAccountName, namespace: 'sluice' }]);
    find(objects, 'ServiceAccount', pod.spec.serviceAccountName);

    // Discovery: the pod watch selects the pool pods and names their served container port; the
    // headless Service (the DNS fallback in the comment) selects the same pods on the same port.
    if (config.pool.discovery.kind !== 'kubernetes') throw new Error('expected Kubernetes discovery in k8s/base/router.yaml');
    const discovery = config.pool.discovery;
    if (discovery.source.kind !== 'labelSelector') throw new Error('expected a label selector in k8s/base/router.yaml');
    const poolDeployment = find(objects, 'Deployment', 'sluice-model-pool');
    const podLabels = poolDeployment.spec.template.metadata.labels as Record<string, string>;
    const selector = Object.fromEntries(discovery.source.labelSelector.split(',').map((term) => term.split('=') as [string, string]));
    expect(matches(selector, podLabels)).toBe(true);
    const servedPort = poolDeployment.spec.template.spec.containers[0].ports.find((p: any) => p.name === discovery.targetPort || p.containerPort === discovery.targetPort);
    expect(servedPort, `container port ${String(discovery.targetPort)}`).toBeDefined();
    const poolService = find(objects, 'Service', 'sluice-model-pool');
    expect(poolService.spec.clusterIP).toBe('None');
    expect(matches(poolService.spec.selector, podLabels)).toBe(true);
    expect(poolService.spec.ports[0].port).toBe(servedPort.containerPort);

    // Redis: the config's URL names the dev StatefulSet's Service.
    const redisService = find(objects, 'Service', 'sluice-redis');
    expect(config.redis).not.toBeNull();
    expect(JSON.stringify(config.redis)).toContain(`${redisService.metadata.name}`);
    expect(matches(redisService.spec.selector, find(objects, 'StatefulSet', 'sluice-redis').spec.template.metadata.labels)).toBe(true);
  });

  it('sim overlay: 4 sluice-sim pods listening on all interfaces with their pod name', () => {
    const pool = find(get('overlays/sim'), 'Deployment', 'sluice-model-pool');
    const container = pool.spec.template.spec.containers[0];
    expect(pool.spec.replicas).toBe(4);
    expect(container.command).toEqual(['node', 'apps/model-sim/bin/sluice-sim.js']);
    expect(container.args).toEqual(expect.arrayContaining(['--host', '0.0.0.0', '--port', '8000', '--pod-name', '$(POD_NAME)']));
  });

  it('vllm overlay: prefix caching, queue-size HPA variant, KEDA on the queue-size metric', () => {
    const objects = get('overlays/vllm');
    const vllm = find(objects, 'Deployment', 'sluice-model-pool');
    const container = vllm.spec.template.spec.containers[0];
    expect(container.args).toContain('--enable-prefix-caching');
    expect(container.resources.limits['nvidia.com/gpu']).toBeDefined();
    const podMonitor = find(objects, 'PodMonitor', 'sluice-model-pool');
    expect(matches(podMonitor.spec.selector.matchLabels, vllm.spec.template.metadata.labels)).toBe(true);
    const hpa = find(objects, 'HorizontalPodAutoscaler', 'sluice-router');
    const external = hpa.spec.metrics.find((m: any) => m.type === 'External');
    expect(external.external.metric.name).toBe('inference_extension_flow_control_queue_size');
    const scaled = find(objects, 'ScaledObject', 'sluice-model-pool');
    expect(scaled.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: vllm.metadata.name });
    expect(scaled.spec.triggers[0].type).toBe('prometheus');
    expect(scaled.spec.triggers[0].metadata.query).toContain('inference_extension_flow_control_queue_size');
  });

  it('objectives: premium 100, standard 0, best-effort -10, as the router config declares them', () => {
    const objects = get('inference-extension');
    const objectives = objects.filter((o) => o.kind === 'InferenceObjective').map((o) => ({ name: o.metadata.name, priority: o.spec.priority }))
      .sort((a, b) => b.priority - a.priority);
    expect(objectives).toEqual([
      { name: 'premium', priority: 100 },
      { name: 'standard', priority: 0 },
      { name: 'best-effort', priority: -10 },
    ]);
    const configMap = find(get('base'), 'ConfigMap', 'sluice-router-config');
    const config = parseRouterConfig(parse(configMap.data?.['router.yaml'] ?? ''), { env: {} });
    expect(config.objectives.map((o) => ({ name: o.name, priority: o.priority }))).toEqual(objectives);
    const pool = find(objects, 'InferencePool', 'sluice-pool');
    for (const o of objects.filter((x) => x.kind === 'InferenceObjective')) expect(o.spec.poolRef.name).toBe(pool.metadata.name);
    const simPool = find(get('overlays/sim'), 'Deployment', 'sluice-model-pool');
    expect(matches(pool.spec.selector.matchLabels, simPool.spec.template.metadata.labels)).toBe(true);
    expect(pool.spec.endpointPickerRef.name).toBe('sluice-router');
  });
});

/** The fallback renderer must agree with real kustomize wherever both exist (up to the generated-name hash). */
describe.skipIf(kubectl === null)('mini-kustomize agrees with kubectl kustomize', () => {
  const normalize = (objects: readonly K8sObject[]): unknown[] =>
    [...objects]
      .map((o) => JSON.parse(JSON.stringify(o).replace(/(sluice-router-config)-[a-z0-9]{10}/g, '$1-HASH')) as K8sObject)
      .sort((a, b) => `${a.kind}/${a.metadata.name}`.localeCompare(`${b.kind}/${b.metadata.name}`));
  it.each(KUSTOMIZATIONS)('%s', (dir) => {
    expect(normalize(renderMiniKustomize(`${K8S_ROOT}${dir}`))).toEqual(normalize(renderWithKubectl(`${K8S_ROOT}${dir}`)));
  });
});
