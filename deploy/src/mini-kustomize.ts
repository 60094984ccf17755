import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import type { K8sObject } from './k8s-schemas.ts';

/**
 * A small kustomize for the subset k8s/ uses, so the manifests can be rendered and validated where
 * kubectl is not installed. Supported: `resources` (files and directories), `components`
 * (kind Component), `namespace` (namespaced kinds, ServiceAccount subjects of RoleBindings),
 * `labels` (pairs added to metadata.labels only, i.e. includeSelectors/includeTemplates false),
 * `configMapGenerator` (files; name suffixed with a content hash and references in pod volumes
 * updated), `images` (newName/newTag on containers) and `patches` (strategic merge by path: maps
 * merge, lists with a known merge key merge by it, other lists are replaced). Anything else
 * throws, so the renderer never silently ignores a field. The generated-name hash is ours, not
 * kustomize's: deploy/test/k8s.test.ts compares this output with `kubectl kustomize` up to it.
 */
type Json = Record<string, unknown>;
interface Kustomization {
  kind?: string;
  namespace?: string;
  resources?: string[];
  components?: string[];
  labels?: Array<{ pairs: Record<string, string>; includeSelectors?: boolean; includeTemplates?: boolean }>;
  configMapGenerator?: Array<{ name: string; files: string[] }>;
  images?: Array<{ name: string; newName?: string; newTag?: string }>;
  patches?: Array<{ path: string }>;
}
const SUPPORTED = new Set(['apiVersion', 'kind', 'namespace', 'resources', 'components', 'labels', 'configMapGenerator', 'images', 'patches']);
const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'StorageClass', 'PriorityClass', 'PersistentVolume']);
/** patchMergeKey of the lists our patches may touch (Kubernetes API conventions). */
const MERGE_KEYS: Record<string, string> = { containers: 'name', initContainers: 'name', env: 'name', volumes: 'name', volumeMounts: 'mountPath', ports: 'containerPort' };

export function renderMiniKustomize(dir: string): K8sObject[] {
  const { objects } = build(resolve(dir));
  return objects as unknown as K8sObject[];
}

interface Built {
  objects: Json[];
  /** Generated ConfigMap base name → hashed name. */
  renames: Map<string, string>;
}

function build(dir: string): Built {
  const kustomization = parse(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')) as Kustomization;
  for (const key of Object.keys(kustomization)) if (!SUPPORTED.has(key)) throw new Error(`${dir}/kustomization.yaml: "${key}" is not supported by the mini renderer`);
  const objects: Json[] = [];
  const renames = new Map<string, string>();
  for (const resource of kustomization.resources ?? []) {
    const path = resolve(dir, resource);
    if (statSync(path).isDirectory()) {
      const built = build(path);
      objects.push(...built.objects);
      built.renames.forEach((to, from) => renames.set(from, to));
    } else {
      if (!path.startsWith(`${dir}/`)) throw new Error(`${dir}: file ${resource} is outside the kustomization (kustomize refuses it too)`);
      objects.push(...readDocuments(path));
    }
  }
  for (const generator of kustomization.configMapGenerator ?? []) {
    const data = Object.fromEntries(generator.files.map((file) => [basename(file), readFileSync(resolve(dir, file), 'utf8')]));
    const name = `${generator.name}-${contentHash({ data, kind: 'ConfigMap', name: generator.name })}`;
    renames.set(generator.name, name);
    objects.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data });
  }
  for (const component of kustomization.components ?? []) applyComponent(resolve(dir, component), objects);
  applyPatches(dir, kustomization.patches ?? [], objects);
  for (const object of objects) {
    const metadata = object['metadata'] as Json;
    if (kustomization.namespace !== undefined) {
      if (!CLUSTER_SCOPED.has(String(object['kind']))) metadata['namespace'] = kustomization.namespace;
      if (object['kind'] === 'RoleBinding' || object['kind'] === 'ClusterRoleBinding') {
        for (const subject of (object['subjects'] as Json[] | undefined) ?? []) if (subject['kind'] === 'ServiceAccount') subject['namespace'] = kustomization.namespace;
      }
    }
    for (const label of kustomization.labels ?? []) {
      if (label.includeSelectors === true || label.includeTemplates === true) throw new Error(`${dir}: labels with includeSelectors/includeTemplates are not supported`);
      metadata['labels'] = { ...((metadata['labels'] as Json | undefined) ?? {}), ...label.pairs };
    }
    for (const container of podContainers(object)) {
      for (const image of kustomization.images ?? []) {
        const [name, tag] = String(container['image']).split(':');
        if (name === image.name) container['image'] = `${image.newName ?? name}:${image.newTag ?? tag}`;
      }
    }
    const volumes = (podSpec(object)?.['volumes'] as Json[] | undefined) ?? [];
    for (const volume of volumes) {
      const configMap = volume['configMap'] as Json | undefined;
      const to = configMap === undefined ? undefined : renames.get(String(configMap['name']));
      if (configMap !== undefined && to !== undefined) configMap['name'] = to;
    }
  }
  return { objects, renames };
}

