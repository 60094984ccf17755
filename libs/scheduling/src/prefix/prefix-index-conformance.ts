import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BlockHash } from './prefix-hasher.ts';
import type { PrefixIndex } from './prefix-index.ts';

/** What a conformance run needs from an implementation: a fresh, empty index per test. */
export interface PrefixIndexHarness {
  readonly index: PrefixIndex;
  /** Deletes whatever the index stored (e.g. its Redis keys). */
  cleanup(): Promise<void>;
}

/**
 * The PrefixIndex contract (see prefix-index.ts), run against any implementation. `create` must
 * return an EMPTY index whose default capacity is `defaultCapacityBlocks`.
 * Test-only module: it imports vitest, so it is not part of the production barrel.
 */
export function runPrefixIndexConformance(label: string, create: (options: { defaultCapacityBlocks: number }) => Promise<PrefixIndexHarness>): void {
  describe(`PrefixIndex conformance: ${label}`, () => {
    let h: PrefixIndexHarness;
    let index: PrefixIndex;
    beforeEach(async () => {
      h = await create({ defaultCapacityBlocks: 8 });
      index = h.index;
    });
    afterEach(async () => {
      await h.cleanup();
    });

    const chain = (tag: string, n: number): BlockHash[] => Array.from({ length: n }, (_, i) => hashOf(`${tag}-${i}`));
    const matched = async (hashes: readonly BlockHash[], candidates: readonly string[]): Promise<number[]> => {
      const r = await index.lookup(hashes, candidates);
      expect([...r.matchedBlocks.keys()].sort()).toEqual([...new Set(candidates)].sort());
      return candidates.map((c) => r.matchedBlocks.get(c)!);
    };

    it('an empty index matches nothing, for every candidate', async () => {
      expect(await matched(chain('a', 3), ['e1', 'e2'])).toEqual([0, 0]);
      expect(await matched([], ['e1'])).toEqual([0]);
      expect((await index.lookup(chain('a', 3), [])).matchedBlocks.size).toBe(0);
    });

    it('a recorded chain is matched in full by its endpoint only', async () => {
      const a = chain('a', 5);
      await index.record(a, 'e1');
      expect(await matched(a, ['e1', 'e2'])).toEqual([5, 0]);
      expect(await index.size('e1')).toBe(5);
      expect(await index.size('e2')).toBe(0);
    });

    it('matches the longest consecutive prefix and stops at the first miss', async () => {
      const a = chain('a', 4);
      await index.record(a, 'e1');
      const b = [a[0]!, a[1]!, hashOf('other'), a[3]!];
      expect(await matched(b, ['e1'])).toEqual([2]);
      expect(await matched([hashOf('x'), ...a], ['e1'])).toEqual([0]);
      expect(await matched(a.slice(0, 2), ['e1'])).toEqual([2]);
      expect(await matched([...a, ...chain('z', 3)], ['e1'])).toEqual([4]);
    });

    it('keeps endpoints apart and handles shared prefixes', async () => {
      const a = chain('a', 6);
      await index.record(a.slice(0, 3), 'e1');
      await index.record(a, 'e2');
      await index.record(a.slice(0, 1), 'e3');
      expect(await matched(a, ['e1', 'e2', 'e3', 'e4'])).toEqual([3, 6, 1, 0]);
    });

    it('evict forgets blocks for one endpoint, which cuts the consecutive match', async () => {
      const a = chain('a', 5);
      await index.record(a, 'e1');
      await index.record(a, 'e2');
      await index.evict('e1', [a[2]!, a[3]!]);
      expect(await matched(a, ['e1', 'e2'])).toEqual([2, 5]);
      expect(await index.size('e1')).toBe(3);
      await index.evict('e9', a);
      await index.evict('e1', [hashOf('never-recorded')]);
      expect(await index.size('e1')).toBe(3);
    });

    it('trims to the default capacity, dropping the oldest record first', async () => {
      const a = chain('a', 4);
      const b = chain('b', 4);
      const c = chain('c', 4);
      await index.record(a, 'e1');
      await index.record(b, 'e1');
      expect(await index.size('e1')).toBe(8);
      await index.record(c, 'e1');
      expect(await index.size('e1')).toBe(8);
      expect(await matched(a, ['e1'])).toEqual([0]);
      expect(await matched(b, ['e1'])).toEqual([4]);
      expect(await matched(c, ['e1'])).toEqual([4]);
    });

    it('within one record, trims the tail before the head (the held set stays a prefix)', async () => {
      const a = chain('a', 6);
      const b = chain('b', 6);
      await index.record(a, 'e1');
      await index.record(b, 'e1');
      // 12 blocks, capacity 8: a's last four go first; b is newest and whole.
      expect(await matched(a, ['e1'])).toEqual([2]);
      expect(await matched(b, ['e1'])).toEqual([6]);
      const long = chain('long', 11);
      await index.record(long, 'e1');
      expect(await matched(long, ['e1'])).toEqual([8]);
      expect(await matched(b, ['e1'])).toEqual([0]);
    });

    it('record refreshes recency; lookup does not', async () => {
      const a = chain('a', 4);
      const b = chain('b', 4);
      await index.record(a, 'e1');
      await index.record(b, 'e1');
      await index.lookup(a, ['e1']);
      await index.record(a.slice(0, 2), 'e1'); // a[0..1] become newest
      await index.record(chain('c', 2), 'e1'); // evicts the 2 oldest: a[2], a[3]
      expect(await matched(a, ['e1'])).toEqual([2]);
      expect(await matched(b, ['e1'])).toEqual([4]);
      await index.lookup(b, ['e1']); // lookup must not protect b
      await index.record(chain('d', 4), 'e1'); // evicts 4 oldest: b[3], b[2], b[1], b[0]
      expect(await matched(b, ['e1'])).toEqual([0]);
      expect(await matched(a, ['e1'])).toEqual([2]);
    });

    it('a repeated hash in one record keeps its earliest position', async () => {
      const x = hashOf('x');
      const y = hashOf('y');
      await index.record([x, y, x], 'e1');
      expect(await index.size('e1')).toBe(2);
      expect(await matched([x, y], ['e1'])).toEqual([2]);
    });

    it('setCapacity applies per endpoint at its next record', async () => {
      await index.setCapacity('e1', 3);
      await index.record(chain('a', 5), 'e1');
      await index.record(chain('a', 5), 'e2');
      expect(await index.size('e1')).toBe(3);
      expect(await index.size('e2')).toBe(5);
      expect(await matched(chain('a', 5), ['e1', 'e2'])).toEqual([3, 5]);
      await index.setCapacity('e2', 2);
      expect(await index.size('e2')).toBe(5);
      await index.record([], 'e2');
      await index.record(chain('a', 1), 'e2');
      expect(await index.size('e2')).toBe(2);
      await expect(index.setCapacity('e1', 0)).rejects.toThrow(RangeError);
    });

    it('removeEndpoint forgets the endpoint and its capacity', async () => {
      await index.setCapacity('e1', 2);
      await index.record(chain('a', 2), 'e1');
      await index.record(chain('a', 2), 'e2');
      await index.removeEndpoint('e1');
      expect(await matched(chain('a', 2), ['e1', 'e2'])).toEqual([0, 2]);
      expect(await index.size('e1')).toBe(0);
      await index.record(chain('b', 5), 'e1'); // back to the default capacity (8)
      expect(await index.size('e1')).toBe(5);
    });

    it('recording an empty chain is a no-op', async () => {
      await index.record([], 'e1');
      expect(await index.size('e1')).toBe(0);
    });

    it('handles long chains (2048 blocks) and many candidates', async () => {
      await index.setCapacity('big', 4096);
      const long = chain('long', 2048);
      await index.record(long, 'big');
      const candidates = Array.from({ length: 16 }, (_, i) => `ep-${i}`);
      const r = await matched(long, ['big', ...candidates]);
      expect(r[0]).toBe(2048);
      expect(r.slice(1).every((m) => m === 0)).toBe(true);
    });
  });
}

/** A deterministic 16-hex-character stand-in for a block hash (FNV-1a 64 of the label). */
export function hashOf(label: string): BlockHash {
  let h = 0xcbf29ce484222325n;
  for (let i = 0; i < label.length; i++) {
    h ^= BigInt(label.charCodeAt(i));
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h.toString(16).padStart(16, '0');
}
