/**
 * LoRA adapter bookkeeping: which adapters are resident on the (simulated) GPU and how many
 * running sequences use each. At most `maxLoras` distinct adapters run at once; a resident
 * adapter that no running sequence uses may be evicted (LRU) to make room for another.
 */
export class LoraSlots {
  /** adapter → running sequences using it (entries with 0 are deleted). */
  private readonly runningCounts = new Map<string, number>();
  /** Resident adapters; Map insertion order = least recently used first. */
  private readonly resident = new Map<string, true>();

  /** True if a sequence of `adapter` may start running now. */
  canRun(adapter: string, maxLoras: number): boolean {
    return this.runningCounts.has(adapter) || this.runningCounts.size < maxLoras;
  }

  /** Records a running sequence of `adapter`; returns true if the adapter had to be loaded. */
  acquire(adapter: string, maxLoras: number): boolean {
    this.runningCounts.set(adapter, (this.runningCounts.get(adapter) ?? 0) + 1);
    const wasResident = this.resident.delete(adapter);
    if (!wasResident) {
      for (const name of this.resident.keys()) {
        if (this.resident.size < maxLoras) break;
        if (!this.runningCounts.has(name)) this.resident.delete(name);
      }
    }
    this.resident.set(adapter, true);
    return !wasResident;
  }

  /** A sequence of `adapter` stopped running (finished, aborted or preempted). */
  release(adapter: string): void {
    const count = (this.runningCounts.get(adapter) ?? 0) - 1;
    if (count > 0) this.runningCounts.set(adapter, count);
    else this.runningCounts.delete(adapter);
  }

  runningAdapters(): string[] {
    return [...this.runningCounts.keys()];
  }

  residentAdapters(): string[] {
    return [...this.resident.keys()];
  }
}
