import type { FlowNotice, InboxReader, InboxSubscription, ReplicaId } from '@sluice/flow-control';
import type { RedisClient } from '../connection/redis-factory.ts';
import { duplicateForBlocking } from '../connection/redis-factory.ts';
import type { PoolKeys } from '../keys/pool-keys.ts';

export interface RedisInboxReaderOptions {
  /** Template connection; each subscription opens its own blocking duplicate of it. */
  readonly client: RedisClient;
  readonly keys: PoolKeys;
  /** Seconds one BLPOP waits before it is re-issued (bounds the cost of a silently lost read). Default 1. */
  readonly blockSeconds?: number;
  /** Most notices handed to one callback. Default 256. */
  readonly batchMax?: number;
  /** Called when a read fails (the loop retries after `retryDelayMs`). Default: ignore. */
  readonly onError?: (error: unknown) => void;
  /** Pause (ms) after a failed read. Default 100. */
  readonly retryDelayMs?: number;
}

/**
 * Push delivery of a replica's inbox (`inbox:{pool}:<replicaId>` LIST) on a dedicated blocking
 * connection: BLMPOP waits for the first notice and takes up to `batchMax` (Redis 6.2: BLPOP, then
 * LPOP drains the rest), so one callback gets a batch in FIFO order. Callbacks never overlap (the loop awaits nothing between them).
 * A watchdog reconnects when a BLPOP outlives its timeout (ioredis may lose a blocked read across
 * a reconnect) and keeps awaiting it.
 * Each popped notice is delivered once; a notice popped by a BLPOP that is cut off by `stop()` may
 * be lost, which only happens while the replica shuts down.
 */
export class RedisInboxReader implements InboxReader {
  readonly #options: RedisInboxReaderOptions;

  constructor(options: RedisInboxReaderOptions) {
    this.#options = options;
  }

  subscribe(owner: ReplicaId, onNotices: (notices: readonly FlowNotice[]) => void): InboxSubscription {
    const { keys, blockSeconds = 1, batchMax = 256, onError = () => {}, retryDelayMs = 100 } = this.#options;
    const key = keys.inbox(owner);
    const connection = duplicateForBlocking(this.#options.client);
    connection.on('error', onError);
    let running = true;
    // BLMPOP (Redis ≥ 7) pops the whole batch in the blocking read itself: one round trip from
    // the push to the callback. Redis 6.2 answers "unknown command": BLPOP + LPOP from then on.
    let multiPop = true;
    const watchdog = <T>(read: Promise<T>): Promise<T> =>
      withWatchdog(read, (blockSeconds + 2) * 1000, () => {
        // A read that outlives its block timeout was lost in a reconnect: force a fresh
        // connection, on which ioredis re-sends it. The same read is still awaited, so a
        // notice it pops is never dropped.
        if (running) connection.disconnect(true);
      });
    const readBatch = async (): Promise<string[] | null> => {
      if (multiPop) {
        try {
          const popped = await watchdog(connection.blmpop(blockSeconds, 1, key, 'LEFT', 'COUNT', batchMax));
          return popped === null ? null : popped[1];
        } catch (error) {
          if (!isUnknownCommand(error)) throw error;
          multiPop = false;
        }
      }
      const first = await watchdog(connection.blpop(key, blockSeconds));
      if (first === null) return null;
      const rest = (await connection.lpop(key, batchMax - 1)) ?? [];
      return [first[1], ...rest];
    };

    const loop = async (): Promise<void> => {
      while (running) {
        try {
          const batch = await readBatch();
          if (!running) return;
          if (batch === null) continue;
          onNotices(batch.map((text) => JSON.parse(text) as FlowNotice));
        } catch (error) {
          if (!running) return;
          onError(error);
          await new Promise((resolve) => setTimeout(resolve, retryDelayMs));
        }
      }
    };
    const done = loop();

    return {
      stop: async () => {
        if (!running) return done;
        running = false;
        connection.disconnect();
        await done;
      },
    };
  }
}

function isUnknownCommand(error: unknown): boolean {
  return error instanceof Error && /unknown command/i.test(error.message);
}

/** Awaits `work`; every `periodMs` while it is still pending, calls `kick` (work is never abandoned). */
async function withWatchdog<T>(work: Promise<T>, periodMs: number, kick: () => void): Promise<T> {
  const timer = setInterval(kick, periodMs);
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}
