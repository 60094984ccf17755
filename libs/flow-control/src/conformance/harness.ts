import { afterEach } from 'vitest';
import { createFlowStoreConfig } from '../config/defaults.ts';
import type { AdmitResult, FlowStore } from '../store/flow-store.ts';
import { ManualTimeSource } from '../time/manual-time-source.ts';
import type { FlowStoreConfig } from '../types/config.ts';
import { DetectorType } from '../types/detector.ts';
import type { FlowNotice, ReplicaId } from '../types/items.ts';
import type { ConformanceStoreFactory, ConformanceStoreHandle } from './factory.ts';

/** The replica that makes most calls in the suite. */
export const OWNER: ReplicaId = 'replica-a';
/** A second replica, for cross-owner notices. */
export const OTHER: ReplicaId = 'replica-b';

/** Options of `Harness.admit`. */
export interface AdmitOptions {
  fairnessId?: string;
  priority?: number;
  bytes?: number;
  prompt?: number;
  output?: number;
  ttlMs?: number;
  sloTtftMs?: number;
  receivedAgoMs?: number;
  owner?: ReplicaId;
}

/** A store under test plus shorthands. */
export interface Harness {
  readonly store: FlowStore;
  readonly time: ManualTimeSource;
  readonly handle: ConformanceStoreHandle;
  readonly config: FlowStoreConfig;
  admit(requestId: string, opts?: AdmitOptions): Promise<AdmitResult>;
  /** Publish `n` endpoints named ep-0..ep-(n-1) without metrics. */
  endpoints(n: number): Promise<void>;
  release(leaseId: string, owner?: ReplicaId, actualTokens?: number): Promise<FlowNotice[]>;
  /** Request ids of all own notices and inbox notices of `owner` of type dispatched, in order. */
  dispatchedIds(notices: readonly FlowNotice[]): string[];
}

/**
 * Config used by most cases: concurrency detector, requests mode, 1 request per ready endpoint,
 * TTL 10 s, lease 30 s, replica 15 s. `overrides` are shallow.
 */
export function testConfig(overrides: Partial<FlowStoreConfig> = {}): FlowStoreConfig {
  return createFlowStoreConfig({
    defaultRequestTtlMs: 10_000,
    detector: { type: DetectorType.Concurrency, mode: 'requests', maxConcurrency: 1, maxTokenConcurrency: 1_000_000 },
    ...overrides,
  });
}

/** Registers cleanup of every store opened by `open` after each test. */
export function harnessFactory(factory: ConformanceStoreFactory): (config?: FlowStoreConfig, endpoints?: number) => Promise<Harness> {
  const open: ConformanceStoreHandle[] = [];
  afterEach(async () => {
    const handles = open.splice(0);
    for (const h of handles) await h.cleanup();
  });
  return async (config = testConfig(), endpoints = 1) => {
    const time = new ManualTimeSource();
    const handle = await factory({ config, time });
    open.push(handle);
    const store = handle.store;
    const h: Harness = {
      store,
      time,
      handle,
      config,
      admit: (requestId, o = {}) =>
        store.admit({
          requestId,
          owner: o.owner ?? OWNER,
          flow: { fairnessId: o.fairnessId ?? 'tenant-a', priority: o.priority ?? 0 },
          bytes: o.bytes ?? 100,
          tokens: { uncachedPromptTokens: o.prompt ?? 10, expectedOutputTokens: o.output ?? 10 },
          ttlMs: o.ttlMs,
          sloTtftMs: o.sloTtftMs,
          receivedAgoMs: o.receivedAgoMs,
        }),
      endpoints: async (n) => {
        await store.publishEndpoints({ owner: OWNER, snapshot: { endpoints: Array.from({ length: n }, (_, i) => ({ name: `ep-${i}` })) } });
      },
      release: async (leaseId, owner = OWNER, actualTokens) => {
        const r = await store.release({ owner, leaseId, actualTokens });
        return [...r.notices];
      },
      dispatchedIds: (notices) => notices.filter((n) => n.type === 'dispatched').map((n) => n.requestId),
    };
    if (endpoints > 0) await h.endpoints(endpoints);
    return h;
  };
}

/** Release leases one at a time (one slot of capacity) and return the dispatch order. */
export async function drainOneByOne(h: Harness, firstLeaseId: string, maxSteps = 100): Promise<string[]> {
  const order: string[] = [];
  let lease: string | undefined = firstLeaseId;
  for (let i = 0; i < maxSteps && lease !== undefined; i++) {
    const notices = await h.release(lease);
    const next = h.dispatchedIds(notices);
    order.push(...next);
    lease = next[0];
  }
  return order;
}

/** Narrowing helper: the lease id of a dispatched admit, or a thrown assertion. */
export function leaseOf(r: AdmitResult): string {
  if (r.kind !== 'dispatched') throw new Error(`expected dispatched, got ${r.kind}${r.kind === 'rejected' ? ` (${r.outcome})` : ''}`);
  return r.lease.leaseId;
}
