import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ChildRegistry, freePort, waitFor } from '@sluice/testing';
import type { SimPod } from '@sluice/testing';

/** The `sluice-router` bin shim (apps/router). */
export const ROUTER_BIN = fileURLToPath(new URL('../../../apps/router/bin/sluice-router.js', import.meta.url));

/**
 * A `sluice` target variant, parsed from its name:
 *   sluice            1 replica, memory mode (no Redis), local prefix index
 *   sluice-K | sluice:K   K replicas sharing one Redis, global prefix index
 *   suffixes: `-local` / `-global` (prefix index), `-redis` (use Redis even for K = 1),
 *             `-prefix-only` (prefix-cache-scorer alone: the hot-spot demonstration)
 * e.g. `sluice-3-local`, `sluice:1-redis`.
 */
export interface SluiceVariant {
  readonly replicas: number;
  readonly redis: boolean;
  readonly prefixIndex: 'local' | 'global';
  readonly weights: 'default' | 'prefix-only';
}

const VARIANT = /^sluice(?:[-:](\d+))?((?:-(?:local|global|redis|prefix-only))*)$/;

/** Parses a target name; null when it is not a sluice variant. `defaultReplicas` applies to plain `sluice` (the --replicas flag). */
export function parseSluiceVariant(name: string, defaultReplicas = 1): SluiceVariant | null {
  const m = VARIANT.exec(name);
  if (m === null) return null;
  const replicas = m[1] === undefined ? defaultReplicas : Number(m[1]);
  if (!Number.isInteger(replicas) || replicas < 1 || replicas > 16) throw new Error(`target "${name}": replicas must be 1..16`);
  const flags = new Set((m[2] ?? '').split('-').filter((f) => f.length > 0));
  if (flags.has('prefix')) flags.add('prefix-only');
  const redis = replicas > 1 || flags.has('redis') || flags.has('global');
  const prefixIndex = flags.has('local') ? 'local' : redis ? 'global' : 'local';
  return { replicas, redis, prefixIndex, weights: flags.has('prefix-only') ? 'prefix-only' : 'default' };
}

/**
 * The router config for a benchmark over `pods` serving `model`: static endpoints, fast health
 * checks, no flow-control queueing (the baselines do not queue either), the llm-d default scoring
 * (queue 2, kv 2, prefix 3) or prefix-only, and the chosen prefix index.
 */
export function benchRouterConfig(pods: readonly SimPod[], model: string, variant: SluiceVariant, redisUrl: string | null): Record<string, unknown> {
  const prefixParams = { prefixIndex: variant.prefixIndex };
  const plugins: Record<string, unknown>[] = [{ type: 'approx-prefix-cache-producer', parameters: prefixParams }];
  const profiles: Record<string, unknown>[] = [];
  if (variant.weights === 'prefix-only') {
    plugins.push({ type: 'health-filter' }, { type: 'prefix-cache-scorer' }, { type: 'max-score-picker' });
    profiles.push({ name: 'default', plugins: [{ pluginRef: 'health-filter' }, { pluginRef: 'prefix-cache-scorer', weight: 3 }, { pluginRef: 'max-score-picker' }] });
  }
  return {
    apiVersion: 'sluice.dev/v1alpha1',
    kind: 'RouterConfig',
    server: { host: '127.0.0.1', drainTimeout: '2s' },
    ...(variant.redis && redisUrl !== null ? { redis: { url: redisUrl } } : {}),
    pool: {
      name: 'bench',
      endpoints: pods.map((p) => p.address),
      healthCheck: { interval: '1s', timeout: '2s', failureThreshold: 3 },
    },
    proxy: { connectTimeout: '2s', firstByteTimeout: '120s', streamIdleTimeout: '60s', maxRetries: 1 },
    models: [{ modelName: model, criticality: 'Critical', targetModels: [{ name: model, weight: 100 }] }],
    logging: { level: 'warn' },
    endpointPicker: {
      apiVersion: 'llm-d.ai/v1alpha1',
      kind: 'EndpointPickerConfig',
      plugins,
      ...(profiles.length > 0 ? { schedulingProfiles: profiles } : {}),
    },
  };
}

