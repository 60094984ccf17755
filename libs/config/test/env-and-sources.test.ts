import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { configPathFromArgs, loadRouterConfig, summarizeConfig } from '../src/index.ts';
import { EXAMPLE_FILE, exampleObject, issuesOf, loadObject } from './helpers.ts';

type Raw = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('environment overrides', () => {
  it('PORT and REDIS_URL win over the file and are listed in the provenance', () => {
    const config = loadRouterConfig({ file: EXAMPLE_FILE, env: { PORT: '9191', REDIS_URL: 'rediss://:pw@redis.internal:6380/2' } });
    expect(config.server.port).toBe(9191);
    expect(config.redis).toMatchObject({ mode: 'single', url: 'rediss://:pw@redis.internal:6380/2' });
    expect(config.provenance.envOverrides).toEqual(['PORT', 'REDIS_URL']);
    expect(summarizeConfig(config)).toContain('env overrides: PORT, REDIS_URL');
  });

  it('REDIS_URL turns a memory-mode file into redis mode, and replaces a cluster section', () => {
    const raw = exampleObject() as Raw;
    delete raw.redis;
    expect(loadObject(raw, { REDIS_URL: 'redis://127.0.0.1:6379' }).redis).toMatchObject({ mode: 'single', url: 'redis://127.0.0.1:6379' });
    raw.redis = { cluster: { nodes: ['10.0.0.1:7000'] } };
    expect(loadObject(raw, { REDIS_URL: 'redis://127.0.0.1:6379' }).redis).toMatchObject({ mode: 'single' });
  });

  it('empty env values count as unset', () => {
    const config = loadRouterConfig({ file: EXAMPLE_FILE, env: { PORT: '', REDIS_URL: '  ' } });
    expect(config.server.port).toBe(8080);
    expect(config.redis).toMatchObject({ url: 'redis://127.0.0.1:6379/0' });
    expect(config.provenance.envOverrides).toEqual([]);
  });

  it('PORT=0 is allowed (any free port, for tests)', () => {
    expect(loadRouterConfig({ file: EXAMPLE_FILE, env: { PORT: '0' } }).server.port).toBe(0);
  });

  it('invalid env values are errors under env.*', () => {
    const issues = issuesOf(() =>
      loadRouterConfig({ file: EXAMPLE_FILE, env: { PORT: '80a', REDIS_URL: 'localhost:6379', LOG_LEVEL: 'loud', OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' } }),
    );
    expect(issues.map((issue) => issue.path)).toEqual(['env.PORT', 'env.REDIS_URL', 'env.LOG_LEVEL', 'env.OTEL_EXPORTER_OTLP_ENDPOINT']);
    expect(issues[0]?.message).toBe('must be an integer port 0-65535, got "80a"');
    expect(issues.every((issue) => issue.line === undefined)).toBe(true);
  });

  it('LOG_LEVEL and OTEL_EXPORTER_OTLP_ENDPOINT override logging and tracing', () => {
    const config = loadRouterConfig({ file: EXAMPLE_FILE, env: { LOG_LEVEL: 'debug', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318' } });
    expect(config.logging.level).toBe('debug');
    expect(config.tracing).toEqual({ otlpEndpoint: 'http://jaeger:4318', serviceName: 'sluice-router', sampleRatio: 1 });
  });
});

describe('config sources', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the file named by SLUICE_CONFIG', () => {
    const file = join(dir, 'from-env.yaml');
    const raw = exampleObject() as Raw;
    raw.pool.name = 'from-env';
    writeFileSync(file, stringify(raw));
    const config = loadRouterConfig({ env: { SLUICE_CONFIG: file } });
    expect(config.pool.name).toBe('from-env');
    expect(config.provenance.source).toBe(file);
  });

  it('an explicit file wins over SLUICE_CONFIG', () => {
    expect(loadRouterConfig({ file: EXAMPLE_FILE, env: { SLUICE_CONFIG: join(dir, 'missing.yaml') } }).pool.name).toBe('demo');
  });

  it('a missing file and a missing config are clear errors', () => {
    expect(() => loadRouterConfig({ file: join(dir, 'nope.yaml'), env: {} })).toThrow(/cannot read config file: .*ENOENT/);
    expect(() => loadRouterConfig({ env: {} })).toThrow('no config given: pass --config FILE or set SLUICE_CONFIG');
  });

  it('configPathFromArgs reads --config FILE, --config=FILE, then SLUICE_CONFIG', () => {
    expect(configPathFromArgs(['--config', 'a.yaml'], { SLUICE_CONFIG: 'b.yaml' })).toBe('a.yaml');
    expect(configPathFromArgs(['--port', '1', '--config=c.yaml'], {})).toBe('c.yaml');
    expect(configPathFromArgs([], { SLUICE_CONFIG: 'b.yaml' })).toBe('b.yaml');
    expect(configPathFromArgs([], {})).toBeUndefined();
  });
});

describe('models, objectives and pools', () => {
  it('criticality priorities default to 100/0/-10/-10 and can be changed', () => {
    const raw = exampleObject() as Raw;
    raw.models.push({ modelName: 'batch', criticality: 'Sheddable' }, { modelName: 'bulk', criticality: 'Schedulable' }, { modelName: 'plain' });
    const defaults = loadObject(raw);
    expect(defaults.criticalityPriorities).toEqual({ Critical: 100, Standard: 0, Sheddable: -10, Schedulable: -10 });
    expect(defaults.models.map((m) => [m.modelName, m.criticality, m.priority])).toEqual([
      ['qwen', 'Critical', 100],
      ['travel-helper', 'Standard', 0],
      ['batch', 'Sheddable', -10],
      ['bulk', 'Schedulable', -10],
      ['plain', 'Standard', 0],
    ]);
    raw.criticalityPriorities = { Critical: 50, Schedulable: -20 };
    const changed = loadObject(raw);
    expect(changed.criticalityPriorities).toEqual({ Critical: 50, Standard: 0, Sheddable: -10, Schedulable: -20 });
    expect(changed.models.find((m) => m.modelName === 'qwen')?.priority).toBe(50);
  });

  it("a model's objective overrides its criticality's priority", () => {
    const raw = exampleObject() as Raw;
    raw.models[1].objective = 'best-effort-traffic';
    expect(loadObject(raw).models[1]).toMatchObject({ criticality: 'Standard', objective: 'best-effort-traffic', priority: -10 });
  });

  it('a model without targets routes to itself; unweighted targets get weight 1', () => {
    const raw = exampleObject() as Raw;
    raw.models = [{ modelName: 'llama' }, { modelName: 'mix', targetModels: [{ name: 'a' }, { name: 'b' }] }];
    expect(loadObject(raw).models.map((m) => m.targetModels)).toEqual([
      [{ name: 'llama', weight: 1 }],
      [
        { name: 'a', weight: 1 },
        { name: 'b', weight: 1 },
      ],
    ]);
  });

  it('DNS discovery resolves with a default refresh', () => {
    const raw = exampleObject() as Raw;
    raw.pool = { name: 'vllm', dns: { name: 'vllm.default.svc.cluster.local', port: 8000 } };
    const config = loadObject(raw);
    expect(config.pool.discovery).toEqual({ kind: 'dns', name: 'vllm.default.svc.cluster.local', port: 8000, refreshMs: 5000 });
    expect(config.pool.healthCheck).toEqual({ path: '/health', intervalMs: 1000, timeoutMs: 500, failureThreshold: 3, backoffInitialMs: 250, backoffMaxMs: 10_000 });
  });

  it('sentinel connections resolve to host/port lists', () => {
    const raw = exampleObject() as Raw;
    raw.redis = { sentinel: { name: 'mymaster', nodes: ['10.0.0.1:26379', '[fd00::2]:26379'], db: 1 }, connectTimeout: '2s' };
    const config = loadObject(raw);
    expect(config.redis).toEqual({
      mode: 'sentinel',
      name: 'mymaster',
      sentinels: [
        { host: '10.0.0.1', port: 26379 },
        { host: 'fd00::2', port: 26379 },
      ],
      db: 1,
      connectTimeoutMs: 2000,
      autoPipelining: false,
    });
    expect(summarizeConfig(config)).toContain('mode: redis sentinel "mymaster" via 10.0.0.1:26379, [fd00::2]:26379');
  });
});
