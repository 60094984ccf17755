import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualTimeSource, MemoryFlowStore } from '@sluice/flow-control';
import { flowConfigArbitrary, flowOpArbitrary, runFlowOps } from '@sluice/flow-control/conformance';
import type { FlowStoreConfig } from '@sluice/flow-control';
import type { FlowOp, FlowTrace } from '@sluice/flow-control/conformance';

async function run(config: FlowStoreConfig, ops: FlowOp[]): Promise<FlowTrace> {
  const time = new ManualTimeSource();
  const store = new MemoryFlowStore({ config, time });
  try {
    return await runFlowOps(store, (ms) => time.advance(ms), ops);
  } finally {
    await store.close();
  }
}

interface StatsView {
  len: number;
  bytes: number;
  bands: [number, number, number, number][];
  flows: [number, string, number, number, number][];
}

describe('MemoryFlowStore properties (fast-check)', () => {
  it('is deterministic: the same ops give the same trace', async () => {
    await fc.assert(
      fc.asyncProperty(flowConfigArbitrary, fc.array(flowOpArbitrary, { minLength: 1, maxLength: 40 }), async (config, ops) => {
        const a = await run(config, ops);
        const b = await run(config, ops);
        expect(b.steps).toEqual(a.steps);
      }),
      { numRuns: 40 },
    );
  });

  it('keeps its books: totals match bands and flows, limits hold, each request dispatches at most once', async () => {
    await fc.assert(
      fc.asyncProperty(flowConfigArbitrary, fc.array(flowOpArbitrary, { minLength: 1, maxLength: 60 }), async (config, ops) => {
        const trace = await run(config, ops);
        expect(new Set(trace.dispatchOrder).size).toBe(trace.dispatchOrder.length);
        for (const step of trace.steps) {
          const stats = (JSON.parse(step) as [unknown, unknown, StatsView])[2];
          const bandLen = stats.bands.reduce((s, b) => s + b[1], 0);
          const bandBytes = stats.bands.reduce((s, b) => s + b[2], 0);
          const flowLen = stats.flows.reduce((s, f) => s + f[2], 0);
          const flowBytes = stats.flows.reduce((s, f) => s + f[3], 0);
          expect([bandLen, bandBytes, flowLen, flowBytes]).toEqual([stats.len, stats.bytes, stats.len, stats.bytes]);
          if (config.maxRequests > 0) expect(stats.len).toBeLessThanOrEqual(config.maxRequests);
          for (const [priority, len, bytes] of stats.bands) {
            const template = priority < 0 && config.defaultNegativePriorityBand ? config.defaultNegativePriorityBand : config.defaultPriorityBand;
            expect(len).toBeLessThanOrEqual(template.maxRequests);
            expect(bytes).toBeLessThanOrEqual(template.maxBytes);
          }
          const ceilings = stats.bands.map((b) => b[3]);
          for (let i = 1; i < ceilings.length; i++) expect(ceilings[i]!).toBeLessThanOrEqual(ceilings[i - 1]!);
        }
      }),
      { numRuns: 60 },
    );
  });
});
