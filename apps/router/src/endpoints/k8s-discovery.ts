import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import type { KubeConfig, KubernetesListObject, KubernetesObject } from '@kubernetes/client-node';
import type { KubernetesDiscovery as KubernetesDiscoveryConfig } from '@sluice/config';
import type { Clock } from '@sluice/flow-control';
import type { Logger } from '@sluice/telemetry';
import type { DiscoveredEndpoint } from './dns-discovery.ts';
import { podEndpoints, podReadiness, poolSelection } from './k8s-pod-endpoints.ts';
import type { PodLike, PodReadiness, PoolSelection, TargetPort } from './k8s-pod-endpoints.ts';
import { ResourceWatch } from './k8s-resource-watch.ts';
import type { WatchRestartReason } from './k8s-resource-watch.ts';

/** An InferenceObjective as the router uses it: its name (the objective header value) and priority. */
export interface DiscoveredObjective {
  readonly name: string;
  readonly priority: number;
}

/** InferenceObjective's group/version (Gateway API Inference Extension). */
const OBJECTIVE_GROUP = 'inference.networking.x-k8s.io';
const OBJECTIVE_VERSION = 'v1alpha2';

export interface KubernetesDiscoveryOptions {
  readonly config: KubernetesDiscoveryConfig;
  /** pool.name: the poolRef InferenceObjectives must name in label-selector mode. */
  readonly poolName: string;
  readonly kubeConfig: KubeConfig;
  readonly namespace: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly onRestart: (resource: string, reason: WatchRestartReason) => void;
  /** The ready endpoints whenever the set changes (not for the set start() returns). Calls are serialized. */
  readonly onEndpoints: (endpoints: DiscoveredEndpoint[]) => Promise<void>;
  /** The pool's InferenceObjectives whenever they change, including once during start(). Serialized. */
  readonly onObjectives: (objectives: DiscoveredObjective[]) => Promise<void>;
}

type Obj = KubernetesObject & Record<string, unknown>;

interface PodSeen {
  readonly readiness: PodReadiness;
  readonly endpoints: string;
}

/**
 * `pool.kubernetes` discovery: watches pods (by label selector, or by the selector and target ports
 * of a named InferencePool, which is watched too and re-applied when it changes) and, optionally,
 * the InferenceObjectives whose poolRef names this pool. Ready pods (see podReadiness) become
 * `podIP:port` endpoints; unready, terminating and deleted pods leave the set. When the API server
 * is unreachable the last known set stays in force; a 410 Gone re-lists.
 */
export class KubernetesDiscovery {
  private readonly core: CoreV1Api;
  private readonly custom: CustomObjectsApi;
  private poolWatch: ResourceWatch<Obj> | null = null;
  private podWatch: ResourceWatch<Obj> | null = null;
  private objectiveWatch: ResourceWatch<Obj> | null = null;
  private selection: PoolSelection | null = null;
  private targets: readonly TargetPort[] = [];
  private readonly pods = new Map<string, PodSeen>();
  private lastEndpoints = '';
  private lastObjectives = '';
  /** Serializes pool re-configuration and the callbacks, so they run in event order. */
  private queue: Promise<unknown> = Promise.resolve();
  private stopped = false;
  /** Set at the end of start(): before that, watch callbacks are ignored (start() reads the state itself). */
  private started = false;

  constructor(private readonly options: KubernetesDiscoveryOptions) {
    this.core = options.kubeConfig.makeApiClient(CoreV1Api);
    this.custom = options.kubeConfig.makeApiClient(CustomObjectsApi);
  }

  /** Lists everything once (throws if the API server cannot be listed) and returns the ready endpoints. */
  async start(): Promise<DiscoveredEndpoint[]> {
    try {
      return await this.startWatches();
    } catch (error) {
      await this.stop();
      const server = this.options.kubeConfig.getCurrentCluster()?.server ?? '(no cluster)';
      throw new Error(`Kubernetes discovery could not start (API server ${server}, namespace ${this.options.namespace}): ${(error as Error).message}`, { cause: error });
    }
  }

