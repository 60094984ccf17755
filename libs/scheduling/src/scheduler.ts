import { NoEligibleEndpointsError, SchedulingProfile } from './profile.ts';
import type { PluginTiming, ProfileResult, WeightedScorer } from './profile.ts';
import { hasPickObserver } from './plugins/plugin-inputs.ts';
import type { PickObserver } from './plugins/plugin-inputs.ts';
import { PluginConfigError } from './registry.ts';
import type { PluginDeps, PluginRegistry, PluginSpec } from './registry.ts';
import { defaultSchedulingPlugins } from './builtins.ts';
import { MAX_SCORE_PICKER } from './plugins/max-score-picker.ts';
import type { CycleContext, EndpointView, Filter, Picker, SchedulingPlugin, Scorer } from './types.ts';

/** A profile as declared (llm-d `schedulingProfiles[]`): plugin references with weights (scorers only). */
export interface ProfileSpec {
  readonly name: string;
  readonly plugins: readonly { readonly pluginRef: string; readonly weight?: number }[];
}

/** Plugin types that read the prefix index. */
const PREFIX_READING_TYPES: ReadonlySet<string> = new Set(['prefix-cache-scorer', 'prefix-cache-affinity-filter', 'no-hit-lru-scorer']);

/** The scheduling result: the primary profile's picks. */
export interface SchedulingResult extends ProfileResult {
  /** Wall time of the cycle is measured by the caller; this is the profile that decided. */
  readonly primaryProfile: string;
}

/**
 * Runs the scheduling profiles for one request. This issue has a single-profile handler: the
 * profile named `default` (or the first declared one) is the primary and only profile. The
 * multi-profile loop (P/D disaggregation) extends `schedule` without changing the plugin shapes.
 */
export class Scheduler {
  readonly profiles: readonly SchedulingProfile[];
  private readonly primary: SchedulingProfile;
  private readonly timing: PluginTiming | undefined;
  /** Plugins of the primary profile that learn from decisions (PreRequest hook). */
  private readonly observers: readonly PickObserver[];
  private readonly readsPrefixIndex: boolean;

  constructor(profiles: readonly SchedulingProfile[], options: { timing?: PluginTiming } = {}) {
    const first = profiles[0];
    if (first === undefined) throw new Error('a scheduler needs at least one profile');
    this.profiles = profiles;
    this.primary = profiles.find((p) => p.name === 'default') ?? first;
    this.timing = options.timing;
    const plugins: object[] = [...this.primary.filters, ...this.primary.scorers.map((s) => s.scorer), this.primary.picker];
    this.observers = [...new Set(plugins)].filter(hasPickObserver);
    this.readsPrefixIndex =
      this.primary.scorers.some((s) => s.weight > 0 && PREFIX_READING_TYPES.has(s.scorer.type)) || this.primary.filters.some((f) => PREFIX_READING_TYPES.has(f.type));
  }

  /** Throws NoEligibleEndpointsError when no endpoint can serve the request. */
  schedule(ctx: CycleContext, endpoints: readonly EndpointView[]): SchedulingResult {
    const r = this.primary.run(ctx, endpoints, this.timing);
    // Built field by field: cheaper than an object spread, and this runs for every request.
    return { profile: r.profile, picked: r.picked, scored: r.scored, scorers: r.scorers, filters: r.filters, primaryProfile: r.profile };
  }

  /**
   * PreRequest: tell the stateful plugins (no-hit-lru, session affinity) which endpoint the request
   * was sent to. The router calls it once per request, after the pick it actually uses.
   */
  notifyPicked(ctx: CycleContext, endpoint: EndpointView): void {
    for (const o of this.observers) o.onPicked(ctx, endpoint);
  }

  /** Plugin names and types of the primary profile (for /admin and logs). */
  describe(): { profile: string; filters: string[]; scorers: { name: string; type: string; weight: number }[]; picker: string } {
    const p = this.primary;
    return { profile: p.name, filters: p.filters.map((f) => f.name), scorers: p.scorers.map((s) => ({ name: s.scorer.name, type: s.scorer.type, weight: s.weight })), picker: p.picker.name };
  }

  /** True when a scorer or filter of the primary profile reads the prefix index (so the router must look it up). Called per request. */
  usesPrefixMatch(): boolean {
    return this.readsPrefixIndex;
  }
}

/**
 * Builds a Scheduler from plugin declarations and profiles (llm-d EndpointPickerConfig shape).
 * Only plugins whose type the registry knows are instantiated (flow-control plugins in the same
 * list belong to flow control). With no scheduling plugins and no profiles declared, the built-in
 * default (`defaultSchedulingPlugins`) is used. With plugins but no profiles declared, a `default` profile gets every declared
 * filter (in order), every scorer (weight 1) and the declared picker. A profile without a picker
 * gets `max-score-picker`. Throws PluginConfigError with the field path on bad references.
 */
export function buildScheduler(options: {
  readonly registry: PluginRegistry;
  readonly deps: PluginDeps;
  readonly plugins: readonly PluginSpec[];
  readonly profiles: readonly ProfileSpec[];
  /** Per-plugin duration observer (inference_extension_plugin_duration_seconds). */
  readonly timing?: PluginTiming;
}): Scheduler {
  let plugins = options.plugins.filter((spec) => options.registry.has(spec.type));
  let declaredProfiles = options.profiles;
  if (plugins.length === 0 && declaredProfiles.length === 0) {
    const defaults = defaultSchedulingPlugins();
    plugins = [...defaults.plugins];
    declaredProfiles = defaults.profiles;
  }
  const instances = new Map<string, SchedulingPlugin>();
  for (const spec of plugins) {
    const index = options.plugins.indexOf(spec);
    instances.set(spec.name, options.registry.create(spec, options.deps, index >= 0 ? `plugins[${index}]` : `plugins.${spec.name}`));
  }
  const defaultPicker = (): Picker =>
    options.registry.create({ name: MAX_SCORE_PICKER, type: MAX_SCORE_PICKER, parameters: {} }, options.deps) as Picker;

  const profileSpecs: ProfileSpec[] =
    declaredProfiles.length > 0
      ? [...declaredProfiles]
      : [{ name: 'default', plugins: [...instances.keys()].map((pluginRef) => ({ pluginRef, weight: 1 })) }];

  const profiles = profileSpecs.map((p, pi) => {
    const filters: Filter[] = [];
    const scorers: WeightedScorer[] = [];
    let picker: Picker | null = null;
    p.plugins.forEach((ref, ri) => {
      const path = `schedulingProfiles[${pi}].plugins[${ri}].pluginRef`;
      const plugin = instances.get(ref.pluginRef);
      if (!plugin) throw new PluginConfigError(path, `no scheduling plugin named "${ref.pluginRef}" is declared`);
      if (plugin.kind === 'filter') filters.push(plugin);
      else if (plugin.kind === 'scorer') scorers.push({ scorer: plugin as Scorer, weight: ref.weight ?? 1 });
      else if (picker !== null) throw new PluginConfigError(path, `profile ${p.name} has two pickers (${picker.name}, ${plugin.name})`);
      else picker = plugin;
    });
    return new SchedulingProfile({ name: p.name, filters, scorers, picker: picker ?? defaultPicker() });
  });
  return new Scheduler(profiles, options.timing === undefined ? {} : { timing: options.timing });
}

export { NoEligibleEndpointsError };
