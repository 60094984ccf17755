import type {
  AdmitRequest,
  AdmitResult,
  CancelResult,
  DeregisterResult,
  DispatchResult,
  EndpointLoad,
  EndpointSnapshot,
  ExpireResult,
  FlowNotice,
  FlowStore,
  FlowStoreConfig,
  FlowStoreStats,
  ReapResult,
  ReleaseResult,
  RenewRequest,
  RenewResult,
  ReplicaId,
  TimeSource,
} from '@sluice/flow-control';
import type { RedisClient } from '../connection/redis-factory.ts';
import { PoolKeys } from '../keys/pool-keys.ts';
import { decodeMsgpack, encodeMsgpack } from '../scripts/msgpack.ts';
import type { ScriptRegistry } from '../scripts/script-registry.ts';

/** Options of RedisFlowStore. */
export interface RedisFlowStoreOptions {
  /** Shared command client (not closed by `close()` unless `ownsClient`). */
  readonly client: RedisClient;
  readonly scripts: ScriptRegistry;
  /** Key prefix (tests: `uniqueKeyPrefix(...)`) and pool name; all keys share the `{pool}` tag. */
  readonly keyPrefix: string;
  readonly pool: string;
  /** Identical on every replica of the pool (it travels to every script call as MessagePack). */
  readonly config: FlowStoreConfig;
  /**
   * TEST ONLY: drive the store clock from this source instead of Redis TIME (the conformance suite's
   * ManualTimeSource). Production leaves it undefined: Redis TIME is the one clock of the fleet.
   */
  readonly time?: TimeSource;
  /** Close `client` in `close()`. Default false. */
  readonly ownsClient?: boolean;
}

const REPLICA_ID = /^[^|\s]+$/;

/**
 * FlowStore on Redis: one atomic Lua script (lua/<op>-12.lua) per operation, one round trip per
 * call. Semantics are those of MemoryFlowStore, the executable spec; the Lua mirrors it step for
 * step (see lua/includes/flow*.lua). Any number of replicas may share one pool; each call runs the
 * dispatch cycle, so whoever frees capacity dispatches, and other owners learn it from their inbox.
 */
export class RedisFlowStore implements FlowStore {
  readonly config: FlowStoreConfig;
  readonly keys: PoolKeys;
  readonly #client: RedisClient;
  readonly #scripts: ScriptRegistry;
  readonly #flowKeys: string[];
  /** The config as MessagePack (ARGV[1] of every script; cmsgpack.unpack is cheaper than cjson). */
  readonly #configArg: Buffer;
  readonly #time: TimeSource | undefined;
  readonly #ownsClient: boolean;

  constructor(options: RedisFlowStoreOptions) {
    this.config = options.config;
    this.keys = new PoolKeys(options.keyPrefix, options.pool);
    this.#client = options.client;
    this.#scripts = options.scripts;
    this.#flowKeys = this.keys.flowKeys();
    this.#configArg = encodeMsgpack(options.config);
    this.#time = options.time;
    this.#ownsClient = options.ownsClient ?? false;
  }

  get client(): RedisClient {
    return this.#client;
  }

