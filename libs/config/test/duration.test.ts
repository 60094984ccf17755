import { describe, expect, it } from 'vitest';
import { DurationError, parseConfigDuration, parseDuration } from '../src/index.ts';

describe('parseDuration (Go syntax, milliseconds)', () => {
  it.each([
    ['30s', 30_000],
    ['5m', 300_000],
    ['200ms', 200],
    ['1h30m', 5_400_000],
    ['1.5h', 5_400_000],
    ['1m30.5s', 90_500],
    ['500us', 0.5],
    ['500µs', 0.5],
    ['2000000ns', 2],
    ['0', 0],
    ['0s', 0],
    ['-2s', -2000],
    ['+3ms', 3],
    ['.5s', 500],
  ])('%s → %d ms', (text, expected) => {
    expect(parseDuration(text)).toBeCloseTo(expected, 9);
  });

  it.each(['', '30', 's', '5 m', '1d', '1h-5m', 'abc', '--1s', '1.2.3s'])('rejects %j', (text) => {
    expect(() => parseDuration(text)).toThrow(DurationError);
  });
});

describe('parseConfigDuration', () => {
  it('rejects numbers other than 0: their unit is ambiguous', () => {
    expect(parseConfigDuration(0)).toEqual({ ok: true, value: 0 });
    expect(parseConfigDuration(30)).toMatchObject({ ok: false, message: expect.stringContaining('needs a unit') });
  });

  it('rejects negative durations and non-strings', () => {
    expect(parseConfigDuration('-1s')).toMatchObject({ ok: false, message: expect.stringContaining('must not be negative') });
    expect(parseConfigDuration({})).toMatchObject({ ok: false });
  });
});
