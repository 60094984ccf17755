import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dockerignoreMatcher, parseDockerfile } from '../src/dockerfile.ts';
import { runtimeClosure } from '../src/runtime-closure.ts';
import { REPO_ROOT } from '../src/stack-runner.ts';

/**
 * The image cannot be built on our machines (no Docker engine), so its structure is checked here:
 * stages, non-root user, health check, the three entry points, and that `npm ci --omit=dev` in the
 * deps stage installs every package the binaries import at run time.
 */
const read = (path: string): string => readFileSync(resolve(REPO_ROOT, path), 'utf8');
const dockerfile = parseDockerfile(read('Dockerfile'));
const ignored = dockerignoreMatcher(read('.dockerignore'));
const rootPackage = JSON.parse(read('package.json')) as { workspaces: string[] };
const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, { dev?: boolean; link?: boolean; resolved?: string; optional?: boolean }> };
const ENTRY_POINTS = ['apps/router/bin/sluice-router.js', 'apps/model-sim/bin/sluice-sim.js', 'loadtest/bin/sluice-bench.js', 'loadtest/bin/sluice-bench-proxy.js'];
/** Workspace folders, from the root package.json globs (`apps/*`, `libs/*`, `loadtest`). */
const WORKSPACES = Object.keys(lock.packages).filter((key) => key !== '' && !key.includes('node_modules') && rootPackage.workspaces.some((glob) => new RegExp(`^${glob.replace('*', '[^/]+')}$`).test(key)));
const inStage = (stage: string, keyword: string): string[] => dockerfile.instructions.filter((i) => i.stage === stage && i.keyword === keyword).map((i) => i.args);
/**
 * Run-time imports of dev-only packages that are known and must be fixed at their source; each
 * entry names the file that pulls the package in. Keep this list empty when possible.
 */
const KNOWN_DEV_IMPORTS: Record<string, string> = {};

describe('Dockerfile', () => {
  it('is multi-stage on a slim Node LTS image: deps (npm ci --omit=dev) → runtime', () => {
    expect(dockerfile.stages.map((s) => s.name)).toEqual(['deps', 'runtime']);
    for (const stage of dockerfile.stages) {
      const match = /^node:(\d+)-(bookworm|bullseye|trixie)-slim$/.exec(stage.from);
      expect(match, stage.from).not.toBeNull();
      expect(Number(match?.[1]) % 2, 'Node LTS lines are even').toBe(0);
      expect(Number(match?.[1])).toBeGreaterThanOrEqual(22);
    }
    const install = inStage('deps', 'RUN').join(' ');
    expect(install).toMatch(/\bnpm ci\b[^&]*--omit=dev/);
    expect(inStage('runtime', 'COPY').some((args) => args.startsWith('--from=deps /app /app'))).toBe(true);
    expect(inStage('runtime', 'RUN')).toEqual([]); // nothing installed or built in the final stage
  });

  it('copies every workspace manifest before npm ci, so the lockfile installs as is', () => {
    const copies = inStage('deps', 'COPY').map((args) => args.split(/\s+/)[0]);
    expect(inStage('deps', 'COPY')[0]).toBe('package.json package-lock.json ./');
    expect(WORKSPACES.length).toBeGreaterThanOrEqual(3);
    for (const workspace of WORKSPACES) expect(copies, workspace).toContain(`${workspace}/package.json`);
  });

  it('runs as a numeric non-root user, with a health check and the router as the default command', () => {
    const user = inStage('runtime', 'USER');
    expect(user).toHaveLength(1);
    const [uid] = (user[0] ?? '').split(':');
    expect(Number(uid)).toBeGreaterThan(0); // numeric: Kubernetes runAsNonRoot can verify it
    expect(dockerfile.instructions.at(-1)?.keyword).toBe('CMD');
    const healthcheck = inStage('runtime', 'HEALTHCHECK');
    expect(healthcheck).toHaveLength(1);
    const script = /"(deploy\/docker\/healthcheck\.mjs)"/.exec(healthcheck[0] ?? '')?.[1];
    expect(script).toBeDefined();
    expect(existsSync(resolve(REPO_ROOT, script ?? ''))).toBe(true);
    expect(JSON.parse(inStage('runtime', 'CMD')[0] ?? '[]')).toEqual(['node', 'apps/router/bin/sluice-router.js']);
    expect(inStage('runtime', 'EXPOSE')).toEqual(['8080']);
  });

  it('ships the three entry points and every source file they load (present, copied, not ignored)', () => {
    const copied = inStage('runtime', 'COPY')
      .filter((args) => !args.startsWith('--from'))
      .map((args) => args.split(/\s+/)[0] ?? '');
    for (const source of copied) {
      expect(existsSync(resolve(REPO_ROOT, source)), source).toBe(true);
      expect(ignored(source), `${source} is excluded by .dockerignore`).toBe(false);
    }
    const closure = runtimeClosure(REPO_ROOT, ENTRY_POINTS, WORKSPACES);
    expect(closure.files).toEqual(expect.arrayContaining(ENTRY_POINTS));
    for (const file of closure.files) {
      expect(copied.some((dir) => file === dir || file.startsWith(`${dir}/`)), `${file} is not copied into the image`).toBe(true);
      expect(ignored(file), `${file} is excluded by .dockerignore`).toBe(false);
    }
    for (const path of ['node_modules', 'apps/router/node_modules', '.git', 'apps/router/test/x.test.ts']) expect(ignored(path), path).toBe(true);
  });

  it('npm ci --omit=dev installs every package the binaries import (tsx included)', () => {
    const closure = runtimeClosure(REPO_ROOT, ENTRY_POINTS, WORKSPACES);
    expect([...closure.packages.keys()]).toContain('tsx');
    const devOnly: string[] = [];
    for (const [name, users] of closure.packages) {
      const entry = lock.packages[`node_modules/${name}`];
      expect(entry, `${name} (imported by ${users[0]}) is not in package-lock.json`).toBeDefined();
      if (entry?.dev === true && KNOWN_DEV_IMPORTS[name] === undefined) devOnly.push(`${name} ← ${users.join(', ')}`);
      if (entry?.dev === true && KNOWN_DEV_IMPORTS[name] !== undefined) expect(users).toContain(KNOWN_DEV_IMPORTS[name]);
    }
    expect(devOnly, 'dev-only packages imported at run time (missing from the image)').toEqual([]);
    // The allow-list shrinks: an entry whose package is no longer imported at run time must go.
    for (const name of Object.keys(KNOWN_DEV_IMPORTS)) expect(closure.packages.has(name), `remove ${name} from KNOWN_DEV_IMPORTS`).toBe(true);
    // Each binary's own workspace declares tsx as a runtime dependency (the shims import tsx/esm/api).
    for (const entry of ENTRY_POINTS) {
      const workspace = WORKSPACES.find((w) => entry.startsWith(`${w}/`)) ?? '';
      const manifest = JSON.parse(read(`${workspace}/package.json`)) as { dependencies?: Record<string, string> };
      expect(manifest.dependencies?.['tsx'], `${workspace} dependencies.tsx`).toBeDefined();
    }
  });
});
