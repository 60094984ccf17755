import type { Socket } from 'node:net';
import { isCluster } from './redis-factory.ts';
import type { RedisClient } from './redis-factory.ts';

/**
 * Batches a Redis client's socket writes per event-loop turn. `hold(client)` corks the client's
 * socket the first time it is called in a turn and schedules one `setImmediate` that uncorks it, so
 * every command written in between leaves in one write syscall: the commands of every I/O callback
 * the loop's poll phase runs, and of their promise continuations. Redis then reads them with one
 * read too, and the replies come back together.
 *
 * Why: on the request path each routed request sends 3-5 script calls from separate callbacks (the
 * admit, the prefix lookup, bindLease, release). One write each costs a syscall here and a read and
 * a wake-up on the server; under load the writes of many requests now share one.
 *
 * Latency: a held command waits at most until the current poll phase ends. With one request in
 * flight that is the same turn; it never waits for a timer or for more traffic.
 *
 * Contract:
 * - Call `hold` right before issuing a command on `client`. ioredis writes a command synchronously
 *   when its connection is ready; a command it queues (connecting, offline queue) is not affected.
 * - A Cluster client has one socket per node and is not batched (`hold` does nothing).
 * - Every socket held in a turn is uncorked once, in that turn's `setImmediate`, whatever happens
 *   to the commands. A socket that closed meanwhile is uncorked harmlessly.
 * - Nested corks by other code (e.g. a MULTI) still flush when their own uncork and this one have run.
 *
 * Share one instance between the ScriptRegistries of a process (the router's runtime does): then
 * `onFlush` sees each write's whole batch. No state is shared between instances.
 */
export class TurnWriteBatcher {
  /** Sockets corked in this turn, with the commands held on each. */
  readonly #held = new Map<Socket, number>();
  #flushScheduled = false;
  readonly #onFlush: ((commands: number) => void) | undefined;

  readonly #flush = (): void => {
    this.#flushScheduled = false;
    for (const [socket, commands] of this.#held) {
      socket.uncork();
      this.#onFlush?.(commands);
    }
    this.#held.clear();
  };

  /** `onFlush(commands)`: called once per socket write, with the number of commands held for it. */
  constructor(onFlush?: (commands: number) => void) {
    this.#onFlush = onFlush;
  }

  /**
   * Corks `client`'s socket until the end of this event-loop turn (once per socket per turn) and
   * counts one command for it.
   */
  hold(client: RedisClient): void {
    if (isCluster(client)) return;
    const socket = (client as unknown as { stream?: Socket }).stream;
    if (socket === undefined || typeof socket.cork !== 'function') return;
    const held = this.#held.get(socket);
    if (held !== undefined) {
      this.#held.set(socket, held + 1);
      return;
    }
    socket.cork();
    this.#held.set(socket, 1);
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(this.#flush);
    }
  }

  /** Sockets held now (corked by this batcher, waiting for the end of the turn). */
  get heldSockets(): number {
    return this.#held.size;
  }
}
