import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualTimeSource, MemoryFlowStore } from '@sluice/flow-control';
import type { FairnessPolicyConfig, FlowStore } from '@sluice/flow-control';
import { conformanceTestConfig } from '@sluice/flow-control/conformance';

const OWNER = 'replica-a';

/** Keep every tenant backlogged, serve `rounds` requests one at a time, return service per tenant. */
async function serve(
  fairness: FairnessPolicyConfig,
  tenants: { id: string; sizes: number[] }[],
  rounds: number,
): Promise<{ turns: Map<string, number>; tokens: Map<string, number> }> {
  const base = conformanceTestConfig({ defaultRequestTtlMs: 0 });
  const config = { ...base, defaultPriorityBand: { ...base.defaultPriorityBand, fairness, maxRequests: 100_000, requestTtlMs: 0 } };
  const time = new ManualTimeSource();
  const store: FlowStore = new MemoryFlowStore({ config, time });
  await store.publishEndpoints({ owner: OWNER, snapshot: { endpoints: [{ name: 'ep-0' }] } });
  const hold = await store.admit({ requestId: 'hold', owner: OWNER, flow: { fairnessId: 'zz-hold', priority: 0 }, bytes: 1, tokens: { uncachedPromptTokens: 0, expectedOutputTokens: 0 } });
  if (hold.kind !== 'dispatched') throw new Error('hold not dispatched');
  const sizeOf = new Map<string, number>();
  let n = 0;
  const enqueue = async (tenant: { id: string; sizes: number[] }): Promise<void> => {
    const size = tenant.sizes[n % tenant.sizes.length]!;
    const id = `${tenant.id}-${++n}`;
    sizeOf.set(id, size);
    time.advance(1);
    await store.admit({ requestId: id, owner: OWNER, flow: { fairnessId: tenant.id, priority: 0 }, bytes: 1, tokens: { uncachedPromptTokens: size, expectedOutputTokens: 0 } });
  };
  for (const t of tenants) for (let i = 0; i < 3; i++) await enqueue(t);
  const turns = new Map<string, number>();
  const tokens = new Map<string, number>();
  let lease = hold.lease.leaseId;
  for (let r = 0; r < rounds; r++) {
    const rel = await store.release({ owner: OWNER, leaseId: lease });
    const next = rel.notices.find((x) => x.type === 'dispatched');
    if (!next || next.type !== 'dispatched') throw new Error('nothing dispatched');
    lease = next.lease.leaseId;
    const tenant = tenants.find((t) => next.requestId.startsWith(`${t.id}-`))!;
    turns.set(tenant.id, (turns.get(tenant.id) ?? 0) + 1);
    tokens.set(tenant.id, (tokens.get(tenant.id) ?? 0) + sizeOf.get(next.requestId)!);
    await enqueue(tenant); // stay backlogged
  }
  return { turns, tokens };
}

const tenantsArb = fc.uniqueArray(fc.constantFrom('t-a', 't-b', 't-c', 't-d'), { minLength: 2, maxLength: 4 }).chain((ids) =>
  fc.tuple(...ids.map((id) => fc.record({ id: fc.constant(id), sizes: fc.array(fc.integer({ min: 1, max: 200 }), { minLength: 1, maxLength: 4 }), weight: fc.constantFrom(1, 2, 3) }))),
);

describe('fairness properties over a continuously backlogged band', () => {
  it('round-robin: dispatch turns differ by at most one', async () => {
    await fc.assert(
      fc.asyncProperty(tenantsArb, fc.integer({ min: 5, max: 60 }), async (tenants, rounds) => {
        const { turns } = await serve({ type: 'round-robin-fairness-policy' }, tenants, rounds);
        const counts = tenants.map((t) => turns.get(t.id) ?? 0);
        expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
      }),
      { numRuns: 40 },
    );
  });

  it('token-fairness: weighted token service differs by at most one request (max size / min weight)', async () => {
    await fc.assert(
      fc.asyncProperty(tenantsArb, fc.integer({ min: 5, max: 80 }), async (tenants, rounds) => {
        const weights = Object.fromEntries(tenants.map((t) => [t.id, t.weight]));
        const { tokens } = await serve({ type: 'token-fairness-policy', weights }, tenants, rounds);
        const normalized = tenants.map((t) => (tokens.get(t.id) ?? 0) / t.weight);
        const maxCharge = Math.max(...tenants.map((t) => Math.max(...t.sizes) / t.weight));
        expect(Math.max(...normalized) - Math.min(...normalized)).toBeLessThanOrEqual(maxCharge + 1e-9);
      }),
      { numRuns: 40 },
    );
  });
});
