// coarseClock (issue 15): lru-cache's ttlResolution trade-off as an opt-in clock. Its staleness
// bound is the contract: a reading is reused until `resolution` ms pass on the underlying clock
// (a timer on it) or `maxReuse` readings were served, never longer.
import { coarseClock, LruCache, systemClock } from 'lrukit';
import { ManualClock } from 'lrukit/testing';
import { describe, expect, it, vi } from 'vitest';

/** A clock that counts how often it is read, over a ManualClock's time and timers. */
function countingClock(start = 1_000) {
  const manual = new ManualClock(start);
  const counted = {
    reads: 0,
    now: () => {
      counted.reads++;
      return manual.now();
    },
    setTimer: (callback: () => void, ms: number) => manual.setTimer(callback, ms),
    clearTimer: (handle: unknown) => manual.clearTimer(handle),
  };
  return { manual, counted };
}

describe('coarseClock', () => {
  it('reuses one reading until `resolution` ms pass on the underlying clock', () => {
    const { manual, counted } = countingClock();
    const clock = coarseClock({ resolution: 5, clock: counted });
    expect(clock.now()).toBe(1_000);
    manual.advance(4);
    expect(clock.now()).toBe(1_000); // reused: 4 ms old, within the resolution
    expect(counted.reads).toBe(1);
    manual.advance(1); // the reuse timer fires at 5 ms
    expect(clock.now()).toBe(1_005);
    expect(counted.reads).toBe(2);
  });

  it('serves at most `maxReuse` readings from one read, so a synchronous loop sees time pass', () => {
    const { manual, counted } = countingClock();
    const clock = coarseClock({ resolution: 1_000, maxReuse: 3, clock: counted });
    const seen: number[] = [];
    for (let i = 0; i < 7; i++) {
      seen.push(clock.now());
      manual.advance(0.5); // no timer is due: only maxReuse ends the reuse
    }
    expect(counted.reads).toBe(3); // readings 1, 4 and 7 read the underlying clock
    expect(seen).toEqual([1_000, 1_000, 1_000, 1_001.5, 1_001.5, 1_001.5, 1_003]);
  });

  it('never runs ahead of or behind the underlying clock by more than the bound', () => {
    const { manual, counted } = countingClock(0);
    const clock = coarseClock({ resolution: 3, maxReuse: 10, clock: counted });
    let previous = -Infinity;
    for (let step = 0; step < 200; step++) {
      const t = clock.now();
      expect(t).toBeLessThanOrEqual(manual.now());
      expect(manual.now() - t).toBeLessThan(3); // a reading older than 3 ms is never served
      expect(t).toBeGreaterThanOrEqual(previous); // and time never goes back
      previous = t;
      manual.advance((step % 5) * 0.4);
    }
  });

  it('a cache over it serves an entry at most `resolution` ms past its ttl, then expires it', () => {
    const { manual, counted } = countingClock(0);
    const clock = coarseClock({ resolution: 2, clock: counted });
    const cache = new LruCache<string, number>({ maxEntries: 10, ttl: 100, clock });
    cache.set('a', 1); // expires at 100
    manual.advance(99);
    expect(cache.get('a')).toBe(1); // reads the clock: 99
    manual.advance(1); // 100: expired on the exact clock, and the 2 ms reuse timer has not fired
    expect(cache.get('a')).toBe(1); // the bounded staleness this clock trades for speed
    manual.advance(1); // 101: the reuse timer fires at 101 (read at 99 + 2)
    expect(cache.get('a')).toBeUndefined();
    expect(cache.stats.expirations).toBe(1);
  });

  it('turns many hits with ttl into few clock reads', () => {
    const { counted } = countingClock();
    const cache = new LruCache<number, number>({
      maxEntries: 100,
      ttl: 60_000,
      clock: coarseClock({ clock: counted }),
    });
    for (let i = 0; i < 100; i++) cache.set(i, i);
    const before = counted.reads;
    for (let i = 0; i < 10_000; i++) cache.get(i % 100);
    expect(counted.reads - before).toBeLessThanOrEqual(10); // 10,000 hits, maxReuse 1,000
  });

  it("passes the cache's autoPurge timers to the underlying clock", () => {
    const { manual, counted } = countingClock(0);
    const removed: string[] = [];
    const cache = new LruCache<string, number>({
      maxEntries: 10,
      ttl: 50,
      autoPurge: true,
      clock: coarseClock({ clock: counted }),
      onEvict: (_v, key, reason) => removed.push(`${key}:${reason}`),
    });
    cache.set('a', 1);
    manual.advance(60);
    expect(removed).toEqual(['a:expire']);
    expect(cache.size).toBe(0);
  });

  it('over the system clock, reads real time and ends its reuse with a global timer', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const clock = coarseClock();
      const t = clock.now();
      expect(Math.abs(t - systemClock.now())).toBeLessThan(1_000);
      expect(vi.getTimerCount()).toBe(1); // the reuse timer, on the global setTimeout
      vi.advanceTimersByTime(1);
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('refuses bad options with the option and the value, building nothing', () => {
    expect(() => coarseClock({ resolution: 0 })).toThrow(/"resolution".*0/);
    expect(() => coarseClock({ resolution: Infinity })).toThrow(RangeError);
    expect(() => coarseClock({ resolution: '1' as never })).toThrow(TypeError);
    expect(() => coarseClock({ maxReuse: 0 })).toThrow(/"maxReuse".*0/);
    expect(() => coarseClock({ maxReuse: 1.5 })).toThrow(RangeError);
    expect(() => coarseClock({ clock: {} as never })).toThrow(/"clock"/);
    expect(() => coarseClock({ resolutoin: 1 } as never)).toThrow(/unknown option "resolutoin"/);
    expect(() => coarseClock(5 as never)).toThrow(TypeError);
  });
});
