import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ChildRegistry, startSimFleet, uniqueKeyPrefix } from '@sluice/testing';
import type { SimFleet } from '@sluice/testing';
import { adminState, expectNoLeakedLease } from './helpers/http.ts';
import { testRouterConfig } from './helpers/router-config.ts';
import { spawnRouter, stopFleetAndDeletePool } from './helpers/router-process.ts';
import type { RouterProcess } from './helpers/router-process.ts';

/**
 * The official `openai` client, streamed and not, chat and completions, through two `sluice-router`
 * processes sharing one Redis pool, in front of four simulators.
 */
describe('openai client through 2 router replicas sharing Redis', () => {
  const children = new ChildRegistry();
  const keyPrefix = uniqueKeyPrefix('router-openai');
  const redisUrl = inject('redisUrl');
  let fleet: SimFleet;
  let routers: RouterProcess[] = [];

  beforeAll(async () => {
    fleet = await startSimFleet({ count: 4, profile: 'tiny', timeScale: 0.1 });
    const config = testRouterConfig({ endpoints: fleet.pods.map((p) => p.address), redisUrl });
    routers = await Promise.all([0, 1].map(() => spawnRouter(children, config, { SLUICE_REDIS_KEY_PREFIX: keyPrefix })));
  });

  afterAll(async () => await stopFleetAndDeletePool(children, fleet, redisUrl, keyPrefix));

  const client = (i: number): OpenAI => new OpenAI({ baseURL: `${routers[i]!.url}/v1`, apiKey: 'unused', maxRetries: 0 });

  it('chat, not streamed, on replica 0: OpenAI-shaped answer and the router headers', async () => {
    const { data, response } = await client(0)
      .chat.completions.create({ model: 'qwen', messages: [{ role: 'user', content: 'name three rivers' }], max_tokens: 6 }, { headers: { 'x-request-id': 'req-chat-1' } })
      .withResponse();
    expect(data.choices[0]?.message.content?.length).toBeGreaterThan(0);
    expect(data.usage?.completion_tokens).toBeGreaterThan(0);
    expect(data.usage?.completion_tokens).toBeLessThanOrEqual(6);
    expect(fleet.pods.map((p) => p.address)).toContain(response.headers.get('x-gateway-destination-endpoint-served'));
    expect(response.headers.get('x-request-id')).toBe('req-chat-1');
    expect(Number(response.headers.get('x-sluice-queue-wait-ms'))).toBeGreaterThanOrEqual(0);
    expect(response.headers.get('x-sluice-replica')).toBeTruthy();
  });

  it('chat, streamed, on replica 1', async () => {
    const stream = await client(1).chat.completions.create({
      model: 'travel-helper',
      messages: [{ role: 'user', content: 'plan a trip along the canal' }],
      max_tokens: 12,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: number | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage.completion_tokens;
    }
    // The simulator samples output lengths up to max_tokens (early stop), like a real engine.
    expect(usage).toBeGreaterThan(0);
    expect(usage).toBeLessThanOrEqual(12);
    expect(text.trim().split(/\s+/)).toHaveLength(usage!);
  });

  it('completions, streamed and not, on both replicas', async () => {
    for (const i of [0, 1]) {
      const plain = await client(i).completions.create({ model: 'qwen', prompt: 'once upon a time', max_tokens: 5 });
      expect(plain.choices[0]?.text.length).toBeGreaterThan(0);
      const stream = await client(i).completions.create({ model: 'qwen', prompt: 'once upon a time', max_tokens: 7, stream: true });
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0]?.text ?? '';
      expect(text.trim().length).toBeGreaterThan(0);
      expect(text.trim().split(/\s+/).length).toBeLessThanOrEqual(7);
    }
  });

  it('the two replicas answer as different replicas and share one flow-control state', async () => {
    const ids = await Promise.all(
      [0, 1].map(async (i) => (await client(i).chat.completions.create({ model: 'qwen', messages: [{ role: 'user', content: 'hi' }], max_tokens: 1 }).withResponse()).response.headers.get('x-sluice-replica')),
    );
    expect(new Set(ids).size).toBe(2);
    const state = await adminState(routers[0]!.url);
    expect(state.replicas.map((r) => r.id).sort()).toEqual([...ids].sort());
    for (const r of routers) await expectNoLeakedLease(r.url);
  });

  it('an unknown model is a 404 NotFoundError in the client', async () => {
    await expect(client(0).chat.completions.create({ model: 'nope', messages: [{ role: 'user', content: 'x' }] })).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });

  it('SIGTERM drains and exits 0', async () => {
    const code = await routers[1]!.terminate();
    expect(code).toBe(0);
  });
});
