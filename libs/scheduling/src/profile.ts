import type { CycleContext, EndpointView, Filter, Picker, PluginIdentity, ScoredEndpoint, Scorer } from './types.ts';

/**
 * Per-plugin timing (the `inference_extension_plugin_duration_seconds` histogram), injected by the
 * composition root so the library stays free of clocks. `now()` is a monotonic clock in ms.
 */
export interface PluginTiming {
  now(): number;
  observe(extensionPoint: 'filter' | 'scorer' | 'picker', plugin: PluginIdentity, seconds: number): void;
}

/** One scorer's contribution in a profile run: clamped scores, aligned with ProfileResult.scored. */
export interface ScorerBreakdown {
  readonly name: string;
  readonly type: string;
  readonly weight: number;
  /** Clamped to [0, 1]; scores[i] belongs to scored[i]. Empty when the weight is 0 (not run). */
  readonly scores: readonly number[];
}

/** What one filter removed. */
export interface FilterBreakdown {
  readonly name: string;
  readonly type: string;
  readonly removed: readonly string[];
}

/** A scorer and its weight in the profile's weighted sum. Weight ≥ 0. */
export interface WeightedScorer {
  readonly scorer: Scorer;
  readonly weight: number;
}

/** Result of one profile run. */
export interface ProfileResult {
  readonly profile: string;
  /** Picked endpoints, best first; non-empty. */
  readonly picked: readonly ScoredEndpoint[];
  /** Every candidate that passed the filters, with its total score. */
  readonly scored: readonly ScoredEndpoint[];
  /** Each scorer's clamped scores (for /admin/decisions). */
  readonly scorers: readonly ScorerBreakdown[];
  /** What each filter removed, in order. */
  readonly filters: readonly FilterBreakdown[];
}

/** No endpoint survived the filters (or there were none). The router answers 503 rejected-no-endpoints. */
export class NoEligibleEndpointsError extends Error {
  readonly profile: string;
  /** The filter that removed the last candidates, or null when the input was already empty. */
  readonly filter: string | null;
  constructor(profile: string, filter: string | null) {
    super(filter === null ? `profile ${profile}: no endpoints` : `profile ${profile}: filter ${filter} removed every endpoint`);
    this.name = 'NoEligibleEndpointsError';
    this.profile = profile;
    this.filter = filter;
  }
}

/** Clamp a scorer output to [0, 1]; NaN counts as 0. */
export function clampScore(value: number): number {
  if (!(value > 0)) return 0;
  return value > 1 ? 1 : value;
}

/**
 * A scheduling profile: filters in order, then `total = Σ weight · clamp(score, 0, 1)` (not
 * normalised by the weight sum), then the picker.
 */
export class SchedulingProfile {
  readonly name: string;
  readonly filters: readonly Filter[];
  readonly scorers: readonly WeightedScorer[];
  readonly picker: Picker;

  constructor(options: { name: string; filters: readonly Filter[]; scorers: readonly WeightedScorer[]; picker: Picker }) {
    for (const s of options.scorers) {
      if (!(s.weight >= 0) || !Number.isFinite(s.weight)) throw new RangeError(`profile ${options.name}: scorer ${s.scorer.name} weight must be a finite number >= 0`);
    }
    this.name = options.name;
    this.filters = options.filters;
    this.scorers = options.scorers;
    this.picker = options.picker;
  }

  /** Run the profile. Throws NoEligibleEndpointsError when nothing is left to pick from. */
  run(ctx: CycleContext, endpoints: readonly EndpointView[], timing?: PluginTiming): ProfileResult {
    if (endpoints.length === 0) throw new NoEligibleEndpointsError(this.name, null);
    let candidates = endpoints;
    const filterBreakdown: FilterBreakdown[] = [];
    for (const f of this.filters) {
      const started = timing?.now() ?? 0;
      const kept = f.filter(ctx, candidates);
      if (timing) timing.observe('filter', f, (timing.now() - started) / 1000);
      if (kept.length !== candidates.length) {
        const keptNames = new Set(kept.map((e) => e.name));
        filterBreakdown.push({ name: f.name, type: f.type, removed: candidates.filter((e) => !keptNames.has(e.name)).map((e) => e.name) });
      }
      candidates = kept;
      if (candidates.length === 0) throw new NoEligibleEndpointsError(this.name, f.name);
    }
    const totals = new Array<number>(candidates.length).fill(0);
    const scorerBreakdown: ScorerBreakdown[] = [];
    for (const { scorer, weight } of this.scorers) {
      if (weight === 0) {
        scorerBreakdown.push({ name: scorer.name, type: scorer.type, weight, scores: [] });
        continue;
      }
      const started = timing?.now() ?? 0;
      const raw = scorer.score(ctx, candidates);
      if (timing) timing.observe('scorer', scorer, (timing.now() - started) / 1000);
      const scores = candidates.map((_, i) => clampScore(raw[i] ?? 0));
      for (let i = 0; i < candidates.length; i++) totals[i]! += weight * scores[i]!;
      scorerBreakdown.push({ name: scorer.name, type: scorer.type, weight, scores });
    }
    const scored: ScoredEndpoint[] = candidates.map((endpoint, i) => ({ endpoint, score: totals[i]! }));
    const started = timing?.now() ?? 0;
    const picked = this.picker.pick(ctx, scored);
    if (timing) timing.observe('picker', this.picker, (timing.now() - started) / 1000);
    if (picked.length === 0) throw new NoEligibleEndpointsError(this.name, this.picker.name);
    return { profile: this.name, picked, scored, scorers: scorerBreakdown, filters: filterBreakdown };
  }
}
