import { startSimFleet } from '@sluice/testing';
import type { SimFleet } from '@sluice/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryPrefixIndex, PrefixHasher, PrefixProducer } from '../../src/prefix/index.ts';
import { prefixCacheScorerFactory } from '../../src/plugins/catalog.ts';
import { maxScorePickerFactory } from '../../src/plugins/max-score-picker.ts';
import { SchedulingProfile } from '../../src/profile.ts';
import type { Picker, Scorer } from '../../src/types.ts';
import { ctx, deps, ep, spec } from './helpers.ts';

// End to end over real simulators: hash → index lookup → prefix-cache-scorer → pick → record → the
// engine's own cached_tokens. Requests of a prompt group must land where their prefix is cached.
let fleet: SimFleet | undefined;
beforeAll(async () => {
  fleet = await startSimFleet({ count: 2, profile: 'tiny', timeScale: 0.05 });
}, 30_000);
afterAll(async () => {
  await fleet?.stop();
});

async function complete(url: string, prompt: string): Promise<{ promptTokens: number; cachedTokens: number }> {
  const res = await fetch(`${url}/v1/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'sim/tiny', prompt, max_tokens: 1 }),
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { usage: { prompt_tokens: number; prompt_tokens_details: { cached_tokens: number } } };
  return { promptTokens: body.usage.prompt_tokens, cachedTokens: body.usage.prompt_tokens_details.cached_tokens };
}

describe('prefix-aware routing over two sluice-sims', () => {
  it('sends each prompt group back to the pod that caches it, and the engine confirms the hits', async () => {
    const pods = fleet!.pods;
    const producer = new PrefixProducer({ hasher: await PrefixHasher.create(), index: new MemoryPrefixIndex() });
    const profile = new SchedulingProfile({
      name: 'default',
      filters: [],
      scorers: [{ scorer: prefixCacheScorerFactory(spec('prefix-cache-scorer'), deps) as Scorer, weight: 3 }],
      picker: maxScorePickerFactory(spec('max-score-picker'), deps) as Picker,
    });
    const groupPrefix = (g: number) => Array.from({ length: 150 }, (_, i) => `g${g}w${i}`).join(' ');
    const podOfGroup = new Map<number, string>();
    let cached = 0;
    let prompt = 0;
    for (let round = 0; round < 3; round++) {
      for (let g = 0; g < 4; g++) {
        const text = `${groupPrefix(g)} question ${round} about topic ${g}`;
        const hashes = producer.hashRequest('sim/tiny', { prompt: text });
        const { info } = await producer.match(hashes.hashes, pods.map((p) => p.address));
        const result = profile.run(ctx({ prefixMatch: info }, { randoms: [round * 0.31 + g * 0.17] }), pods.map((p) => ep(p.address)));
        const chosen = result.picked[0]!.endpoint.name;
        await producer.recordPick(hashes.hashes, chosen);
        if (round === 0) podOfGroup.set(g, chosen);
        else expect(chosen).toBe(podOfGroup.get(g));
        const usage = await complete(pods.find((p) => p.address === chosen)!.url, text);
        if (round > 0) {
          cached += usage.cachedTokens;
          prompt += usage.promptTokens;
          expect(await producer.feedback(chosen, hashes, info.matchedBlocks.get(chosen) ?? 0, usage)).toBe(0);
        }
      }
    }
    // Repeat rounds: the 150-word prefix (of ~155 tokens) is cached in 16-token blocks → ≥ 144 tokens each.
    expect(cached / prompt).toBeGreaterThan(0.85);
  }, 30_000);
});
