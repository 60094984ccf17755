import { startSimFleet, type SimFleet } from '@sluice/testing';
import { countTokens } from '@sluice/tokenizer';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** The official openai client (v6) against a real sluice-sim process. */
describe('openai client against sluice-sim', () => {
  let fleet: SimFleet;
  let client: OpenAI;
  const model = 'sim/tiny';

  beforeAll(async () => {
    fleet = await startSimFleet({ count: 1, profile: 'tiny', timeScale: 0.2 });
    client = new OpenAI({ baseURL: `${fleet.pods[0]?.url}/v1`, apiKey: 'unused' });
  });
  afterAll(async () => {
    await fleet?.stop();
  });

  // 40 distinct words: 2 full blocks of 16 are cacheable (floor(39/16)·16 = 32).
  const prompt = Array.from({ length: 40 }, (_, i) => `word${i}`).join(' ');

  it('completions, not streamed, with exact usage and cached tokens on repeat', async () => {
    const first = await client.completions.create({ model, prompt, max_tokens: 7, ignore_eos: true } as OpenAI.CompletionCreateParamsNonStreaming);
    expect(first.object).toBe('text_completion');
    expect(first.id).toMatch(/^cmpl-/u);
    expect(first.choices[0]?.finish_reason).toBe('length');
    expect(countTokens(first.choices[0]?.text ?? '')).toBe(7);
    expect(first.usage).toMatchObject({ prompt_tokens: 40, completion_tokens: 7, total_tokens: 47 });
    expect(first.usage?.prompt_tokens_details?.cached_tokens ?? -1).toBe(0);

    const second = await client.completions.create({ model, prompt, max_tokens: 3, ignore_eos: true } as OpenAI.CompletionCreateParamsNonStreaming);
    expect(second.usage?.prompt_tokens_details?.cached_tokens).toBe(32);
  });

  it('completions, streamed, one chunk per token and usage at the end', async () => {
    const stream = await client.completions.create({
      model,
      prompt: 'stream me please',
      max_tokens: 5,
      stream: true,
      stream_options: { include_usage: true },
      ignore_eos: true,
    } as OpenAI.CompletionCreateParamsStreaming);
    let text = '';
    let tokenChunks = 0;
    let usage: OpenAI.CompletionUsage | null | undefined;
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      if (choice !== undefined && choice.text.length > 0) tokenChunks++;
      if (choice !== undefined) text += choice.text;
      if (choice?.finish_reason) finish = choice.finish_reason;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(tokenChunks).toBe(5);
    expect(countTokens(text)).toBe(5);
    expect(finish).toBe('length');
    expect(usage).toMatchObject({ prompt_tokens: 3, completion_tokens: 5, total_tokens: 8, prompt_tokens_details: { cached_tokens: 0 } });
  });

  it('chat, not streamed, counts the template tokens', async () => {
    const messages: OpenAI.ChatCompletionMessageParam[] = [
      { role: 'system', content: 'you are terse' },
      { role: 'user', content: 'say something now' },
    ];
    const reply = await client.chat.completions.create({ model, messages, max_completion_tokens: 4, ignore_eos: true } as OpenAI.ChatCompletionCreateParamsNonStreaming);
    expect(reply.object).toBe('chat.completion');
    expect(reply.choices[0]?.message.role).toBe('assistant');
    expect(countTokens(reply.choices[0]?.message.content ?? '')).toBe(4);
    // 3 + 3 words, 3 template tokens per message, 2 for the generation prompt.
    expect(reply.usage).toMatchObject({ prompt_tokens: 6 + 2 * 3 + 2, completion_tokens: 4, total_tokens: 14 + 4 });
  });

  it('chat, streamed: role chunk first, tokens, finish, usage; raw response headers carry the pod', async () => {
    const { data: stream, response } = await client.chat.completions
      .create({
        model,
        messages: [{ role: 'user', content: prompt }],
        max_tokens: 6,
        stream: true,
        stream_options: { include_usage: true },
        ignore_eos: true,
      } as OpenAI.ChatCompletionCreateParamsStreaming)
      .withResponse();
    expect(response.headers.get('x-inference-pod')).toBe('sim-0');
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks[0]?.choices[0]?.delta.role).toBe('assistant');
    const content = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    expect(countTokens(content)).toBe(6);
    const finishChunk = chunks.find((c) => c.choices[0]?.finish_reason);
    expect(finishChunk?.choices[0]?.finish_reason).toBe('length');
    const last = chunks[chunks.length - 1];
    expect(last?.choices).toEqual([]);
    expect(last?.usage).toMatchObject({ prompt_tokens: 40 + 3 + 2, completion_tokens: 6, total_tokens: 51 });
    // Every chunk before the usage chunk has usage null.
    for (const chunk of chunks.slice(0, -1)) expect(chunk.usage).toBeNull();
  });

  it('without ignore_eos the length is seeded-random and finish_reason matches it', async () => {
    const results = await Promise.all(
      Array.from({ length: 6 }, async () => await client.completions.create({ model, prompt: 'tell me', max_tokens: 30 })),
    );
    for (const result of results) {
      const completion = result.usage?.completion_tokens ?? 0;
      expect(completion).toBeGreaterThanOrEqual(1);
      expect(completion).toBeLessThanOrEqual(30);
      expect(result.choices[0]?.finish_reason).toBe(completion === 30 ? 'length' : 'stop');
      expect(countTokens(result.choices[0]?.text ?? '')).toBe(completion);
    }
  });
});
