import type { Metric, Registry } from 'prom-client';

/** Label values of one series by label name; an omitted label is not printed (as in prom-client). */
export type SeriesLabels<L extends string> = Partial<Record<L, string | number>>;

/** One exported sample, in the shape prom-client's registry formats. */
export interface FastMetricValue {
  readonly labels: Readonly<Record<string, string | number>>;
  readonly value: number;
  /** `<name>_bucket`, `_sum`, `_count` for histograms; absent for counters. */
  readonly metricName?: string;
}

/** What `get()` returns (prom-client's MetricObjectWithValues). */
export interface FastMetricSnapshot {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'histogram';
  readonly values: FastMetricValue[];
  readonly aggregator: 'sum';
}

interface Series<S> {
  /** The series' labels, undefined ones dropped. */
  readonly labels: Readonly<Record<string, string | number>>;
  readonly state: S;
}

export interface FastMetricOptions<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly labelNames?: readonly L[];
  readonly registers?: readonly Registry[];
}

/** Separates label values in a series key; a value containing it is still unambiguous (see keyOf). */
const SEPARATOR = '\u0001';
const OMITTED = '\u0002';
/** Label objects remembered by identity per metric before the cache is cleared. */
const IDENTITY_CACHE_SIZE = 256;

/**
 * The part of a Prometheus counter or histogram that the request path touches, without
 * prom-client's per-call label validation, key sorting and hashing (a visible share of the router's
 * CPU profile under load): a series is found by joining its label values in the declared order, and
 * labels are validated once, when the series is created.
 *
 * Registered on prom-client registries like any metric (`registerMetric`): `/metrics`, `get()`,
 * `reset()` and `getSingleMetric` work as for prom-client's own, and the text is the same line for
 * line (fast-metrics.test.ts compares them). Only `inc` / `observe` / `get` / `reset` / `remove`
 * exist: the request path needs nothing else.
 *
 * Contract: label values are strings or numbers. A label object passed once must not be mutated
 * afterwards: it may be remembered by identity.
 */
abstract class FastMetric<L extends string, S> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly L[];
  readonly aggregator = 'sum' as const;
  abstract readonly type: 'counter' | 'histogram';
  readonly #series = new Map<string, Series<S>>();
  /** Label object → its series (bounded; cleared when full). Holds only objects callers passed. */
  readonly #byIdentity = new Map<object, Series<S>>();
  #unlabelled: Series<S> | undefined = undefined;

  constructor(options: FastMetricOptions<L>) {
    this.name = options.name;
    this.help = options.help;
    this.labelNames = options.labelNames ?? [];
    for (const registry of options.registers ?? []) registry.registerMetric(this as unknown as Metric);
  }

  protected abstract newState(): S;

  /**
   * The state of the series for `labels`, created (and its labels checked) on first use. Fast paths:
   * no labels (a field), and a label object seen before (identity lookup, no key string). Callers
   * on the request path pass interned label objects (SluiceMetrics.requestLabels, plugin labels).
   */
  protected stateOf(labels: SeriesLabels<L> | undefined): S {
    if (labels === undefined) return (this.#unlabelled ??= this.#seriesFor({})).state;
    const seen = this.#byIdentity.get(labels);
    if (seen !== undefined) return seen.state;
    const series = this.#seriesFor(labels);
    if (this.#byIdentity.size >= IDENTITY_CACHE_SIZE) this.#byIdentity.clear();
    this.#byIdentity.set(labels, series);
    return series.state;
  }

  #seriesFor(labels: SeriesLabels<L>): Series<S> {
    // No labels and `{}` are the same series (as in prom-client).
    const key = this.#keyOf(labels);
    let series = this.#series.get(key);
    if (series === undefined) {
      series = { labels: this.#checked(labels), state: this.newState() };
      this.#series.set(key, series);
    }
    return series;
  }

  /** Every series with its labels, in creation order (for `get()`). A metric without labels always has its one series (at zero), as in prom-client. */
  protected entries(): IterableIterator<Series<S>> {
    if (this.labelNames.length === 0) this.stateOf(undefined);
    return this.#series.values();
  }

  reset(): void {
    this.#series.clear();
    this.#byIdentity.clear();
    this.#unlabelled = undefined;
  }

  remove(labels: SeriesLabels<L>): void {
    this.#series.delete(this.#keyOf(labels));
    this.#byIdentity.clear();
    this.#unlabelled = undefined;
  }

  /** Values joined in declared order. A value that contains SEPARATOR is JSON-quoted, so keys never collide. */
  #keyOf(labels: SeriesLabels<L>): string {
    let key = '';
    for (const name of this.labelNames) {
      const value = labels[name];
      const text = value === undefined ? OMITTED : String(value);
      key += (text.includes(SEPARATOR) ? JSON.stringify(text) : text) + SEPARATOR;
    }
    return key;
  }

  #checked(labels: SeriesLabels<L>): Record<string, string | number> {
    const copy: Record<string, string | number> = {};
    for (const [name, value] of Object.entries(labels) as [string, string | number | undefined][]) {
      if (!this.labelNames.includes(name as L)) throw new Error(`Added label "${name}" is not included in initial labelset: ${JSON.stringify(this.labelNames)}`);
      if (value !== undefined) copy[name] = value;
    }
    return copy;
  }
}

