import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { Logger } from 'pino';
import { describe, expect, it } from 'vitest';
import type { FastifyBaseLogger } from 'fastify';
import { lazyChildLoggerFactory } from '../src/http/lazy-request-logger.ts';

/** A real pino logger writing JSON lines into `lines`, counting the children built from it. */
function parentLogger(level: string): { logger: Logger; lines: Record<string, unknown>[]; childrenBuilt: () => number } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const logger = pino({ level }, sink);
  // Counts children built from this logger itself (pino children inherit this property, so the
  // real method is applied to whichever logger it is called on).
  const realChild = logger.child;
  let built = 0;
  logger.child = function (this: Logger, ...args: Parameters<Logger['child']>) {
    if (this === logger) built++;
    return realChild.apply(this, args);
  } as Logger['child'];
  return { logger, lines, childrenBuilt: () => built };
}

const asFastify = (logger: Logger): FastifyBaseLogger => logger as unknown as FastifyBaseLogger;

describe('lazyChildLoggerFactory', () => {
  it('builds no child for a request that writes nothing at an enabled level', () => {
    const parent = parentLogger('warn');
    const log = lazyChildLoggerFactory(asFastify(parent.logger), { request_id: 'r-1' }, {});
    log.info('not written');
    log.debug({ a: 1 }, 'not written either');
    expect(log.level).toBe('warn');
    expect(parent.childrenBuilt()).toBe(0);
    expect(parent.lines).toEqual([]);
  });

  it('writes enabled lines with the request id, through one child built on first use', () => {
    const parent = parentLogger('info');
    const log = lazyChildLoggerFactory(asFastify(parent.logger), { request_id: 'r-2' }, {});
    log.info({ outcome: 'dispatched' }, 'first');
    log.warn('second');
    log.error(new Error('boom'), 'third');
    expect(parent.childrenBuilt()).toBe(1);
    expect(parent.lines.map((l) => [l['request_id'], l['msg'], l['level']])).toEqual([
      ['r-2', 'first', 30],
      ['r-2', 'second', 40],
      ['r-2', 'third', 50],
    ]);
    expect(parent.lines[0]!['outcome']).toBe('dispatched');
    expect((parent.lines[2]!['err'] as { message: string }).message).toBe('boom');
  });

  it('child() and a level change build the real child and keep the request id', () => {
    const parent = parentLogger('info');
    const log = lazyChildLoggerFactory(asFastify(parent.logger), { request_id: 'r-3' }, {});
    log.level = 'debug';
    log.debug('now enabled');
    log.child({ step: 'proxy' }).info('from a grandchild');
    expect(parent.lines.map((l) => [l['request_id'], l['step'], l['msg']])).toEqual([
      ['r-3', undefined, 'now enabled'],
      ['r-3', 'proxy', 'from a grandchild'],
    ]);
  });

  it('gives pino its own child when the route sets a level', () => {
    const parent = parentLogger('info');
    const log = lazyChildLoggerFactory(asFastify(parent.logger), { request_id: 'r-4' }, { level: 'error' });
    expect(parent.childrenBuilt()).toBe(1);
    log.warn('filtered by the route level');
    expect(parent.lines).toEqual([]);
  });
});
