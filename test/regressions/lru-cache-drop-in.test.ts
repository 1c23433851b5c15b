// Regression tests for issue 12, LruCache side ("Drop-in everywhere"): one per thing that broke
// when lrukit was used where another cache was expected, named after what broke. Run over every
// class that shares LruCache's contract (test/shared/caches.ts): TinyLfuCache is a drop-in too.
import type { EvictionReason } from 'lrukit';
import { ManualClock } from 'lrukit/testing';
import { describe, expect, it, vi } from 'vitest';
import { CACHE_KINDS, expectStatsMatch } from '../shared/caches.js';

function recording() {
  const calls: string[] = [];
  const onEvict = (value: number, key: string, reason: EvictionReason) => {
    calls.push(`${key}=${value}:${reason}`);
  };
  return { calls, onEvict };
}

describe.each(CACHE_KINDS)('$name: regressions (issue 12)', (kind) => {
  it('set(key, value, ttl) with a number stores the entry with that ttl (keyv cached nothing)', () => {
    const clock = new ManualClock();
    const cache = kind.create<string, number>({ maxEntries: 10, clock });
    expect(cache.set('a', 1, 500)).toBe(cache);
    expect(cache.expiresIn('a')).toBe(500);
    clock.advance(499);
    expect(cache.get('a')).toBe(1);
    clock.advance(1);
    expect(cache.get('a')).toBeUndefined();
    cache.set('forever', 2, Infinity);
    expect(cache.expiresIn('forever')).toBe(Infinity);
  });

  it('a numeric ttl is checked as { ttl } is, and a sized cache still measures the value', () => {
    const cache = kind.create<string, string>({ maxSize: 10, sizeOf: (v) => v.length });
    expect(() => cache.set('a', 'x', 0)).toThrow(RangeError);
    expect(() => cache.set('a', 'x', -5)).toThrow(RangeError);
    expect(() => cache.set('a', 'x', Number.NaN)).toThrow(RangeError);
    expect(cache.size).toBe(0);
    cache.set('a', 'abcd', 1_000);
    expect(cache.totalSize).toBe(4);
    cache.set('big', 'x'.repeat(11), 1_000); // larger than maxSize: not stored
    expect(cache.has('big')).toBe(false);
  });

  it('set(key, value, undefined) is set(key, value): keyv passes an undefined ttl', () => {
    const clock = new ManualClock();
    const cache = kind.create<string, number>({ maxEntries: 10, ttl: 100, clock });
    cache.set('a', 1, undefined);
    expect(cache.expiresIn('a')).toBe(100); // the cache's default ttl
  });

  it('get(key, { allowStale: true }) is refused, not silently ignored, and counts nothing', () => {
    const cache = kind.create<string, number>({ maxEntries: 10 });
    cache.set('a', 1);
    const get = cache.get as (key: string, options: unknown) => number | undefined;
    expect(() => get.call(cache, 'a', { allowStale: true })).toThrow(
      new RegExp(
        `^lrukit: ${kind.name} get\\(key\\) takes at most 1 argument, got a 2nd argument: an object$`,
      ),
    );
    const peek = cache.peek as (key: string, options: unknown) => number | undefined;
    expect(() => peek.call(cache, 'a', { allowStale: true })).toThrow(TypeError);
    expect(cache.stats).toMatchObject({ hits: 0, misses: 0 });
  });

  it('clock: Date is accepted (lru-cache users pass perf: Date), and read at each access', () => {
    const now = vi.spyOn(Date, 'now').mockReturnValue(10_000);
    try {
      const cache = kind.create<string, number>({ maxEntries: 10, ttl: 100, clock: Date });
      cache.set('a', 1);
      now.mockReturnValue(10_099);
      expect(cache.get('a')).toBe(1);
      now.mockReturnValue(10_100);
      expect(cache.get('a')).toBeUndefined();
    } finally {
      now.mockRestore();
    }
    expect(() => kind.create({ maxEntries: 1, ttl: 5, clock: performance })).not.toThrow();
  });

  it('clear() calls onEvict least recently used first, as lru-cache disposes', () => {
    const { calls, onEvict } = recording();
    const cache = kind.create<string, number>({ maxEntries: 10, onEvict });
    cache.set('a', 1).set('b', 2).set('c', 3);
    cache.get('a');
    // TinyLfuCache: its own documented order, dump()'s (least valuable first)
    const order = cache.dump().map(([key, { value }]) => `${key}=${value}:clear`);
    cache.clear();
    if (kind.lru) expect(calls).toEqual(['b=2:clear', 'c=3:clear', 'a=1:clear']);
    expect(calls).toEqual(order);
  });

  it("an expired entry evicted to make room is reported 'expire' and counted as an expiration", () => {
    // by maxEntries (set into a full cache), by maxSize, and by resize: the same rule each way
    const clock = new ManualClock();
    const byCount = recording();
    const count = kind.create<string, number>({ maxEntries: 2, clock, onEvict: byCount.onEvict });
    const bySize = recording();
    const size = kind.create<string, number>({
      maxSize: 2,
      sizeOf: () => 1,
      clock,
      onEvict: bySize.onEvict,
    });
    const byResize = recording();
    const resized = kind.create<string, number>({
      maxEntries: 2,
      clock,
      onEvict: byResize.onEvict,
    });
    for (const cache of [count, size, resized]) cache.set('old', 1, 10).set('live', 2);
    clock.advance(10);
    count.set('new', 3);
    size.set('new', 3);
    resized.resize({ maxEntries: 1 });
    if (kind.lru) {
      expect(byCount.calls).toEqual(['old=1:expire']);
      expect(bySize.calls).toEqual(['old=1:expire']);
      expect(byResize.calls).toEqual(['old=1:expire']);
      for (const cache of [count, size, resized]) {
        expect(cache.stats).toMatchObject({ evictions: 0, expirations: 1 });
      }
    }
    // whichever entries admission lets go, the expired one is reported and counted as expired
    for (const [cache, { calls }] of [
      [count, byCount],
      [size, bySize],
      [resized, byResize],
    ] as const) {
      expect(calls).toContain('old=1:expire');
      expect(calls.filter((c) => c.startsWith('old=')).length).toBe(1);
      expect(calls.filter((c) => !c.startsWith('old=')).every((c) => c.endsWith(':evict'))).toBe(
        true,
      );
      expectStatsMatch(
        cache.stats,
        calls.map((c) => [c, c, c.slice(c.indexOf(':') + 1) as EvictionReason] as const),
      );
      expect(cache.size).toBe(cache === resized ? 1 : 2);
    }
  });
});