  private async startWatches(): Promise<DiscoveredEndpoint[]> {
    const { config, namespace } = this.options;
    if (config.objectives) {
      this.objectiveWatch = this.watch('inferenceobjectives', `/apis/${OBJECTIVE_GROUP}/${OBJECTIVE_VERSION}/namespaces/${namespace}/inferenceobjectives`, {}, (objects) =>
        this.enqueue(() => this.applyObjectives(objects)),
      );
      await this.objectiveWatch.start();
      await this.enqueue(() => this.applyObjectives(this.objectiveWatch!.objects()));
    }
    if (config.source.kind === 'labelSelector') {
      this.targets = [config.targetPort!];
      await this.startPodWatch(config.source.labelSelector, true);
    } else {
      const { name, apiVersion } = config.source;
      const [group, version] = apiVersion.split('/') as [string, string];
      this.poolWatch = this.watch('inferencepools', `/apis/${group}/${version}/namespaces/${namespace}/inferencepools`, { fieldSelector: `metadata.name=${name}` }, (objects) =>
        this.started ? this.enqueue(() => this.applyPool(objects[0])) : undefined,
      );
      await this.poolWatch.start();
      await this.enqueue(() => this.applyPool(this.poolWatch!.objects()[0], true));
    }
    return await this.enqueue(() => {
      const endpoints = this.computeEndpoints();
      this.lastEndpoints = endpoints.map((e) => e.name).join(',');
      this.started = true;
      return endpoints;
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([this.poolWatch?.stop(), this.podWatch?.stop(), this.objectiveWatch?.stop()]);
    await this.queue;
  }

  private enqueue<T>(task: () => Promise<T> | T): Promise<T> {
    const run = this.queue.then(async () => {
      if (this.stopped) throw new Error('Kubernetes discovery stopped');
      return await task();
    });
    this.queue = run.catch((error: unknown) => {
      if (!this.stopped) this.options.logger.warn({ err: error }, 'Kubernetes discovery: applying a change failed');
    });
    return run;
  }

  private watch(resource: string, path: string, selectors: { labelSelector?: string; fieldSelector?: string }, onChange: (objects: readonly Obj[]) => void): ResourceWatch<Obj> {
    const { namespace } = this.options;
    const list = async (): Promise<KubernetesListObject<Obj>> => {
      if (resource === 'pods') {
        return (await this.core.listNamespacedPod({ namespace, ...selectors })) as unknown as KubernetesListObject<Obj>;
      }
      const [, , group, version] = path.split('/');
      return (await this.custom.listNamespacedCustomObject({ group: group!, version: version!, namespace, plural: resource, ...selectors })) as KubernetesListObject<Obj>;
    };
    return new ResourceWatch<Obj>({
      kubeConfig: this.options.kubeConfig,
      path,
      list,
      ...selectors,
      resource,
      restartBackoffMs: this.options.config.restartBackoffMs,
      watchTimeoutMs: this.options.config.watchTimeoutMs,
      clock: this.options.clock,
      logger: this.options.logger,
      onRestart: (reason) => this.options.onRestart(resource, reason),
      onChange,
    });
  }

  private async startPodWatch(labelSelector: string, failFast: boolean): Promise<void> {
    const path = `/api/v1/namespaces/${this.options.namespace}/pods`;
    this.podWatch = this.watch('pods', path, { labelSelector }, () => (this.started ? this.enqueue(() => this.emitEndpoints()) : undefined));
    this.options.logger.info({ namespace: this.options.namespace, label_selector: labelSelector, target_ports: this.targets }, 'Kubernetes discovery: watching pods');
    await this.podWatch.start(failFast);
  }

  /** Applies the InferencePool's selector and ports: a new selector replaces the pod watch. */
  private async applyPool(pool: Obj | undefined, initial = false): Promise<void> {
    const source = this.options.config.source;
    if (source.kind !== 'inferencePool') return;
    if (pool === undefined) {
      if (this.selection !== null || initial) this.options.logger.warn({ inference_pool: source.name, namespace: this.options.namespace }, 'Kubernetes discovery: InferencePool not found; no endpoints until it exists');
      this.selection = null;
      await this.podWatch?.stop();
      this.podWatch = null;
      this.pods.clear();
      if (!initial) await this.emitEndpoints();
      return;
    }
    const selection = poolSelection(pool as Parameters<typeof poolSelection>[0], source.apiVersion);
    if ('error' in selection) {
      this.options.logger.warn({ inference_pool: source.name, problem: selection.error }, 'Kubernetes discovery: InferencePool unusable; keeping the previous selection');
      return;
    }
    const targets: TargetPort[] = this.options.config.targetPort !== null ? [this.options.config.targetPort] : [...selection.targetPorts];
    if (targets.length === 0) this.options.logger.warn({ inference_pool: source.name }, 'Kubernetes discovery: InferencePool has no target ports and pool.kubernetes.targetPort is unset');
    const selectorChanged = this.selection?.labelSelector !== selection.labelSelector;
    this.selection = selection;
    this.targets = targets;
    if (selectorChanged) {
      this.options.logger.info({ inference_pool: source.name, label_selector: selection.labelSelector, target_ports: targets }, 'Kubernetes discovery: InferencePool selector applied');
      await this.podWatch?.stop();
      this.pods.clear();
      await this.startPodWatch(selection.labelSelector, initial);
    }
    if (!initial) await this.emitEndpoints();
  }

  /** Ready endpoints of the watched pods, sorted by name; logs per-pod transitions. */
  private computeEndpoints(): DiscoveredEndpoint[] {
    const pods = (this.podWatch?.objects() ?? []) as readonly PodLike[];
    const byName = new Map<string, DiscoveredEndpoint>();
    const seen = new Set<string>();
    for (const pod of pods) {
      const podName = pod.metadata?.name ?? '';
      seen.add(podName);
      const readiness = podReadiness(pod);
      const { endpoints, missingPorts } = podEndpoints(pod, this.targets);
      for (const e of endpoints) byName.set(e.name, e);
      const state: PodSeen = { readiness, endpoints: endpoints.map((e) => e.name).join(',') };
      const before = this.pods.get(podName);
      if (before === undefined) {
        this.options.logger.info({ pod: podName, readiness, endpoints: state.endpoints }, 'Kubernetes discovery: pod added');
        if (missingPorts.length > 0) this.options.logger.warn({ pod: podName, missing_ports: missingPorts }, 'Kubernetes discovery: pod declares no container port with this name');
      } else if (before.readiness !== state.readiness || before.endpoints !== state.endpoints) {
        this.options.logger.info({ pod: podName, readiness, was: before.readiness, endpoints: state.endpoints }, 'Kubernetes discovery: pod readiness changed');
      }
      this.pods.set(podName, state);
    }
    for (const podName of [...this.pods.keys()]) {
      if (seen.has(podName)) continue;
      this.pods.delete(podName);
      this.options.logger.info({ pod: podName }, 'Kubernetes discovery: pod removed');
    }
    return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  private async emitEndpoints(): Promise<void> {
    const endpoints = this.computeEndpoints();
    const key = endpoints.map((e) => e.name).join(',');
    if (key === this.lastEndpoints) return;
    this.lastEndpoints = key;
    this.options.logger.info({ endpoints: endpoints.map((e) => e.name) }, 'Kubernetes discovery: ready endpoint set changed');
    await this.options.onEndpoints(endpoints);
  }

  private async applyObjectives(objects: readonly Obj[]): Promise<void> {
    const source = this.options.config.source;
    const poolRef = source.kind === 'inferencePool' ? source.name : this.options.poolName;
    const objectives: DiscoveredObjective[] = [];
    for (const o of objects) {
      const spec = (o['spec'] ?? {}) as { priority?: unknown; poolRef?: { name?: unknown } };
      if (spec.poolRef?.name !== poolRef || o.metadata?.name === undefined) continue;
      const priority = typeof spec.priority === 'number' && Number.isInteger(spec.priority) ? spec.priority : 0;
      objectives.push({ name: o.metadata.name, priority });
    }
    objectives.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const key = objectives.map((o) => `${o.name}=${o.priority}`).join(',');
    if (key === this.lastObjectives) return;
    this.lastObjectives = key;
    this.options.logger.info({ objectives: key, pool_ref: poolRef }, 'Kubernetes discovery: InferenceObjectives changed');
    await this.options.onObjectives(objectives);
  }
}
