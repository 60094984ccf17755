import { describe, expect, it } from 'vitest';
import { MemoryPrefixIndex, blocksToEvictAfterFeedback, capacityFromCacheConfig } from '../../src/prefix/index.ts';
import { hashOf, runPrefixIndexConformance } from '../../src/prefix/prefix-index-conformance.ts';

runPrefixIndexConformance('MemoryPrefixIndex', (options) => Promise.resolve({ index: new MemoryPrefixIndex(options), cleanup: () => Promise.resolve() }));

describe('capacityFromCacheConfig', () => {
  it('converts engine blocks to our blocks (tokens of KV cache / our block size)', () => {
    // vLLM block_size 16 × num_gpu_blocks 1000 = 16000 tokens = 250 blocks of 64 tokens.
    expect(capacityFromCacheConfig(16, 1000, 64)).toBe(250);
    expect(capacityFromCacheConfig(16, 3, 64)).toBe(1);
    expect(capacityFromCacheConfig(undefined, 1000, 64)).toBeUndefined();
    expect(capacityFromCacheConfig(16, 0, 64)).toBeUndefined();
  });
});

describe('blocksToEvictAfterFeedback', () => {
  const hashes = ['a', 'b', 'c', 'd', 'e'].map(hashOf);
  it('returns the predicted-but-not-cached blocks', () => {
    // predicted 4 blocks, engine cached 130 tokens ≈ 2 blocks of 64 → evict blocks 2 and 3.
    expect(blocksToEvictAfterFeedback(hashes, 4, 130, 64)).toEqual([hashes[2], hashes[3]]);
    expect(blocksToEvictAfterFeedback(hashes, 4, 0, 64)).toEqual(hashes.slice(0, 4));
  });
  it('returns nothing when the engine cached at least the prediction', () => {
    expect(blocksToEvictAfterFeedback(hashes, 2, 128, 64)).toEqual([]);
    expect(blocksToEvictAfterFeedback(hashes, 2, 9999, 64)).toEqual([]);
    expect(blocksToEvictAfterFeedback(hashes, 0, 0, 64)).toEqual([]);
    // 90 tokens with 45 engine tokens per block = 2 blocks: nothing wrong with a 2-block prediction.
    expect(blocksToEvictAfterFeedback(hashes, 2, 90, 45)).toEqual([]);
    expect(blocksToEvictAfterFeedback(hashes, 3, 90, 45)).toEqual([hashes[2]]);
  });
});

describe('MemoryPrefixIndex options', () => {
  it('rejects a bad default capacity', () => {
    expect(() => new MemoryPrefixIndex({ defaultCapacityBlocks: 0 })).toThrow(RangeError);
  });
});
