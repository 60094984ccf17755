import { startSimFleet, type SimFleet } from '@sluice/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: Record<string, unknown>; headers: Headers }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, json: text.length > 0 ? (JSON.parse(text) as Record<string, unknown>) : {}, headers: response.headers };
}

function expectOpenAiError(json: Record<string, unknown>, type: string): void {
  const error = json.error as Record<string, unknown>;
  expect(error).toBeDefined();
  expect(typeof error.message).toBe('string');
  expect(error.type).toBe(type);
  expect(error).toHaveProperty('param');
  expect(error).toHaveProperty('code');
}

describe('HTTP API as vLLM serves it', () => {
  let fleet: SimFleet;
  let base = '';

  beforeAll(async () => {
    fleet = await startSimFleet({ count: 1, profile: 'tiny', timeScale: 0.2, args: ['--lora-modules', 'food-review-1,sql-lora=/adapters/sql', '--max-loras', '1'] });
    base = fleet.pods[0]?.url as string;
  });
  afterAll(async () => {
    await fleet?.stop();
  });

  it('GET /health answers 200 with the pod header', async () => {
    const response = await fetch(`${base}/health`);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-inference-pod')).toBe('sim-0');
  });

  it('GET /v1/models lists the base model and LoRA adapters with parent and root', async () => {
    const response = await fetch(`${base}/v1/models`);
    const body = (await response.json()) as { object: string; data: Record<string, unknown>[] };
    expect(response.headers.get('x-inference-pod')).toBe('sim-0');
    expect(body.object).toBe('list');
    expect(body.data[0]).toMatchObject({ id: 'sim/tiny', object: 'model', owned_by: 'vllm', root: 'sim/tiny', parent: null, max_model_len: 1024 });
    expect(body.data[1]).toMatchObject({ id: 'food-review-1', parent: 'sim/tiny', root: 'food-review-1' });
    expect(body.data[2]).toMatchObject({ id: 'sql-lora', parent: 'sim/tiny', root: '/adapters/sql' });
  });

  it('POST /tokenize counts prompts and chat messages with the shared tokenizer', async () => {
    const plain = await post(`${base}/tokenize`, { model: 'sim/tiny', prompt: 'one two three' });
    expect(plain.json).toMatchObject({ count: 3, max_model_len: 1024, token_strs: ['one', 'two', 'three'] });
    expect((plain.json.tokens as number[]).length).toBe(3);
    const chat = await post(`${base}/tokenize`, { model: 'sim/tiny', messages: [{ role: 'user', content: 'hi there' }] });
    expect(chat.json.count).toBe(2 + 3 + 2);
  });

  it('answers bad input with OpenAI-style errors and vLLM status codes', async () => {
    const invalidJson = await post(`${base}/v1/completions`, '{"prompt": ');
    expect(invalidJson.status).toBe(400);
    expectOpenAiError(invalidJson.json, 'BadRequestError');

    const tooLong = await post(`${base}/v1/completions`, { prompt: 'word '.repeat(1000), max_tokens: 100 });
    expect(tooLong.status).toBe(400);
    expect((tooLong.json.error as { message: string }).message).toContain("maximum context length is 1024 tokens");

    const unknown = await post(`${base}/v1/chat/completions`, { model: 'nope', messages: [{ role: 'user', content: 'x' }] });
    expect(unknown.status).toBe(404);
    expectOpenAiError(unknown.json, 'NotFoundError');

    const nTwo = await post(`${base}/v1/completions`, { prompt: 'x', n: 2 });
    expect(nTwo.status).toBe(400);

    const optionsWithoutStream = await post(`${base}/v1/completions`, { prompt: 'x', stream_options: { include_usage: true } });
    expect(optionsWithoutStream.status).toBe(400);

    const wrongMethod = await fetch(`${base}/v1/completions`);
    expect(wrongMethod.status).toBe(405);
    await wrongMethod.text();

    const huge = await post(`${base}/v1/completions`, { prompt: 'x'.repeat(5 * 1024 * 1024) });
    expect(huge.status).toBe(413);
    expectOpenAiError(huge.json, 'BadRequestError');
  });

  it('serves a LoRA adapter by name and finishes on a stop string', async () => {
    const lora = await post(`${base}/v1/completions`, { model: 'sql-lora', prompt: 'select all', max_tokens: 4, ignore_eos: true });
    expect(lora.status).toBe(200);
    expect(lora.json.model).toBe('sql-lora');

    // Learn the words a request generates, then ask again with one of them as the stop string.
    // Word choice depends on the request's id, so find a stop word that occurs in most outputs.
    const stopped = await post(`${base}/v1/completions`, { prompt: 'go', max_tokens: 200, ignore_eos: true, stop: ['the', 'a', 'and', 'of', 'in', 'model', 'cache'] });
    const choice = (stopped.json.choices as { finish_reason: string; text: string }[])[0];
    expect(choice?.finish_reason).toBe('stop');
    const usage = stopped.json.usage as { completion_tokens: number };
    expect(usage.completion_tokens).toBeLessThan(200);
    // The stop word itself is hidden but counted, as vLLM counts the token that matched.
    expect(choice?.text.split(' ').filter((w) => w.length > 0)).toHaveLength(usage.completion_tokens - 1);
  });

  it('GET/POST /admin/config reads and validates runtime changes', async () => {
    const before = (await (await fetch(`${base}/admin/config`)).json()) as Record<string, unknown>;
    expect(before).toMatchObject({ timeScale: 0.2, latencyMode: 'engine', faults: { error500: 0, error429: 0, reset: 0, stall: 0 } });
    const bad = await post(`${base}/admin/config`, { timeScale: -1 });
    expect(bad.status).toBe(400);
    expect((bad.json.error as { message: string }).message).toContain('timeScale');
    const unknownKey = await post(`${base}/admin/config`, { kvCacheTokens: 10 });
    expect(unknownKey.status).toBe(400);
    const good = await post(`${base}/admin/config`, { maxNumSeqs: 4, faults: { error429: 0 } });
    expect(good.status).toBe(200);
    expect(good.json.maxNumSeqs).toBe(4);
  });
});
