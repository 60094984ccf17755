import { describe, expect, it } from 'vitest';
import { exampleObject, issuesOf, loadObject } from './helpers.ts';

type Raw = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The example with `pool.endpoints` replaced by `pool.kubernetes: spec`. */
function withKubernetes(spec: Raw): Raw {
  const raw = exampleObject() as Raw;
  delete raw.pool.endpoints;
  raw.pool.kubernetes = spec;
  return raw;
}

describe('pool.kubernetes', () => {
  it('resolves a label-selector source with defaults', () => {
    const config = loadObject(withKubernetes({ labelSelector: 'app=vllm,tier in (a, b),!canary', targetPort: 'http' }));
    expect(config.pool.discovery).toEqual({
      kind: 'kubernetes',
      namespace: null,
      source: { kind: 'labelSelector', labelSelector: 'app=vllm,tier in (a, b),!canary' },
      targetPort: 'http',
      objectives: false,
      apiServer: null,
      restartBackoffMs: 1000,
      watchTimeoutMs: 300_000,
    });
  });

  it('resolves an InferencePool source (targetPort optional, v1 by default)', () => {
    const config = loadObject(withKubernetes({ namespace: 'llm', inferencePool: 'sluice-pool', objectives: true, apiServer: 'http://127.0.0.1:8001', restartBackoff: '250ms', watchTimeout: '90s' }));
    expect(config.pool.discovery).toMatchObject({
      namespace: 'llm',
      source: { kind: 'inferencePool', name: 'sluice-pool', apiVersion: 'inference.networking.k8s.io/v1' },
      targetPort: null,
      objectives: true,
      apiServer: 'http://127.0.0.1:8001',
      restartBackoffMs: 250,
      watchTimeoutMs: 90_000,
    });
  });

  const cases: { name: string; spec: Raw; path: string; message: string | RegExp; keepEndpoints?: boolean }[] = [
    { name: 'neither source', spec: { targetPort: 8000 }, path: 'pool.kubernetes', message: 'set labelSelector (pods) or inferencePool' },
    { name: 'both sources', spec: { labelSelector: 'app=x', inferencePool: 'p', targetPort: 8000 }, path: 'pool.kubernetes', message: 'set either labelSelector or inferencePool, not both' },
    { name: 'bad selector', spec: { labelSelector: 'app=vllm,=x', targetPort: 8000 }, path: 'pool.kubernetes.labelSelector', message: /invalid requirement/ },
    { name: 'bad set selector', spec: { labelSelector: 'app in a,b', targetPort: 8000 }, path: 'pool.kubernetes.labelSelector', message: /invalid requirement "app in a"/ },
    { name: 'empty selector', spec: { labelSelector: ' ', targetPort: 8000 }, path: 'pool.kubernetes.labelSelector', message: 'must not be empty' },
    { name: 'selector without port', spec: { labelSelector: 'app=x' }, path: 'pool.kubernetes.targetPort', message: 'required with labelSelector' },
    { name: 'port range', spec: { labelSelector: 'app=x', targetPort: 70000 }, path: 'pool.kubernetes.targetPort', message: 'must be a port 1-65535, got 70000' },
    { name: 'port name', spec: { labelSelector: 'app=x', targetPort: 'HTTP_port' }, path: 'pool.kubernetes.targetPort', message: /container port name/ },
    { name: 'namespace', spec: { inferencePool: 'p', namespace: 'Bad_NS' }, path: 'pool.kubernetes.namespace', message: /namespace name/ },
    { name: 'pool name', spec: { inferencePool: 'Pool!' }, path: 'pool.kubernetes.inferencePool', message: /object name/ },
    { name: 'api server', spec: { inferencePool: 'p', apiServer: 'localhost:8001' }, path: 'pool.kubernetes.apiServer', message: 'must be an http(s) URL' },
    { name: 'api version', spec: { inferencePool: 'p', inferencePoolApiVersion: 'v9' }, path: 'pool.kubernetes.inferencePoolApiVersion', message: /must be one of/ },
    { name: 'api version without pool', spec: { labelSelector: 'a=b', targetPort: 1, inferencePoolApiVersion: 'inference.networking.k8s.io/v1' }, path: 'pool.kubernetes.inferencePoolApiVersion', message: 'only applies with inferencePool' },
    { name: 'backoff', spec: { inferencePool: 'p', restartBackoff: '5' }, path: 'pool.kubernetes.restartBackoff', message: 'invalid duration "5"' },
    { name: 'watch timeout unit', spec: { inferencePool: 'p', watchTimeout: '1500ms' }, path: 'pool.kubernetes.watchTimeout', message: /whole number of seconds/ },
    { name: 'watch timeout zero', spec: { inferencePool: 'p', watchTimeout: '0s' }, path: 'pool.kubernetes.watchTimeout', message: 'must be > 0' },
    { name: 'objectives type', spec: { inferencePool: 'p', objectives: 'yes' }, path: 'pool.kubernetes.objectives', message: 'must be true or false' },
    { name: 'unknown field', spec: { inferencePool: 'p', selector: 'a=b' }, path: 'pool.kubernetes.selector', message: 'unknown field' },
    { name: 'with endpoints', spec: { inferencePool: 'p' }, path: 'pool', message: 'set only one of endpoints, dns, kubernetes', keepEndpoints: true },
  ];

  it.each(cases)('rejects $name at $path', ({ spec, path, message, keepEndpoints }) => {
    const raw = withKubernetes(spec);
    if (keepEndpoints === true) raw.pool.endpoints = ['127.0.0.1:8001'];
    const issues = issuesOf(() => loadObject(raw));
    const issue = issues.find((i) => i.path === path);
    expect(issue, JSON.stringify(issues)).toBeDefined();
    if (typeof message === 'string') expect(issue!.message).toContain(message);
    else expect(issue!.message).toMatch(message);
  });
});
