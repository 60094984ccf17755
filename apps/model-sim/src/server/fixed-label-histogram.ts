import type { Registry } from 'prom-client';

/**
 * A histogram with one fixed label set, registered in a prom-client Registry as a custom metric.
 * observe() is a bucket search plus two additions (no label hashing, no allocation), because the
 * simulator observes every inter-token gap of up to a thousand streams per step.
 */
export class FixedLabelHistogram {
  readonly type = 'histogram';
  private readonly counts: Float64Array;
  private sum = 0;
  private count = 0;

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly upperBounds: readonly number[],
    private readonly labels: Readonly<Record<string, string>>,
    registry: Registry,
  ) {
    this.counts = new Float64Array(upperBounds.length);
    registry.registerMetric(this as never);
  }

  /** Records one value (seconds). */
  observe(value: number): void {
    const bounds = this.upperBounds;
    let i = 0;
    while (i < bounds.length && value > (bounds[i] as number)) i++;
    if (i < bounds.length) this.counts[i] = (this.counts[i] ?? 0) + 1;
    this.sum += value;
    this.count++;
  }

  get observations(): number {
    return this.count;
  }

  reset(): void {
    this.counts.fill(0);
    this.sum = 0;
    this.count = 0;
  }

  /** prom-client's metric shape: cumulative buckets, +Inf, sum, count. */
  get(): { name: string; help: string; type: string; aggregator: string; values: { labels: Record<string, string | number>; value: number; metricName: string }[] } {
    const values: { labels: Record<string, string | number>; value: number; metricName: string }[] = [];
    let cumulative = 0;
    for (let i = 0; i < this.upperBounds.length; i++) {
      cumulative += this.counts[i] ?? 0;
      values.push({ labels: { ...this.labels, le: this.upperBounds[i] as number }, value: cumulative, metricName: `${this.name}_bucket` });
    }
    values.push({ labels: { ...this.labels, le: '+Inf' }, value: this.count, metricName: `${this.name}_bucket` });
    values.push({ labels: { ...this.labels }, value: this.sum, metricName: `${this.name}_sum` });
    values.push({ labels: { ...this.labels }, value: this.count, metricName: `${this.name}_count` });
    return { name: this.name, help: this.help, type: this.type, aggregator: 'sum', values };
  }
}
