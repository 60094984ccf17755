import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { closeRedisClient, createRedisClient, writeTogether } from '../src/index.ts';

/** Write syscalls made so far by this process (Linux /proc/self/io). */
function writeSyscalls(): number {
  return Number(/syscw:\s*(\d+)/.exec(readFileSync('/proc/self/io', 'utf8'))?.[1]);
}

describe.runIf(existsSync('/proc/self/io'))('writeTogether (real Redis)', () => {
  const client = createRedisClient({ mode: 'single', url: inject('redisUrl') });

  beforeAll(async () => {
    await client.ping();
  });

  afterAll(async () => {
    await closeRedisClient(client);
  });

  /** Issues 20 PINGs inside `wrap`; returns the write syscalls made while issuing them, and the replies. */
  async function twentyPings(wrap: (send: () => Promise<string>[]) => Promise<string>[]): Promise<{ syscalls: number; replies: string[] }> {
    const before = writeSyscalls();
    const pending = wrap(() => Array.from({ length: 20 }, (_, i) => client.ping(`m${i}`)));
    const syscalls = writeSyscalls() - before;
    return { syscalls, replies: await Promise.all(pending) };
  }

  it('sends every command issued inside it in one socket write, and the replies come back in order', async () => {
    const together = await twentyPings((send) => writeTogether(client, send));
    const apart = await twentyPings((send) => send());
    expect(together.replies).toEqual(Array.from({ length: 20 }, (_, i) => `m${i}`));
    expect(apart.replies).toEqual(together.replies);
    // 1 in practice; another thread of this process may write meanwhile, so allow one more.
    expect(together.syscalls).toBeLessThanOrEqual(2);
    expect(apart.syscalls).toBeGreaterThanOrEqual(20);
  });

  it('uncorks the socket when the callback throws: later commands still go out', async () => {
    expect(() =>
      writeTogether(client, () => {
        void client.ping('before the throw');
        throw new Error('boom');
      }),
    ).toThrow('boom');
    await expect(client.ping('after')).resolves.toBe('after');
    expect((client as unknown as { stream: { writableCorked: number } }).stream.writableCorked).toBe(0);
  });
});
