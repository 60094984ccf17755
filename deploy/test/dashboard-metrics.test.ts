import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort, startSimFleet, stopChild, waitFor, type SimFleet } from '@sluice/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricNamesInPromQL } from '../src/promql.ts';
import { REPO_ROOT } from '../src/stack-runner.ts';
import { DEFAULT_PORTS, localizePorts, ROUTER_CONFIG, SIM_PROFILE } from '../src/topology.ts';

/**
 * Every metric the Grafana dashboard queries must exist on a running router's or simulator's
 * /metrics: one sluice-sim and one sluice-router (in-memory mode, the stack's router.yaml with the
 * first endpoint pointed at the sim) on free ports, after one streamed request has gone through.
 */

/** Dashboard metrics that no process exports yet, each with the issue that provides it. Keep short. */
const PROVIDED_LATER: Record<string, string> = {
  // Cross-replica dispatch notice latency (inbox BLPOP pickup − dispatch decision): issue 3 sets
  // its p99 < 5 ms goal and measures it in its bench, but the router does not export it yet.
  sluice_flow_control_cross_replica_dispatch_seconds_bucket: 'issue 3',
};

type Dashboard = { panels: Array<{ title: string; targets?: Array<{ expr: string }> }>; templating: { list: Array<{ definition?: string }> } };
const dashboard = JSON.parse(readFileSync(resolve(REPO_ROOT, 'deploy/grafana/dashboards/sluice.json'), 'utf8')) as Dashboard;
const dashboardMetrics = (): string[] => {
  const names = new Set<string>();
  for (const panel of dashboard.panels) for (const target of panel.targets ?? []) metricNamesInPromQL(target.expr).forEach((n) => names.add(n));
  for (const variable of dashboard.templating.list) if (variable.definition !== undefined) metricNamesInPromQL(variable.definition).forEach((n) => names.add(n));
  return [...names].sort();
};

