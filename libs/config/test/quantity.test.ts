import { describe, expect, it } from 'vitest';
import { parseCountQuantity, parseQuantity, QuantityError } from '../src/index.ts';

describe('parseQuantity (Kubernetes quantities)', () => {
  it.each([
    ['500', 500],
    ['2k', 2000],
    ['1.5M', 1_500_000],
    ['1.1k', 1100],
    ['4Gi', 4 * 2 ** 30],
    ['1Ki', 1024],
    ['0.5Ki', 512],
    ['1Pi', 2 ** 50],
    ['1e3', 1000],
    ['1E3', 1000],
    ['2.5e2', 250],
    ['+7', 7],
    ['-2k', -2000],
    ['100m', 0.1],
    ['.5', 0.5],
    ['0', 0],
  ])('%s → %d', (text, expected) => {
    expect(parseQuantity(text)).toBe(expected);
  });

  it('passes finite numbers through', () => {
    expect(parseQuantity(500)).toBe(500);
  });

  it.each(['abc', '', '1.2.3', '5 Gi', 'Gi', '1KB', '1kk', '1e999', '1Ei', '--1'])('rejects %j', (text) => {
    expect(() => parseQuantity(text)).toThrow(QuantityError);
  });

  it('rejects non-finite numbers', () => {
    expect(() => parseQuantity(Number.POSITIVE_INFINITY)).toThrow(QuantityError);
  });
});

describe('parseCountQuantity', () => {
  it('accepts whole non-negative values', () => {
    expect(parseCountQuantity('2k')).toEqual({ ok: true, value: 2000 });
    expect(parseCountQuantity(0)).toEqual({ ok: true, value: 0 });
  });

  it('explains what is wrong', () => {
    expect(parseCountQuantity('abc')).toMatchObject({ ok: false, message: expect.stringContaining('invalid quantity "abc"') });
    expect(parseCountQuantity('-1')).toMatchObject({ ok: false, message: expect.stringContaining('must not be negative') });
    expect(parseCountQuantity('100m')).toMatchObject({ ok: false, message: expect.stringContaining('whole number') });
    expect(parseCountQuantity(true)).toMatchObject({ ok: false });
  });
});
