/**
 * Where an element's heap position lives: the heap writes it on every move and reads it for
 * remove/update; −1 means "in no heap". Each element is in at most one heap using a given slot.
 */
export interface HeapSlot<T> {
  get(item: T): number;
  set(item: T, index: number): void;
}

/**
 * Indexed binary min-heap under `less`: peek O(1); push, remove and update by reference O(log n).
 * Shared by the per-flow item queues (ItemHeap) and the per-band flow candidates (band-candidates).
 */
export class IndexedHeap<T> {
  private readonly items: T[] = [];

  constructor(
    private readonly less: (a: T, b: T) => boolean,
    private readonly slot: HeapSlot<T>,
  ) {}

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  push(item: T): void {
    const i = this.items.length;
    this.slot.set(item, i);
    this.items.push(item);
    this.up(i);
  }

  /** Remove `item` if it is in THIS heap; returns whether it was. */
  remove(item: T): boolean {
    const i = this.slot.get(item);
    if (i < 0 || this.items[i] !== item) return false;
    const last = this.items.pop()!;
    this.slot.set(item, -1);
    if (last !== item) {
      this.items[i] = last;
      this.slot.set(last, i);
      this.down(i);
      this.up(this.slot.get(last));
    }
    return true;
  }

  /** Restore heap order around `item` after its key changed; returns whether it is in THIS heap. */
  update(item: T): boolean {
    const i = this.slot.get(item);
    if (i < 0 || this.items[i] !== item) return false;
    this.down(i);
    this.up(this.slot.get(item));
    return true;
  }

  values(): readonly T[] {
    return this.items;
  }

  private swap(a: number, b: number): void {
    const x = this.items[a]!;
    const y = this.items[b]!;
    this.items[a] = y;
    this.items[b] = x;
    this.slot.set(x, b);
    this.slot.set(y, a);
  }

  private up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(this.items[i]!, this.items[parent]!)) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private down(i: number): void {
    const n = this.items.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && this.less(this.items[l]!, this.items[m]!)) m = l;
      if (r < n && this.less(this.items[r]!, this.items[m]!)) m = r;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }
}