/** True when the exposition has a sample named `name`, or declares its family (`# TYPE`). */
function exposes(exposition: string, name: string): boolean {
  const family = name.replace(/_(bucket|sum|count)$/, '');
  const lines = exposition.split('\n');
  return lines.some((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `) || line === `# TYPE ${name} counter` || line.startsWith(`# TYPE ${family} `));
}

/**
 * promtool lint findings (exit status 3) we accept, each for a reason outside our naming choices.
 * A parse error (exit 1) or any other finding fails the test.
 */
const ACCEPTED_LINT: ReadonlyArray<{ pattern: RegExp; reason: string }> = [
  // prom-client's collectDefaultMetrics names these gauges with _total; we do not rename its families.
  { pattern: /^nodejs_active_(handles|requests|resources)_total non-counter metrics should not have "_total" suffix$/, reason: 'prom-client default metrics' },
  // vLLM's own metric names contain ':'; the simulator reproduces them exactly (dashboards, scrapers).
  { pattern: /^vllm:\w+ metric names should not contain ':'$/, reason: 'vLLM metric names' },
];

const promtool = spawnSync('promtool', ['--version'], { encoding: 'utf8' }).status === 0;
if (!promtool) console.warn('deploy/dashboard: promtool check SKIPPED — promtool is not on PATH (Debian package "prometheus")');

describe('Grafana dashboard vs live /metrics', () => {
  let fleet: SimFleet | undefined;
  let router: ChildProcess | undefined;
  let routerUrl = '';
  const workDir = mkdtempSync(join(tmpdir(), 'sluice-dashboard-'));
  const expositions: { router: string; sim: string } = { router: '', sim: '' };
  let routerOutput = '';

  beforeAll(async () => {
    fleet = await startSimFleet({ count: 1, profile: SIM_PROFILE, timeScale: 0.05 });
    const sim = fleet.pods[0];
    if (sim === undefined) throw new Error('no sim');
    const routerPort = await freePort();
    // The stack's config; endpoints 2–4 point at closed ports and simply stay unhealthy.
    const unused = await Promise.all([freePort(), freePort(), freePort()]);
    const text = localizePorts(readFileSync(resolve(REPO_ROOT, ROUTER_CONFIG), 'utf8'), { ...DEFAULT_PORTS, sims: [sim.port, ...unused] });
    const configPath = join(workDir, 'router.yaml');
    writeFileSync(configPath, text);
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(routerPort), LOG_LEVEL: 'warn' };
    delete env['REDIS_URL']; // in-memory single-replica mode
    delete env['OTEL_EXPORTER_OTLP_ENDPOINT'];
    router = spawn(process.execPath, ['apps/router/bin/sluice-router.js', '--config', configPath], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    router.stdout?.on('data', (d: Buffer) => (routerOutput += d.toString()));
    router.stderr?.on('data', (d: Buffer) => (routerOutput += d.toString()));
    routerUrl = `http://127.0.0.1:${routerPort}`;
    await waitFor(async () => router?.exitCode === null && (await fetch(`${routerUrl}/readyz`)).ok, { timeoutMs: 30_000, what: `router /readyz (output: ${routerOutput.slice(-500)})`, intervalMs: 100 });
    // Wait until the router has seen the sim healthy, then send one streamed chat request with a
    // prompt long enough for the prefix index (several blocks) and an objective (TTFT per objective).
    await waitFor(async () => (await (await fetch(`${routerUrl}/admin/state`)).text()).includes(`127.0.0.1:${sim.port}`), { timeoutMs: 10_000, what: 'router state lists the sim' });
    const prompt = Array.from({ length: 400 }, (_, i) => `word${i % 50}`).join(' ');
    const response = await fetch(`${routerUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-gateway-inference-objective': 'premium', 'x-gateway-inference-fairness-id': 'tenant-a' },
      body: JSON.stringify({ model: 'Qwen/Qwen3-32B', messages: [{ role: 'user', content: prompt }], max_tokens: 4, stream: true, stream_options: { include_usage: true } }),
    });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('[DONE]');
    expositions.sim = await (await fetch(`${sim.url}/metrics`)).text();
    // The router scrapes pod metrics on a tick; wait for a scrape that saw the sim.
    expositions.router = await waitFor(
      async () => {
        const text = await (await fetch(`${routerUrl}/metrics`)).text();
        return text.includes('inference_pool_per_pod_queue_size{') ? text : undefined;
      },
      { timeoutMs: 10_000, what: 'router /metrics with per-pod gauges' },
    ).catch(async () => (await fetch(`${routerUrl}/metrics`)).text());
  }, 60_000);

  afterAll(async () => {
    if (router !== undefined) await stopChild(router, 5000);
    await fleet?.stop();
    rmSync(workDir, { recursive: true, force: true });
  }, 30_000);

  it('uses only metric names a running router or simulator exposes (or an allow-listed later one)', () => {
    const names = dashboardMetrics();
    expect(names.length).toBeGreaterThan(10);
    const missing = names.filter((name) => !exposes(expositions.router, name) && !exposes(expositions.sim, name) && PROVIDED_LATER[name] === undefined);
    expect(missing).toEqual([]);
    // The allow-list shrinks: a name that is exposed now, or no longer on the dashboard, must leave it.
    for (const name of Object.keys(PROVIDED_LATER)) {
      expect(names, `${name} is not on the dashboard any more`).toContain(name);
      expect(exposes(expositions.router, name) || exposes(expositions.sim, name), `${name} is exposed now: remove it from PROVIDED_LATER`).toBe(false);
    }
  });

  it('has the panels the issue asks for, each with at least one query', () => {
    const titles = dashboard.panels.filter((p) => (p.targets ?? []).length > 0).map((p) => p.title.toLowerCase());
    for (const wanted of ['queue size per band', 'queue size per tenant', 'saturation', 'ttft per objective', 'prefix hit ratio', 'per-pod', 'cross-replica dispatch latency', 'drops by reason']) {
      expect(titles.some((t) => t.includes(wanted)), wanted).toBe(true);
    }
  });

  it.skipIf(!promtool)('promtool check metrics passes on both expositions', () => {
    for (const [name, text] of Object.entries(expositions)) {
      const result = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
      const findings = `${result.stdout}${result.stderr}`.split('\n').filter((line) => line.trim() !== '' && !ACCEPTED_LINT.some((a) => a.pattern.test(line.trim())));
      expect({ name, findings }).toEqual({ name, findings: [] });
      expect([0, 3], `${name}: promtool exit ${result.status}`).toContain(result.status);
    }
  });
});
