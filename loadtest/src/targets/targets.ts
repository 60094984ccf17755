import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ChildRegistry, stopChild, waitFor } from '@sluice/testing';
import type { SimPod } from '@sluice/testing';
import type { TargetEndpoint } from '../run/run-scenario.ts';
import type { BalancePolicy } from './builtin-proxy.ts';
import { nginxVersion, startNginx } from './nginx.ts';
import { parseSluiceVariant, startRouters } from './sluice-router.ts';
import type { SluiceVariant } from './sluice-router.ts';

/**
 * The targets `sluice-bench compare` knows. Each starter gets the simulated pods and returns a
 * running target; adding one (e.g. the real `sluice` router) means adding one starter here.
 */
export interface StartedTarget extends TargetEndpoint {
  stop(): Promise<void>;
}

export interface TargetContext {
  pods: SimPod[];
  /** Router replicas for `sluice` (K). */
  replicas: number;
  /** Use the built-in proxy even when nginx is on PATH. */
  forceBuiltinProxy: boolean;
}

export interface TargetDefinition {
  /** Whether the target needs Redis (then `compare` starts one with @sluice/testing startRedis). */
  needsRedis: boolean;
  /** Why the target cannot run here (checked before anything is started), or null. */
  unavailable?: () => string | null;
  start(ctx: TargetContext, redisUrl: string | null): Promise<StartedTarget>;
}

const PROXY_BIN = fileURLToPath(new URL('../../bin/sluice-bench-proxy.js', import.meta.url));

function metricsUrls(pods: readonly SimPod[]): string[] {
  return pods.map((p) => `${p.url}/metrics`);
}

async function balancer(ctx: TargetContext, name: string, policy: BalancePolicy): Promise<StartedTarget> {
  const upstreams = ctx.pods.map((p) => p.url);
  if (!ctx.forceBuiltinProxy && nginxVersion() !== null) {
    const nginx = await startNginx(upstreams, policy === 'least-request');
    const how = policy === 'least-request' ? 'upstream least_conn' : 'upstream round robin';
    return { name, baseUrl: nginx.url, metricsUrls: metricsUrls(ctx.pods), implementation: `${nginx.version} ${how} over ${ctx.pods.length} pods`, stop: nginx.stop };
  }
  const proxy = await startProxyProcess(policy, upstreams);
  const how = policy === 'least-request' ? 'least-outstanding-requests' : 'round robin';
  return { name, baseUrl: proxy.url, metricsUrls: metricsUrls(ctx.pods), implementation: `built-in node proxy (${how}; ${ctx.forceBuiltinProxy ? '--builtin-proxy' : 'nginx not on PATH'}) over ${ctx.pods.length} pods`, stop: proxy.stop };
}

/** Runs the built-in proxy in its own process and waits for its `listening <url>` line. */
export async function startProxyProcess(policy: BalancePolicy, upstreams: readonly string[]): Promise<{ url: string; stop(): Promise<void> }> {
  const registry = new ChildRegistry();
  const child = spawn(process.execPath, [PROXY_BIN, policy, ...upstreams], { stdio: ['ignore', 'pipe', 'pipe'] });
  registry.add(child);
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  try {
    const url = await waitFor(
      () => {
        if (child.exitCode !== null) throw new Error(`proxy exited with ${child.exitCode}: ${output}`);
        return /listening (\S+)/u.exec(output)?.[1];
      },
      { timeoutMs: 15_000, what: 'the built-in proxy to listen' },
    );
    return { url, stop: async () => await registry.stopAll(2000) };
  } catch (error) {
    await stopChild(child, 500);
    throw error;
  }
}

/**
 * `sluice` variants (see parseSluiceVariant): K router processes over the pods; with K > 1 the
 * built-in round-robin proxy spreads clients over them, as a Kubernetes Service would.
 */
function sluiceTarget(name: string, fixed: SluiceVariant | null): TargetDefinition {
  const variantOf = (ctx: TargetContext): SluiceVariant => fixed ?? parseSluiceVariant(name, ctx.replicas)!;
  return {
    // Plain `sluice` asks for Redis only through --replicas > 1; `compare` reads this before start.
    needsRedis: fixed?.redis ?? true,
    start: async (ctx, redisUrl) => {
      const variant = variantOf(ctx);
      const routers = await startRouters(ctx.pods, variant, variant.redis ? redisUrl : null);
      const what = `${variant.replicas} × sluice-router (${variant.redis ? 'Redis' : 'memory'} flow control, ${variant.prefixIndex} prefix index, ${variant.weights === 'prefix-only' ? 'prefix-cache-scorer only' : 'queue 2 + kv 2 + prefix 3'}) over ${ctx.pods.length} pods`;
      if (routers.urls.length === 1) return { name, baseUrl: routers.urls[0]!, metricsUrls: metricsUrls(ctx.pods), implementation: what, stop: routers.stop };
      try {
        const front = await startProxyProcess('round-robin', routers.urls);
        return {
          name,
          baseUrl: front.url,
          metricsUrls: metricsUrls(ctx.pods),
          implementation: `${what}, behind the built-in round-robin proxy`,
          stop: async () => {
            await front.stop();
            await routers.stop();
          },
        };
      } catch (error) {
        await routers.stop();
        throw error;
      }
    },
  };
}

export const TARGETS: Readonly<Record<string, TargetDefinition>> = {
  direct: {
    needsRedis: false,
    start: async (ctx) => {
      const pod = ctx.pods[0];
      if (pod === undefined) throw new Error('direct needs a pod');
      return { name: 'direct', baseUrl: pod.url, metricsUrls: [`${pod.url}/metrics`], implementation: `direct to one pod (${pod.name}), no balancer`, stop: async () => {} };
    },
  },
  'round-robin': { needsRedis: false, start: async (ctx) => await balancer(ctx, 'round-robin', 'round-robin') },
  'least-request': { needsRedis: false, start: async (ctx) => await balancer(ctx, 'least-request', 'least-request') },
  sluice: sluiceTarget('sluice', null),
};

/** A target by name; `sluice-K`, `sluice:K` and the suffixed sluice variants are built on demand. */
export function targetDefinition(name: string): TargetDefinition {
  const variant = name === 'sluice' ? null : parseSluiceVariant(name);
  if (variant !== null) return sluiceTarget(name, variant);
  const definition = TARGETS[name];
  if (definition === undefined) throw new Error(`unknown target "${name}" (known: ${Object.keys(TARGETS).join(', ')})`);
  return definition;
}
