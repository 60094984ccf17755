import { describe, expect, it } from 'vitest';
import { ConfigError, loadRouterConfig, parseRouterConfig } from '../src/index.ts';
import { exampleObject, issuesOf, loadObject } from './helpers.ts';

type Raw = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Each case breaks one field of the example; the loader must name that field's path. */
const cases: { name: string; mutate: (raw: Raw) => void; path: string; message: string | RegExp }[] = [
  { name: 'bad endpoint', mutate: (r) => (r.pool.endpoints[1] = 'localhost'), path: 'pool.endpoints[1]', message: 'must be "host:port", got "localhost"' },
  { name: 'duplicate endpoint', mutate: (r) => (r.pool.endpoints[1] = r.pool.endpoints[0]), path: 'pool.endpoints[1]', message: 'duplicate endpoint "127.0.0.1:8001" (first at pool.endpoints[0])' },
  { name: 'no endpoints', mutate: (r) => (r.pool.endpoints = []), path: 'pool.endpoints', message: 'must list at least one' },
  { name: 'endpoints and dns', mutate: (r) => (r.pool.dns = { name: 'vllm.svc', port: 8000 }), path: 'pool', message: 'set either endpoints or dns, not both' },
  {
    name: 'quantity',
    mutate: (r) => (r.endpointPicker.flowControl.priorityBands[0].maxRequests = 'abc'),
    path: 'endpointPicker.flowControl.priorityBands[0].maxRequests',
    message: 'invalid quantity "abc"',
  },
  { name: 'fractional quantity', mutate: (r) => (r.endpointPicker.flowControl.maxRequests = '1500m'), path: 'endpointPicker.flowControl.maxRequests', message: 'must be a whole number' },
  { name: 'zero band limit', mutate: (r) => (r.endpointPicker.flowControl.priorityBands[2].maxRequests = 0), path: 'endpointPicker.flowControl.priorityBands[2].maxRequests', message: 'must be > 0' },
  { name: 'duration', mutate: (r) => (r.endpointPicker.flowControl.defaultRequestTTL = '30x'), path: 'endpointPicker.flowControl.defaultRequestTTL', message: 'invalid duration "30x"' },
  { name: 'duration without unit', mutate: (r) => (r.endpointPicker.flowControl.noEndpointRequestTTL = 30), path: 'endpointPicker.flowControl.noEndpointRequestTTL', message: 'needs a unit' },
  { name: 'unknown top-level field', mutate: (r) => (r.serverr = { port: 1 }), path: 'serverr', message: 'unknown field' },
  { name: 'unknown nested field', mutate: (r) => (r.server.prot = 1), path: 'server.prot', message: 'unknown field' },
  { name: 'unknown flowControl field', mutate: (r) => (r.endpointPicker.flowControl.maxRequest = 5), path: 'endpointPicker.flowControl.maxRequest', message: 'unknown field' },
  { name: 'missing required field', mutate: (r) => delete r.pool.name, path: 'pool.name', message: 'required field is missing' },
  { name: 'wrong type', mutate: (r) => (r.server.port = 'eighty'), path: 'server.port', message: 'must be an integer, got "eighty"' },
  { name: 'port range', mutate: (r) => (r.server.port = 70000), path: 'server.port', message: 'must be <= 65535' },
  { name: 'apiVersion', mutate: (r) => (r.apiVersion = 'v1'), path: 'apiVersion', message: 'must be "sluice.dev/v1alpha1", got "v1"' },
  { name: 'epp apiVersion', mutate: (r) => (r.endpointPicker.apiVersion = 'x/v1'), path: 'endpointPicker.apiVersion', message: 'must be one of "llm-d.ai/v1alpha1", "inference.networking.x-k8s.io/v1alpha1"' },
  { name: 'criticality', mutate: (r) => (r.models[0].criticality = 'Urgent'), path: 'models[0].criticality', message: 'must be one of "Critical", "Standard", "Sheddable", "Schedulable", got "Urgent"' },
  { name: 'zero weight', mutate: (r) => (r.models[0].targetModels[0].weight = 0), path: 'models[0].targetModels[0].weight', message: 'must be > 0, got 0' },
  { name: 'negative weight', mutate: (r) => (r.models[1].targetModels[0].weight = -5), path: 'models[1].targetModels[0].weight', message: 'must be > 0, got -5' },
  {
    name: 'weights on some targets only',
    mutate: (r) => r.models[0].targetModels.push({ name: 'qwen-lora' }),
    path: 'models[0].targetModels[1].weight',
    message: 'set a weight on every target model or on none',
  },
  { name: 'duplicate model', mutate: (r) => (r.models[1].modelName = 'qwen'), path: 'models[1].modelName', message: 'duplicate model name "qwen" (first at models[0])' },
  { name: 'duplicate objective', mutate: (r) => (r.objectives[2].name = 'premium-traffic'), path: 'objectives[2].name', message: 'duplicate objective name "premium-traffic"' },
  { name: 'unknown objective', mutate: (r) => (r.models[0].objective = 'gold'), path: 'models[0].objective', message: 'unknown objective "gold"' },
  {
    name: 'dangling detector ref',
    mutate: (r) => (r.endpointPicker.flowControl.saturationDetector.pluginRef = 'concurency-detector'),
    path: 'endpointPicker.flowControl.saturationDetector.pluginRef',
    message: 'unknown plugin "concurency-detector": no entry of endpointPicker.plugins has this name',
  },
  {
    name: 'dangling band policy ref',
    mutate: (r) => (r.endpointPicker.flowControl.priorityBands[1].fairnessPolicyRef = 'token-fairness-policy'),
    path: 'endpointPicker.flowControl.priorityBands[1].fairnessPolicyRef',
    message: 'unknown plugin "token-fairness-policy"',
  },
  {
    name: 'dangling profile ref',
    mutate: (r) => (r.endpointPicker.schedulingProfiles = [{ name: 'default', plugins: [{ pluginRef: 'queue-scorer', weight: 2 }] }]),
    path: 'endpointPicker.schedulingProfiles[0].plugins[0].pluginRef',
    message: 'unknown plugin "queue-scorer"',
  },
  {
    name: 'dangling usage limit ref',
    mutate: (r) => (r.endpointPicker.flowControl.usageLimitPolicyPluginRef = 'holdback'),
    path: 'endpointPicker.flowControl.usageLimitPolicyPluginRef',
    message: 'unknown plugin "holdback"',
  },
  {
    name: 'duplicate plugin name',
    mutate: (r) => r.endpointPicker.plugins.push({ type: 'concurrency-detector' }),
    path: 'endpointPicker.plugins[2].type',
    message: 'duplicate plugin name "concurrency-detector" (first at endpointPicker.plugins[0])',
  },
  { name: 'bad feature gate', mutate: (r) => (r.endpointPicker.featureGates = ['flowControl=yes']), path: 'endpointPicker.featureGates[0]', message: 'invalid feature gate "flowControl=yes"' },
  { name: 'feature gate twice', mutate: (r) => (r.endpointPicker.featureGates = ['flowControl', 'flowControl=false']), path: 'endpointPicker.featureGates[1]', message: 'set twice' },
  { name: 'duplicate band', mutate: (r) => (r.endpointPicker.flowControl.priorityBands[1].priority = 100), path: 'endpointPicker.flowControl.priorityBands[1].priority', message: 'duplicate band priority "100"' },
  { name: 'non-integer priority', mutate: (r) => (r.objectives[0].priority = 1.5), path: 'objectives[0].priority', message: 'must be an integer, got 1.5' },
  { name: 'redis url scheme', mutate: (r) => (r.redis.url = 'http://127.0.0.1:6379'), path: 'redis.url', message: 'must be a redis:// or rediss:// URL' },
  { name: 'redis url and cluster', mutate: (r) => (r.redis.cluster = { nodes: ['10.0.0.1:7000'] }), path: 'redis', message: 'set only one of url, sentinel, cluster' },
  { name: 'bad cluster node', mutate: (r) => (r.redis = { cluster: { nodes: ['10.0.0.1:7000', 'nope'] } }), path: 'redis.cluster.nodes[1]', message: 'must be "host:port"' },
  { name: 'auth mode', mutate: (r) => (r.auth.mode = 'oauth'), path: 'auth.mode', message: 'must be one of "trusted-headers", "api-keys", "jwt", got "oauth"' },
  { name: 'plugin parameters not a mapping', mutate: (r) => (r.endpointPicker.plugins[0].parameters = [1]), path: 'endpointPicker.plugins[0].parameters', message: 'unexpected type' },
  { name: 'backoff order', mutate: (r) => (r.pool.healthCheck = { backoffInitial: '5s', backoffMax: '1s' }), path: 'pool.healthCheck.backoffMax', message: 'must be >= backoffInitial' },
];

