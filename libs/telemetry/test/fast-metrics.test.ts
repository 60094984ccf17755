import fc from 'fast-check';
import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { FastCounter, FastHistogram } from '../src/metrics/fast-metrics.ts';

const BUCKETS = [0.001, 0.01, 0.1, 1, 10];
type L = 'model' | 'code';

/** Label objects as the router passes them: some labels omitted, values with quotes and separators. */
const labelsArb = fc.record(
  { model: fc.constantFrom('qwen', 'a"b', 'x\u0001y', 'x', ''), code: fc.constantFrom('200', '503', 7) },
  { requiredKeys: [] },
);
const stepArb = fc.record({ labels: fc.option(labelsArb, { nil: undefined }), value: fc.double({ min: 0, max: 50, noNaN: true }) });

async function texts(steps: readonly { labels: Partial<Record<L, string | number>> | undefined; value: number }[], withLabels: boolean) {
  const ours = new Registry();
  const theirs = new Registry();
  const labelNames: L[] = withLabels ? ['model', 'code'] : [];
  const fastHistogram = new FastHistogram<L>({ name: 'h_seconds', help: 'h', labelNames, buckets: BUCKETS, registers: [ours] });
  const promHistogram = new Histogram<L>({ name: 'h_seconds', help: 'h', labelNames, buckets: BUCKETS, registers: [theirs] });
  const fastCounter = new FastCounter<L>({ name: 'c_total', help: 'c', labelNames, registers: [ours] });
  const promCounter = new Counter<L>({ name: 'c_total', help: 'c', labelNames, registers: [theirs] });
  for (const { labels, value } of steps) {
    if (withLabels && labels !== undefined) {
      fastHistogram.observe(labels, value);
      promHistogram.observe(labels, value);
      fastCounter.inc(labels, value);
      promCounter.inc(labels, value);
    } else {
      fastHistogram.observe(value);
      promHistogram.observe(value);
      fastCounter.inc(value);
      promCounter.inc(value);
    }
  }
  return { ours: await ours.metrics(), theirs: await theirs.metrics(), oursJson: await ours.getMetricsAsJSON(), theirsJson: await theirs.getMetricsAsJSON() };
}

/** prom-client orders series by its label hash; we keep creation order. Compare as sets of lines. */
const lines = (text: string): string[] => text.split('\n').sort();

describe('FastHistogram and FastCounter', () => {
  it('print the same exposition lines as prom-client for any sequence of observations', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { maxLength: 40 }), fc.boolean(), async (steps, withLabels) => {
        const { ours, theirs } = await texts(steps, withLabels);
        expect(lines(ours)).toEqual(lines(theirs));
      }),
      { numRuns: 200 },
    );
  });

  it('an unlabelled metric shows its zero series before any observation, as prom-client does', async () => {
    const { ours, theirs } = await texts([], false);
    expect(lines(ours)).toEqual(lines(theirs));
    expect(ours).toContain('h_seconds_bucket{le="+Inf"} 0');
    expect(ours).toContain('c_total 0');
  });

  it('gives the same JSON (getMetricsAsJSON) as prom-client', async () => {
    const steps = [
      { labels: { model: 'qwen', code: '200' }, value: 0.05 },
      { labels: { model: 'qwen', code: '200' }, value: 3 },
      { labels: { model: 'x' }, value: 20 },
    ];
    const { oursJson, theirsJson } = await texts(steps, true);
    const canonical = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) => (x !== null && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => a.localeCompare(b))) : x));
    const sortValues = (json: typeof oursJson) => json.map((m) => ({ ...m, values: [...m.values].sort((a, b) => canonical(a).localeCompare(canonical(b))) }));
    const strip = (json: typeof oursJson) => json.map((m) => ({ ...m, values: m.values.map((v) => ({ labels: v.labels, value: v.value, metricName: (v as { metricName?: string }).metricName })) }));
    expect(sortValues(strip(oursJson))).toEqual(sortValues(strip(theirsJson)));
  });

  it('rejects an undeclared label, a non-finite observation and a negative increment', () => {
    const h = new FastHistogram<L>({ name: 'h2', help: 'h', labelNames: ['model'], buckets: BUCKETS });
    expect(() => h.observe({ model: 'a', code: 'x' }, 1)).toThrow(/not included in initial labelset/);
    expect(() => h.observe({ model: 'a' }, Number.NaN)).toThrow(/not a valid number/);
    const c = new FastCounter<L>({ name: 'c2', help: 'c', labelNames: ['model'] });
    expect(() => c.inc({ model: 'a' }, -1)).toThrow(/finite and >= 0/);
  });

  it('reset() and remove() drop series', async () => {
    const registry = new Registry();
    const c = new FastCounter<L>({ name: 'c3_total', help: 'c', labelNames: ['model'], registers: [registry] });
    c.inc({ model: 'a' });
    c.inc({ model: 'b' }, 2);
    c.remove({ model: 'a' });
    expect((await c.get()).values).toEqual([{ labels: { model: 'b' }, value: 2 }]);
    registry.resetMetrics();
    expect((await c.get()).values).toEqual([]);
    expect(registry.getSingleMetric('c3_total')).toBe(c);
  });

  it('finds a series by label values whether the label object is reused or new, also after remove()', async () => {
    const c = new FastCounter<L>({ name: 'c4_total', help: 'c', labelNames: ['model', 'code'] });
    const interned = { model: 'qwen', code: '200' };
    c.inc(interned);
    c.inc(interned, 2);
    c.inc({ code: '200', model: 'qwen' });
    expect((await c.get()).values).toEqual([{ labels: { model: 'qwen', code: '200' }, value: 4 }]);
    c.remove({ model: 'qwen', code: '200' });
    c.inc(interned);
    expect((await c.get()).values).toEqual([{ labels: { model: 'qwen', code: '200' }, value: 1 }]);
  });
});
