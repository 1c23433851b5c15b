import { ManualClock } from 'lrukit/testing';
import { describe, expect, it } from 'vitest';

describe('ManualClock', () => {
  it('stands still until advanced, from 0 or a given start', () => {
    const clock = new ManualClock();
    expect(clock.now()).toBe(0);
    clock.advance(12.5);
    expect(clock.now()).toBe(12.5);
    expect(new ManualClock(1_000).now()).toBe(1_000);
  });

  it('fires due timers in order during advance, each seeing its own due time', () => {
    const clock = new ManualClock(100);
    const fired: Array<[string, number]> = [];
    clock.setTimer(() => fired.push(['b', clock.now()]), 20);
    clock.setTimer(() => fired.push(['a', clock.now()]), 10);
    clock.setTimer(() => fired.push(['late', clock.now()]), 50);
    clock.advance(30);
    expect(fired).toEqual([
      ['a', 110],
      ['b', 120],
    ]);
    expect(clock.now()).toBe(130);
    expect(clock.pendingTimers).toBe(1);
  });

  it('runs timers scheduled by a timer within the same advance, and cancels by handle', () => {
    const clock = new ManualClock();
    const fired: number[] = [];
    clock.setTimer(() => {
      fired.push(clock.now());
      clock.setTimer(() => fired.push(clock.now()), 5);
    }, 5);
    const cancelled = clock.setTimer(() => fired.push(-1), 7);
    clock.clearTimer(cancelled);
    clock.clearTimer('not a handle');
    clock.advance(10);
    expect(fired).toEqual([5, 10]);
    expect(clock.pendingTimers).toBe(0);
  });

  it('fires every due timer and reaches the target when timers throw, then rethrows the first error (issue 11)', () => {
    const clock = new ManualClock();
    const fired: Array<[string, number]> = [];
    const first = new Error('first');
    clock.setTimer(() => {
      fired.push(['a', clock.now()]);
      throw first;
    }, 10);
    clock.setTimer(() => {
      fired.push(['b', clock.now()]);
      throw new Error('second');
    }, 20);
    clock.setTimer(() => fired.push(['c', clock.now()]), 30);
    clock.setTimer(() => fired.push(['late', clock.now()]), 100);
    let thrown: unknown;
    try {
      clock.advance(50);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBe(first);
    expect(fired).toEqual([
      ['a', 10],
      ['b', 20],
      ['c', 30],
    ]);
    expect(clock.now()).toBe(50);
    expect(clock.pendingTimers).toBe(1);
    // the clock stays usable: the next advance fires the rest
    clock.advance(50);
    expect(fired.at(-1)).toEqual(['late', 100]);
    expect(clock.pendingTimers).toBe(0);
  });
});
