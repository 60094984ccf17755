/**
 * `npm run sim:pool`: starts a simulated pool of 4 vLLM-like pods on ports
 * 8001–8004 and prints how to call them. Ctrl-C stops them all.
 *
 * Environment: SIM_PROFILE (default qwen3-32b-h100-tp2), SIM_TIME_SCALE (default 1),
 * SIM_BASE_PORT (default 8001).
 */
import { startSimFleet } from '@sluice/testing';

const profile = process.env['SIM_PROFILE'] ?? 'qwen3-32b-h100-tp2';
const timeScale = Number(process.env['SIM_TIME_SCALE'] ?? '1');
const basePort = Number(process.env['SIM_BASE_PORT'] ?? '8001');
if (!Number.isFinite(timeScale) || timeScale <= 0) throw new Error(`SIM_TIME_SCALE must be a positive number, got ${process.env['SIM_TIME_SCALE']}`);
if (!Number.isInteger(basePort) || basePort < 1 || basePort > 65532) throw new Error(`SIM_BASE_PORT must be a port number, got ${process.env['SIM_BASE_PORT']}`);

const fleet = await startSimFleet({ count: 4, profile, timeScale, basePort, namePrefix: 'pod' });
const models = (await (await fetch(`${fleet.pods[0]!.url}/v1/models`)).json()) as { data: Array<{ id: string }> };
const model = models.data[0]?.id ?? 'unknown';
console.log(`Simulated pool: 4 pods, profile ${profile}, time scale ${timeScale}, model ${model}`);
for (const pod of fleet.pods) console.log(`  ${pod.name}  ${pod.url}   (metrics: ${pod.url}/metrics)`);
console.log(`
Try:
  curl -s ${fleet.pods[0]!.url}/v1/completions -H 'content-type: application/json' \\
    -d '{"model":"${model}","prompt":"hello there","max_tokens":8}'
  curl -sN ${fleet.pods[1]!.url}/v1/chat/completions -H 'content-type: application/json' \\
    -d '{"model":"${model}","messages":[{"role":"user","content":"hi"}],"max_tokens":8,"stream":true}'

Ctrl-C stops the pool.`);

const shutdown = async (): Promise<void> => {
  await fleet.stop();
  process.exit(0);
};
process.once('SIGINT', () => void shutdown());
process.once('SIGTERM', () => void shutdown());
