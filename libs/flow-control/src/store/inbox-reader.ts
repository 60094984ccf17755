import type { FlowNotice, ReplicaId } from '../types/items.ts';

/**
 * Push delivery of an owner's inbox (notices produced by OTHER replicas' store calls).
 * RedisFlowStore implements it with BLPOP on a dedicated connection; MemoryFlowStore in-process.
 */
export interface InboxReader {
  /**
   * Start delivering `owner`'s notices, in inbox order, to `onNotices` (never concurrently; each
   * notice delivered once). Notices already in the inbox are delivered first.
   * The returned subscription's `stop()` resolves once no further callback will run.
   */
  subscribe(owner: ReplicaId, onNotices: (notices: readonly FlowNotice[]) => void): InboxSubscription;
}

export interface InboxSubscription {
  stop(): Promise<void>;
}
