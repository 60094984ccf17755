/**
 * The simulated KV cache: a fixed pool of blocks with vLLM V1's prefix-caching semantics.
 *
 * Invariants:
 * - Every block is either referenced (refCount > 0, held by running sequences) or on the free
 *   queue (refCount = 0). Free blocks keep their hash until they are reused, so a later request
 *   can still hit them ("cached but unreferenced" counts as free for usage).
 * - The free queue is LRU: allocation pops the head (evicting that block's hash); released
 *   blocks go to the tail. Callers release a sequence's blocks in reverse order, so its last
 *   blocks are evicted first.
 * - `hashToBlock` maps a block hash to the one block that holds it.
 * All operations are O(1) except where noted.
 */
export class KvBlockPool {
  readonly numBlocks: number;
  readonly blockSize: number;
  private readonly refCount: Int32Array;
  /** Hash held by each block; NaN = none. */
  private readonly blockHash: Float64Array;
  private readonly prev: Int32Array;
  private readonly next: Int32Array;
  private readonly onFreeQueue: Uint8Array;
  private head = -1;
  private tail = -1;
  private free = 0;
  private readonly hashToBlock = new Map<number, number>();

  constructor(numBlocks: number, blockSize: number) {
    if (!Number.isInteger(numBlocks) || numBlocks < 1) throw new Error(`KV cache needs at least one block, got ${numBlocks}`);
    this.numBlocks = numBlocks;
    this.blockSize = blockSize;
    this.refCount = new Int32Array(numBlocks);
    this.blockHash = new Float64Array(numBlocks).fill(Number.NaN);
    this.prev = new Int32Array(numBlocks);
    this.next = new Int32Array(numBlocks);
    this.onFreeQueue = new Uint8Array(numBlocks);
    for (let b = 0; b < numBlocks; b++) this.pushTail(b);
  }

  /** Blocks on the free queue (including cached-but-unreferenced ones). */
  get numFreeBlocks(): number {
    return this.free;
  }

  /** Number of hashed blocks currently reusable (referenced or not). */
  get numCachedBlocks(): number {
    return this.hashToBlock.size;
  }

  /** vLLM's kv_cache_usage_perc: 1 − free/total, in [0, 1]. */
  usage(): number {
    return 1 - this.free / this.numBlocks;
  }

  /** The block holding `hash`, if it is still cached. */
  lookup(hash: number): number | undefined {
    return this.hashToBlock.get(hash);
  }

  refCountOf(block: number): number {
    return this.refCount[block] ?? 0;
  }

  /** Takes a reference on a cached block found by {@link lookup}, taking it off the free queue if idle. */
  acquire(block: number): void {
    if (this.onFreeQueue[block] === 1) this.unlink(block);
    this.refCount[block] = (this.refCount[block] ?? 0) + 1;
  }

  /** Pops the least recently freed block, evicts its hash, and references it. Caller checks capacity. */
  allocate(): number {
    const block = this.head;
    if (block < 0) throw new Error('KV cache exhausted: allocate() called without free blocks');
    this.unlink(block);
    const hash = this.blockHash[block] ?? Number.NaN;
    if (!Number.isNaN(hash)) {
      if (this.hashToBlock.get(hash) === block) this.hashToBlock.delete(hash);
      this.blockHash[block] = Number.NaN;
    }
    this.refCount[block] = 1;
    return block;
  }

  /** Records that `block` (full, referenced) holds `hash`. Keeps an existing holder of the same hash. */
  registerHash(block: number, hash: number): void {
    if (this.hashToBlock.has(hash)) return;
    this.blockHash[block] = hash;
    this.hashToBlock.set(hash, block);
  }

  /** Drops one reference from each block, from the LAST to the first (so tail blocks are evicted first). */
  releaseAll(blocks: readonly number[]): void {
    for (let i = blocks.length - 1; i >= 0; i--) {
      const block = blocks[i] as number;
      const count = (this.refCount[block] ?? 0) - 1;
      this.refCount[block] = count;
      if (count === 0) this.pushTail(block);
    }
  }

  private pushTail(block: number): void {
    this.prev[block] = this.tail;
    this.next[block] = -1;
    if (this.tail >= 0) this.next[this.tail] = block;
    else this.head = block;
    this.tail = block;
    this.onFreeQueue[block] = 1;
    this.free++;
  }

  private unlink(block: number): void {
    const p = this.prev[block] as number;
    const n = this.next[block] as number;
    if (p >= 0) this.next[p] = n;
    else this.head = n;
    if (n >= 0) this.prev[n] = p;
    else this.tail = p;
    this.onFreeQueue[block] = 0;
    this.free--;
  }
}
