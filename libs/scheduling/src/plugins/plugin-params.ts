import { PluginConfigError } from '../registry.ts';
import type { PluginSpec } from '../registry.ts';

/** Reads a numeric plugin parameter with a default; throws PluginConfigError (with its path) when invalid. */
export function numberParam(spec: PluginSpec, name: string, fallback: number, range: { min?: number; max?: number; integer?: boolean } = {}): number {
  const raw = spec.parameters[name];
  if (raw === undefined || raw === null) return fallback;
  const ok = typeof raw === 'number' && Number.isFinite(raw) && (range.min === undefined || raw >= range.min) && (range.max === undefined || raw <= range.max) && (!range.integer || Number.isInteger(raw));
  if (!ok) {
    const bounds = [range.integer ? 'an integer' : 'a number', range.min !== undefined ? `>= ${range.min}` : '', range.max !== undefined ? `<= ${range.max}` : ''].filter((s) => s.length > 0).join(' ');
    throw new PluginConfigError(`plugins.${spec.name}.parameters.${name}`, `must be ${bounds}, got ${JSON.stringify(raw)}`);
  }
  return raw;
}

/** Reads a string parameter restricted to `allowed` (when given). */
export function stringParam<T extends string>(spec: PluginSpec, name: string, fallback: T, allowed?: readonly T[]): T {
  const raw = spec.parameters[name];
  if (raw === undefined || raw === null) return fallback;
  if (typeof raw !== 'string' || (allowed !== undefined && !allowed.includes(raw as T))) {
    throw new PluginConfigError(`plugins.${spec.name}.parameters.${name}`, `must be ${allowed === undefined ? 'a string' : `one of ${allowed.join(', ')}`}, got ${JSON.stringify(raw)}`);
  }
  return raw as T;
}
