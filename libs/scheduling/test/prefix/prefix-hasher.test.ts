import { describe, expect, it } from 'vitest';
import { PrefixHasher, canonicalChatText, canonicalJson, resolvePrefixHashOptions } from '../../src/prefix/index.ts';

const hasher = await PrefixHasher.create();
const BLOCK = 256; // 64 tokens × 4 characters

/** n characters of deterministic, non-repeating text. */
function text(n: number, tag = 'x'): string {
  let out = '';
  for (let i = 0; out.length < n; i++) out += `${tag}${i} `;
  return out.slice(0, n);
}

describe('PrefixHasher', () => {
  it('cuts 64-token (256-character) blocks and hashes only full blocks by default', () => {
    expect(hasher.options.blockChars).toBe(BLOCK);
    expect(hasher.hashText('m', text(BLOCK - 1))).toEqual([]);
    expect(hasher.hashText('m', text(BLOCK))).toHaveLength(1);
    expect(hasher.hashText('m', text(3 * BLOCK + 100))).toHaveLength(3);
    for (const h of hasher.hashText('m', text(3 * BLOCK))) expect(h).toMatch(/^[0-9a-f]{16}$/);
  });

  it('chain: same prefix → same leading hashes; a change in block k changes k.. but not before', () => {
    const base = text(5 * BLOCK);
    const a = hasher.hashText('m', base);
    const k = 2;
    const changed = base.slice(0, k * BLOCK + 10) + 'Z' + base.slice(k * BLOCK + 11);
    const b = hasher.hashText('m', changed);
    expect(b.slice(0, k)).toEqual(a.slice(0, k));
    for (let i = k; i < 5; i++) expect(b[i]).not.toBe(a[i]);
    // An extension keeps all earlier hashes.
    expect(hasher.hashText('m', base + text(2 * BLOCK, 'y')).slice(0, 5)).toEqual(a);
    // Equal later blocks after a different earlier block still hash differently (the chain).
    const c = hasher.hashText('m', text(BLOCK, 'q') + base.slice(BLOCK));
    for (let i = 0; i < 5; i++) expect(c[i]).not.toBe(a[i]);
  });

  it('is seeded by the model name (and cache salt)', () => {
    const t = text(2 * BLOCK);
    const a = hasher.hashText('llama', t);
    expect(hasher.hashText('llama', t)).toEqual(a);
    const b = hasher.hashText('qwen', t);
    expect(b[0]).not.toBe(a[0]);
    expect(b[1]).not.toBe(a[1]);
    expect(hasher.hashText('llama', t, 'salt')[0]).not.toBe(a[0]);
    expect(hasher.hashText('llama', t, '')).toEqual(a);
  });

  it('caps by maxPrefixTokensToMatch (wins when > 0), else maxPrefixBlocksToMatch, both 0 = whole prompt', async () => {
    const t = text(10 * BLOCK);
    const byTokens = await PrefixHasher.create({ maxPrefixTokensToMatch: 3 * 64 + 10, maxPrefixBlocksToMatch: 7 });
    expect(byTokens.hashText('m', t)).toEqual(hasher.hashText('m', t).slice(0, 3));
    const byBlocks = await PrefixHasher.create({ maxPrefixTokensToMatch: 0, maxPrefixBlocksToMatch: 4 });
    expect(byBlocks.hashText('m', t)).toHaveLength(4);
    const whole = await PrefixHasher.create({ maxPrefixTokensToMatch: 0, maxPrefixBlocksToMatch: 0 });
    expect(whole.hashText('m', t)).toHaveLength(10);
    // Defaults: 131072 tokens / 64 = 2048 blocks.
    expect(resolvePrefixHashOptions().maxBlocks).toBe(2048);
  });

  it('floors the block size to 64 tokens and can include the trailing partial block', async () => {
    expect(resolvePrefixHashOptions({ blockSizeTokens: 16 }).blockChars).toBe(256);
    expect(resolvePrefixHashOptions({ blockSizeTokens: 128 }).blockChars).toBe(512);
    const partial = await PrefixHasher.create({ includePartialBlock: true });
    const t = text(BLOCK + 5);
    const hs = partial.hashText('m', t);
    expect(hs).toHaveLength(2);
    expect(hs[0]).toBe(hasher.hashText('m', t)[0]);
    expect(() => resolvePrefixHashOptions({ blockSizeTokens: -1 })).toThrow(RangeError);
  });

  it('estimates 4 characters per token', () => {
    expect(PrefixHasher.estimateTokens('')).toBe(0);
    expect(PrefixHasher.estimateTokens('abcde')).toBe(2);
  });
});

describe('canonical chat serialization', () => {
  const system = { role: 'system', content: text(600, 's') };
  const user1 = { role: 'user', content: 'first question' };
  const asst = { role: 'assistant', content: 'an answer' };
  const user2 = { role: 'user', content: 'second question' };

  it('a conversation prefix serializes to a string prefix, so growing chats share hashes', () => {
    const short = canonicalChatText([system, user1]);
    const long = canonicalChatText([system, user1, asst, user2]);
    expect(long.startsWith(short)).toBe(true);
    const hs = hasher.hashChat('m', [system, user1]);
    expect(hasher.hashChat('m', [system, user1, asst, user2]).slice(0, hs.length)).toEqual(hs);
  });

  it('separates roles and contents unambiguously', () => {
    expect(canonicalChatText([{ role: 'user', content: 'ab' }])).not.toBe(canonicalChatText([{ role: 'use', content: 'rab' }]));
    expect(canonicalChatText([{ role: 'user', content: 'a' }, { role: 'user', content: 'b' }])).not.toBe(canonicalChatText([{ role: 'user', content: 'ab' }]));
    expect(canonicalChatText([{ role: 'user', content: 'hi', name: 'bob' }])).toBe('\u001euser:bob\u001fhi');
  });

  it('text parts equal the same string content; other parts are canonical JSON', () => {
    expect(canonicalChatText([{ role: 'user', content: [{ type: 'text', text: 'hello ' }, { type: 'text', text: 'world' }] }])).toBe(
      canonicalChatText([{ role: 'user', content: 'hello world' }]),
    );
    const a = canonicalChatText([{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'u', detail: 'low' } }] }]);
    const b = canonicalChatText([{ role: 'user', content: [{ image_url: { detail: 'low', url: 'u' }, type: 'image_url' }] }]);
    expect(a).toBe(b);
  });

  it('puts tools first and normalizes key order; tool calls are part of the message', () => {
    const t1 = [{ type: 'function', function: { name: 'f', parameters: { b: 1, a: 2 } } }];
    const t2 = [{ function: { parameters: { a: 2, b: 1 }, name: 'f' }, type: 'function' }];
    expect(canonicalChatText([user1], t1)).toBe(canonicalChatText([user1], t2));
    expect(canonicalChatText([user1], t1).startsWith('\u001etools\u001f')).toBe(true);
    expect(canonicalChatText([user1], [])).toBe(canonicalChatText([user1]));
    const call = { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }] };
    expect(canonicalChatText([call])).toContain('"name":"f"');
    expect(canonicalChatText([{ role: 'tool', content: 'r', tool_call_id: 'c1' }])).toBe('\u001etool\u001fr\u001did:c1');
  });

  it('canonicalJson sorts keys recursively', () => {
    expect(canonicalJson({ b: [{ d: 1, c: 2 }], a: 'x', u: undefined })).toBe('{"a":"x","b":[{"c":2,"d":1}]}');
  });
});
