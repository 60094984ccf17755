import { describe } from 'vitest';
import { detectorCases } from './cases-detectors.ts';
import { lifecycleCases } from './cases-lifecycle.ts';
import { outcomeCases } from './cases-outcomes.ts';
import { policyCases } from './cases-policies.ts';
import { routerCases } from './cases-router.ts';
import type { ConformanceStoreFactory } from './factory.ts';
import { harnessFactory } from './harness.ts';

/**
 * Register the FlowStore conformance suite (vitest describe/it) for one implementation.
 * Call it at the top level of a `*.test.ts` file. Every test opens fresh stores through `factory`
 * with a ManualTimeSource the suite controls, and cleans them up afterwards.
 */
export function runFlowStoreConformance(name: string, factory: ConformanceStoreFactory): void {
  describe(`FlowStore conformance: ${name}`, () => {
    const open = harnessFactory(factory);
    outcomeCases(open);
    policyCases(open);
    detectorCases(open);
    lifecycleCases(open);
    routerCases(open);
  });
}
