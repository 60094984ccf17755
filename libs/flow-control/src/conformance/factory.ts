import type { FlowStore } from '../store/flow-store.ts';
import type { InboxReader } from '../store/inbox-reader.ts';
import type { ManualTimeSource } from '../time/manual-time-source.ts';
import type { FlowStoreConfig } from '../types/config.ts';

/** What the conformance suite hands a store factory. */
export interface ConformanceStoreOptions {
  readonly config: FlowStoreConfig;
  /**
   * The ONLY clock the store may use. Memory: pass it as its TimeSource. Redis: test mode, pass
   * `time.nowMs()` into every script call instead of Redis TIME.
   */
  readonly time: ManualTimeSource;
}

/** A fresh, isolated store (Redis: its own key prefix / pool name) plus test controls. */
export interface ConformanceStoreHandle {
  readonly store: FlowStore;
  /** Push delivery of inboxes, if the store offers it (the suite then checks it). */
  readonly inbox?: InboxReader;
  /**
   * Simulate total loss of shared state (Redis: delete every key of the pool, including the
   * incarnation). Optional; the renew-recreation tests are skipped without it.
   */
  loseState?(): Promise<void>;
  /** Free everything (connections, keys). Called after each test, also on failure. */
  cleanup(): Promise<void>;
}

export type ConformanceStoreFactory = (opts: ConformanceStoreOptions) => Promise<ConformanceStoreHandle>;
