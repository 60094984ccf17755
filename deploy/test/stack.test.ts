import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type RunningStack } from '../src/stack-runner.ts';

/**
 * Runs the `npm run stack` topology for real (redis-server, 4 sluice-sim, 2 sluice-router sharing
 * Redis, the gateway) on free ports, and sends one request through the gateway with the official
 * openai client. Needs redis-server on PATH; the gateway is nginx when on PATH, else the built-in proxy.
 */
describe('npm run stack (free ports)', () => {
  let stack: RunningStack | undefined;
  const lines: string[] = [];

  beforeAll(async () => {
    try {
      stack = await startStack({ ports: 'free', log: (line) => lines.push(line), startTimeoutMs: 45_000 });
    } catch (error) {
      throw new Error(`${(error as Error).message}\n--- stack output ---\n${lines.slice(-40).join('\n')}`);
    }
  }, 60_000);
  afterAll(async () => {
    await stack?.stop();
  }, 30_000);

  it('answers a chat completion through the gateway, served by a router replica and a sim pod', async () => {
    if (stack === undefined) throw new Error('stack did not start');
    const client = new OpenAI({ baseURL: `${stack.gatewayUrl}/v1`, apiKey: 'unused', maxRetries: 0, timeout: 20_000 });
    const { data, response } = await client.chat.completions
      .create(
        { model: 'Qwen/Qwen3-32B', messages: [{ role: 'user', content: 'hello from the stack test' }], max_tokens: 4 },
        { headers: { 'x-gateway-inference-fairness-id': 'tenant-a', 'x-gateway-inference-objective': 'premium' } },
      )
      .withResponse();
    expect(data.choices[0]?.message.content?.split(' ').length).toBeGreaterThan(0);
    expect(data.usage?.completion_tokens).toBe(4);
    const served = response.headers.get('x-gateway-destination-endpoint-served');
    expect(stack.topology.sims.map((s) => `127.0.0.1:${s.port}`)).toContain(served);
    expect(response.headers.get('x-sluice-replica')).toBeTruthy();
    expect(stack.redisUrl).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
    // Both replicas share the Redis flow-control state: each reports the same pool and replica set.
    const states = await Promise.all(stack.topology.routers.map(async (r) => (await fetch(`http://127.0.0.1:${r.port}/admin/state`)).json() as Promise<Record<string, unknown>>));
    for (const state of states) expect(JSON.stringify(state)).toContain('sluice-pool');
  });
});
