import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runHttpCalibration } from '../src/calibrate/http-calibration.ts';
import { CALIBRATION_PROFILE, calibrationRows } from '../src/calibrate/scenarios.ts';
import { spawnSim, type SimProcess } from '../src/calibrate/sim-process.ts';
import { runVirtualCalibration } from '../src/calibrate/virtual-calibration.ts';

describe(`calibration of ${CALIBRATION_PROFILE} on the pure engine (virtual clock)`, () => {
  it.each([1, 0.05])('meets every target at time scale %s (simulated times compared with target × scale)', (timeScale) => {
    const result = runVirtualCalibration(timeScale);
    const rows = calibrationRows(result, timeScale);
    for (const row of rows) expect(row.pass, `${row.name}: ${row.measured} vs ${row.target}`).toBe(true);
  });

  it('reproduces the shape: prefix hit makes TTFT ~5× faster, load makes ITL ~4–5× slower', () => {
    const r = runVirtualCalibration(1);
    expect(r.coldTtftS / r.warmTtftS).toBeGreaterThan(4);
    expect(r.concurrentItlS / r.singleItlS).toBeGreaterThan(3);
  });
});

describe('calibration shape over HTTP (real sluice-sim process, time scale 0.5)', () => {
  let sim: SimProcess | undefined;
  // 0.5, not smaller: the client-side cost of sending and tokenizing a 7,200-token prompt is not
  // scaled, and at 0.1 it could eat the 26 ms between cold and 2 × warm on a loaded machine.
  const timeScale = 0.5;

  beforeAll(async () => {
    sim = await spawnSim(['--profile', CALIBRATION_PROFILE, '--time-scale', String(timeScale), '--pod-name', 'calibration-test']);
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it('cold TTFT is never faster than the model, and a cached 6,000-token prefix cuts it by more than half', async () => {
    const result = await runHttpCalibration((sim as SimProcess).url, ['cold', 'warm']);
    const cold = result.coldTtftS as number;
    const warm = result.warmTtftS as number;
    // Strict lower bound: the simulated prefill (0.52 s − 15 %, scaled) cannot be beaten over HTTP.
    expect(cold).toBeGreaterThanOrEqual(0.52 * 0.85 * timeScale);
    expect(warm).toBeLessThan(cold / 2);
  });
});
