import { describe, expect, it } from 'vitest';
import { FakeClock } from '../src/index.ts';

describe('FakeClock', () => {
  it('fires due timers in due order and sets now() to each due time', () => {
    const clock = new FakeClock(0);
    const fired: Array<[string, number]> = [];
    clock.setTimeout(() => fired.push(['b', clock.now()]), 20);
    clock.setTimeout(() => fired.push(['a', clock.now()]), 10);
    clock.setTimeout(() => fired.push(['c', clock.now()]), 30);
    clock.advance(25);
    expect(fired).toEqual([['a', 10], ['b', 20]]);
    expect(clock.now()).toBe(25);
    expect(clock.pendingTimers()).toBe(1);
  });

  it('runs timers scheduled by timers within the same advance, and honours clearTimeout', () => {
    const clock = new FakeClock(100);
    const fired: number[] = [];
    const cancelled = clock.setTimeout(() => fired.push(-1), 5);
    clock.setTimeout(() => {
      fired.push(clock.now());
      clock.setTimeout(() => fired.push(clock.now()), 3);
    }, 2);
    clock.clearTimeout(cancelled);
    clock.advance(10);
    expect(fired).toEqual([102, 105]);
    expect(() => clock.advance(-1)).toThrow(/negative/);
  });

  it('fires ties in creation order', () => {
    const clock = new FakeClock(0);
    const order: string[] = [];
    clock.setTimeout(() => order.push('first'), 5);
    clock.setTimeout(() => order.push('second'), 5);
    clock.advanceTo(5);
    expect(order).toEqual(['first', 'second']);
  });
});
