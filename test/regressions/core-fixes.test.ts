// One regression test per bug fixed in the core, named after what broke; run over every class
// that shares LruCache's contract (test/shared/caches.ts), where the bug could live in either.
import { ManualClock } from 'lrukit/testing';
import { describe, expect, it } from 'vitest';
import { CACHE_KINDS, expectConsistent, recording } from '../shared/caches.js';

describe.each(CACHE_KINDS)('$name: regressions', (kind) => {
  it('maxEntrySize left at its default follows maxSize when resize grows it', () => {
    const cache = kind.create<string, number>({ maxSize: 10, sizeOf: (v) => v });
    cache.resize({ maxSize: 100 });
    cache.set('big', 50);
    expect(cache.get('big')).toBe(50);
    // an explicit maxEntrySize stays, capped by a smaller maxSize
    const capped = kind.create<string, number>({
      maxSize: 10,
      maxEntrySize: 5,
      sizeOf: (v) => v,
    });
    capped.resize({ maxSize: 100 });
    capped.set('big', 6);
    expect(capped.has('big')).toBe(false);
    capped.resize({ maxSize: 3 });
    capped.set('four', 4);
    expect(capped.has('four')).toBe(false);
  });

  it('load() refuses a malformed size even in a cache that ignores sizes', () => {
    const cache = kind.create<string, number>({ maxEntries: 5 });
    expect(() => cache.load([['k', { value: 1, size: -1 }]])).toThrow(RangeError);
    expect(() => cache.load([['k', { value: 1, size: '1' as unknown as number }]])).toThrow(
      TypeError,
    );
    expect(cache.size).toBe(0);
  });

  it('totalSize stays the exact sum when a large entry pushes the total past 2^53 (issue 11)', () => {
    const big = Number.MAX_SAFE_INTEGER - 500;
    const { evicted, onEvict } = recording<number, number>();
    const cache = kind.create<number, number>({
      maxSize: Number.MAX_SAFE_INTEGER,
      sizeOf: (v) => v,
      onEvict,
    });
    for (let i = 0; i < 1_000; i++) cache.set(i, 1);
    // a new entry: the 500 least recently used entries of size 1 make room for it
    cache.set(-1, big);
    if (kind.lru) {
      expect(cache.size).toBe(501);
      expect(cache.totalSize).toBe(Number.MAX_SAFE_INTEGER);
    } else {
      // TinyLfuCache may refuse it admission instead: either way the sum stays exact
      expect(cache.has(-1) || evicted.some(([k, , r]) => k === -1 && r === 'evict')).toBe(true);
    }
    expectConsistent(cache);
    cache.delete(-1);
    expectConsistent(cache);
    if (kind.lru) expect(cache.totalSize).toBe(500);
    // a replaced entry growing by almost 2^53: the old size leaves the sum before the new one enters
    for (let i = 0; i < 500; i++) cache.set(i, 1);
    if (kind.lru) expect(cache.totalSize).toBe(1_000);
    expectConsistent(cache);
    const key = [...cache.keys()][0]!;
    cache.set(key, big);
    if (kind.lru) {
      expect(cache.size).toBe(501);
      expect(cache.totalSize).toBe(Number.MAX_SAFE_INTEGER);
    }
    expectConsistent(cache);
    const before = cache.size;
    const held = cache.delete(key);
    expectConsistent(cache);
    expect(cache.size).toBe(held ? before - 1 : before);
    if (kind.lru) {
      expect(cache.totalSize).toBe(500);
      expect(cache.size).toBe(500);
    }
  });

  it('sizes that are not safe integers are refused, so totalSize cannot drift or reach Infinity (issue 11)', () => {
    // the bounds: a sum of sizes above 2^53 could not be exact
    expect(() => kind.create({ maxSize: 2 ** 60, sizeOf: () => 1 })).toThrow(RangeError);
    expect(() => kind.create({ maxSize: 2 ** 53 })).toThrow(
      /^lrukit: option "maxSize" must be .+, got 9007199254740992$/,
    );
    expect(() => kind.create({ maxSize: 10.5 })).toThrow(RangeError);
    expect(() => kind.create({ maxSize: 100, maxEntrySize: 1.5 })).toThrow(
      /^lrukit: option "maxEntrySize" must be .+, got 1.5$/,
    );
    // the entries: what used to be held as 1e308 + 1e308 = Infinity for good
    const cache = kind.create<string, number>({
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

  it('totalSize stays exact when storage grows while a new key is stored (TinyLfuCache, issue 13)', () => {
    // the 17th entry needs more storage than the first 16 slots: its size went to the old column,
    // so totalSize kept 10 after it left, and the cache could hold nothing of size > 0 any more
    const cache = kind.create<string | number, number>({ maxSize: 10 });
    for (let i = 0; i < 16; i++) cache.set(i, i, { size: 0 });
    cache.set('x', 1, { size: 5 }); // the 17th slot: storage grows
    expect(cache.totalSize).toBe(5);
    expectConsistent(cache);
    cache.delete('x');
    expect(cache.totalSize).toBe(0);
    cache.set('y', 2, { size: 1 });
    expect(cache.get('y')).toBe(2);
    for (let i = 16; i < 40; i++) cache.set(i, i, { size: 0 }); // grows again
    expect(cache.totalSize).toBe(1);
    expectConsistent(cache);
  });
});

describe.each(CACHE_KINDS)(
  '$name: dump/load keeps "never expires" in a cache with a default ttl',
  (kind) => {
    it('an entry set with ttl: Infinity comes back never expiring, through JSON', () => {
      const clock = new ManualClock();
      const cache = kind.create<string, number>({ maxEntries: 10, ttl: 100, clock });
      cache.set('forever', 1, { ttl: Infinity });
      cache.set('default', 2);
      const snapshot = JSON.parse(JSON.stringify(cache.dump()));
      const expected = [
        ['forever', { value: 1, ttl: null }],
        ['default', { value: 2, ttl: 100 }],
      ];
      if (kind.lru) expect(snapshot).toEqual(expected);
      else expect(new Map(snapshot)).toEqual(new Map(expected as never));
      const copy = kind.create<string, number>({ maxEntries: 10, ttl: 100, clock });
      copy.load(snapshot);
      clock.advance(1_000);
      expect(copy.get('forever')).toBe(1);
      expect(copy.get('default')).toBeUndefined();
      expect(copy.expiresIn('forever')).toBe(Infinity);
    });
  },
);
