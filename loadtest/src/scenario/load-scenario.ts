import { readFileSync, existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { StageSpec } from '../arrivals/stages.ts';
import { parseTraceCsv } from '../arrivals/arrivals.ts';
import type { GoodputConstraints } from '../metrics/goodput.ts';
import { PRIORITY_MIX_CLASSES } from '../workloads/mix.ts';
import { Reader, ScenarioError, join } from './reader.ts';
import type { MixEntryConfig, Scenario, WorkloadConfig } from './types.ts';

/** Folder of the checked-in scenarios (loadtest/scenarios). */
export const SCENARIO_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../scenarios');

/** Resolves a scenario argument: a path to a YAML file, or a name in loadtest/scenarios/. */
export function resolveScenarioPath(nameOrFile: string): string {
  if (existsSync(nameOrFile)) return resolve(nameOrFile);
  const named = resolve(SCENARIO_DIR, `${nameOrFile}.yaml`);
  if (existsSync(named)) return named;
  throw new Error(`no scenario "${nameOrFile}": not a file, and no ${named}`);
}

export function loadScenarioFile(nameOrFile: string): Scenario {
  const path = resolveScenarioPath(nameOrFile);
  return parseScenario(readFileSync(path, 'utf8'), path);
}

/** Parses and validates scenario YAML; throws ScenarioError listing every bad field path. */
export function parseScenario(text: string, source: string): Scenario {
  const r = new Reader();
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (error) {
    throw new ScenarioError(source, [`YAML: ${(error as Error).message}`]);
  }
  const root = r.object(raw, '');
  if (root === undefined) throw new ScenarioError(source, r.problems);
  r.onlyKeys(root, '', ['name', 'description', 'scaledFrom', 'seed', 'api', 'server', 'workload', 'load', 'report']);
  const api = r.child(root, '', 'api', true) ?? {};
  r.onlyKeys(api, 'api', ['type', 'model', 'streaming']);
  const server = r.child(root, '', 'server', true) ?? {};
  r.onlyKeys(server, 'server', ['profile', 'timeScale', 'pods', 'args']);
  const load = r.child(root, '', 'load') ?? {};
  r.onlyKeys(load, 'load', ['interval', 'maxConcurrency', 'requestTimeout', 'stages']);
  const report = r.child(root, '', 'report', true) ?? {};
  r.onlyKeys(report, 'report', ['goodput', 'serviceWeights', 'timelineBucket']);
  const workloadRaw = r.child(root, '', 'workload');
  const serverArgs = server.args === undefined ? [] : r.array(server, 'server', 'args');
  if (!serverArgs.every((a) => typeof a === 'string')) r.fail('server.args', 'must be a list of strings');

  const scenario: Scenario = {
    name: r.string(root, '', 'name'),
    description: r.string(root, '', 'description', { default: '' }),
    scaledFrom: r.optionalString(root, '', 'scaledFrom'),
    seed: r.number(root, '', 'seed', { int: true, default: 42 }),
    api: {
      type: r.string(api, 'api', 'type', { default: 'completion', oneOf: ['completion', 'chat'] }) as 'completion' | 'chat',
      model: r.string(api, 'api', 'model', { default: 'auto' }),
      streaming: r.boolean(api, 'api', 'streaming', true),
    },
    server: {
      profile: r.string(server, 'server', 'profile', { default: 'tiny' }),
      timeScale: r.number(server, 'server', 'timeScale', { exclusiveMin: 0, default: 1 }),
      pods: r.number(server, 'server', 'pods', { int: true, min: 1, default: 1 }),
      args: serverArgs as string[],
    },
    workload: workloadRaw === undefined ? { type: 'random', random: { inputLen: 1, outputLen: 1, rangeRatio: 0, prefixLen: 0 } } : readWorkload(r, workloadRaw, 'workload', 0),
    load: {
      interval: r.number(load, 'load', 'interval', { min: 0, default: 1 }),
      maxConcurrency: r.optionalNumber(load, 'load', 'maxConcurrency', { int: true, min: 1 }),
      requestTimeout: r.optionalNumber(load, 'load', 'requestTimeout', { exclusiveMin: 0 }),
      stages: r.array(load, 'load', 'stages', { minLength: 1 }).map((s, i) => readStage(r, s, join('load.stages', i), source)),
    },
    report: {
      goodput: readGoodput(r, report),
      serviceWeights: readServiceWeights(r, report),
      timelineBucket: r.number(report, 'report', 'timelineBucket', { exclusiveMin: 0, default: 1 }),
    },
    source,
  };
  if (r.problems.length > 0) throw new ScenarioError(source, r.problems);
  return scenario;
}

const STAGE_TYPES = ['constant', 'poisson', 'gamma', 'concurrent', 'trace'] as const;

function readStage(r: Reader, raw: unknown, path: string, source: string): StageSpec {
  const s = r.object(raw, path);
  if (s === undefined) return { type: 'concurrent', numRequests: 1, concurrency: 1 };
  const type = r.string(s, path, 'type', { oneOf: STAGE_TYPES });
  switch (type) {
    case 'concurrent':
      r.onlyKeys(s, path, ['type', 'numRequests', 'concurrency']);
      return { type, numRequests: r.number(s, path, 'numRequests', { int: true, min: 1 }), concurrency: r.number(s, path, 'concurrency', { int: true, min: 1 }) };
    case 'trace': {
      r.onlyKeys(s, path, ['type', 'file', 'speedup']);
      const file = r.string(s, path, 'file');
      const speedup = r.number(s, path, 'speedup', { exclusiveMin: 0, default: 1 });
      try {
        return { type, offsets: parseTraceCsv(readFileSync(resolve(dirname(source), file), 'utf8'), speedup) };
      } catch (error) {
        r.fail(join(path, 'file'), (error as Error).message);
        return { type, offsets: [] };
      }
    }
    case 'gamma':
      r.onlyKeys(s, path, ['type', 'rate', 'duration', 'burstiness']);
      return { type, rate: r.number(s, path, 'rate', { exclusiveMin: 0 }), duration: r.number(s, path, 'duration', { exclusiveMin: 0 }), burstiness: r.number(s, path, 'burstiness', { exclusiveMin: 0, default: 1 }) };
    default:
      r.onlyKeys(s, path, ['type', 'rate', 'duration']);
      return { type: type === 'constant' ? 'constant' : 'poisson', rate: r.number(s, path, 'rate', { exclusiveMin: 0 }), duration: r.number(s, path, 'duration', { exclusiveMin: 0 }) };
  }
}

function readWorkload(r: Reader, obj: Record<string, unknown>, path: string, depth: number): WorkloadConfig {
  const type = r.string(obj, path, 'type', { oneOf: ['random', 'shared-prefix', 'mix', 'priority-mix'] });
  if (type === 'random') {
    r.onlyKeys(obj, path, ['type', 'inputLen', 'outputLen', 'rangeRatio', 'prefixLen']);
    return {
      type,
      random: {
        inputLen: r.number(obj, path, 'inputLen', { int: true, min: 1 }),
        outputLen: r.number(obj, path, 'outputLen', { int: true, min: 1 }),
        rangeRatio: r.number(obj, path, 'rangeRatio', { min: 0, default: 0 }),
        prefixLen: r.number(obj, path, 'prefixLen', { int: true, min: 0, default: 0 }),
      },
    };
  }
  if (type === 'shared-prefix') {
    r.onlyKeys(obj, path, ['type', 'numGroups', 'promptsPerGroup', 'systemPromptLen', 'questionLen', 'outputLen', 'multiTurn']);
    return {
      type,
      sharedPrefix: {
        numGroups: r.number(obj, path, 'numGroups', { int: true, min: 1 }),
        promptsPerGroup: r.number(obj, path, 'promptsPerGroup', { int: true, min: 1 }),
        systemPromptLen: r.number(obj, path, 'systemPromptLen', { int: true, min: 0 }),
        questionLen: r.number(obj, path, 'questionLen', { int: true, min: 1 }),
        outputLen: r.number(obj, path, 'outputLen', { int: true, min: 1 }),
        multiTurn: r.boolean(obj, path, 'multiTurn', false),
      },
    };
  }
  if (depth > 0 && (type === 'mix' || type === 'priority-mix')) {
    r.fail(join(path, 'type'), 'mixes cannot be nested');
    return { type: 'random', random: { inputLen: 1, outputLen: 1, rangeRatio: 0, prefixLen: 0 } };
  }
  if (type === 'priority-mix') {
    r.onlyKeys(obj, path, ['type', 'base', 'sloTtftMs', 'sloTpotMs']);
    const base = r.child(obj, path, 'base');
    return {
      type,
      base: base === undefined ? { type: 'random', random: { inputLen: 1, outputLen: 1, rangeRatio: 0, prefixLen: 0 } } : readWorkload(r, base, join(path, 'base'), depth + 1),
      sloTtftMs: r.optionalNumber(obj, path, 'sloTtftMs', { exclusiveMin: 0 }),
      sloTpotMs: r.optionalNumber(obj, path, 'sloTpotMs', { exclusiveMin: 0 }),
    };
  }
  r.onlyKeys(obj, path, ['type', 'entries']);
  const entries = r.array(obj, path, 'entries', { minLength: 1 }).map((raw, i): MixEntryConfig => {
    const at = join(join(path, 'entries'), i);
    const e = r.object(raw, at) ?? {};
    r.onlyKeys(e, at, ['name', 'weight', 'tenant', 'objective', 'priority', 'fairnessWeight', 'sloTtftMs', 'sloTpotMs', 'workload']);
    const sub = r.child(e, at, 'workload');
    return {
      name: r.string(e, at, 'name'),
      weight: r.number(e, at, 'weight', { exclusiveMin: 0 }),
      tenant: r.optionalString(e, at, 'tenant'),
      objective: r.optionalString(e, at, 'objective'),
      priority: r.optionalNumber(e, at, 'priority'),
      fairnessWeight: r.number(e, at, 'fairnessWeight', { exclusiveMin: 0, default: 1 }),
      sloTtftMs: r.optionalNumber(e, at, 'sloTtftMs', { exclusiveMin: 0 }),
      sloTpotMs: r.optionalNumber(e, at, 'sloTpotMs', { exclusiveMin: 0 }),
      workload: sub === undefined ? { type: 'random', random: { inputLen: 1, outputLen: 1, rangeRatio: 0, prefixLen: 0 } } : readWorkload(r, sub, join(at, 'workload'), depth + 1),
    };
  });
  return { type: 'mix', entries };
}

/** Expands priority-mix into its three classes (objective headers critical/normal/batch). */
export function priorityMixEntries(base: WorkloadConfig, sloTtftMs: number | null, sloTpotMs: number | null): MixEntryConfig[] {
  return PRIORITY_MIX_CLASSES.map((c) => ({ name: c.name, weight: c.weight, tenant: null, objective: c.name, priority: c.priority, fairnessWeight: 1, sloTtftMs, sloTpotMs, workload: base }));
}

function readGoodput(r: Reader, report: Record<string, unknown>): GoodputConstraints | undefined {
  if (report.goodput === undefined) return undefined;
  const g = r.object(report.goodput, 'report.goodput') ?? {};
  r.onlyKeys(g, 'report.goodput', ['ttft', 'tpot', 'itl', 'ntpot', 'request_latency']);
  const constraints: GoodputConstraints = {};
  for (const key of ['ttft', 'tpot', 'itl', 'ntpot', 'request_latency'] as const) {
    const value = r.optionalNumber(g, 'report.goodput', key, { exclusiveMin: 0 });
    if (value !== null) constraints[key] = value;
  }
  return constraints;
}

function readServiceWeights(r: Reader, report: Record<string, unknown>): { input: number; output: number } {
  const w = r.child(report, 'report', 'serviceWeights', true) ?? {};
  r.onlyKeys(w, 'report.serviceWeights', ['input', 'output']);
  return { input: r.number(w, 'report.serviceWeights', 'input', { min: 0, default: 1 }), output: r.number(w, 'report.serviceWeights', 'output', { min: 0, default: 2 }) };
}
