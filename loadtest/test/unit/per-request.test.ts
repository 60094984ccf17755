import { describe, expect, it } from 'vitest';
import { requestMetrics, tokenTimes } from '../../src/metrics/per-request.ts';
import { record } from './record-builder.ts';

describe('per-request metrics (inference-perf definitions)', () => {
  it('one token per chunk: TTFT, TPOT, ITL, NTPOT, latency by hand', () => {
    // start 0; chunks with 1 token at 0.5, 0.6, 0.8, 1.1; end 1.2
    const m = requestMetrics(record({ startTime: 0, endTime: 1.2, chunkSpec: [[0.5, 1], [0.6, 1], [0.8, 1], [1.1, 1]] }));
    expect(m.requestLatency).toBeCloseTo(1.2, 12);
    expect(m.ttft).toBeCloseTo(0.5, 12);
    expect(m.tpot).toBeCloseTo((1.1 - 0.5) / 3, 12);
    expect(m.itl.map((x) => Number(x.toFixed(9)))).toEqual([0.1, 0.2, 0.3]);
    expect(m.ntpot).toBeCloseTo(1.2 / 4, 12);
    expect(m.outputTokens).toBe(4);
  });

  it('multi-token chunks: tokens share the chunk time, intra-chunk gaps are 0', () => {
    // chunk A at 1.0 carries 2 tokens, chunk B at 1.5 carries 3 tokens
    const r = record({ startTime: 0.2, endTime: 1.6, chunkSpec: [[0.9, 0], [1.0, 2], [1.5, 3]] });
    expect(tokenTimes(r)).toEqual([1.0, 1.0, 1.5, 1.5, 1.5]);
    const m = requestMetrics(r);
    expect(m.ttft).toBeCloseTo(0.8, 12); // first chunk with non-empty text, not the role chunk at 0.9
    expect(m.itl.map((x) => Number(x.toFixed(9)))).toEqual([0, 0.5, 0, 0]);
    expect(m.tpot).toBeCloseTo(0.5 / 4, 12); // (1.5 − 1.0) / (5 − 1)
    expect(m.ntpot).toBeCloseTo(1.4 / 5, 12);
  });

  it('output tokens come from server usage; a chunk/usage disagreement is flagged as a mismatch', () => {
    const r = record({ startTime: 0, endTime: 2, chunkSpec: [[1, 1], [1.5, 1]], completionTokens: 3 });
    const m = requestMetrics(r);
    expect(m.outputTokens).toBe(3);
    expect(m.tpot).toBeCloseTo(0.5 / 2, 12);
    expect(m.tokenCountMismatch).toBe(true);
  });

  it('single-token and non-streamed requests have no TTFT/TPOT/ITL but do have NTPOT', () => {
    const one = requestMetrics(record({ startTime: 0, endTime: 0.4, chunkSpec: [[0.3, 1]] }));
    expect(one.ttft).toBeNull();
    expect(one.tpot).toBeNull();
    expect(one.itl).toEqual([]);
    expect(one.ntpot).toBeCloseTo(0.4, 12);
    const unstreamed = requestMetrics(record({ streamed: false, startTime: 0, endTime: 2, completionTokens: 8 }));
    expect(unstreamed.ttft).toBeNull();
    expect(unstreamed.ntpot).toBeCloseTo(0.25, 12);
  });
});