/** A monotonic counter (see FastMetric). */
export class FastCounter<L extends string = string> extends FastMetric<L, { value: number }> {
  readonly type = 'counter' as const;

  protected newState(): { value: number } {
    return { value: 0 };
  }

  /** `inc()`, `inc(2)`, `inc(labels)`, `inc(labels, 2)`; the amount must be finite and >= 0. */
  inc(labelsOrAmount?: SeriesLabels<L> | number, amount?: number): void {
    const labels = typeof labelsOrAmount === 'object' ? labelsOrAmount : undefined;
    const by = typeof labelsOrAmount === 'number' ? labelsOrAmount : (amount ?? 1);
    if (!Number.isFinite(by) || by < 0) throw new Error(`${this.name}: counter increment must be finite and >= 0, got ${by}`);
    this.stateOf(labels).value += by;
  }

  async get(): Promise<FastMetricSnapshot> {
    const values: FastMetricValue[] = [];
    for (const s of this.entries()) values.push({ labels: { ...s.labels }, value: s.state.value });
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }
}

interface HistogramState {
  /** Observations per bucket (not cumulative); index = bucket, the last one is +Inf. */
  readonly counts: number[];
  sum: number;
  count: number;
}

/** A histogram with fixed upper bounds, in the unit of the observed values (see FastMetric). */
export class FastHistogram<L extends string = string> extends FastMetric<L, HistogramState> {
  readonly type = 'histogram' as const;
  readonly #bounds: readonly number[];

  constructor(options: FastMetricOptions<L> & { readonly buckets: readonly number[] }) {
    super(options);
    this.#bounds = [...options.buckets].sort((a, b) => a - b);
  }

  protected newState(): HistogramState {
    return { counts: new Array<number>(this.#bounds.length + 1).fill(0), sum: 0, count: 0 };
  }

  /** `observe(value)` or `observe(labels, value)`; the value must be finite. */
  observe(labelsOrValue: SeriesLabels<L> | number, value?: number): void {
    const labels = typeof labelsOrValue === 'object' ? labelsOrValue : undefined;
    const v = typeof labelsOrValue === 'number' ? labelsOrValue : value;
    if (v === undefined || !Number.isFinite(v)) throw new TypeError(`${this.name}: value is not a valid number: ${String(v)}`);
    const state = this.stateOf(labels);
    const bounds = this.#bounds;
    let i = 0;
    while (i < bounds.length && v > bounds[i]!) i++;
    state.counts[i]!++;
    state.sum += v;
    state.count++;
  }

  /** prom-client's shape: cumulative `_bucket` values with `le`, then `_sum` and `_count`, per series. */
  async get(): Promise<FastMetricSnapshot> {
    const values: FastMetricValue[] = [];
    const bucketName = `${this.name}_bucket`;
    for (const s of this.entries()) {
      let cumulative = 0;
      for (let i = 0; i < this.#bounds.length; i++) {
        cumulative += s.state.counts[i]!;
        values.push({ labels: { le: this.#bounds[i]!, ...s.labels }, value: cumulative, metricName: bucketName });
      }
      values.push({ labels: { le: '+Inf', ...s.labels }, value: s.state.count, metricName: bucketName });
      values.push({ labels: { ...s.labels }, value: s.state.sum, metricName: `${this.name}_sum` });
      values.push({ labels: { ...s.labels }, value: s.state.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }
}
