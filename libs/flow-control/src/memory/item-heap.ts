import { compareOrder } from '../policies/ordering.ts';
import { IndexedHeap, type HeapSlot } from './indexed-heap.ts';

/** What the heap needs from an item. `heapIndex` is owned by the heap. */
export interface HeapItem {
  readonly orderKey: number;
  readonly seq: number;
  heapIndex: number;
}

const HEAP_INDEX_SLOT: HeapSlot<HeapItem> = {
  get: (item) => item.heapIndex,
  set: (item, index) => {
    item.heapIndex = index;
  },
};

/**
 * Min-heap of a flow's queued items by `(orderKey, seq)` (the ordering policy's key). Removal by
 * reference uses the item's `heapIndex` (−1 when not in a heap).
 */
export class ItemHeap<T extends HeapItem> extends IndexedHeap<T> {
  constructor() {
    super((a, b) => compareOrder(a, b) < 0, HEAP_INDEX_SLOT);
  }
}
