import { OTHER_LABEL_VALUE } from './metric-names.ts';

/**
 * Bounds the distinct values of one client-derived label (fairness ids, model names): the first
 * `max` distinct values are kept; later ones become `other`. Values are reference-counted, so a
 * value whose last user released it frees its slot (flow GC).
 */
export class LabelCap {
  private readonly counts = new Map<string, number>();

  constructor(readonly max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`label cap must be a positive integer, got ${max}`);
  }

  /** Takes a reference on `value`; returns the label to use (the value itself, or `other`). */
  acquire(value: string): string {
    const count = this.counts.get(value);
    if (count !== undefined) {
      this.counts.set(value, count + 1);
      return value;
    }
    if (this.counts.size >= this.max) return OTHER_LABEL_VALUE;
    this.counts.set(value, 1);
    return value;
  }

  /** The label for `value` without taking a reference (admits it if there is room, permanently). */
  peek(value: string): string {
    if (this.counts.has(value)) return value;
    if (this.counts.size >= this.max) return OTHER_LABEL_VALUE;
    this.counts.set(value, 1);
    return value;
  }

  /** Drops one reference taken by acquire(value) when it returned the value itself. */
  release(value: string): void {
    const count = this.counts.get(value);
    if (count === undefined) return;
    if (count <= 1) this.counts.delete(value);
    else this.counts.set(value, count - 1);
  }

  get size(): number {
    return this.counts.size;
  }
}
