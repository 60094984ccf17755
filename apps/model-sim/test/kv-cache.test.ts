import { describe, expect, it } from 'vitest';
import { KvBlockPool } from '../src/engine/kv-cache.ts';
import { Sequence } from '../src/engine/sequence.ts';
import { EngineHarness, engineConfig, tokens } from './helpers/engine-harness.ts';

/** A read-only probe sequence for asking "how much of this prompt is cached?". */
function probe(promptTokens: readonly string[]): Sequence {
  return new Sequence({ id: 0, promptTokens, maxTokens: 1, targetOutputTokens: 1, wordSeed: 0 });
}

describe('KV block pool', () => {
  it('is an LRU free queue whose blocks keep their hash until reused', () => {
    const pool = new KvBlockPool(4, 16);
    const a = pool.allocate();
    const b = pool.allocate();
    pool.registerHash(a, 111);
    pool.registerHash(b, 222);
    expect(pool.usage()).toBe(0.5);
    pool.releaseAll([a, b]); // tail gets b then a
    expect(pool.usage()).toBe(0); // cached but unreferenced counts as free
    expect(pool.lookup(111)).toBe(a);
    // Free queue: 2, 3, b, a → the next three allocations evict b's hash but not a's.
    pool.allocate();
    pool.allocate();
    pool.allocate();
    expect(pool.lookup(222)).toBeUndefined();
    expect(pool.lookup(111)).toBe(a);
  });

  it('reviving an idle cached block takes it off the free queue', () => {
    const pool = new KvBlockPool(2, 16);
    const a = pool.allocate();
    pool.registerHash(a, 5);
    pool.releaseAll([a]);
    pool.acquire(a);
    expect(pool.numFreeBlocks).toBe(1);
    expect(pool.refCountOf(a)).toBe(1);
  });
});

describe('prefix caching in the engine', () => {
  it('caps the hit at prompt_len − 1: cached = floor((n − 1)/16)·16', () => {
    for (const [n, expected] of [
      [32, 16],
      [33, 32],
      [40, 32],
      [16, 0],
    ] as const) {
      const h = new EngineHarness();
      const prompt = tokens('w', n);
      h.submit(prompt, 1);
      h.run();
      const again = h.submit(prompt, 1);
      h.run();
      expect(again.seq.numCachedTokens, `n=${n}`).toBe(expected);
      expect(h.engine.stats.prefixQueries).toBe(2 * n);
      expect(h.engine.stats.prefixHits).toBe(expected);
    }
  });

  it('evicts least recently freed blocks first, a finished request\'s last blocks before its first', () => {
    // 8 blocks. A and B (3 blocks each) finish; C needs 4 fresh blocks.
    const h = new EngineHarness(engineConfig({ kvCacheTokens: 8 * 16 }));
    const a = tokens('a', 48);
    const b = tokens('b', 48);
    h.submit(a, 1);
    h.run();
    h.submit(b, 1);
    h.run();
    expect(h.engine.kv.usage()).toBe(0);
    expect(h.engine.cachedPrefixTokens(probe([...a, 'x']))).toBe(48);
    h.submit(tokens('c', 64), 1);
    h.run();
    // Free queue before C: [u1, u2, A3, A2, A1, B3, B2, B1] (u = never used; each request's blocks
    // appended last-first). C pops u1, u2, A3, A2 → only A's first block survives; B is intact.
    expect(h.engine.cachedPrefixTokens(probe([...a, 'x']))).toBe(16);
    expect(h.engine.cachedPrefixTokens(probe([...b, 'x']))).toBe(48);
  });

  it('hashes full decode blocks so a follow-up turn reuses generated tokens', () => {
    const h = new EngineHarness();
    const prompt = tokens('turn', 20);
    const first = h.submit(prompt, 30);
    h.run();
    const generated = Array.from({ length: 30 }, (_, i) => first.seq.outputWord(i));
    const followUp = [...prompt, ...generated, ...tokens('next', 10)]; // 60 tokens
    // 20 prompt + 30 output: 49 tokens computed at the end → 3 full blocks (48 tokens) cached.
    const next = h.submit(followUp, 1);
    h.run();
    expect(next.seq.numCachedTokens).toBe(48);
  });

  it('a second request admitted in the same step hits blocks the first is computing', () => {
    const h = new EngineHarness(engineConfig({ maxNumBatchedTokens: 2048 }));
    const shared = tokens('sys', 320);
    const one = h.submit([...shared, ...tokens('u1', 40)], 1);
    const two = h.submit([...shared, ...tokens('u2', 40)], 1);
    h.run();
    expect(one.seq.numCachedTokens).toBe(0);
    expect(two.seq.numCachedTokens).toBe(320);
    expect(h.plans[0]?.plan.prefillTokens).toBe(360 + 40);
  });
});
