import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { K8sObject } from './k8s-schemas.ts';
import { renderMiniKustomize } from './mini-kustomize.ts';

/** `kubectl version --client` output when kubectl (with its built-in kustomize) is on PATH, else null. */
export function kubectlClientVersion(): string | null {
  const result = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
  if (result.error !== undefined || result.status !== 0) return null;
  return result.stdout.trim().replace(/\s+/g, ' ');
}

/** Renders with `kubectl kustomize` when kubectl is on PATH, else with the mini renderer. */
export function renderKustomization(dir: string, kubectlAvailable: boolean): K8sObject[] {
  return kubectlAvailable ? renderWithKubectl(dir) : renderMiniKustomize(dir);
}

/** Renders one kustomization directory with `kubectl kustomize` and parses every document. */
export function renderWithKubectl(dir: string): K8sObject[] {
  const result = spawnSync('kubectl', ['kustomize', dir], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  if (result.error !== undefined) throw result.error;
  if (result.status !== 0) throw new Error(`kubectl kustomize ${dir} failed:\n${result.stderr}`);
  return parseAllDocuments(result.stdout).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`kubectl kustomize ${dir}: ${doc.errors[0]?.message ?? 'YAML error'}`);
    return doc.toJS() as K8sObject;
  });
}

/**
 * Every folder under `root` holding a kustomization.yaml whose kind is Kustomization (Components
 * are rendered through the overlays that use them), relative to `root`.
 */
export function findKustomizations(root: string): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name === 'kustomization.yaml' && !/^kind:\s*Component\s*$/m.test(readFileSync(path, 'utf8'))) found.push(relative(root, dir));
    }
  };
  walk(root);
  return found.sort();
}
