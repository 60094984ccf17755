import { parseRouterConfig } from '@sluice/config';
import { describe, expect, it } from 'vitest';
import { DecisionLog } from '../src/scheduling/decision-log.ts';
import type { RoutingDecision } from '../src/scheduling/decision-log.ts';
import { LatencySamples, prefixRoutingSettings } from '../src/scheduling/prefix-routing.ts';

const decision = (requestId: string): RoutingDecision => ({
  requestId,
  at: '',
  model: 'm',
  targetModel: 'm',
  fairnessId: 'f',
  priority: 0,
  profile: 'default',
  picked: 'a',
  promptBlocks: 0,
  schedulingMs: 0,
  filtered: [],
  candidates: [],
  weights: {},
});

describe('DecisionLog', () => {
  it('keeps the newest `capacity` decisions, newest first', () => {
    const log = new DecisionLog(3);
    for (const id of ['1', '2', '3', '4', '5']) log.add(decision(id));
    expect(log.recent().map((d) => d.requestId)).toEqual(['5', '4', '3']);
    expect(log.recent(2).map((d) => d.requestId)).toEqual(['5', '4']);
    expect(log.total).toBe(5);
    expect(() => new DecisionLog(0)).toThrow(RangeError);
  });
});

describe('LatencySamples', () => {
  it('nearest-rank quantiles over a bounded window', () => {
    const s = new LatencySamples(100);
    for (let i = 1; i <= 200; i++) s.add(i);
    expect(s.count).toBe(100);
    expect(s.quantile(0.99)).toBe(199);
    expect(s.quantile(0.5)).toBe(150);
    expect(new LatencySamples().quantile(0.5)).toBeNaN();
  });
});

describe('prefixIndex option', () => {
  const picker = (parameters?: Record<string, unknown>) =>
    parseRouterConfig(
      {
        apiVersion: 'sluice.dev/v1alpha1',
        kind: 'RouterConfig',
        pool: { name: 'p', endpoints: ['127.0.0.1:1'] },
        endpointPicker: { apiVersion: 'llm-d.ai/v1alpha1', kind: 'EndpointPickerConfig', plugins: parameters === undefined ? [] : [{ type: 'approx-prefix-cache-producer', parameters }] },
      },
      { env: {}, source: '<test>' },
    ).endpointPicker;

  it('defaults to global with Redis and local without; the plugin parameter and SLUICE_PREFIX_INDEX override', () => {
    expect(prefixRoutingSettings(picker(), true, {}).mode).toBe('global');
    expect(prefixRoutingSettings(picker(), false, {}).mode).toBe('local');
    expect(prefixRoutingSettings(picker({ prefixIndex: 'local' }), true, {}).mode).toBe('local');
    expect(prefixRoutingSettings(picker({ prefixIndex: 'local' }), true, { SLUICE_PREFIX_INDEX: 'global' }).mode).toBe('global');
    const s = prefixRoutingSettings(picker({ blockSizeTokens: 128, lruCapacityPerServer: 500, autoTune: false }), false, {});
    expect(s).toMatchObject({ blockSizeTokens: 128, lruCapacityPerServer: 500, autoTune: false, cachedTokensFeedback: true });
  });

  it('rejects global without Redis and bad values with the field path', () => {
    expect(() => prefixRoutingSettings(picker({ prefixIndex: 'global' }), false, {})).toThrow(/needs Redis/);
    expect(() => prefixRoutingSettings(picker({ prefixIndex: 'everywhere' }), true, {})).toThrow(/prefixIndex must be/);
    expect(() => prefixRoutingSettings(picker({ blockSizeTokens: -1 }), true, {})).toThrow(/parameters\.blockSizeTokens/);
  });
});
