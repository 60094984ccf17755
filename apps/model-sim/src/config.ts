import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { PROFILES, profileNames, type SimProfile } from './profiles.ts';

/** Fractions in [0, 1] of requests that get each injected fault (drawn independently per request, in this order). */
export interface FaultRates {
  /** HTTP 500 before queueing. */
  error500: number;
  /** HTTP 429 before queueing. */
  error429: number;
  /** Connection destroyed mid-stream (after a few tokens). */
  reset: number;
  /** Stream stops sending mid-way but the socket stays open. */
  stall: number;
}

export interface LoraModule {
  name: string;
  path: string;
}

export type LatencyMode = 'engine' | 'fixed';

/** Everything a simulator process runs with. Times are model milliseconds unless stated. */
export interface SimConfig extends Omit<SimProfile, 'name' | 'servedModelName'> {
  profile: string;
  host: string;
  port: number;
  podName: string;
  /** Served model name. */
  model: string;
  /** Wall ms per model ms (0.1 = 10× faster). */
  timeScale: number;
  seed: number;
  latencyMode: LatencyMode;
  /** Fixed mode: model ms to the first token. */
  ttftMs: number;
  /** Fixed mode: model ms between tokens. */
  itlMs: number;
  loraModules: LoraModule[];
  maxLoras: number;
  faults: FaultRates;
  /** Largest accepted request body, bytes (413 above). */
  maxBodyBytes: number;
}

/** A user-facing configuration error; `message` names the flag or key. */
export class ConfigError extends Error {}

interface NumericRule {
  flag: string;
  key: string;
  integer?: boolean;
  min: number;
  /** min is exclusive (value must be > min). */
  positive?: boolean;
  max?: number;
  /** May change at run time through POST /admin/config. */
  live: boolean;
}

const NUMERIC_RULES: readonly NumericRule[] = [
  { flag: 'port', key: 'port', integer: true, min: 0, max: 65535, live: false },
  { flag: 'max-num-seqs', key: 'maxNumSeqs', integer: true, min: 1, live: true },
  { flag: 'max-num-batched-tokens', key: 'maxNumBatchedTokens', integer: true, min: 1, live: true },
  { flag: 'kv-cache-tokens', key: 'kvCacheTokens', integer: true, min: 16, live: false },
  { flag: 'block-size', key: 'blockSize', integer: true, min: 1, live: false },
  { flag: 'max-model-len', key: 'maxModelLen', integer: true, min: 2, live: true },
  { flag: 't0-ms', key: 't0Ms', min: 0, live: true },
  { flag: 'prefill-ms-per-token', key: 'prefillMsPerToken', min: 0, live: true },
  { flag: 'seq-ms', key: 'seqMs', min: 0, live: true },
  { flag: 'ctx-ms-per-1k', key: 'ctxMsPer1k', min: 0, live: true },
  { flag: 'jitter', key: 'jitter', min: 0, max: 0.9, live: true },
  { flag: 'frontend-overhead-ms', key: 'frontendOverheadMs', min: 0, live: true },
  { flag: 'lora-load-ms', key: 'loraLoadMs', min: 0, live: true },
  { flag: 'time-scale', key: 'timeScale', min: 0, positive: true, live: true },
  { flag: 'seed', key: 'seed', integer: true, min: 0, max: 4294967295, live: false },
  { flag: 'ttft-ms', key: 'ttftMs', min: 0, live: true },
  { flag: 'itl-ms', key: 'itlMs', min: 0, live: true },
  { flag: 'max-loras', key: 'maxLoras', integer: true, min: 1, live: true },
  { flag: 'max-request-body-bytes', key: 'maxBodyBytes', integer: true, min: 1024, live: false },
];

const FAULT_RULES: readonly { flag: string; key: keyof FaultRates }[] = [
  { flag: 'fault-500-rate', key: 'error500' },
  { flag: 'fault-429-rate', key: 'error429' },
  { flag: 'fault-reset-rate', key: 'reset' },
  { flag: 'fault-stall-rate', key: 'stall' },
];

const STRING_FLAGS = ['profile', 'model', 'pod-name', 'host', 'lora-modules', 'latency-mode', 'config'] as const;

/** Usage text printed on --help and after a configuration error. */
export function usage(): string {
  return [
    'usage: sluice-sim --port P --profile NAME [options]',
    `  --profile NAME            one of: ${profileNames().join(', ')} (default tiny)`,
    '  --model NAME              served model name (default: the profile\'s)',
    '  --pod-name N              x-inference-pod header value (default: sim)',
    '  --time-scale X            wall time per model time; 0.1 = 10x faster (default 1)',
    '  --config FILE.yaml        YAML with the same keys as the flags (flags win)',
    '  --lora-modules a,b[=path] LoRA adapters served beside the base model',
    '  --max-loras K             adapters that may run at once (default 1)',
    '  --latency-mode engine|fixed, --ttft-ms X, --itl-ms Y   constant latencies, no jitter',
    `  numeric overrides: ${NUMERIC_RULES.filter((r) => r.flag !== 'port').map((r) => `--${r.flag}`).join(' ')}`,
    `  faults (fractions 0..1): ${FAULT_RULES.map((r) => `--${r.flag}`).join(' ')}`,
  ].join('\n');
}

