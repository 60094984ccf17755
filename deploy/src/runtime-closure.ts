import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';

/**
 * Follows the import graph of the binaries' entry points through relative imports and workspace
 * packages (their package.json `exports`), collecting the third-party packages the running
 * process can load. Type-only imports are skipped (erased by tsx). Used to prove that
 * `npm ci --omit=dev` installs everything the image's binaries import.
 */
export interface RuntimeClosure {
  /** Repository-relative paths of every source file reached. */
  readonly files: string[];
  /** Third-party package name → the repository files importing it. */
  readonly packages: Map<string, string[]>;
  /** Workspace directories reached (repository-relative), e.g. `libs/config`. */
  readonly workspaces: string[];
}

interface Workspace {
  readonly dir: string;
  readonly name: string;
  readonly exports: Record<string, string>;
}

const IMPORT = /(?:^|[\s;}])(?:import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]/g;
const DYNAMIC_IMPORT = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;
const BUILTINS = new Set(builtinModules);

export function runtimeClosure(repoRoot: string, entryPoints: readonly string[], workspaceDirs: readonly string[]): RuntimeClosure {
  const workspaces = new Map<string, Workspace>();
  for (const dir of workspaceDirs) {
    const pkg = JSON.parse(readFileSync(join(repoRoot, dir, 'package.json'), 'utf8')) as { name: string; exports?: string | Record<string, string> };
    const exports = typeof pkg.exports === 'string' ? { '.': pkg.exports } : (pkg.exports ?? {});
    workspaces.set(pkg.name, { dir, name: pkg.name, exports });
  }
  const seen = new Set<string>();
  const packages = new Map<string, string[]>();
  const reachedWorkspaces = new Set<string>();
  const queue = entryPoints.map((entry) => resolve(repoRoot, entry));
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    const text = stripComments(readFileSync(file, 'utf8'));
    const specifiers: string[] = [];
    for (const match of text.matchAll(IMPORT)) if (match[1] === undefined && match[2] !== undefined) specifiers.push(match[2]);
    for (const match of text.matchAll(DYNAMIC_IMPORT)) if (match[1] !== undefined) specifiers.push(match[1]);
    for (const specifier of specifiers) {
      if (specifier.startsWith('.')) {
        const target = resolve(dirname(file), specifier);
        if (!existsSync(target)) throw new Error(`${relative(repoRoot, file)} imports missing file ${specifier}`);
        queue.push(target);
        continue;
      }
      if (specifier.startsWith('node:') || BUILTINS.has(specifier)) continue;
      const name = packageName(specifier);
      const workspace = workspaces.get(name);
      if (workspace !== undefined) {
        reachedWorkspaces.add(workspace.dir);
        const subpath = `.${specifier.slice(name.length)}`;
        const target = workspace.exports[subpath];
        if (target === undefined) throw new Error(`${relative(repoRoot, file)} imports ${specifier}, which ${name} does not export`);
        queue.push(resolve(repoRoot, workspace.dir, target));
        continue;
      }
      const users = packages.get(name) ?? [];
      users.push(relative(repoRoot, file));
      packages.set(name, users);
    }
  }
  return { files: [...seen].map((f) => relative(repoRoot, f)).sort(), packages, workspaces: [...reachedWorkspaces].sort() };
}

/** `@scope/name/sub` → `@scope/name`; `name/sub` → `name`. */
export function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}

function stripComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"])\/\/.*$/gm, '$1');
}
