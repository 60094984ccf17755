import { startSimFleet, waitFor, type SimFleet } from '@sluice/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineHarness, engineConfig, tokens } from './helpers/engine-harness.ts';
import { scrape } from './helpers/prometheus.ts';

describe('LoRA adapters in the engine', () => {
  it('runs at most max_loras adapters at once; a non-resident adapter waits, then pays the load delay', () => {
    const h = new EngineHarness(engineConfig({ maxLoras: 1, loraLoadMs: 50 }));
    const a = h.submit(tokens('a', 10), 20, { lora: 'a' });
    const b = h.submit(tokens('b', 10), 5, { lora: 'b' });
    const base = h.submit(tokens('base', 10), 5);
    h.run();
    // The base-model request is not held back by the adapter limit.
    expect(base.rec.tokenTimes[0]).toBe(a.rec.tokenTimes[0]);
    // b starts only after a finished.
    expect(b.rec.tokenTimes[0]).toBeGreaterThan(a.rec.finishedAt);
    // The first step carried a's load; the step that admitted b carried b's.
    expect(h.plans[0]?.plan.loadedAdapters).toBe(1);
    const bStep = h.plans.find((p) => p.endMs === b.rec.tokenTimes[0]);
    expect(bStep?.plan.loadedAdapters).toBe(1);
    expect(bStep?.plan.durationMs).toBeGreaterThan(50);
  });

  it('an adapter that is still resident loads for free', () => {
    const h = new EngineHarness(engineConfig({ maxLoras: 1, loraLoadMs: 50 }));
    h.submit(tokens('a', 10), 2, { lora: 'a' });
    h.run();
    const before = h.plans.length;
    h.submit(tokens('a2', 10), 2, { lora: 'a' });
    h.run();
    expect(h.plans.slice(before).every((p) => p.plan.loadedAdapters === 0)).toBe(true);
  });
});

describe('vllm:lora_requests_info over HTTP', () => {
  let fleet: SimFleet;
  let base = '';

  beforeAll(async () => {
    fleet = await startSimFleet({ count: 1, profile: 'tiny', timeScale: 5, args: ['--lora-modules', 'alpha,beta', '--max-loras', '1'] });
    base = fleet.pods[0]?.url as string;
  });
  afterAll(async () => {
    await fleet?.stop();
  });

  it('shows the running adapter and the one waiting for a slot', async () => {
    const controller = new AbortController();
    const send = async (model: string): Promise<void> => {
      const response = await fetch(`${base}/v1/completions`, {
        method: 'POST',
        body: JSON.stringify({ model, prompt: 'adapter traffic', max_tokens: 600, ignore_eos: true, stream: true }),
        signal: controller.signal,
      });
      await response.body?.getReader().read();
    };
    try {
      await send('alpha');
      void send('beta').catch(() => undefined);
      const info = await waitFor(
        async () => {
          const sample = (await scrape(base)).find((s) => s.name === 'vllm:lora_requests_info');
          return sample?.labels.waiting_lora_adapters === 'beta' ? sample : undefined;
        },
        { timeoutMs: 5000, what: 'beta waiting for a LoRA slot' },
      );
      expect(info.labels).toMatchObject({ max_lora: '1', running_lora_adapters: 'alpha', model_name: 'sim/tiny', engine: '0' });
    } finally {
      controller.abort();
    }
  });
});
