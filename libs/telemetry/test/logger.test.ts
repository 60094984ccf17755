import { describe, expect, it } from 'vitest';
import { createLogger, requestLogger } from '../src/index.ts';

/** A pino destination that keeps every JSON line it receives. */
function captureStream() {
  const lines: string[] = [];
  return {
    stream: { write: (chunk: string) => void lines.push(chunk) },
    records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
    lines,
  };
}

describe('createLogger', () => {
  it('writes one JSON object per line with level label, ISO time and bindings', () => {
    const capture = captureStream();
    const logger = createLogger({ destination: capture.stream, bindings: { service: 'sluice-router', replica: 'r-1' } });
    logger.info({ endpoint: '127.0.0.1:8001' }, 'picked');
    expect(capture.lines).toHaveLength(1);
    expect(capture.lines[0]?.endsWith('\n')).toBe(true);
    const [record] = capture.records();
    expect(record).toMatchObject({ level: 'info', msg: 'picked', service: 'sluice-router', replica: 'r-1', endpoint: '127.0.0.1:8001' });
    expect(new Date(String(record?.['time'])).toISOString()).toBe(record?.['time']);
  });

  it('binds request_id on every line of a request logger', () => {
    const capture = captureStream();
    const logger = createLogger({ destination: capture.stream });
    const log = requestLogger(logger, 'req-42', { fairness_id: 'tenant-a' });
    log.info('queued');
    log.warn({ outcome: 'Dispatched' }, 'dispatched');
    log.child({ phase: 'proxy' }).error('upstream reset');
    const records = capture.records();
    expect(records).toHaveLength(3);
    for (const record of records) expect(record).toMatchObject({ request_id: 'req-42', fairness_id: 'tenant-a' });
    expect(records.map((r) => r['level'])).toEqual(['info', 'warn', 'error']);
    logger.info('not a request line');
    expect(capture.records()[3]).not.toHaveProperty('request_id');
  });

  it('takes the level from options, else LOG_LEVEL, else info', () => {
    const capture = captureStream();
    createLogger({ destination: capture.stream, env: { LOG_LEVEL: 'warn' } }).info('dropped');
    expect(capture.lines).toHaveLength(0);
    const debug = createLogger({ destination: capture.stream, level: 'debug', env: { LOG_LEVEL: 'error' } });
    debug.debug('kept');
    expect(capture.records()[0]).toMatchObject({ level: 'debug', msg: 'kept' });
    expect(createLogger({ destination: capture.stream, env: {} }).level).toBe('info');
    expect(() => createLogger({ env: { LOG_LEVEL: 'loud' } })).toThrow(/unknown log level "loud"/);
  });

  it('redacts authorization headers', () => {
    const capture = captureStream();
    createLogger({ destination: capture.stream }).info({ req: { headers: { authorization: 'Bearer sk-secret', 'x-api-key': 'k' } } }, 'request');
    expect(capture.lines[0]).not.toContain('sk-secret');
    expect(capture.records()[0]).toMatchObject({ req: { headers: { authorization: '[redacted]', 'x-api-key': '[redacted]' } } });
  });
});