function applyComponent(dir: string, objects: Json[]): void {
  const component = parse(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')) as Kustomization;
  if (component.kind !== 'Component') throw new Error(`${dir}: components must have kind Component`);
  for (const key of Object.keys(component)) if (!['apiVersion', 'kind', 'resources', 'patches'].includes(key)) throw new Error(`${dir}: component field "${key}" is not supported`);
  for (const resource of component.resources ?? []) objects.push(...readDocuments(resolve(dir, resource)));
  applyPatches(dir, component.patches ?? [], objects);
}

function applyPatches(dir: string, patches: ReadonlyArray<{ path: string }>, objects: Json[]): void {
  for (const { path } of patches) {
    for (const patch of readDocuments(resolve(dir, path))) {
      const name = (patch['metadata'] as Json)['name'];
      const target = objects.find((o) => o['kind'] === patch['kind'] && (o['metadata'] as Json)['name'] === name);
      if (target === undefined) throw new Error(`${dir}/${path}: no ${String(patch['kind'])} ${String(name)} to patch`);
      mergeInto(target, patch);
    }
  }
}

/** Strategic merge of `patch` into `target` (in place), for the list kinds in MERGE_KEYS. */
function mergeInto(target: Json, patch: Json): void {
  for (const [key, value] of Object.entries(patch)) {
    const current = target[key];
    const mergeKey = MERGE_KEYS[key];
    if (Array.isArray(value) && Array.isArray(current) && mergeKey !== undefined) {
      for (const item of value as Json[]) {
        const existing = (current as Json[]).find((c) => c[mergeKey] === item[mergeKey]);
        if (existing === undefined) (current as Json[]).push(item);
        else mergeInto(existing, item);
      }
    } else if (isMap(value) && isMap(current)) mergeInto(current, value);
    else target[key] = value;
  }
}

function podSpec(object: Json): Json | undefined {
  const spec = object['spec'] as Json | undefined;
  const template = spec?.['template'] as Json | undefined;
  return template?.['spec'] as Json | undefined;
}

function podContainers(object: Json): Json[] {
  const spec = podSpec(object);
  return [...((spec?.['containers'] as Json[] | undefined) ?? []), ...((spec?.['initContainers'] as Json[] | undefined) ?? [])];
}

function readDocuments(path: string): Json[] {
  if (!existsSync(path)) throw new Error(`missing resource ${path}`);
  return parseAllDocuments(readFileSync(path, 'utf8'))
    .map((doc) => doc.toJS() as Json | null)
    .filter((doc): doc is Json => doc !== null);
}

function isMap(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** 10 characters of the content's SHA-256 (kustomize-like alphabet; not kustomize's exact value). */
function contentHash(value: unknown): string {
  const hex = createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 10);
  return hex.replace(/[013ae]/g, (ch) => ({ '0': 'g', '1': 'h', '3': 'k', a: 'm', e: 't' })[ch] ?? ch);
}
