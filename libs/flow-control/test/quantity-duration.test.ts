import { describe, expect, it } from 'vitest';
import { parseCountQuantity, parseDurationMs, parseQuantity } from '../src/index.ts';

describe('parseQuantity (Kubernetes quantities)', () => {
  it.each([
    ['500', 500],
    ['0', 0],
    ['1k', 1000],
    ['2k', 2000],
    ['1.1k', 1100],
    ['1M', 1e6],
    ['1G', 1e9],
    ['1Ki', 1024],
    ['1Mi', 1048576],
    ['1Gi', 1073741824],
    ['4Gi', 4 * 1073741824],
    ['10Ti', 10 * 2 ** 40],
    ['1.5Gi', 1.5 * 2 ** 30],
    ['100m', 0.1],
    ['1e3', 1000],
    ['1E3', 1000],
    ['.5', 0.5],
    ['+3', 3],
    ['-2k', -2000],
  ])('%s → %d', (input, expected) => {
    expect(parseQuantity(input)).toBe(expected);
  });

  it.each(['', ' 1k', '1 k', '1kb', '1KI', 'Gi', '1..2', 'abc', '1e', '0x10'])('rejects %j', (input) => {
    expect(() => parseQuantity(input)).toThrow(RangeError);
  });

  it('passes finite numbers through and rejects non-finite ones', () => {
    expect(parseQuantity(42)).toBe(42);
    expect(() => parseQuantity(Infinity)).toThrow(RangeError);
  });

  it('count quantities round up and must be non-negative', () => {
    expect(parseCountQuantity('1.5')).toBe(2);
    expect(parseCountQuantity('100m')).toBe(1);
    expect(parseCountQuantity('1.1k')).toBe(1100);
    expect(parseCountQuantity('1Gi')).toBe(1073741824);
    expect(() => parseCountQuantity('-1')).toThrow(RangeError);
    expect(() => parseCountQuantity('100E')).toThrow(/safe integer/);
  });
});

describe('parseDurationMs (Go durations)', () => {
  it.each([
    ['0', 0],
    ['60s', 60_000],
    ['200ms', 200],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['1.5s', 1500],
    ['250us', 0.25],
    ['1000000ns', 1],
    [1234, 1234],
  ])('%s → %d ms', (input, expected) => {
    expect(parseDurationMs(input)).toBe(expected);
  });

  it.each(['', '5', 's', '1d', '-1s', '1s ', '1 s', '1sm'])('rejects %j', (input) => {
    expect(() => parseDurationMs(input)).toThrow(RangeError);
  });

  it('rejects negative and non-finite numbers', () => {
    expect(() => parseDurationMs(-1)).toThrow(RangeError);
    expect(() => parseDurationMs(NaN)).toThrow(RangeError);
  });
});
