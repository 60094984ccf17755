// A router replica in its own process for the multi-replica fleet test: a FlowController over a
// RedisFlowStore (instrumented subclass, real Redis) and a RedisInboxReader. Input: env SLUICE_FLEET
// (JSON FleetWorkerSpec). Admits its requests on the given schedule, holds each dispatched one for
// its holdMs, releases it, then prints one JSON line per request (FleetRecord) and {"done": n}.
// Before its schedule it prints {"ready": true} and waits for the line "go" on stdin.
// Every timestamp in a FleetRecord is store clock (Redis TIME, ms with µs fraction) except
// `noticeReceivedAtMs`, the wall clock of this process when the inbox delivered the dispatch notice.
import { createSystemClock, FlowController } from '@sluice/flow-control';
import type { AdmitRequest, AdmitResult, FlowNotice, FlowStoreConfig, InboxReader, ReleaseResult, ReplicaId } from '@sluice/flow-control';
import { closeRedisClient, createRedisClient, RedisFlowStore, RedisInboxReader, ScriptRegistry } from '../../src/index.ts';

export interface FleetRequestSpec {
  id: string;
  tenant: string;
  priority: number;
  /** Pause (ms) before this admit, after the previous one was sent. */
  delayMs: number;
  holdMs: number;
  /** Estimated = actual tokens (uncached prompt + output). */
  prompt: number;
  output: number;
}

export interface FleetWorkerSpec {
  redisUrl: string;
  keyPrefix: string;
  pool: string;
  replicaId: string;
  config: FlowStoreConfig;
  renewIntervalMs: number;
  safetyTickMs: number;
  requests: FleetRequestSpec[];
}

/** One finished request, as printed by the worker. */
export interface FleetRecord {
  id: string;
  replica: string;
  tenant: string;
  priority: number;
  tokens: number;
  /** admit result kind: 'dispatched' (fast path), 'queued' or 'rejected'. */
  admitKind: string;
  /** Store time of the admit call (= enqueue time when queued). */
  admitAtMs: number;
  dispatched: boolean;
  outcome: string;
  /** Store time of the dispatch (lease.dispatchedAtMs). */
  dispatchAtMs: number | null;
  /** Store time of the release call. */
  releaseAtMs: number | null;
  /** Wall clock (ms) when this process received the dispatch notice from its inbox, if it came that way. */
  noticeReceivedAtMs: number | null;
}

/** RedisFlowStore that remembers admit kinds/times and release times (store clock). */
class RecordingStore extends RedisFlowStore {
  readonly admits = new Map<string, { kind: string; atMs: number }>();
  readonly releases = new Map<string, number>();

  override async admit(req: AdmitRequest): Promise<AdmitResult> {
    const r = await super.admit(req);
    const atMs = r.kind === 'queued' ? r.record.enqueuedAtMs : r.kind === 'dispatched' ? r.lease.dispatchedAtMs : (r.storeNowMs ?? NaN);
    this.admits.set(req.requestId, { kind: r.kind, atMs });
    return r;
  }

  override async release(req: { owner: ReplicaId; leaseId: string; actualTokens?: number }): Promise<ReleaseResult> {
    const r = await super.release(req);
    if (r.released) this.releases.set(req.leaseId, r.storeNowMs ?? NaN);
    return r;
  }
}

/** Wall clock with sub-millisecond resolution (same host clock as Redis TIME). */
const wallNowMs = (): number => performance.timeOrigin + performance.now();

const spec = JSON.parse(process.env.SLUICE_FLEET ?? '') as FleetWorkerSpec;
const client = createRedisClient({ mode: 'single', url: spec.redisUrl });
const store = new RecordingStore({ client, scripts: ScriptRegistry.fromDirectory(), keyPrefix: spec.keyPrefix, pool: spec.pool, config: spec.config });
const noticeReceipts = new Map<string, number>();
const redisInbox = new RedisInboxReader({ client, keys: store.keys, blockSeconds: 1 });
const inbox: InboxReader = {
  subscribe: (owner, onNotices) =>
    redisInbox.subscribe(owner, (notices: readonly FlowNotice[]) => {
      const at = wallNowMs();
      for (const n of notices) if (n.type === 'dispatched') noticeReceipts.set(n.requestId, at);
      onNotices(notices);
    }),
};
const controller = new FlowController({
  store,
  inbox,
  replicaId: spec.replicaId,
  clock: createSystemClock(),
  renewIntervalMs: spec.renewIntervalMs,
  safetyTickMs: spec.safetyTickMs,
});
await controller.start();

// Start barrier: announce readiness, then wait for the test's "go" on stdin, so that every replica
// of the fleet starts its schedule at the same moment however long each process took to boot.
console.log(JSON.stringify({ ready: true }));
await new Promise<void>((resolve) => {
  let input = '';
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk: string) => {
    input += chunk;
    if (input.includes('go\n')) resolve();
  });
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const running: Promise<FleetRecord>[] = [];
for (const req of spec.requests) {
  if (req.delayMs > 0) await sleep(req.delayMs);
  running.push(
    (async (): Promise<FleetRecord> => {
      const tokens = req.prompt + req.output;
      const a = await controller.admit({
        requestId: req.id,
        flow: { fairnessId: req.tenant, priority: req.priority },
        bytes: 100,
        tokens: { uncachedPromptTokens: req.prompt, expectedOutputTokens: req.output },
      });
      if (a.dispatched) {
        await sleep(req.holdMs);
        await controller.release(a.lease.leaseId, tokens);
      }
      const admitted = store.admits.get(req.id);
      return {
        id: req.id,
        replica: spec.replicaId,
        tenant: req.tenant,
        priority: req.priority,
        tokens,
        admitKind: admitted?.kind ?? 'unknown',
        admitAtMs: admitted?.atMs ?? NaN,
        dispatched: a.dispatched,
        outcome: a.dispatched ? 'dispatched' : a.outcome,
        dispatchAtMs: a.dispatched ? a.lease.dispatchedAtMs : null,
        releaseAtMs: a.dispatched ? (store.releases.get(a.lease.leaseId) ?? null) : null,
        noticeReceivedAtMs: noticeReceipts.get(req.id) ?? null,
      };
    })(),
  );
}
for (const record of await Promise.all(running)) process.stdout.write(`${JSON.stringify(record)}\n`);
// Deregister BEFORE announcing done: the parent checks the pool is empty (no replica entry) as soon
// as every worker reports done.
await controller.stop();
await controller.deregister();
await closeRedisClient(client);
process.stdout.write(`${JSON.stringify({ done: spec.requests.length })}\n`);
process.exit(0);
