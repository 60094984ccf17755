/**
 * The local Sluice stack, described once. docker-compose.yml runs it in containers that share one
 * network namespace (the `net` service), `npm run stack` (scripts/stack.ts) runs it as local
 * processes, and deploy/test/compose-agreement.test.ts checks that docker-compose.yml says exactly
 * what this module says. Paths are relative to the repository root (the image's WORKDIR /app).
 * Every process listens on 127.0.0.1 (or all interfaces) on the ports below.
 */

/** One long-running process of the stack. `argv[0]` is the executable (`node`, `redis-server`, `nginx`). */
export interface StackProcess {
  /** Service name in docker-compose.yml and the prefix of its log lines in `npm run stack`. */
  readonly name: string;
  readonly argv: readonly string[];
  /** Environment variables the process needs on top of the inherited ones. */
  readonly env: Readonly<Record<string, string>>;
  /** TCP port the process listens on. */
  readonly port: number;
  /** HTTP path answering 200 when the process is ready (null: TCP connect is the check). */
  readonly readyPath: string | null;
}

export interface StackTopology {
  readonly redis: StackProcess;
  readonly sims: readonly StackProcess[];
  readonly routers: readonly StackProcess[];
  /** nginx with `nginxConf`; `npm run stack` falls back to the built-in proxy without nginx. */
  readonly gateway: StackProcess;
  /** Files the processes read, relative to the repository root (mounted read-only by compose). */
  readonly files: {
    readonly routerConfig: string;
    readonly nginxConf: string;
    readonly prometheusConfig: string;
    readonly grafanaProvisioning: string;
    readonly grafanaDashboards: string;
  };
  /** Compose-only observability services (skipped by `npm run stack`), by published port. */
  readonly observability: { readonly prometheus: number; readonly grafana: number; readonly jaegerUi: number; readonly otlpHttp: number };
}

export interface TopologyPorts {
  readonly redis: number;
  readonly sims: readonly number[];
  readonly routers: readonly number[];
  readonly gateway: number;
}

/** The ports written in deploy/router/router.yaml, deploy/nginx/nginx.conf and docker-compose.yml. */
export const DEFAULT_PORTS: TopologyPorts = { redis: 6379, sims: [8001, 8002, 8003, 8004], routers: [8081, 8082], gateway: 8080 };

export const SIM_PROFILE = 'qwen3-32b-h100-tp2';
export const ROUTER_CONFIG = 'deploy/router/router.yaml';
export const NGINX_CONF = 'deploy/nginx/nginx.conf';
/** nginx's -p prefix inside the gateway container (a writable tmpfs). */
export const GATEWAY_PREFIX_IN_CONTAINER = '/tmp/gateway/';

/**
 * Builds the topology. With `ports` other than DEFAULT_PORTS the process list is the same but the
 * config files no longer match the ports: callers must then use localizedRouterConfig() and
 * localizedNginxConf() (scripts/stack.ts --free-ports and the stack test do).
 */
export function stackTopology(ports: TopologyPorts = DEFAULT_PORTS): StackTopology {
  const redisUrl = `redis://127.0.0.1:${ports.redis}`;
  return {
    redis: {
      name: 'redis',
      argv: ['redis-server', '--port', String(ports.redis), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      env: {},
      port: ports.redis,
      readyPath: null,
    },
    sims: ports.sims.map((port, index) => ({
      name: `sim-${index + 1}`,
      argv: ['node', 'apps/model-sim/bin/sluice-sim.js', '--port', String(port), '--profile', SIM_PROFILE, '--pod-name', `sim-${index + 1}`],
      env: {},
      port,
      readyPath: '/health',
    })),
    routers: ports.routers.map((port, index) => ({
      name: `router-${index + 1}`,
      argv: ['node', 'apps/router/bin/sluice-router.js', '--config', ROUTER_CONFIG],
      env: { PORT: String(port), REDIS_URL: redisUrl },
      port,
      readyPath: '/readyz',
    })),
    gateway: {
      name: 'gateway',
      argv: nginxArgv(GATEWAY_PREFIX_IN_CONTAINER, `/app/${NGINX_CONF}`),
      env: {},
      port: ports.gateway,
      readyPath: '/gateway/health',
    },
    files: {
      routerConfig: ROUTER_CONFIG,
      nginxConf: NGINX_CONF,
      prometheusConfig: 'deploy/prometheus/prometheus.yml',
      grafanaProvisioning: 'deploy/grafana/provisioning',
      grafanaDashboards: 'deploy/grafana/dashboards',
    },
    observability: { prometheus: 9090, grafana: 3000, jaegerUi: 16686, otlpHttp: 4318 },
  };
}

/** nginx in the foreground (the conf says `daemon off`), relative paths under `prefix`, errors to stderr. */
export function nginxArgv(prefix: string, confPath: string): string[] {
  return ['nginx', '-p', prefix, '-c', confPath, '-e', 'stderr'];
}

/** Replaces every `127.0.0.1:<default port>` in a config text by the chosen port (sims, routers, redis). */
export function localizePorts(text: string, ports: TopologyPorts): string {
  const mapping = new Map<number, number>();
  DEFAULT_PORTS.sims.forEach((port, i) => mapping.set(port, ports.sims[i] ?? port));
  DEFAULT_PORTS.routers.forEach((port, i) => mapping.set(port, ports.routers[i] ?? port));
  mapping.set(DEFAULT_PORTS.redis, ports.redis);
  return text.replace(/127\.0\.0\.1:(\d+)/g, (whole, port: string) => {
    const to = mapping.get(Number(port));
    return to === undefined ? whole : `127.0.0.1:${to}`;
  });
}

/** nginx.conf with the gateway's `listen` port and the router upstream ports replaced. */
export function localizedNginxConf(text: string, ports: TopologyPorts): string {
  const listen = /^(\s*)listen \d+;/m;
  if (!listen.test(text)) throw new Error('nginx.conf has no "listen <port>;" line');
  return localizePorts(text, ports).replace(listen, `$1listen 127.0.0.1:${ports.gateway};`);
}