describe('validation errors name the field path', () => {
  it.each(cases)('$name → $path', ({ mutate, path, message }) => {
    const raw = exampleObject() as Raw;
    mutate(raw);
    const issues = issuesOf(() => loadObject(raw));
    const issue = issues.find((entry) => entry.path === path);
    expect(issue, `issues were: ${JSON.stringify(issues)}`).toBeDefined();
    if (typeof message === 'string') expect(issue?.message).toContain(message);
    else expect(issue?.message).toMatch(message);
  });

  it('reports every issue at once, structural and semantic, in the error message', () => {
    const raw = exampleObject() as Raw;
    raw.extra = true;
    raw.pool.endpoints[0] = 'bad';
    raw.endpointPicker.flowControl.priorityBands[0].maxRequests = 'abc';
    raw.models[0].targetModels[0].weight = 0;
    let error: unknown;
    try {
      loadObject(raw);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const configError = error as ConfigError;
    expect(configError.issues.map((issue) => issue.path).sort()).toEqual(
      ['endpointPicker.flowControl.priorityBands[0].maxRequests', 'extra', 'models[0].targetModels[0].weight', 'pool.endpoints[0]'].sort(),
    );
    expect(configError.message).toContain('(4 issues)');
    expect(configError.message).toContain('endpointPicker.flowControl.priorityBands[0].maxRequests: invalid quantity "abc"');
  });

  it('never defaults an invalid value silently: parseRouterConfig throws too', () => {
    const raw = exampleObject() as Raw;
    raw.server.drainTimeout = 'soon';
    expect(() => parseRouterConfig(raw, { env: {} })).toThrow(/server\.drainTimeout: invalid duration "soon"/);
  });

  it('an empty document is an error', () => {
    expect(issuesOf(() => loadRouterConfig({ text: '# nothing\n', env: {} }))).toEqual([{ path: '', message: 'the config is empty' }]);
  });
});

describe('positions in the YAML source', () => {
  const text = [
    'apiVersion: sluice.dev/v1alpha1',
    'kind: RouterConfig',
    'pool:',
    '  name: demo',
    '  endpoints: ["127.0.0.1:8001", "oops"]',
    'bogus: 1',
    '',
  ].join('\n');

  it('semantic and unknown-field issues carry line and column', () => {
    const issues = issuesOf(() => loadRouterConfig({ text, sourceName: 'sluice.yaml', env: {} }));
    expect(issues).toContainEqual({ path: 'bogus', message: 'unknown field', line: 6, column: 1 });
    expect(issues).toContainEqual(expect.objectContaining({ path: 'pool.endpoints[1]', line: 5, column: 33 }));
  });

  it('the message cites file:line:column', () => {
    expect(() => loadRouterConfig({ text, sourceName: 'sluice.yaml', env: {} })).toThrow('pool.endpoints[1]: must be "host:port", got "oops" (sluice.yaml:5:33)');
  });

  it('YAML syntax errors report line and column', () => {
    const broken = ['apiVersion: sluice.dev/v1alpha1', 'kind: RouterConfig', 'pool:', '  name: demo', '  endpoints: ["127.0.0.1:8001"', 'server: {port: 1}', ''].join('\n');
    const issues = issuesOf(() => loadRouterConfig({ text: broken, env: {} }));
    expect(issues.length).toBeGreaterThan(0);
    expect(issues[0]?.message).toMatch(/^YAML syntax error: /);
    expect(issues[0]?.line).toBeGreaterThanOrEqual(5);
    expect(issues[0]?.column).toBeGreaterThanOrEqual(1);
  });

  it('bad indentation is reported at its line', () => {
    const broken = 'apiVersion: sluice.dev/v1alpha1\nkind: RouterConfig\npool:\n  name: demo\n endpoints: []\n';
    const [issue] = issuesOf(() => loadRouterConfig({ text: broken, env: {} }));
    expect(issue).toMatchObject({ path: '', line: 5 });
  });

  it('duplicate keys are syntax errors, not silently last-wins', () => {
    const duplicated = 'apiVersion: sluice.dev/v1alpha1\nkind: RouterConfig\nkind: RouterConfig\npool: {name: a, endpoints: ["a:1"]}\n';
    const [issue] = issuesOf(() => loadRouterConfig({ text: duplicated, env: {} }));
    expect(issue).toMatchObject({ line: 3, column: 1 });
    expect(issue?.message).toMatch(/unique/i);
  });
});
