/**
 * The embedded default (`npm start`): 4 simulated vLLM pods (profile qwen3-32b-h100-tp2 serving
 * Qwen/Qwen3-32B plus the LoRA adapter travel-helper-v1) on 127.0.0.1:8001-8004, and one router on
 * :8080 in front of them (config/embedded.yaml). REDIS_URL set → Redis flow control; unset → memory.
 * Prints a banner with working curl commands. Ctrl-C / SIGTERM drains the router, then stops the pods.
 *
 * Environment: PORT (router, default 8080), SIM_BASE_PORT (default 8001), SIM_TIME_SCALE (default 1),
 * REDIS_URL, LOG_LEVEL.
 */
import { fileURLToPath } from 'node:url';
import { loadRouterConfig, parseHostPort } from '@sluice/config';
import { startSimFleet } from '@sluice/testing';
import { startRouter } from './runtime.ts';

const CONFIG_FILE = fileURLToPath(new URL('../config/embedded.yaml', import.meta.url));
const basePort = Number(process.env['SIM_BASE_PORT'] ?? '8001');
const timeScale = Number(process.env['SIM_TIME_SCALE'] ?? '1');
if (!Number.isInteger(basePort) || basePort < 1 || basePort > 65532) throw new Error(`SIM_BASE_PORT must be a port number, got ${process.env['SIM_BASE_PORT']}`);
if (!Number.isFinite(timeScale) || timeScale <= 0) throw new Error(`SIM_TIME_SCALE must be a positive number, got ${process.env['SIM_TIME_SCALE']}`);

const fleet = await startSimFleet({
  count: 4,
  profile: 'qwen3-32b-h100-tp2',
  timeScale,
  basePort,
  namePrefix: 'pod',
  args: ['--lora-modules', 'travel-helper-v1', '--max-loras', '2'],
});

let router;
try {
  const config = loadRouterConfig({ file: CONFIG_FILE, env: process.env });
  const endpoints = fleet.pods.map((p) => parseHostPort(p.address)!);
  router = await startRouter({ config: { ...config, pool: { ...config.pool, discovery: { kind: 'static', endpoints } } }, env: process.env });
} catch (error) {
  await fleet.stop();
  throw error;
}
const base = `http://localhost:${router.port}`;
const mode = router.deps.storeMode === 'redis' ? 'Redis (REDIS_URL): flow control shared by every replica' : 'in-memory, single replica (set REDIS_URL for shared Redis flow control)';
console.log(`
  Sluice router ready on ${base}   flow control: ${mode}
  Pool: ${fleet.pods.map((p) => `${p.name} ${p.address}`).join(', ')}   (simulated vLLM, Qwen/Qwen3-32B)
  Models: qwen (Critical) → Qwen/Qwen3-32B, travel-helper (Standard) → travel-helper-v1
  Dashboard: ${base}/dashboard   (live queues, per-pod load and cache hits, routing decisions)

  Try:
    curl -s ${base}/v1/chat/completions -H 'content-type: application/json' \\
      -d '{"model":"qwen","messages":[{"role":"user","content":"Hello!"}],"max_tokens":16}'
    curl -sN ${base}/v1/completions -H 'content-type: application/json' \\
      -H 'x-gateway-inference-fairness-id: tenant-b' -H 'x-gateway-inference-objective: best-effort-traffic' \\
      -d '{"model":"travel-helper","prompt":"Plan a weekend in Lisbon","max_tokens":16,"stream":true}'
    curl -s ${base}/admin/state      curl -s ${base}/metrics      curl -s ${base}/v1/models

  Ctrl-C drains and stops everything.
`);

let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  void router
    .shutdown(5000)
    .finally(() => fleet.stop())
    .then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
