import { describe, expect, it } from 'vitest';
import type { EndpointLoad as StoreEndpointLoad } from '@sluice/flow-control';
import { EndpointLoad } from '../src/endpoints/endpoint-load.ts';

/** A store snapshot of per-endpoint in-flight counts (what endpointLoad() / stats().endpoints return). */
const stats = (endpoints: Record<string, number>): StoreEndpointLoad[] =>
  Object.entries(endpoints).map(([name, inFlight]) => ({ name, inFlight, inFlightTokens: 0 }));

describe('EndpointLoad (global in-flight view)', () => {
  it('adds local changes made after the snapshot was requested, drops those it already contains', () => {
    const load = new EndpointLoad();
    load.add('a', 1); // before the snapshot request: the snapshot includes it
    load.beginSnapshot();
    load.add('b', 1); // after the request started: the snapshot may not include it
    load.applySnapshot(stats({ a: 3, b: 0 })); // a: 1 ours + 2 of another replica
    expect(load.inFlight('a')).toBe(3);
    expect(load.inFlight('b')).toBe(1);
  });

  it('never reports less than this replica’s own count (a snapshot that raced a bind)', () => {
    const load = new EndpointLoad();
    load.add('a', 1);
    load.add('a', 1);
    load.beginSnapshot();
    load.applySnapshot(stats({ a: 1 })); // the store had seen only one of our two binds
    expect(load.inFlight('a')).toBe(2);
    load.add('a', -1);
    load.add('a', -1);
    expect(load.inFlight('a')).toBe(0);
  });

  it('corrects a store count for our releases it may still include, never below its own count', () => {
    const load = new EndpointLoad();
    load.add('a', 1);
    load.add('a', 1);
    load.add('a', -1); // one request on a finished; its release is on its way to the store
    load.releaseStarted('a');
    const mark = load.mark();
    // A store count read now may still include that release: a must not look full.
    expect(load.correctStoreCount('a', 2, mark)).toBe(1);
    // Another replica's request on a shows up in the store count and is kept.
    expect(load.correctStoreCount('a', 3, mark)).toBe(2);
    // A store count that already applied the release cannot push the view below our own request.
    expect(load.correctStoreCount('a', 1, mark)).toBe(1);
    load.releaseSettled('a');
    // A read taken after the mark is stale by the time of the pick: releases started since count too.
    load.add('a', -1);
    load.releaseStarted('a');
    expect(load.correctStoreCount('a', 2, mark)).toBe(0);
    // A fresh mark after everything settled subtracts nothing.
    load.releaseSettled('a');
    expect(load.correctStoreCount('a', 1, load.mark())).toBe(1);
    expect(load.correctStoreCount('b', 0, load.mark())).toBe(0);
  });

  it('does not count a release twice when the snapshot was read before the store applied it', () => {
    const load = new EndpointLoad();
    load.add('a', 1);
    load.add('a', 1);
    load.add('a', -1); // finished before the snapshot request; its release is still on its way
    load.releaseStarted('a');
    load.beginSnapshot();
    load.applySnapshot(stats({ a: 2 })); // the store still counted it
    expect(load.inFlight('a')).toBe(1);
    load.releaseSettled('a');
    load.beginSnapshot();
    load.applySnapshot(stats({ a: 1 }));
    expect(load.inFlight('a')).toBe(1);
  });
});