/** Builds the config from argv (flags > YAML file > profile defaults). Throws ConfigError. */
export function loadConfig(argv: readonly string[]): SimConfig {
  const options: Record<string, { type: 'string' | 'boolean' }> = { help: { type: 'boolean' } };
  for (const flag of STRING_FLAGS) options[flag] = { type: 'string' };
  for (const rule of NUMERIC_RULES) options[rule.flag] = { type: 'string' };
  for (const rule of FAULT_RULES) options[rule.flag] = { type: 'string' };
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values as Record<string, string | boolean | undefined>;
  } catch (error) {
    throw new ConfigError(error instanceof Error ? error.message : String(error));
  }
  if (values.help === true) throw new ConfigError('help requested');

  let fileValues: Record<string, unknown> = {};
  const configPath = values.config;
  if (typeof configPath === 'string') fileValues = readYamlConfig(configPath);

  const merged: Record<string, unknown> = { ...fileValues };
  for (const [key, value] of Object.entries(values)) if (value !== undefined && key !== 'config' && key !== 'help') merged[key] = value;
  return buildConfig(merged);
}

function readYamlConfig(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`--config: cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (error) {
    throw new ConfigError(`--config: ${path} is not valid YAML: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new ConfigError(`--config: ${path} must hold a mapping of flag names to values`);
  const known = new Set<string>([...STRING_FLAGS, ...NUMERIC_RULES.map((r) => r.flag), ...FAULT_RULES.map((r) => r.flag)]);
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (!known.has(key) || key === 'config') throw new ConfigError(`--config: unknown key "${key}" in ${path}`);
    result[key] = value;
  }
  return result;
}

/** Turns flag-named values (strings from argv, or YAML scalars) into a validated SimConfig. */
function buildConfig(values: Record<string, unknown>): SimConfig {
  const profileName = stringValue(values, 'profile') ?? 'tiny';
  const profile = PROFILES[profileName];
  if (profile === undefined) throw new ConfigError(`invalid value for --profile: "${profileName}" (expected one of ${profileNames().join(', ')})`);
  const { name: _name, servedModelName, ...profileValues } = profile;
  const config: SimConfig = {
    ...profileValues,
    profile: profileName,
    host: stringValue(values, 'host') ?? '127.0.0.1',
    port: 8000,
    podName: stringValue(values, 'pod-name') ?? 'sim',
    model: stringValue(values, 'model') ?? servedModelName,
    timeScale: 1,
    seed: 42,
    latencyMode: 'engine',
    ttftMs: 100,
    itlMs: 10,
    loraModules: parseLoraModules(stringValue(values, 'lora-modules')),
    maxLoras: 1,
    faults: { error500: 0, error429: 0, reset: 0, stall: 0 },
    maxBodyBytes: 4 * 1024 * 1024,
  };
  const mode = stringValue(values, 'latency-mode');
  if (mode !== undefined) {
    if (mode !== 'engine' && mode !== 'fixed') throw new ConfigError(`invalid value for --latency-mode: "${mode}" (expected engine or fixed)`);
    config.latencyMode = mode;
  }
  const target = config as unknown as Record<string, number>;
  for (const rule of NUMERIC_RULES) {
    const raw = values[rule.flag];
    if (raw !== undefined) target[rule.key] = checkNumber(`--${rule.flag}`, raw, rule);
  }
  for (const rule of FAULT_RULES) {
    const raw = values[rule.flag];
    if (raw !== undefined) config.faults[rule.key] = checkNumber(`--${rule.flag}`, raw, { min: 0, max: 1 });
  }
  if (config.latencyMode === 'fixed') config.jitter = 0;
  checkConsistency(config, (key) => `--${NUMERIC_RULES.find((r) => r.key === key)?.flag ?? key}`);
  return config;
}

function stringValue(values: Record<string, unknown>, flag: string): string | undefined {
  const raw = values[flag];
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'string' && typeof raw !== 'number') throw new ConfigError(`invalid value for --${flag}: expected a string`);
  const text = String(raw).trim();
  if (text.length === 0) throw new ConfigError(`invalid value for --${flag}: must not be empty`);
  return text;
}

