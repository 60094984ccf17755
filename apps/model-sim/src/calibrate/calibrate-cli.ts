import { parseArgs } from 'node:util';
import { runHttpCalibration } from './http-calibration.ts';
import { CALIBRATION_PROFILE, calibrationRows, formatCalibrationTable, type CalibrationResult } from './scenarios.ts';
import { spawnSim } from './sim-process.ts';
import { runVirtualCalibration } from './virtual-calibration.ts';

/**
 * `npm run sim:calibrate [-- --time-scale X] [--virtual]`: starts a real sluice-sim process with
 * the qwen3-32b-h100-tp2 profile, runs the calibration scenarios over HTTP and prints measured
 * vs target with PASS/FAIL. Exit status 1 if any row fails. `--virtual` runs the pure engine on a
 * virtual clock instead (instant, deterministic).
 */
async function main(): Promise<void> {
  const { values } = parseArgs({ options: { 'time-scale': { type: 'string', default: '1' }, virtual: { type: 'boolean', default: false } } });
  const timeScale = Number(values['time-scale']);
  if (!Number.isFinite(timeScale) || timeScale <= 0) throw new Error(`invalid value for --time-scale: ${values['time-scale']}`);
  let result: CalibrationResult;
  if (values.virtual === true) {
    console.log(`calibrating the pure engine (virtual clock), profile ${CALIBRATION_PROFILE}, time scale ${timeScale}`);
    result = runVirtualCalibration(timeScale);
  } else {
    const sim = await spawnSim(['--profile', CALIBRATION_PROFILE, '--time-scale', String(timeScale), '--pod-name', 'calibrate']);
    console.log(`calibrating ${sim.url} (pid ${sim.pid}), profile ${CALIBRATION_PROFILE}, time scale ${timeScale}, over HTTP`);
    try {
      result = (await runHttpCalibration(sim.url)) as CalibrationResult;
    } finally {
      await sim.stop();
    }
  }
  const rows = calibrationRows(result, timeScale);
  console.log(formatCalibrationTable(rows));
  if (timeScale !== 1) console.log(`(measured values divided by the time scale ${timeScale} to compare with targets at scale 1)`);
  process.exitCode = rows.every((r) => r.pass) ? 0 : 1;
}

await main();
