import { startSimFleet } from '@sluice/testing';
import type { SimFleet } from '@sluice/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { StreamClient } from '../../src/client/stream-client.ts';
import { computeLifecycle } from '../../src/metrics/lifecycle.ts';
import { SessionStore } from '../../src/run/sessions.ts';
import { runStage } from '../../src/run/stage-runner.ts';
import { Rng } from '../../src/stats/rng.ts';
import { createRandomWorkload } from '../../src/workloads/random.ts';

/** inference-perf's e2e (c): killing the server mid-run yields successes and labelled failures in one report. */
describe('a pod killed mid-run', () => {
  let fleet: SimFleet | undefined;
  afterAll(async () => {
    await fleet?.stop();
  });

  it('reports the finished requests as successes and the rest as failures by label', async () => {
    fleet = await startSimFleet({ count: 1, profile: 'tiny', args: ['--latency-mode', 'fixed', '--ttft-ms', '20', '--itl-ms', '20', '--jitter', '0'] });
    const pod = fleet.pods[0];
    if (pod === undefined) throw new Error('no pod');
    const client = new StreamClient({ requestTimeout: 10, maxConnections: 16 });
    let done = 0;
    let killing: Promise<void> | undefined;
    try {
      const result = await runStage(
        {
          client,
          baseUrl: pod.url,
          api: { type: 'completion', model: 'sim/tiny', streaming: true },
          workload: createRandomWorkload({ inputLen: 10, outputLen: 10, rangeRatio: 0, prefixLen: 0 }, new Rng(1)),
          sessions: new SessionStore(),
          maxConcurrency: null,
          onRequestDone: () => {
            done++;
            if (done === 4) killing = (fleet as SimFleet).kill(0);
          },
        },
        0,
        { offsets: null, numRequests: 30, concurrency: 2, requestedRate: null, duration: 0 },
      );
      await killing;
      const section = computeLifecycle(result.records);
      expect(section.successes.count).toBeGreaterThanOrEqual(4);
      expect(section.failures.count).toBeGreaterThan(0);
      expect(section.successes.count + section.failures.count).toBe(30);
      expect(Object.keys(section.failures.by_label).every((label) => /^(0|200) - /u.test(label))).toBe(true);
    } finally {
      await client.close();
    }
  });
});
