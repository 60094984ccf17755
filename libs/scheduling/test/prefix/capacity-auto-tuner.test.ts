import { describe, expect, it } from 'vitest';
import { CapacityAutoTuner, MemoryPrefixIndex } from '../../src/prefix/index.ts';
import { hashOf } from '../../src/prefix/prefix-index-conformance.ts';
import { parseEndpointMetrics } from '../../src/scraping/index.ts';
import type { PoolMetricsSnapshot } from '../../src/scraping/index.ts';

const snapshot = (numGpuBlocks: number): PoolMetricsSnapshot => ({
  publishedAtMs: 0,
  leaderId: 'r1',
  endpoints: [
    { endpoint: 'a', metrics: parseEndpointMetrics(`vllm:cache_config_info{block_size="16",num_gpu_blocks="${numGpuBlocks}"} 1\n`), lastSuccessMs: 0, consecutiveFailures: 0, lastError: null },
    { endpoint: 'b', metrics: null, lastSuccessMs: null, consecutiveFailures: 1, lastError: 'down' },
  ],
});

describe('CapacityAutoTuner', () => {
  it('sets capacity from cache_config_info once per change', async () => {
    const index = new MemoryPrefixIndex({ defaultCapacityBlocks: 100 });
    const tuner = new CapacityAutoTuner(index, 64);
    // 16 × 20 = 320 tokens = 5 blocks of 64.
    expect(await tuner.apply(snapshot(20))).toEqual(['a']);
    expect(await tuner.apply(snapshot(20))).toEqual([]);
    const chain = Array.from({ length: 8 }, (_, i) => hashOf(`c${i}`));
    await index.record(chain, 'a');
    await index.record(chain, 'b');
    expect(await index.size('a')).toBe(5);
    expect(await index.size('b')).toBe(8);
    expect(await tuner.apply(snapshot(8))).toEqual(['a']);
    await index.record(chain.slice(0, 1), 'a');
    expect(await index.size('a')).toBe(2);
  });
});
