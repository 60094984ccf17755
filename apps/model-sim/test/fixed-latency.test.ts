import { startSimFleet, type SimFleet } from '@sluice/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** Streams a completion and returns the arrival times (ms, relative to send) of each token chunk. */
async function tokenArrivals(base: string, maxTokens: number): Promise<number[]> {
  const start = performance.now();
  const response = await fetch(`${base}/v1/completions`, {
    method: 'POST',
    body: JSON.stringify({ prompt: 'fixed latency probe', max_tokens: maxTokens, ignore_eos: true, stream: true }),
  });
  const arrivals: number[] = [];
  let buffer = '';
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    const now = performance.now() - start;
    buffer += Buffer.from(chunk).toString();
    let cut: number;
    while ((cut = buffer.indexOf('\n\n')) >= 0) {
      const frame = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      if (frame.includes('"text":"') && !frame.includes('"text":""')) arrivals.push(now);
    }
  }
  return arrivals;
}

describe('fixed latency mode (harness fidelity)', () => {
  let fleet: SimFleet;
  let base = '';

  beforeAll(async () => {
    fleet = await startSimFleet({ count: 1, profile: 'tiny', args: ['--latency-mode', 'fixed', '--ttft-ms', '150', '--itl-ms', '40'] });
    base = fleet.pods[0]?.url as string;
  });
  afterAll(async () => {
    await fleet?.stop();
  });

  it('TTFT and ITL are never below the configured constants (strict lower bound, bounded slack)', async () => {
    const arrivals = await tokenArrivals(base, 6);
    expect(arrivals).toHaveLength(6);
    expect(arrivals[0]).toBeGreaterThanOrEqual(150);
    expect(arrivals[0]).toBeLessThan(150 + 250);
    // Causal lower bound, from the send: the sixth token cannot arrive before TTFT + 5 × ITL. (The
    // span between two client-side arrivals has no such bound: the first may be read late.)
    expect(arrivals[5] as number).toBeGreaterThanOrEqual(150 + 5 * 40);
    expect((arrivals[5] as number) - (arrivals[0] as number)).toBeLessThan(5 * 40 + 125);
  });
});
