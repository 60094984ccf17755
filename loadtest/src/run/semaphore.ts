/** Counting semaphore; `acquire` resolves in FIFO order once a slot is free. */
export class Semaphore {
  private available: number;
  private readonly waiters: (() => void)[] = [];

  constructor(slots: number) {
    this.available = slots;
  }

  /** Resolves true when the caller had to wait for a slot. */
  async acquire(): Promise<boolean> {
    if (this.available > 0) {
      this.available--;
      return false;
    }
    await new Promise<void>((resolve) => this.waiters.push(resolve));
    return true;
  }

  release(): void {
    const next = this.waiters.shift();
    if (next !== undefined) next();
    else this.available++;
  }
}
