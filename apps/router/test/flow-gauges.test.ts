import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ChildRegistry, startSimFleet, uniqueKeyPrefix, waitFor } from '@sluice/testing';
import type { SimFleet } from '@sluice/testing';
import { startRouter } from '../src/index.ts';
import type { RunningRouter } from '../src/index.ts';
import { adminState, chatBody, expectNoLeakedLease, metricValue, postJson } from './helpers/http.ts';
import { resolveTestConfig } from './helpers/router-config.ts';
import { stopFleetAndDeletePool } from './helpers/router-process.ts';

/**
 * The global queue gauges (`inference_extension_flow_control_queue_size` per band and tenant,
 * pool saturation, leases in flight) follow the shared queue in Redis. Sequenced by state, not by
 * time: one pod with a cap of 1 is held by a long stream while three best-effort requests wait;
 * the gauges must show exactly that, then fall back to zero once everything is served.
 */
describe('flow-control gauges (Redis store)', () => {
  const children = new ChildRegistry();
  const keyPrefix = uniqueKeyPrefix('router-gauges');
  const redisUrl = inject('redisUrl');
  let fleet: SimFleet;
  let router: RunningRouter;

  beforeAll(async () => {
    fleet = await startSimFleet({ count: 1, profile: 'tiny', args: ['--latency-mode', 'fixed', '--ttft-ms', '10', '--itl-ms', '10'] });
    router = await startRouter({
      config: resolveTestConfig({ endpoints: fleet.pods.map((p) => p.address), redisUrl, maxConcurrency: 1 }),
      env: { SLUICE_REDIS_KEY_PREFIX: keyPrefix },
      flowGaugeIntervalMs: 100,
    });
  });

  afterAll(async () => {
    try {
      await router?.shutdown(1000);
    } finally {
      await stopFleetAndDeletePool(children, fleet, redisUrl, keyPrefix);
    }
  });

  const gauges = async () => {
    const text = await (await fetch(`${router.url}/metrics`)).text();
    return {
      queued: metricValue(text, 'inference_extension_flow_control_queue_size', { priority: '-10', fairness_id: 'tenant-g' }),
      saturation: metricValue(text, 'inference_extension_flow_control_pool_saturation', { inference_pool: 'test' }),
      leases: metricValue(text, 'sluice_flow_control_leases_in_flight', { inference_pool: 'test' }),
    };
  };

  it('show the queued requests of a band and tenant while the pod is held, and zero afterwards', async () => {
    const holder = new AbortController();
    const streamBody = JSON.stringify({ model: 'qwen', prompt: 'hold the pod', max_tokens: 1000, ignore_eos: true, stream: true });
    // Reads the stream until the test aborts it (1,000 tokens at 10 ms would take 10 s).
    const held = postJson(router.url, '/v1/completions', streamBody, {}, holder.signal).then(async (r) => await r.text()).catch((e: unknown) => (e as Error).name);
    await waitFor(async () => (await adminState(router.url)).leases.count === 1, { timeoutMs: 5000, what: 'the long stream to hold the only slot' });

    const headers = { 'x-gateway-inference-fairness-id': 'tenant-g', 'x-gateway-inference-objective': 'best-effort-traffic' };
    const waiting = Array.from({ length: 3 }, async () => {
      const res = await postJson(router.url, '/v1/chat/completions', chatBody('travel-helper'), headers);
      await res.arrayBuffer();
      return res.status;
    });
    await waitFor(async () => (await adminState(router.url)).queue.len === 3, { timeoutMs: 5000, what: 'three requests queued in Redis' });
    const whileHeld = await waitFor(async () => {
      const g = await gauges();
      return g.queued === 3 ? g : undefined;
    }, { timeoutMs: 5000, what: 'queue_size{priority="-10",fairness_id="tenant-g"} = 3' });
    expect(whileHeld.leases).toBe(1);
    expect(whileHeld.saturation).toBeGreaterThanOrEqual(1);

    holder.abort();
    expect(await held).toBe('AbortError');
    expect(await Promise.all(waiting)).toEqual([200, 200, 200]);
    await expectNoLeakedLease(router.url);
    const after = await waitFor(async () => {
      const g = await gauges();
      return (g.queued ?? 0) === 0 && g.leases === 0 ? g : undefined;
    }, { timeoutMs: 5000, what: 'the gauges to fall back to zero' });
    expect(after.saturation).toBeLessThan(1);
  });

  it('count the script calls of each batched Redis write (sluice_redis_script_calls_per_write)', async () => {
    const text = await (await fetch(`${router.url}/metrics`)).text();
    const writes = metricValue(text, 'sluice_redis_script_calls_per_write_count', {}) ?? 0;
    const calls = metricValue(text, 'sluice_redis_script_calls_per_write_sum', {}) ?? 0;
    // The first test's 4 requests (an admit and a release each) plus the replica's background
    // script calls (snapshots, heartbeats): all counted, and never fewer calls than writes.
    expect(writes).toBeGreaterThan(0);
    expect(calls).toBeGreaterThanOrEqual(8);
    expect(calls).toBeGreaterThanOrEqual(writes);
  });
});
