import type { SchedulingPlugin } from './types.ts';

/** Services a plugin factory may use. Injected by the composition root; never module globals. */
export interface PluginDeps {
  /** Uniform in [0, 1). */
  readonly random: () => number;
}

/** A declared plugin instance: `name` unique in the config (defaults to `type`). */
export interface PluginSpec {
  readonly name: string;
  readonly type: string;
  readonly parameters: Readonly<Record<string, unknown>>;
}

/** Builds one plugin instance from its parameters. Throws PluginConfigError on bad parameters. */
export type PluginFactory = (spec: PluginSpec, deps: PluginDeps) => SchedulingPlugin;

/** A plugin declaration the registry cannot build. `path` names the offending field. */
export class PluginConfigError extends Error {
  readonly path: string;
  constructor(path: string, message: string) {
    super(`${path}: ${message}`);
    this.name = 'PluginConfigError';
    this.path = path;
  }
}

/**
 * Plugin type → factory. One instance per composition root (no global registry); registering a
 * type twice throws, so two plugins can never silently shadow each other.
 */
export class PluginRegistry {
  private readonly factories = new Map<string, PluginFactory>();

  register(type: string, factory: PluginFactory): this {
    if (this.factories.has(type)) throw new Error(`scheduling plugin type "${type}" is already registered`);
    this.factories.set(type, factory);
    return this;
  }

  has(type: string): boolean {
    return this.factories.has(type);
  }

  types(): string[] {
    return [...this.factories.keys()].sort();
  }

  /** Instantiate one plugin; unknown type → PluginConfigError at `path`. */
  create(spec: PluginSpec, deps: PluginDeps, path = `plugins.${spec.name}`): SchedulingPlugin {
    const factory = this.factories.get(spec.type);
    if (!factory) throw new PluginConfigError(`${path}.type`, `unknown scheduling plugin type "${spec.type}" (known: ${this.types().join(', ')})`);
    return factory(spec, deps);
  }
}
