import type { ResolvedModel, ResolvedObjective } from '@sluice/config';

/** The outcome of resolving a request's model and objective. */
export interface ModelResolution {
  /** The name the client asked for. */
  readonly model: string;
  /** The name sent upstream (weighted pick among the model's target models). */
  readonly targetModel: string;
  /** Effective priority: the objective header's objective, else the model's. */
  readonly priority: number;
  /** Objective name used for the priority (header or model), if any. */
  readonly objective: string | undefined;
}

/**
 * InferenceModel-style resolution (reference §7): model name → criticality/objective → priority and
 * a weighted-random target model. With no models configured every model passes through unchanged
 * at priority 0. Returns null for an unknown model (the router answers 404).
 */
export class ModelResolver {
  private readonly models = new Map<string, { model: ResolvedModel; totalWeight: number }>();
  private readonly objectives = new Map<string, number>();
  /** The config's objectives; discovered ones (Kubernetes InferenceObjectives) override by name. */
  private readonly configured = new Map<string, number>();
  private readonly random: () => number;

  constructor(options: { models: readonly ResolvedModel[]; objectives: readonly ResolvedObjective[]; random: () => number }) {
    for (const m of options.models) {
      this.models.set(m.modelName, { model: m, totalWeight: m.targetModels.reduce((sum, t) => sum + t.weight, 0) });
    }
    for (const o of options.objectives) this.configured.set(o.name, o.priority);
    this.setDiscoveredObjectives([]);
    this.random = options.random;
  }

  /**
   * Replace the discovered objectives (Kubernetes InferenceObjectives). They override configured
   * objectives of the same name; a removed one falls back to the configured entry, if any. Models
   * keep the priority they resolved at start-up.
   */
  setDiscoveredObjectives(discovered: readonly { name: string; priority: number }[]): void {
    this.objectives.clear();
    for (const [name, priority] of this.configured) this.objectives.set(name, priority);
    for (const o of discovered) this.objectives.set(o.name, o.priority);
  }

  /** Every configured model name (GET /v1/models). */
  modelNames(): string[] {
    return [...this.models.keys()];
  }

  /** Every priority a request can get (to provision flow-control bands). */
  priorities(): number[] {
    const set = new Set<number>([0, ...this.objectives.values()]);
    for (const { model } of this.models.values()) set.add(model.priority);
    return [...set];
  }

  /** Priority of a named objective, or undefined if it is not configured. */
  objectivePriority(name: string): number | undefined {
    return this.objectives.get(name);
  }

  /**
   * `priorityCeiling` (from the credential, api-keys / jwt modes) caps the resulting priority; the
   * auth layer already keeps a requested objective at or below it, so it only lowers a model's own
   * priority when no objective applies.
   */
  resolve(model: string, objectiveHeader: string | undefined, priorityCeiling?: number): ModelResolution | null {
    const headerPriority = objectiveHeader === undefined ? undefined : this.objectives.get(objectiveHeader);
    if (this.models.size === 0) {
      return { model, targetModel: model, priority: capPriority(headerPriority ?? 0, priorityCeiling), objective: headerPriority === undefined ? undefined : objectiveHeader };
    }
    const entry = this.models.get(model);
    if (!entry) return null;
    const useHeader = headerPriority !== undefined;
    return {
      model,
      targetModel: this.pickTarget(entry.model, entry.totalWeight),
      priority: capPriority(useHeader ? headerPriority : entry.model.priority, priorityCeiling),
      objective: useHeader ? objectiveHeader : (entry.model.objective ?? undefined),
    };
  }

  /** Weighted random walk over the cumulative weights (weights are > 0). */
  private pickTarget(model: ResolvedModel, totalWeight: number): string {
    const targets = model.targetModels;
    if (targets.length === 1) return targets[0]!.name;
    let point = this.random() * totalWeight;
    for (const t of targets) {
      point -= t.weight;
      if (point < 0) return t.name;
    }
    return targets[targets.length - 1]!.name;
  }
}

/** `priority`, lowered to the credential's ceiling when there is one. */
function capPriority(priority: number, ceiling: number | undefined): number {
  return ceiling === undefined ? priority : Math.min(priority, ceiling);
}