  async admit(req: AdmitRequest): Promise<AdmitResult> {
    return this.#call<AdmitResult>('admitRequest', req.owner, {
      requestId: req.requestId,
      p: req.flow.priority,
      fid: req.flow.fairnessId,
      bytes: req.bytes,
      upt: req.tokens.uncachedPromptTokens,
      eot: req.tokens.expectedOutputTokens,
      ttl: finite(req.ttlMs),
      slo: finite(req.sloTtftMs),
      ago: finite(req.receivedAgoMs),
      ep: req.endpoint === undefined ? undefined : checkEndpoint(req.endpoint),
    });
  }

  async release(req: { owner: ReplicaId; leaseId: string; actualTokens?: number }): Promise<ReleaseResult> {
    return this.#call<ReleaseResult>('releaseLease', req.owner, { leaseId: req.leaseId, actualTokens: finite(req.actualTokens) });
  }

  async cancel(req: { owner: ReplicaId; requestId: string }): Promise<CancelResult> {
    return this.#call<CancelResult>('cancelRequest', req.owner, { requestId: req.requestId });
  }

  async expire(req: { owner: ReplicaId; requestId: string }): Promise<ExpireResult> {
    return this.#call<ExpireResult>('expireRequest', req.owner, { requestId: req.requestId });
  }

  async renew(req: RenewRequest): Promise<RenewResult> {
    return this.#call<RenewResult>('renewOwner', req.owner, { incarnation: req.incarnation, leases: req.leases, queued: req.queued });
  }

  async reap(req: { owner: ReplicaId; max?: number }): Promise<ReapResult> {
    return this.#call<ReapResult>('reapPool', req.owner, { max: finite(req.max) });
  }

  async dispatch(req: { owner: ReplicaId; max?: number }): Promise<DispatchResult> {
    return this.#call<DispatchResult>('dispatchPool', req.owner, { max: finite(req.max) });
  }

  async bindLease(req: { leaseId: string; endpoint: string }): Promise<boolean> {
    // bindLease takes only its JSON argument: it reads no config, clock or owner (see its header).
    const payload = JSON.stringify({ leaseId: req.leaseId, endpoint: checkEndpoint(req.endpoint) });
    const reply = await this.#scripts.run(this.#client, 'bindLease', this.#flowKeys, [payload]);
    return reply === 1;
  }

  async publishEndpoints(req: { owner: ReplicaId; snapshot: EndpointSnapshot }): Promise<DispatchResult> {
    const endpoints = req.snapshot.endpoints.map((e) => ({
      name: e.name,
      waitingQueueSize: finite(e.waitingQueueSize),
      kvCacheUsage: finite(e.kvCacheUsage),
      metricsAgeMs: finite(e.metricsAgeMs),
    }));
    return this.#call<DispatchResult>('publishEndpoints', req.owner, { endpoints });
  }

  async provisionBands(req: { priorities: readonly number[] }): Promise<void> {
    await this.#run('provisionBands', '', { priorities: [...new Set(req.priorities)] });
  }

  async stats(): Promise<FlowStoreStats> {
    const reply = await this.#scripts.runBuffer(this.#client, 'readStats', this.#flowKeys, [this.#configArg, this.#now(), '']);
    return decodeMsgpack(reply) as FlowStoreStats;
  }

  async endpointLoad(): Promise<EndpointLoad[]> {
    const reply = await this.#scripts.runBuffer(this.#client, 'readEndpointLoad', this.#flowKeys, []);
    const decoded = decodeMsgpack(reply);
    // an empty Lua table may come back as an empty map
    return Array.isArray(decoded) ? (decoded as EndpointLoad[]) : [];
  }

  async deregister(req: { owner: ReplicaId }): Promise<DeregisterResult> {
    return this.#call<DeregisterResult>('deregisterOwner', req.owner, {});
  }

  async takeInbox(req: { owner: ReplicaId; max?: number }): Promise<FlowNotice[]> {
    const raw = await this.#client.lpop(this.keys.inbox(req.owner), req.max ?? 100);
    return (raw ?? []).map((text) => JSON.parse(text) as FlowNotice);
  }

  async close(): Promise<void> {
    if (this.#ownsClient) await this.#client.quit();
  }

  /** Runs a script whose reply is MessagePack (every mutating flow script). */
  async #call<T>(script: string, owner: ReplicaId, payload: object): Promise<T> {
    checkOwner(owner);
    const reply = await this.#scripts.runBuffer(this.#client, script, this.#flowKeys, [this.#configArg, this.#now(), owner, JSON.stringify(payload)]);
    return decodeMsgpack(reply) as T;
  }

  /** Runs a script whose reply is an integer (bindLease, provisionBands). */
  #run(script: string, owner: ReplicaId, payload: object): Promise<unknown> {
    checkOwner(owner);
    return this.#scripts.run(this.#client, script, this.#flowKeys, [this.#configArg, this.#now(), owner, JSON.stringify(payload)]);
  }

  #now(): string {
    return this.#time === undefined ? '' : String(this.#time.nowMs());
  }
}

function checkEndpoint(endpoint: string): string {
  if (endpoint.includes('|')) throw new Error(`endpoint name must not contain "|": ${endpoint}`);
  return endpoint;
}

function checkOwner(owner: ReplicaId): void {
  if (owner !== '' && !REPLICA_ID.test(owner)) throw new Error(`replica id must be non-empty without "|" or spaces: "${owner}"`);
}

/** Finite numbers pass; undefined, NaN and ±Infinity become undefined (omitted from the JSON). */
function finite(value: number | undefined): number | undefined {
  return value !== undefined && Number.isFinite(value) ? value : undefined;
}
