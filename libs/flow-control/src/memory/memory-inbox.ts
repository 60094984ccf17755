import type { InboxReader, InboxSubscription } from '../store/inbox-reader.ts';
import type { FlowNotice, ReplicaId } from '../types/items.ts';

/**
 * Per-owner notice lists of MemoryFlowStore plus in-process push delivery.
 * Delivery to a subscriber happens on a microtask after the producing store call returned, in FIFO
 * order, never concurrently.
 */
export class MemoryInbox implements InboxReader {
  private readonly lists = new Map<ReplicaId, FlowNotice[]>();
  private readonly subscribers = new Map<ReplicaId, (notices: readonly FlowNotice[]) => void>();
  private readonly scheduled = new Set<ReplicaId>();

  push(owner: ReplicaId, notice: FlowNotice): void {
    let list = this.lists.get(owner);
    if (!list) {
      list = [];
      this.lists.set(owner, list);
    }
    list.push(notice);
    this.schedule(owner);
  }

  take(owner: ReplicaId, max: number): FlowNotice[] {
    const list = this.lists.get(owner);
    if (!list) return [];
    const taken = list.splice(0, max);
    if (list.length === 0) this.lists.delete(owner);
    return taken;
  }

  delete(owner: ReplicaId): void {
    this.lists.delete(owner);
  }

  clearAll(): void {
    this.lists.clear();
  }

  subscribe(owner: ReplicaId, onNotices: (notices: readonly FlowNotice[]) => void): InboxSubscription {
    if (this.subscribers.has(owner)) throw new Error(`inbox of ${owner} already has a subscriber`);
    this.subscribers.set(owner, onNotices);
    this.schedule(owner);
    return {
      stop: async () => {
        if (this.subscribers.get(owner) === onNotices) this.subscribers.delete(owner);
      },
    };
  }

  async stopAll(): Promise<void> {
    this.subscribers.clear();
  }

  private schedule(owner: ReplicaId): void {
    if (!this.subscribers.has(owner) || this.scheduled.has(owner)) return;
    this.scheduled.add(owner);
    queueMicrotask(() => {
      this.scheduled.delete(owner);
      const cb = this.subscribers.get(owner);
      if (!cb) return;
      const notices = this.take(owner, Number.MAX_SAFE_INTEGER);
      if (notices.length > 0) cb(notices);
    });
  }
}
