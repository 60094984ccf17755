import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadRouterConfig, parseDuration } from '@sluice/config';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../src/stack-runner.ts';
import { stackTopology, type StackProcess } from '../src/topology.ts';

/**
 * docker-compose.yml and `npm run stack` (deploy/src/topology.ts) must describe the same stack:
 * same commands, config files, ports and environment. Compose-only pieces (the `net` namespace
 * holder, prometheus, grafana, jaeger, the bench profile) are checked for consistency too.
 */
type Service = {
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  network_mode?: string;
  ports?: string[];
  healthcheck?: { test?: string[]; disable?: boolean };
  depends_on?: Record<string, { condition: string }>;
  stop_grace_period?: string;
  profiles?: string[];
};
const read = (path: string): string => readFileSync(resolve(REPO_ROOT, path), 'utf8');
const compose = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, Service> };
const services = compose.services;
const topology = stackTopology();
const service = (name: string): Service => {
  const s = services[name];
  if (s === undefined) throw new Error(`docker-compose.yml has no service ${name}`);
  return s;
};
/** `./host/path:/container/path:ro` → [host path relative to the repo, container path]. */
const mounts = (s: Service): Array<[string, string]> =>
  (s.volumes ?? []).map((v) => {
    const [host = '', container = ''] = v.split(':');
    return [host.replace(/^\.\//, ''), container];
  });
const healthUrl = (s: Service): string | undefined => s.healthcheck?.test?.find((arg) => arg.startsWith('http://'));

describe('docker-compose.yml agrees with `npm run stack`', () => {
  it('declares exactly the topology services plus the compose-only ones', () => {
    const expected = [topology.redis, ...topology.sims, ...topology.routers, topology.gateway].map((p) => p.name);
    expect(Object.keys(services).sort()).toEqual([...expected, 'net', 'prometheus', 'grafana', 'jaeger', 'bench'].sort());
    for (const [name, s] of Object.entries(services)) if (name !== 'net') expect(s.network_mode, name).toBe('service:net');
  });

  it('runs the same commands, from files that exist in the repository', () => {
    for (const proc of [topology.redis, ...topology.sims, ...topology.routers, topology.gateway]) {
      expect(service(proc.name).command, proc.name).toEqual(proc.argv);
      if (proc.argv[0] === 'node') expect(existsSync(resolve(REPO_ROOT, proc.argv[1] ?? '')), proc.argv[1]).toBe(true);
    }
    const bench = service('bench');
    expect(bench.profiles).toEqual(['bench']);
    expect(existsSync(resolve(REPO_ROOT, bench.command?.[1] ?? ''))).toBe(true);
    const scenario = bench.command?.[bench.command.indexOf('--scenario') + 1];
    expect(existsSync(resolve(REPO_ROOT, `loadtest/scenarios/${scenario}.yaml`)), `scenario ${scenario}`).toBe(true);
    expect(bench.command?.[bench.command.indexOf('--target') + 1]).toBe(`http://127.0.0.1:${topology.gateway.port}`);
  });

  it('mounts the same config files the local stack reads, at the paths the commands name', () => {
    const expectMount = (s: Service, file: string, containerPath: string): void => {
      expect(existsSync(resolve(REPO_ROOT, file)), file).toBe(true);
      expect(mounts(s)).toContainEqual([file, containerPath]);
    };
    for (const router of topology.routers) expectMount(service(router.name), topology.files.routerConfig, `/app/${topology.files.routerConfig}`);
    expectMount(service('gateway'), topology.files.nginxConf, topology.gateway.argv[topology.gateway.argv.indexOf('-c') + 1] ?? '');
    expectMount(service('prometheus'), topology.files.prometheusConfig, '/etc/prometheus/prometheus.yml');
    expectMount(service('grafana'), topology.files.grafanaProvisioning, '/etc/grafana/provisioning');
    expectMount(service('grafana'), topology.files.grafanaDashboards, '/var/lib/grafana/dashboards');
    for (const [name, s] of Object.entries(services)) for (const [host] of mounts(s)) expect(existsSync(resolve(REPO_ROOT, host)), `${name}: ${host}`).toBe(true);
  });

  it('sets the same environment on the routers and sims (plus the OTLP endpoint of the compose-only jaeger)', () => {
    for (const router of topology.routers) {
      const { OTEL_EXPORTER_OTLP_ENDPOINT: otlp, ...env } = service(router.name).environment ?? {};
      expect(env, router.name).toEqual(router.env);
      expect(otlp).toBe(`http://127.0.0.1:${topology.observability.otlpHttp}`);
    }
    // The sims export their engine spans to the same receiver, so one trace spans router → engine.
    for (const sim of topology.sims) {
      const { OTEL_EXPORTER_OTLP_ENDPOINT: otlp, ...env } = service(sim.name).environment ?? {};
      expect(env, sim.name).toEqual(sim.env);
      expect(otlp, sim.name).toBe(`http://127.0.0.1:${topology.observability.otlpHttp}`);
    }
  });

  it('health checks probe the ports and paths the local stack waits on; start order follows them', () => {
    const check = (proc: StackProcess): void => {
      if (proc.readyPath !== null) expect(healthUrl(service(proc.name)), proc.name).toBe(`http://127.0.0.1:${proc.port}${proc.readyPath}`);
    };
    [...topology.sims, ...topology.routers, topology.gateway].forEach(check);
    expect(service('redis').healthcheck?.test).toEqual(['CMD', 'redis-cli', '-p', String(topology.redis.port), 'ping']);
    for (const router of topology.routers) {
      const deps = service(router.name).depends_on ?? {};
      for (const dep of [topology.redis, ...topology.sims]) expect(deps[dep.name]?.condition, `${router.name} → ${dep.name}`).toBe('service_healthy');
    }
    for (const router of topology.routers) expect(service('gateway').depends_on?.[router.name]?.condition).toBe('service_healthy');
  });

  it('router.yaml lists the sims, and each router resolves to its own port and the shared Redis', () => {
    for (const router of topology.routers) {
      const config = loadRouterConfig({ file: resolve(REPO_ROOT, topology.files.routerConfig), env: router.env });
      expect(config.server.port).toBe(router.port);
      expect(JSON.stringify(config.redis)).toContain(`127.0.0.1`);
      expect(JSON.stringify(config.redis)).toContain(String(topology.redis.port));
      expect(config.pool.discovery).toMatchObject({ kind: 'static' });
      const endpoints = config.pool.discovery.kind === 'static' ? config.pool.discovery.endpoints.map((e) => `${e.host}:${e.port}`) : [];
      expect(endpoints).toEqual(topology.sims.map((s) => `127.0.0.1:${s.port}`));
      // compose waits longer than the router drains before it SIGKILLs.
      expect(parseDuration(service(router.name).stop_grace_period ?? '0s')).toBeGreaterThan(config.server.drainTimeoutMs);
    }
  });

  it('nginx.conf listens on the gateway port and balances over the router ports', () => {
    const conf = read(topology.files.nginxConf);
    expect(conf).toMatch(new RegExp(`^\\s*listen ${topology.gateway.port};`, 'm'));
    const upstreams = [...conf.matchAll(/^\s*server 127\.0\.0\.1:(\d+)/gm)].map((m) => Number(m[1]));
    expect(upstreams).toEqual(topology.routers.map((r) => r.port));
  });

  it('prometheus scrapes every router and sim; grafana reads that prometheus; net publishes the URLs', () => {
    const prometheus = parse(read(topology.files.prometheusConfig)) as { scrape_configs: Array<{ job_name: string; static_configs: Array<{ targets: string[] }> }> };
    const targets = (job: string): string[] => prometheus.scrape_configs.find((c) => c.job_name === job)?.static_configs.flatMap((s) => s.targets) ?? [];
    expect(targets('sluice-router')).toEqual(topology.routers.map((r) => `127.0.0.1:${r.port}`));
    expect(targets('model-server')).toEqual(topology.sims.map((s) => `127.0.0.1:${s.port}`));
    expect(service('prometheus').command).toContain(`--web.listen-address=0.0.0.0:${topology.observability.prometheus}`);
    const datasource = parse(read(`${topology.files.grafanaProvisioning}/datasources/prometheus.yaml`)) as { datasources: Array<{ url: string }> };
    expect(datasource.datasources[0]?.url).toBe(`http://127.0.0.1:${topology.observability.prometheus}`);
    expect(service('grafana').environment?.['GF_SERVER_HTTP_PORT']).toBe(String(topology.observability.grafana));
    const published = (service('net').ports ?? []).map((p) => Number(p.split(':')[1]));
    const o = topology.observability;
    expect(published.sort()).toEqual([topology.gateway.port, ...topology.routers.map((r) => r.port), o.prometheus, o.grafana, o.jaegerUi].sort());
  });
});
