import { describe, expect, it } from 'vitest';
import { requestMetrics } from '../../src/metrics/per-request.ts';
import { toModelTime } from '../../src/run/time-scale.ts';
import { record } from './record-builder.ts';

describe('time-scale conversion', () => {
  it('stretches every time around the origin by 1/timeScale, so durations scale exactly', () => {
    // wall: start 100, chunks 100.1/100.2/100.3, end 100.35; time scale 0.5 → model durations ×2
    const wall = record({ scheduledTime: 100, dispatchTime: 100, startTime: 100, endTime: 100.35, queueWait: 0.01, chunkSpec: [[100.1, 1], [100.2, 1], [100.3, 1]] });
    const model = toModelTime(wall, 100, 0.5);
    const m = requestMetrics(model);
    expect(m.ttft).toBeCloseTo(0.2, 9);
    expect(m.tpot).toBeCloseTo(0.2, 9);
    expect(m.requestLatency).toBeCloseTo(0.7, 9);
    expect(model.queueWait).toBeCloseTo(0.02, 12);
    expect(toModelTime(wall, 100, 1)).toBe(wall);
  });
});