/** `a,b=path/to/b` or a JSON object/array of `{name, path}` (the llm-d sim's form). */
function parseLoraModules(raw: string | undefined): LoraModule[] {
  if (raw === undefined) return [];
  const modules: LoraModule[] = [];
  if (raw.startsWith('{') || raw.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.startsWith('{') ? `[${raw}]` : raw);
    } catch {
      throw new ConfigError(`invalid value for --lora-modules: not valid JSON`);
    }
    for (const item of parsed as unknown[]) {
      const name = (item as { name?: unknown }).name;
      if (typeof name !== 'string' || name.length === 0) throw new ConfigError('invalid value for --lora-modules: every entry needs a "name"');
      const path = (item as { path?: unknown }).path;
      modules.push({ name, path: typeof path === 'string' ? path : name });
    }
  } else {
    for (const part of raw.split(',')) {
      const item = part.trim();
      if (item.length === 0) continue;
      const [name, path] = item.split('=', 2);
      if (name === undefined || name.length === 0) throw new ConfigError(`invalid value for --lora-modules: empty adapter name in "${raw}"`);
      modules.push({ name, path: path ?? name });
    }
  }
  const names = new Set<string>();
  for (const module of modules) {
    if (names.has(module.name)) throw new ConfigError(`invalid value for --lora-modules: adapter "${module.name}" listed twice`);
    names.add(module.name);
  }
  return modules;
}

function checkNumber(label: string, raw: unknown, rule: { integer?: boolean; min: number; positive?: boolean; max?: number }): number {
  const value = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : Number.NaN;
  const expectation = `${rule.integer === true ? 'an integer' : 'a number'} ${rule.positive === true ? `> ${rule.min}` : `>= ${rule.min}`}${rule.max === undefined ? '' : ` and <= ${rule.max}`}`;
  const bad =
    !Number.isFinite(value) ||
    (rule.integer === true && !Number.isInteger(value)) ||
    (rule.positive === true ? value <= rule.min : value < rule.min) ||
    (rule.max !== undefined && value > rule.max);
  if (bad) throw new ConfigError(`invalid value for ${label}: ${JSON.stringify(raw)} (expected ${expectation})`);
  return value;
}

function checkConsistency(config: SimConfig, label: (key: string) => string): void {
  if (config.kvCacheTokens < config.blockSize) throw new ConfigError(`invalid value for ${label('kvCacheTokens')}: smaller than one block (${config.blockSize} tokens)`);
  const capacity = Math.floor(config.kvCacheTokens / config.blockSize) * config.blockSize;
  if (config.maxModelLen > capacity) {
    throw new ConfigError(`invalid value for ${label('maxModelLen')}: ${config.maxModelLen} exceeds the KV cache (${capacity} tokens); one sequence must fit`);
  }
}

/** The runtime-changeable view returned by GET /admin/config. */
export function liveConfigView(config: SimConfig): Record<string, unknown> {
  const view: Record<string, unknown> = { latencyMode: config.latencyMode, faults: { ...config.faults } };
  const source = config as unknown as Record<string, unknown>;
  for (const rule of NUMERIC_RULES) if (rule.live) view[rule.key] = source[rule.key];
  return view;
}

/**
 * Validates a partial runtime update (POST /admin/config body, camelCase keys as in
 * {@link liveConfigView}) and returns the new config. Nothing changes when it throws.
 */
export function applyLiveUpdate(config: SimConfig, update: unknown): SimConfig {
  if (update === null || typeof update !== 'object' || Array.isArray(update)) throw new ConfigError('body must be a JSON object');
  const next: SimConfig = { ...config, faults: { ...config.faults } };
  const target = next as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(update as Record<string, unknown>)) {
    if (key === 'faults') {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new ConfigError('faults must be an object');
      for (const [faultKey, rate] of Object.entries(value as Record<string, unknown>)) {
        if (!FAULT_RULES.some((r) => r.key === faultKey)) throw new ConfigError(`unknown key faults.${faultKey} (expected ${FAULT_RULES.map((r) => r.key).join(', ')})`);
        if (typeof rate !== 'number') throw new ConfigError(`invalid value for faults.${faultKey}: expected a number in [0, 1]`);
        next.faults[faultKey as keyof FaultRates] = checkNumber(`faults.${faultKey}`, rate, { min: 0, max: 1 });
      }
      continue;
    }
    if (key === 'latencyMode') {
      if (value !== 'engine' && value !== 'fixed') throw new ConfigError('invalid value for latencyMode: expected "engine" or "fixed"');
      next.latencyMode = value;
      continue;
    }
    const rule = NUMERIC_RULES.find((r) => r.key === key);
    if (rule === undefined || !rule.live) throw new ConfigError(`unknown or read-only key "${key}" (changeable: ${Object.keys(liveConfigView(config)).join(', ')})`);
    if (typeof value !== 'number') throw new ConfigError(`invalid value for ${key}: expected a number`);
    target[key] = checkNumber(key, value, rule);
  }
  checkConsistency(next, (key) => key);
  return next;
}