export interface RunningRouters {
  readonly urls: string[];
  stop(): Promise<void>;
}

/** The model the pods serve (first id of the first pod's GET /v1/models). */
export async function podModel(pod: SimPod): Promise<string> {
  const res = await fetch(`${pod.url}/v1/models`);
  const body = (await res.json()) as { data?: { id?: unknown }[] };
  const id = body.data?.[0]?.id;
  if (typeof id !== 'string') throw new Error(`${pod.url}/v1/models lists no model`);
  return id;
}

/**
 * Starts `variant.replicas` sluice-router processes over `pods` (one shared Redis key prefix when
 * `redisUrl` is given) and waits until each answers /readyz. Children are killed by stop() and on
 * process exit (ChildRegistry).
 */
export async function startRouters(pods: readonly SimPod[], variant: SluiceVariant, redisUrl: string | null, extraEnv: Record<string, string> = {}): Promise<RunningRouters> {
  if (variant.redis && redisUrl === null) throw new Error('this sluice variant needs Redis');
  const model = await podModel(pods[0]!);
  const registry = new ChildRegistry();
  const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-router-'));
  const keyPrefix = `bench-${randomBytes(4).toString('hex')}`;
  const urls: string[] = [];
  try {
    for (let i = 0; i < variant.replicas; i++) {
      const port = await freePort();
      const config = benchRouterConfig(pods, model, variant, redisUrl);
      const file = join(dir, `router-${i}.yaml`);
      writeFileSync(file, JSON.stringify({ ...config, server: { ...(config['server'] as object), port, replicaId: `bench-r${i}` } }));
      const env: Record<string, string | undefined> = { ...process.env, SLUICE_REDIS_KEY_PREFIX: keyPrefix, ...extraEnv };
      if (variant.redis && redisUrl !== null) env['REDIS_URL'] = redisUrl;
      else delete env['REDIS_URL'];
      const child = spawn(process.execPath, [ROUTER_BIN, '--config', file], { stdio: ['ignore', 'pipe', 'pipe'], env });
      registry.add(child);
      let output = '';
      child.stdout?.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-8000)));
      child.stderr?.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-8000)));
      const url = `http://127.0.0.1:${port}`;
      await waitFor(
        async () => {
          if (child.exitCode !== null) throw new Error(`sluice-router exited ${child.exitCode}: ${output}`);
          const res = await fetch(`${url}/readyz`).catch(() => null);
          await res?.arrayBuffer();
          return res?.status === 200;
        },
        { timeoutMs: 30_000, what: `sluice-router ${i} on ${port} to be ready` },
      );
      urls.push(url);
    }
  } catch (error) {
    await registry.stopAll(2000);
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    urls,
    stop: async () => {
      await appendRouterStats(variantLabel(variant), urls);
      await registry.stopAll(5000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * When SLUICE_BENCH_ROUTER_STATS names a file, appends one JSON line per router before it stops:
 * its /admin/decisions header (prefix-index lookup/record latency quantiles, scrape role). The
 * scheduling benchmark reads it; nothing else does.
 */
async function appendRouterStats(variant: string, urls: readonly string[]): Promise<void> {
  const file = process.env['SLUICE_BENCH_ROUTER_STATS'];
  if (file === undefined || file.length === 0) return;
  for (const url of urls) {
    try {
      const body = (await (await fetch(`${url}/admin/decisions?limit=0`, { signal: AbortSignal.timeout(2000) })).json()) as Record<string, unknown>;
      appendFileSync(file, `${JSON.stringify({ variant, url, replica: body['replica'], scrapeRole: body['scrapeRole'], prefixIndex: body['prefixIndex'], totalDecisions: body['totalDecisions'] })}\n`);
    } catch {
      // a router that does not answer contributes no stats
    }
  }
}

/** e.g. `3-global-default`: replicas, prefix index, weights. */
export function variantLabel(v: SluiceVariant): string {
  return `${v.replicas}-${v.prefixIndex}-${v.weights}`;
}
