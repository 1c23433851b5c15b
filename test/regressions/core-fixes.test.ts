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
