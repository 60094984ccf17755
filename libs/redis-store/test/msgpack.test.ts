import { afterAll, describe, expect, inject, it } from 'vitest';
import { closeRedisClient, createRedisClient } from '../src/index.ts';
import { decodeMsgpack, encodeMsgpack } from '../src/scripts/msgpack.ts';

describe('MessagePack between TypeScript and Redis cmsgpack', () => {
  const client = createRedisClient({ mode: 'single', url: inject('redisUrl'), autoPipelining: false });
  afterAll(async () => {
    await closeRedisClient(client);
  });
  /** EVAL with a binary reply (runtime ioredis method missing from its typings). */
  const evalBuffer = (source: string, arg: Buffer): Promise<Buffer> =>
    (client as unknown as { evalBuffer(source: string, numKeys: number, arg: Buffer): Promise<Buffer> }).evalBuffer(source, 0, arg);

  it('round-trips config-like values through Lua exactly (ints, doubles, strings, nesting)', async () => {
    const value = {
      maxBytes: 1e13,
      ttl: 60_000,
      negative: -7,
      small: -3,
      ratio: 0.8,
      now: 1_800_000_000_000.123,
      far: 8.64e15,
      name: 'tenant-ü/{x}',
      long: 'x'.repeat(300),
      list: [1, 2.5, 'a', [], [true, false]],
      nested: { a: { b: { c: 'd' } } },
    };
    const reply = await evalBuffer('return cmsgpack.pack(cmsgpack.unpack(ARGV[1]))', encodeMsgpack(value));
    expect(decodeMsgpack(reply)).toEqual(value);
  });

  it('drops undefined fields and encodes null (Lua sees nil)', async () => {
    const reply = await evalBuffer('local t = cmsgpack.unpack(ARGV[1]) return cmsgpack.pack({ t.a == nil, t.b == nil, t.c })', encodeMsgpack({ a: null, b: undefined, c: 1 }));
    expect(decodeMsgpack(reply)).toEqual([true, true, 1]);
  });
});
