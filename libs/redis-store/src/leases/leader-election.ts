import type { LeaderLease } from './leader-lease.ts';

export interface LeaderElectionOptions {
  readonly lease: LeaderLease;
  /**
   * Period (ms) of acquire attempts while not leader and of renewals while leader. Keep it at most
   * lease.leaseMs / 3 so a holder renews twice before its lease can lapse. Default leaseMs / 3.
   */
  readonly intervalMs?: number;
  /** Called with true when this process becomes leader, false when it stops being leader. */
  readonly onChange?: (leader: boolean) => void;
  /** Called when a Redis call fails (the loop keeps going; a failed renewal counts as lost). */
  readonly onError?: (error: unknown) => void;
}

/**
 * Keeps trying to hold a LeaderLease: acquire while follower, renew while leader, on a fixed
 * period (setTimeout re-armed after each attempt, so slow calls never overlap). Failover after the
 * leader dies takes at most leaseMs + intervalMs. `stop()` releases the lease if held, so a
 * graceful shutdown hands over at once.
 */
export class LeaderElection {
  readonly #lease: LeaderLease;
  readonly #intervalMs: number;
  readonly #onChange: (leader: boolean) => void;
  readonly #onError: (error: unknown) => void;
  #leader = false;
  #running = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #attempt: Promise<void> = Promise.resolve();

  constructor(options: LeaderElectionOptions) {
    this.#lease = options.lease;
    this.#intervalMs = options.intervalMs ?? options.lease.leaseMs / 3;
    this.#onChange = options.onChange ?? (() => {});
    this.#onError = options.onError ?? (() => {});
  }

  get isLeader(): boolean {
    return this.#leader;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#tick();
  }

  async stop(): Promise<void> {
    this.#running = false;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    await this.#attempt;
    if (this.#leader) {
      this.#set(false);
      await this.#lease.release().catch((error: unknown) => this.#onError(error));
    }
  }

  #tick(): void {
    this.#attempt = this.#once().finally(() => {
      if (this.#running) this.#timer = setTimeout(() => this.#tick(), this.#intervalMs);
    });
  }

  async #once(): Promise<void> {
    let held: boolean;
    try {
      held = this.#leader ? await this.#lease.renew() : await this.#lease.tryAcquire();
    } catch (error) {
      this.#onError(error);
      held = false;
    }
    if (this.#running) this.#set(held);
  }

  #set(leader: boolean): void {
    if (leader === this.#leader) return;
    this.#leader = leader;
    this.#onChange(leader);
  }
}
