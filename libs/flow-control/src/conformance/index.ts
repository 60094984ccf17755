// @sluice/flow-control/conformance: the FlowStore conformance suite and the property-test model.
// Test-only entry point (imports vitest and fast-check); production code imports '@sluice/flow-control'.

export { runFlowStoreConformance } from './run-flow-store-conformance.ts';
export type { ConformanceStoreOptions, ConformanceStoreHandle, ConformanceStoreFactory } from './factory.ts';
export type { Harness, AdmitOptions } from './harness.ts';
export { testConfig as conformanceTestConfig, OWNER, OTHER } from './harness.ts';
export type { FlowOp, FlowTrace } from './property-model.ts';
export { PROPERTY_OWNERS, flowOpArbitrary, flowConfigArbitrary, runFlowOps, summarizeStats } from './property-model.ts';
export type { RateLimiterFactory } from '../rate-limit/rate-limiter-conformance.ts';
export { runRateLimiterConformance } from '../rate-limit/rate-limiter-conformance.ts';
