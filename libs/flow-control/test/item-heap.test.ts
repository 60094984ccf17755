import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ItemHeap } from '../src/memory/item-heap.ts';

interface Item {
  orderKey: number;
  seq: number;
  heapIndex: number;
}

describe('ItemHeap', () => {
  it('pops in (orderKey, seq) order under random pushes and removals', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ key: fc.integer({ min: 0, max: 20 }), remove: fc.boolean() }), { maxLength: 200 }),
        (specs) => {
          const heap = new ItemHeap<Item>();
          const items = specs.map((s, i) => ({ orderKey: s.key, seq: i, heapIndex: -1 }));
          for (const it of items) heap.push(it);
          const kept = items.filter((_, i) => !specs[i]!.remove);
          for (const [i, it] of items.entries()) if (specs[i]!.remove) expect(heap.remove(it)).toBe(true);
          expect(heap.size).toBe(kept.length);
          const popped: Item[] = [];
          for (let head = heap.peek(); head !== undefined; head = heap.peek()) {
            popped.push(head);
            heap.remove(head);
          }
          const expected = [...kept].sort((a, b) => a.orderKey - b.orderKey || a.seq - b.seq);
          expect(popped).toEqual(expected);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('removing an item twice or from another heap is a no-op', () => {
    const a = new ItemHeap<Item>();
    const b = new ItemHeap<Item>();
    const x = { orderKey: 1, seq: 1, heapIndex: -1 };
    const y = { orderKey: 2, seq: 2, heapIndex: -1 };
    a.push(x);
    b.push(y);
    expect(a.remove(y)).toBe(false);
    expect(a.remove(x)).toBe(true);
    expect(a.remove(x)).toBe(false);
    expect(b.size).toBe(1);
  });
});
