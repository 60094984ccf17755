import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { countChatTokens, countTokens, renderChat, tokenize } from '../src/index.ts';

describe('word tokenizer', () => {
  it('counts one token per whitespace-separated word', () => {
    expect(tokenize('  the quick\tbrown\n\nfox ')).toEqual(['the', 'quick', 'brown', 'fox']);
    expect(countTokens('  the quick\tbrown\n\nfox ')).toBe(4);
    expect(countTokens('')).toBe(0);
    expect(tokenize('   ')).toEqual([]);
  });

  it('countTokens agrees with tokenize on arbitrary text', () => {
    fc.assert(fc.property(fc.string({ unit: fc.constantFrom('a', 'b', ' ', '\n', '\t', 'é', '\u00a0') }), (text) => {
      expect(countTokens(text)).toBe(tokenize(text).length);
    }));
  });

  it('renders chat with 3 tokens per message and 2 for the generation prompt', () => {
    const messages = [
      { role: 'system', content: 'you are helpful' },
      { role: 'user', content: [{ type: 'text', text: 'hello there' }, { type: 'image_url' }] },
    ];
    const tokens = renderChat(messages);
    expect(tokens).toEqual([
      '<|im_start|>', 'system', 'you', 'are', 'helpful', '<|im_end|>',
      '<|im_start|>', 'user', 'hello', 'there', '<|im_end|>',
      '<|im_start|>', 'assistant',
    ]);
    expect(countChatTokens(messages)).toBe(tokens.length);
    expect(countChatTokens(messages)).toBe(5 + 2 * 3 + 2);
  });
});
