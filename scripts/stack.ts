/**
 * `npm run stack [-- --free-ports] [-- --builtin-gateway]`: the docker-compose.yml topology as local
 * processes, from the same config files (deploy/router/router.yaml, deploy/nginx/nginx.conf):
 * redis-server, 4 sluice-sim, 2 sluice-router sharing that Redis, and the gateway (nginx when on
 * PATH, else the built-in round-robin proxy). Prometheus, Grafana and Jaeger run only in compose.
 * Ctrl-C stops everything. Topology: deploy/src/topology.ts; runner: deploy/src/stack-runner.ts.
 */
import { startStack } from '../deploy/src/stack-runner.ts';

const args = new Set(process.argv.slice(2));
for (const arg of args) {
  if (arg !== '--free-ports' && arg !== '--builtin-gateway' && arg !== '--quiet') {
    console.error(`usage: npm run stack [-- --free-ports] [--builtin-gateway] [--quiet]   (unknown argument ${arg})`);
    process.exit(2);
  }
}
const quiet = args.has('--quiet');
const stack = await startStack({
  ports: args.has('--free-ports') ? 'free' : 'default',
  gateway: args.has('--builtin-gateway') ? 'builtin' : 'auto',
  log: (line) => {
    if (!quiet || !line.startsWith('[')) console.log(line);
  },
});
const { topology } = stack;
const model = 'Qwen/Qwen3-32B';
console.log(`
Sluice stack is up (same topology and config files as docker-compose.yml):
  gateway (OpenAI API)   ${stack.gatewayUrl}/v1    (${stack.gatewayKind})
${topology.routers.map((r) => `  ${r.name.padEnd(22)} http://127.0.0.1:${r.port}   /admin/state  /metrics`).join('\n')}
${topology.sims.map((s) => `  ${s.name.padEnd(22)} http://127.0.0.1:${s.port}   /metrics`).join('\n')}
  redis                  ${stack.redisUrl}
  router config          ${stack.routerConfigPath}
  prometheus, grafana, jaeger: skipped locally (docker compose up runs them; see deploy/README.md)

Try:
  curl -s ${stack.gatewayUrl}/v1/chat/completions -H 'content-type: application/json' \\
    -H 'x-gateway-inference-fairness-id: tenant-a' \\
    -d '{"model":"${model}","messages":[{"role":"user","content":"hello"}],"max_tokens":16}'
  npx sluice-bench run --scenario smoke --target ${stack.gatewayUrl} --out /tmp/sluice-smoke

Ctrl-C stops the stack.`);

let stopping = false;
const shutdown = (): void => {
  if (stopping) return;
  stopping = true;
  console.log('stopping the stack…');
  void stack.stop().then(() => process.exit(0));
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
