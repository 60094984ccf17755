import { randomBytes } from 'node:crypto';

/**
 * A key prefix unique to one test (or one test file), so tests can share a Redis — including a
 * REDIS_URL that other sessions use — without touching each other's keys. Tests delete only keys
 * under their own prefix; nothing ever runs FLUSHALL or FLUSHDB.
 *
 * @param label readable part, e.g. the test file's subject ("flow-store")
 * @returns e.g. "sluice-test:flow-store:4f9c1a2b:"
 */
export function uniqueKeyPrefix(label: string): string {
  const safe = label.replace(/[^a-zA-Z0-9_-]/g, '-');
  return `sluice-test:${safe}:${randomBytes(4).toString('hex')}:`;
}
