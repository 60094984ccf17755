import { existsSync, readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { uniqueKeyPrefix } from '@sluice/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { closeRedisClient, createRedisClient, ScriptRegistry, TurnWriteBatcher } from '../src/index.ts';

/** Write syscalls made so far by this process (Linux /proc/self/io). */
function writeSyscalls(): number {
  return Number(/syscw:\s*(\d+)/.exec(readFileSync('/proc/self/io', 'utf8'))?.[1]);
}

/** Resolves in the check phase of this turn, after every setImmediate scheduled before it. */
function endOfTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

describe.runIf(existsSync('/proc/self/io'))('TurnWriteBatcher (real Redis)', () => {
  const client = createRedisClient({ mode: 'single', url: inject('redisUrl'), autoPipelining: false });
  const socket = (): Socket => (client as unknown as { stream: Socket }).stream;

  beforeAll(async () => {
    await client.ping();
  });

  afterAll(async () => {
    await closeRedisClient(client);
  });

  /**
   * Sends 20 PINGs, each from its own microtask (as request handlers do after an await), calling
   * `beforeSend` before each. Returns the write syscalls made up to the end of the turn, and the replies.
   */
  async function twentyPingsAcrossMicrotasks(beforeSend: () => void): Promise<{ syscalls: number; replies: string[] }> {
    const before = writeSyscalls();
    const pending: Promise<string>[] = [];
    for (let i = 0; i < 20; i++) {
      await Promise.resolve();
      beforeSend();
      pending.push(client.ping(`m${i}`));
    }
    await endOfTurn();
    const syscalls = writeSyscalls() - before;
    return { syscalls, replies: await Promise.all(pending) };
  }

  it('sends the commands of one event-loop turn in one socket write, replies in order', async () => {
    const flushes: number[] = [];
    const batcher = new TurnWriteBatcher((commands) => flushes.push(commands));
    const batched = await twentyPingsAcrossMicrotasks(() => batcher.hold(client));
    expect(flushes).toEqual([20]);
    const unbatched = await twentyPingsAcrossMicrotasks(() => undefined);
    const expected = Array.from({ length: 20 }, (_, i) => `m${i}`);
    expect(batched.replies).toEqual(expected);
    expect(unbatched.replies).toEqual(expected);
    // 1 in practice; another thread of this process may write meanwhile, so allow one more.
    expect(batched.syscalls).toBeLessThanOrEqual(2);
    expect(unbatched.syscalls).toBeGreaterThanOrEqual(20);
  });

  it('holds a command only until the end of the turn it was sent in; one cork per socket per turn', async () => {
    const flushes: number[] = [];
    const batcher = new TurnWriteBatcher((commands) => flushes.push(commands));
    batcher.hold(client);
    const first = client.ping('first');
    batcher.hold(client); // a second hold in the same turn counts, but does not cork twice
    const reply = client.ping('alone');
    expect(batcher.heldSockets).toBe(1);
    expect(socket().writableCorked).toBe(1);
    await endOfTurn();
    expect(flushes).toEqual([2]);
    await expect(first).resolves.toBe('first');
    expect(batcher.heldSockets).toBe(0);
    expect(socket().writableCorked).toBe(0);
    await expect(reply).resolves.toBe('alone');
  });

  it('ScriptRegistry: script calls made across microtasks of one turn share one write', async () => {
    const flushes: number[] = [];
    const scripts = ScriptRegistry.fromDirectory(undefined, new TurnWriteBatcher((commands) => flushes.push(commands)));
    const lease = `${uniqueKeyPrefix('turn-batch')}:lease`;
    await client.set(lease, 'me', 'PX', 60_000);
    const before = writeSyscalls();
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < 20; i++) {
      await Promise.resolve();
      pending.push(scripts.run(client, 'renewLeader', [lease], [i % 2 === 0 ? 'me' : 'someone-else', 60_000]));
    }
    await endOfTurn();
    const syscalls = writeSyscalls() - before;
    // renewLeader answers 1 for the holder and 0 for anyone else: each call got its own reply.
    expect(await Promise.all(pending)).toEqual(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? 1 : 0)));
    expect(syscalls).toBeLessThanOrEqual(2);
    expect(flushes).toEqual([20]);
    await client.del(lease);
  });
});
