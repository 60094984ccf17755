import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { ConfigError, loadRouterConfig, type ConfigEnv, type ConfigIssue } from '../src/index.ts';

export const EXAMPLE_FILE = fileURLToPath(new URL('./fixtures/example.yaml', import.meta.url));
export const LLMD_FULL_FILE = fileURLToPath(new URL('./fixtures/llm-d-full-epp.yaml', import.meta.url));

/** The issue example as a plain object, fresh on every call (tests mutate it). */
export function exampleObject(): Record<string, unknown> {
  return parse(readFileSync(EXAMPLE_FILE, 'utf8')) as Record<string, unknown>;
}

/** Loads an object as YAML text through the real loader. */
export function loadObject(value: unknown, env: ConfigEnv = {}) {
  return loadRouterConfig({ text: stringify(value), env });
}

/** The ConfigError issues thrown while loading `value`; fails if it loads. */
export function issuesOf(load: () => unknown): readonly ConfigIssue[] {
  try {
    load();
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  throw new Error('expected a ConfigError, but the config loaded');
}
