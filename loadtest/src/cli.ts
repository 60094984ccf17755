import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { writeRunReport } from './report/write-report.ts';
import { compareTargets } from './run/compare.ts';
import { resolveModel } from './run/resolve-model.ts';
import { runScenario } from './run/run-scenario.ts';
import { SCENARIO_DIR, loadScenarioFile } from './scenario/load-scenario.ts';
import { ScenarioError } from './scenario/reader.ts';

const USAGE = `usage:
  sluice-bench run --scenario NAME|FILE --target URL [--metrics-urls U1,U2] [--out DIR] [--time-scale X] [--max-concurrency N] [--quiet]
  sluice-bench compare --scenario NAME|FILE --targets direct,round-robin,least-request[,sluice] [--out DIR]
                       [--time-scale X] [--pods N] [--profile NAME] [--replicas K] [--baseline TARGET]
                       [--builtin-proxy] [--quiet]
  sluice-bench validate NAME|FILE...
  sluice-bench list

Scenario times are model time; --time-scale X (wall = model × X, as sluice-sim) stretches the
schedule and converts results back. Defaults for compare come from the scenario's server: section.`;

function defaultOut(scenario: string): string {
  const stamp = new Date().toISOString().replace(/[:.]/gu, '-').slice(0, 19);
  return resolve(SCENARIO_DIR, '..', 'reports', `${scenario}-${stamp}`);
}

function positiveNumber(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${flag} must be a positive number, got "${value}"`);
  return n;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    console.log(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command === 'list') {
    for (const file of readdirSync(SCENARIO_DIR).filter((f) => f.endsWith('.yaml')).sort()) {
      const scenario = loadScenarioFile(join(SCENARIO_DIR, file));
      console.log(`${scenario.name.padEnd(28)} ${scenario.description.split('\n')[0]}`);
    }
    return 0;
  }
  if (command === 'validate') {
    let bad = 0;
    for (const name of rest) {
      try {
        loadScenarioFile(name);
        console.log(`ok ${name}`);
      } catch (error) {
        bad++;
        console.error((error as Error).message);
      }
    }
    return bad === 0 ? 0 : 1;
  }
  const { values } = parseArgs({
    args: rest,
    strict: true,
    options: {
      scenario: { type: 'string' },
      target: { type: 'string' },
      targets: { type: 'string' },
      'metrics-urls': { type: 'string' },
      out: { type: 'string' },
      'time-scale': { type: 'string' },
      pods: { type: 'string' },
      profile: { type: 'string' },
      replicas: { type: 'string' },
      'max-concurrency': { type: 'string' },
      'builtin-proxy': { type: 'boolean' },
      baseline: { type: 'string' },
      quiet: { type: 'boolean' },
    },
  });
  if (values.scenario === undefined) throw new Error('--scenario is required');
  const scenario = loadScenarioFile(values.scenario);
  const out = resolve(values.out ?? defaultOut(scenario.name));
  const progress = values.quiet !== true;
  const log = (line: string): void => {
    if (values.quiet !== true) console.error(line);
  };

  if (command === 'run') {
    if (values.target === undefined) throw new Error('--target URL is required');
    const baseUrl = values.target.replace(/\/+$/u, '');
    const model = await resolveModel(baseUrl, scenario.api.model);
    const metricsUrls = values['metrics-urls']?.split(',').filter((u) => u.length > 0) ?? [];
    const maxConcurrency = positiveNumber(values['max-concurrency'], 'max-concurrency');
    const report = await runScenario({ ...scenario, api: { ...scenario.api, model } }, { name: baseUrl, baseUrl, metricsUrls, implementation: `user target ${baseUrl}` }, {
      timeScale: positiveNumber(values['time-scale'], 'time-scale') ?? 1,
      progress,
      maxConcurrency: maxConcurrency ?? null,
    });
    writeRunReport(out, report);
    console.log(`report: ${out}/summary.md`);
    return report.summary.invalid_stages.length === 0 ? 0 : 3;
  }
  if (command === 'compare') {
    if (values.targets === undefined) throw new Error('--targets a,b,… is required');
    const reports = await compareTargets(scenario, {
      targets: values.targets.split(',').map((t) => t.trim()).filter((t) => t.length > 0),
      outDir: out,
      timeScale: positiveNumber(values['time-scale'], 'time-scale') ?? scenario.server.timeScale,
      pods: positiveNumber(values.pods, 'pods') ?? scenario.server.pods,
      profile: values.profile ?? scenario.server.profile,
      replicas: positiveNumber(values.replicas, 'replicas') ?? 1,
      progress,
      forceBuiltinProxy: values['builtin-proxy'] === true,
      ...(values.baseline === undefined ? {} : { baseline: values.baseline }),
      log,
    });
    console.log(`comparison: ${out}/comparison.md`);
    return reports.every((r) => r.summary.invalid_stages.length === 0) ? 0 : 3;
  }
  throw new Error(`unknown command "${command}"\n${USAGE}`);
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  console.error(`sluice-bench: ${error instanceof ScenarioError ? error.message : (error as Error).message}`);
  process.exitCode = 2;
}
