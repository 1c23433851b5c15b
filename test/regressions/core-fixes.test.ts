// One regression test per bug fixed in the core, named after what broke.
import { LruCache } from 'lrukit';
import { ManualClock } from 'lrukit/testing';
import { describe, expect, it } from 'vitest';

describe('regressions', () => {
  it('maxEntrySize left at its default follows maxSize when resize grows it', () => {
    const cache = new LruCache<string, number>({ maxSize: 10, sizeOf: (v) => v });
    cache.resize({ maxSize: 100 });
    cache.set('big', 50);
    expect(cache.get('big')).toBe(50);
    // an explicit maxEntrySize stays, capped by a smaller maxSize
    const capped = new LruCache<string, number>({ maxSize: 10, maxEntrySize: 5, sizeOf: (v) => v });
    capped.resize({ maxSize: 100 });
    capped.set('big', 6);
    expect(capped.has('big')).toBe(false);
    capped.resize({ maxSize: 3 });
    capped.set('four', 4);
    expect(capped.has('four')).toBe(false);
  });

  it('load() refuses a malformed size even in a cache that ignores sizes', () => {
    const cache = new LruCache<string, number>({ maxEntries: 5 });
    expect(() => cache.load([['k', { value: 1, size: -1 }]])).toThrow(RangeError);
    expect(() => cache.load([['k', { value: 1, size: '1' as unknown as number }]])).toThrow(
      TypeError,
    );
    expect(cache.size).toBe(0);
  });

  it('totalSize stays the exact sum when a large entry pushes the total past 2^53 (issue 11)', () => {
    const big = Number.MAX_SAFE_INTEGER - 500;
    const cache = new LruCache<number, number>({
      maxSize: Number.MAX_SAFE_INTEGER,
      sizeOf: (v) => v,
    });
    for (let i = 0; i < 1_000; i++) cache.set(i, 1);
    // a new entry: the 500 least recently used entries of size 1 make room for it
    cache.set(-1, big);
    expect(cache.size).toBe(501);
    expect(cache.totalSize).toBe(Number.MAX_SAFE_INTEGER);
    cache.delete(-1);
    expect(cache.totalSize).toBe(500);
    // a replaced entry growing by almost 2^53: the old size leaves the sum before the new one enters
    for (let i = 0; i < 500; i++) cache.set(i, 1);
    expect(cache.totalSize).toBe(1_000);
    cache.set(999, big);
    expect(cache.size).toBe(501);
    expect(cache.totalSize).toBe(Number.MAX_SAFE_INTEGER);
    cache.delete(999);
    expect(cache.totalSize).toBe(500);
    expect(cache.size).toBe(500);
  });

  it('sizes that are not safe integers are refused, so totalSize cannot drift or reach Infinity (issue 11)', () => {
    // the bounds: a sum of sizes above 2^53 could not be exact
    expect(() => new LruCache({ maxSize: 2 ** 60, sizeOf: () => 1 })).toThrow(RangeError);
    expect(() => new LruCache({ maxSize: 2 ** 53 })).toThrow(
      /^lrukit: option "maxSize" must be .+, got 9007199254740992$/,
    );
    expect(() => new LruCache({ maxSize: 10.5 })).toThrow(RangeError);
    expect(() => new LruCache({ maxSize: 100, maxEntrySize: 1.5 })).toThrow(
      /^lrukit: option "maxEntrySize" must be .+, got 1.5$/,
    );
    // the entries: what used to be held as 1e308 + 1e308 = Infinity for good
    const cache = new LruCache<string, number>({
      maxSize: Number.MAX_SAFE_INTEGER,
      sizeOf: (v) => v,
    });
    cache.set('a', 1);
    for (const size of [1e308, 2 ** 53, 0.5, 1.5]) {
      expect(() => cache.set('b', size)).toThrow(RangeError);
      expect(() => cache.set('b', 0, { size })).toThrow(RangeError);
      expect(() => cache.load([['b', { value: 0, size }]])).toThrow(RangeError);
    }
    expect(() => cache.resize({ maxSize: 2 ** 53 })).toThrow(RangeError);
    expect([...cache.keys()]).toEqual(['a']);
    expect(cache.totalSize).toBe(1);
    expect(cache.maxSize).toBe(Number.MAX_SAFE_INTEGER);
  });
});

describe('dump/load keeps "never expires" in a cache with a default ttl', () => {
  it('an entry set with ttl: Infinity comes back never expiring, through JSON', () => {
    const clock = new ManualClock();
    const cache = new LruCache<string, number>({ maxEntries: 10, ttl: 100, clock });
    cache.set('forever', 1, { ttl: Infinity });
    cache.set('default', 2);
    const snapshot = JSON.parse(JSON.stringify(cache.dump()));
    expect(snapshot).toEqual([
      ['forever', { value: 1, ttl: null }],
      ['default', { value: 2, ttl: 100 }],
    ]);
    const copy = new LruCache<string, number>({ maxEntries: 10, ttl: 100, clock });
    copy.load(snapshot);
    clock.advance(1_000);
    expect(copy.get('forever')).toBe(1);
    expect(copy.get('default')).toBeUndefined();
    expect(copy.expiresIn('forever')).toBe(Infinity);
  });
});
