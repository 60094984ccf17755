import { describe, expect, it } from 'vitest';
import { MemoryPrefixIndex, PrefixHasher, PrefixProducer, promptText } from '../../src/prefix/index.ts';

const hasher = await PrefixHasher.create();
const system = 'You are a careful assistant. '.repeat(40); // 1160 chars = 4 full blocks

describe('PrefixProducer', () => {
  it('hashes chat and completion bodies, matches after a recorded pick, and applies cached_tokens feedback', async () => {
    const producer = new PrefixProducer({ hasher, index: new MemoryPrefixIndex() });
    const body = { messages: [{ role: 'system', content: system }, { role: 'user', content: 'hello' }] };
    const prompt = producer.hashRequest('m', body);
    const hashes = prompt.hashes;
    expect(hashes).toHaveLength(4);
    const before = await producer.match(hashes, ['a', 'b']);
    expect(before.info).toEqual({ totalBlocks: 4, blockSizeTokens: 64, matchedBlocks: new Map([['a', 0], ['b', 0]]) });
    await producer.recordPick(hashes, 'b');
    // A follow-up turn shares the leading blocks.
    const next = producer.hashRequest('m', { messages: [...body.messages, { role: 'assistant', content: 'hi' }, { role: 'user', content: 'more' }] });
    expect((await producer.match(next.hashes, ['a', 'b'])).info.matchedBlocks.get('b')).toBe(4);
    // Engine tokens per block for this prompt: 240 prompt tokens × 256 / 1202 chars ≈ 51.1.
    // It cached 104 tokens ≈ 2.0 blocks, the index predicted 4: blocks 2..3 are forgotten.
    const usage = (cachedTokens: number) => ({ cachedTokens, promptTokens: 240 });
    expect(next.promptChars).toBe(1202);
    expect(await producer.feedback('b', next, 4, usage(104))).toBe(2);
    expect((await producer.match(next.hashes, ['b'])).info.matchedBlocks.get('b')).toBe(2);
    expect(await producer.feedback('b', next, 2, usage(100))).toBe(0);
  });

  it('seeds with the target model and the cache salt', () => {
    const producer = new PrefixProducer({ hasher, index: new MemoryPrefixIndex() });
    const a = producer.hashRequest('m1', { prompt: system }).hashes;
    expect(producer.hashRequest('m2', { prompt: system }).hashes[0]).not.toBe(a[0]);
    expect(producer.hashRequest('m1', { prompt: system, cache_salt: 's' }).hashes[0]).not.toBe(a[0]);
    expect(producer.hashRequest('m1', { prompt: [system] }).hashes).toEqual(a);
  });

  it('promptText handles strings, string arrays and token ids', () => {
    expect(promptText('abc')).toBe('abc');
    expect(promptText(['a', 'b'])).toBe('a\u001eb');
    expect(promptText([1, 2, 3])).toBe('1 2 3');
    expect(promptText(undefined)).toBe('');
  });
});
