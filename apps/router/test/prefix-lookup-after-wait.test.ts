import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ChildRegistry, startSimFleet, uniqueKeyPrefix, waitFor } from '@sluice/testing';
import type { SimFleet } from '@sluice/testing';
import { startRouter } from '../src/index.ts';
import type { RunningRouter } from '../src/index.ts';
import { adminState, expectNoLeakedLease, metricValue, postJson } from './helpers/http.ts';
import { resolveTestConfig } from './helpers/router-config.ts';
import { stopFleetAndDeletePool } from './helpers/router-process.ts';

interface Decision {
  requestId: string;
  promptBlocks: number;
  candidates: { endpoint: string; prefixMatchedBlocks: number }[];
}

/**
 * The prefix-index lookup is started together with the flow-control admit (one pipelined write in
 * Redis mode). A request that then waits in the queue must not schedule with that early answer:
 * the first request of its prompt group may have been routed and recorded meanwhile. Here A and B
 * share a prompt and queue behind a held slot; when B is dispatched, A has recorded the prompt, and
 * B's decision must show the match (the early lookup, made before A ran, saw none).
 */
describe('prefix lookup after a queue wait (global index)', () => {
  const children = new ChildRegistry();
  const keyPrefix = uniqueKeyPrefix('router-prefix-wait');
  const redisUrl = inject('redisUrl');
  let fleet: SimFleet;
  let router: RunningRouter;

  beforeAll(async () => {
    fleet = await startSimFleet({ count: 1, profile: 'tiny', args: ['--latency-mode', 'fixed', '--ttft-ms', '5', '--itl-ms', '10'] });
    router = await startRouter({
      config: resolveTestConfig({ endpoints: fleet.pods.map((p) => p.address), redisUrl, maxConcurrency: 1, scheduling: 'default' }),
      env: { SLUICE_REDIS_KEY_PREFIX: keyPrefix },
    });
  });

  afterAll(async () => {
    try {
      await router?.shutdown(1000);
    } finally {
      await stopFleetAndDeletePool(children, fleet, redisUrl, keyPrefix);
    }
  });

  const decisions = async (): Promise<Decision[]> => ((await (await fetch(`${router.url}/admin/decisions?limit=10`)).json()) as { decisions: Decision[] }).decisions;

  it('looks the prompt up again after the wait and sees what the earlier request recorded', async () => {
    const holder = new AbortController();
    const holdBody = JSON.stringify({ model: 'qwen', prompt: 'an unrelated prompt that holds the slot', max_tokens: 1000, ignore_eos: true, stream: true });
    const held = postJson(router.url, '/v1/completions', holdBody, {}, holder.signal).then(async (r) => await r.text()).catch((e: unknown) => (e as Error).name);
    await waitFor(async () => (await adminState(router.url)).leases.count === 1, { timeoutMs: 5000, what: 'the long stream to hold the only slot' });

    const sharedPrompt = Array.from({ length: 160 }, (_, i) => `word${i % 37}`).join(' ');
    const send = async (): Promise<{ status: number; requestId: string | null }> => {
      const res = await postJson(router.url, '/v1/completions', JSON.stringify({ model: 'qwen', prompt: sharedPrompt, max_tokens: 2 }));
      await res.arrayBuffer();
      return { status: res.status, requestId: res.headers.get('x-request-id') };
    };
    const first = send();
    await waitFor(async () => (await adminState(router.url)).queue.len === 1, { timeoutMs: 5000, what: 'A queued' });
    const second = send();
    await waitFor(async () => (await adminState(router.url)).queue.len === 2, { timeoutMs: 5000, what: 'B queued behind A' });

    holder.abort();
    expect(await held).toBe('AbortError');
    const [a, b] = await Promise.all([first, second]);
    expect([a.status, b.status]).toEqual([200, 200]);

    const log = await decisions();
    const decisionA = log.find((d) => d.requestId === a.requestId);
    const decisionB = log.find((d) => d.requestId === b.requestId);
    expect(decisionA?.promptBlocks).toBeGreaterThan(0);
    expect(decisionA?.candidates[0]?.prefixMatchedBlocks).toBe(0); // nobody had the prompt yet
    expect(decisionB?.candidates[0]?.prefixMatchedBlocks).toBe(decisionB?.promptBlocks); // A recorded it while B waited
    // What the index added to each request's latency is sampled and exported (A and B at least).
    const header = (await (await fetch(`${router.url}/admin/decisions?limit=0`)).json()) as { prefixIndex: { addedMs: { count: number; p99: number } } };
    expect(header.prefixIndex.addedMs.count).toBeGreaterThanOrEqual(2);
    const metrics = await (await fetch(`${router.url}/metrics`)).text();
    expect(metricValue(metrics, 'sluice_prefix_index_added_latency_seconds_count', {})).toBe(header.prefixIndex.addedMs.count);
    await expectNoLeakedLease(router.url);
  });
});
