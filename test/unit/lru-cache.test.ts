/**
 * The synchronous core's unit tests, run over every class that shares `LruCache`'s contract
 * (test/shared/caches.ts): `LruCache` and `TinyLfuCache` (with a fixed seed). Where admission
 * changes the outcome (the order of iteration, which key is evicted, whether a `set` is kept), a
 * test asserts the exact LRU result for `LruCache` and the invariants for `TinyLfuCache`: both
 * bounds hold, every key written is readable or was reported evicted (reason `'evict'`), stats
 * add up.
 */

import { ManualClock } from 'lrukit/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  CACHE_KINDS,
  expectAccountedFor,
  expectConsistent,
  expectEntries,
  expectKeys,
  expectStatsMatch,
  recording,
} from '../shared/caches.js';

describe.each(CACHE_KINDS)('$name: recency and the entry-count bound', (kind) => {
  it('evicts the least recently used entry, and get() refreshes recency', () => {
    const { evicted, onEvict } = recording<string, number>();
    const cache = kind.create<string, number>({ maxEntries: 3, onEvict });
    cache.set('a', 1).set('b', 2).set('c', 3);
    expect(cache.get('a')).toBe(1);
    cache.set('d', 4);
    expect(cache.size).toBe(3);
    expect(cache.maxEntries).toBe(3);
    expect(cache.maxSize).toBe(Infinity);
    if (kind.lru) {
      expect([...cache.keys()]).toEqual(['d', 'a', 'c']);
      expect(evicted).toEqual([['b', 2, 'evict']]);
    } else {
      // one of the four was evicted (maybe 'd', refused admission), the other three are held
      expect(evicted).toHaveLength(1);
      expect(evicted[0]![2]).toBe('evict');
      expectConsistent(cache);
      expectAccountedFor(
        cache,
        [
          ['a', 1],
          ['b', 2],
          ['c', 3],
          ['d', 4],
        ],
        evicted,
      );
    }
  });

  it('set() on an existing key updates in place and makes it most recent', () => {
    const { evicted, onEvict } = recording<string, number>();
    const cache = kind.create<string, number>({ maxEntries: 2, onEvict });
    cache.set('a', 1).set('b', 2).set('a', 10);
    expectEntries(kind, cache, [
      ['a', 10],
      ['b', 2],
    ]);
    expect(evicted).toEqual([['a', 1, 'set']]);
    cache.set('a', 10); // same value: nothing to dispose
    expect(evicted).toHaveLength(1);
    cache.set('c', 3);
    if (kind.lru) {
      expect([...cache.keys()]).toEqual(['c', 'a']);
    } else {
      expect(evicted).toHaveLength(2);
      expect(evicted[1]![2]).toBe('evict');
      expectConsistent(cache);
      expectAccountedFor(
        cache,
        [
          ['a', 10],
          ['b', 2],
          ['c', 3],
        ],
        evicted,
      );
    }
  });

  it('peek() and has() never change recency or stats', () => {
    const cache = kind.create<string, number>({ maxEntries: 2 });
    cache.set('a', 1).set('b', 2);
    const order = [...cache.keys()];
    expect(cache.peek('a')).toBe(1);
    expect(cache.has('a')).toBe(true);
    expect(cache.has('zz')).toBe(false);
    expect(cache.peek('zz')).toBeUndefined();
    expect([...cache.keys()]).toEqual(order);
    if (kind.lru) {
      cache.set('c', 3);
      expect(cache.has('a')).toBe(false);
    }
    expect(cache.stats).toMatchObject({ hits: 0, misses: 0 });
  });

  it('a cache of one entry keeps only the latest', () => {
    const cache = kind.create<number, number>({ maxEntries: 1 });
    for (let i = 0; i < 100; i++) cache.set(i, i);
    expect([...cache.entries()]).toEqual([[99, 99]]);
    expect(cache.get(98)).toBeUndefined();
  });

  it('accepts any Map key: NaN, -0/0, "__proto__", objects by identity', () => {
    const cache = kind.create<unknown, string>({ maxEntries: 10 });
    const obj = { id: 1 };
    cache.set(Number.NaN, 'nan').set('__proto__', 'proto').set(obj, 'obj').set(-0, 'zero');
    expect(cache.get(Number.NaN)).toBe('nan');
    expect(cache.get('__proto__')).toBe('proto');
    expect(cache.get(obj)).toBe('obj');
    expect(cache.get({ id: 1 })).toBeUndefined();
    expect(cache.get(0)).toBe('zero'); // SameValueZero, as Map
    const zeros = [...cache.keys()].filter((k) => k === 0);
    expect(zeros).toHaveLength(1);
    expect(Object.is(zeros[0], 0)).toBe(true); // -0 comes back as 0, as from a Map
    expect(cache.size).toBe(4);
    expect(Object.getPrototypeOf({})).toBe(Object.prototype);
  });

  it('stores undefined and null as values, told apart from a miss by has()', () => {
    const cache = kind.create<string, unknown>({ maxEntries: 10 });
    cache.set('u', undefined).set('n', null);
    expect(cache.has('u')).toBe(true);
    expect(cache.get('u')).toBeUndefined();
    expect(cache.get('n')).toBeNull();
    expect(cache.stats).toMatchObject({ hits: 2, misses: 0 });
    expectEntries(kind, cache, [
      ['n', null],
      ['u', undefined],
    ]);
  });

  it('delete() removes, returns whether it did, and frees the slot for reuse', () => {
    const { evicted, onEvict } = recording<string, number>();
    const cache = kind.create<string, number>({ maxEntries: 3, onEvict });
    cache.set('a', 1).set('b', 2).set('c', 3);
    expect(cache.delete('b')).toBe(true);
    expect(cache.delete('b')).toBe(false);
    expect(cache.delete('head-missing')).toBe(false);
    expect(cache.delete('c')).toBe(true); // the head
    expect(cache.delete('a')).toBe(true); // the last one
    expect(cache.size).toBe(0);
    expect(cache.stats.deletes).toBe(3);
    expect(evicted.map(([k, , r]) => `${k}:${r}`)).toEqual(['b:delete', 'c:delete', 'a:delete']);
    cache.set('x', 1).set('y', 2).set('z', 3).set('w', 4);
    expect(cache.size).toBe(3);
    expect(evicted).toHaveLength(4);
    if (kind.lru) {
      expect([...cache.keys()]).toEqual(['w', 'z', 'y']);
      expect(evicted[3]).toEqual(['x', 1, 'evict']);
    } else {
      expect(evicted[3]![2]).toBe('evict');
      expectConsistent(cache);
      expectAccountedFor(
        cache,
        [
          ['x', 1],
          ['y', 2],
          ['z', 3],
          ['w', 4],
        ],
        evicted,
      );
    }
  });

  it('clear() removes everything with reason "clear", least recently used first (dump order), and the cache is reusable', () => {
    const { evicted, onEvict } = recording<string, number>();
    const cache = kind.create<string, number>({ maxEntries: 3, onEvict });
    cache.set('a', 1).set('b', 2);
    cache.get('a');
    const dumped = cache.dump().map(([k]) => k);
    cache.clear();
    expect(cache.size).toBe(0);
    expect([...cache.keys()]).toEqual([]);
    expect(evicted.map(([k, v, r]) => [k, v, r])).toEqual(
      dumped.map((k) => [k, k === 'a' ? 1 : 2, 'clear']),
    );
    if (kind.lru) expect(dumped).toEqual(['b', 'a']);
    evicted.length = 0;
    cache.set('c', 3).set('d', 4).set('e', 5).set('f', 6);
    if (kind.lru) expect([...cache.keys()]).toEqual(['f', 'e', 'd']);
    expect(cache.size).toBe(3);
    expectAccountedFor(
      cache,
      [
        ['c', 3],
        ['d', 4],
        ['e', 5],
        ['f', 6],
      ],
      evicted,
    );
  });

  it('grows storage past its initial capacity and keeps order', () => {
    const { evicted, onEvict } = recording<number, number>();
    const cache = kind.create<number, number>({ maxEntries: 1000, onEvict });
    const written: Array<[number, number]> = [];
    for (let i = 0; i < 1500; i++) {
      cache.set(i, i * 2);
      written.push([i, i * 2]);
    }
    expect(cache.size).toBe(1000);
    expect(evicted).toHaveLength(500);
    expectAccountedFor(cache, written, evicted);
    if (kind.lru) {
      expect(cache.get(499)).toBeUndefined();
      expect(cache.get(500)).toBe(1000);
      const keys = [...cache.keys()];
      expect(keys[0]).toBe(500);
      expect(keys[1]).toBe(1499);
      expect(keys.at(-1)).toBe(501);
    } else {
      expectConsistent(cache);
    }
  });

  it('with room for every key, nothing is evicted and every set is kept (no admission before full)', () => {
    const { evicted, onEvict } = recording<number, number>();
    const cache = kind.create<number, number>({ maxEntries: 1500, onEvict });
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 1500; i++) {
        cache.set(i, i + round);
        expect(cache.get(i)).toBe(i + round);
      }
    }
    expect(cache.size).toBe(1500);
    expect(evicted.every(([, , reason]) => reason === 'set')).toBe(true);
    expect(cache.stats).toMatchObject({ hits: 4500, misses: 0, evictions: 0, sets: 4500 });
  });
});

describe.each(CACHE_KINDS)('$name: the size bound', (kind) => {
  it('evicts least recently used entries until the total size fits', () => {
    const { evicted, onEvict } = recording<string, string>();
    const cache = kind.create<string, string>({ maxSize: 10, sizeOf: (v) => v.length, onEvict });
    cache.set('a', 'aaaa').set('b', 'bbbb');
    expect(cache.totalSize).toBe(8);
    cache.set('c', 'cccccc');
    const written: Array<[string, string]> = [
      ['a', 'aaaa'],
      ['b', 'bbbb'],
      ['c', 'cccccc'],
    ];
    if (kind.lru) {
      expect([...cache.keys()]).toEqual(['c', 'b']);
      expect(cache.totalSize).toBe(10);
      expect(evicted).toEqual([['a', 'aaaa', 'evict']]);
    }
    expectConsistent(cache);
    expectAccountedFor(cache, written, evicted);
    if (cache.has('b')) {
      const before = cache.totalSize;
      cache.set('b', 'b'); // shrinking an entry updates the total
      expect(cache.totalSize).toBe(before - 3);
      written.push(['b', 'b']);
    }
    cache.set('d', 'dddddddddd'); // exactly maxSize: everything else goes
    written.push(['d', 'dddddddddd']);
    if (kind.lru) {
      expect([...cache.keys()]).toEqual(['d']);
      expect(cache.totalSize).toBe(10);
    }
    expectConsistent(cache);
    expectAccountedFor(cache, written, evicted);
    expectStatsMatch(cache.stats, evicted);
  });

  it('takes a per-set size instead of sizeOf, and sizeOf gets (value, key)', () => {
    const sizeOf = vi.fn((v: number, k: string) => v + k.length);
    const cache = kind.create<string, number>({ maxSize: 100, sizeOf });
    cache.set('ab', 3);
    cache.set('c', 1, { size: 50 });
    expect(sizeOf).toHaveBeenCalledTimes(1);
    expect(sizeOf).toHaveBeenCalledWith(3, 'ab');
    expect(cache.totalSize).toBe(55);
  });

  it('does not store an entry larger than maxEntrySize, and removes the old one (reason "set")', () => {
    const { evicted, onEvict } = recording<string, number>();
    const cache = kind.create<string, number>({
      maxSize: 100,
      maxEntrySize: 10,
      sizeOf: (v) => v,
      onEvict,
    });
    cache.set('a', 5).set('b', 5);
    expect(cache.set('a', 11)).toBe(cache);
    expect(cache.has('a')).toBe(false);
    expect(cache.totalSize).toBe(5);
    expect(evicted).toEqual([['a', 5, 'set']]);
    cache.set('z', 50);
    expect(cache.has('z')).toBe(false);
    expect(evicted).toHaveLength(1); // never stored: no callback
    expect(cache.stats.sets).toBe(2);
  });

  it('maxEntrySize defaults to maxSize; zero-size entries are allowed', () => {
    const { evicted, onEvict } = recording<string, number>();
    const cache = kind.create<string, number>({ maxSize: 10, sizeOf: (v) => v, onEvict });
    cache.set('big', 11);
    expect(cache.has('big')).toBe(false);
    expect(evicted).toEqual([]); // too large for maxEntrySize: never stored
    cache.set('zero', 0).set('ten', 10);
    if (kind.lru) {
      expect([...cache.keys()]).toEqual(['ten', 'zero']);
    } else {
      // an entry as large as the whole cache may be refused admission: reported, never lost
      expectConsistent(cache);
      expectAccountedFor(
        cache,
        [
          ['zero', 0],
          ['ten', 10],
        ],
        evicted,
      );
      expect(cache.has('zero')).toBe(true);
    }
  });

  it('holds both bounds at once', () => {
    const { evicted, onEvict } = recording<number, number>();
    const cache = kind.create<number, number>({
      maxEntries: 3,
      maxSize: 10,
      sizeOf: () => 2,
      onEvict,
    });
    for (let i = 0; i < 5; i++) cache.set(i, i);
    if (kind.lru) expect([...cache.keys()]).toEqual([4, 3, 2]);
    expect(cache.size).toBe(3);
    expect(cache.totalSize).toBe(6);
    cache.set(9, 9, { size: 9 });
    if (kind.lru) expect([...cache.keys()]).toEqual([9]);
    expectConsistent(cache);
    expectAccountedFor(
      cache,
      [0, 1, 2, 3, 4, 9].map((i) => [i, i]),
      evicted,
    );
  });

  it('sizes are safe integers: fractional sizes are refused, and the total is exact', () => {
    expect(() => kind.create<number, number>({ maxSize: 1.5 })).toThrow(RangeError);
    const cache = kind.create<number, number>({ maxSize: 10, sizeOf: (v) => v });
    expect(() => cache.set(1, 0.1)).toThrow(
      /^lrukit: the result of option "sizeOf" must be .+, got 0\.1$/,
    );
    expect(() => cache.set(1, 1, { size: 0.1 })).toThrow(RangeError);
    expect(cache.size).toBe(0);
    for (let i = 0; i < 100; i++) cache.set(i, i % 3);
    expect(cache.totalSize).toBe([...cache.values()].reduce((a, b) => a + b, 0));
    for (const key of [...cache.keys()]) cache.delete(key);
    expect(cache.totalSize).toBe(0);
  });

  it('totalSize is 0 for a count-only cache', () => {
    const cache = kind.create<number, number>({ maxEntries: 3 });
    cache.set(1, 1);
    expect(cache.totalSize).toBe(0);
  });
});

describe.each(CACHE_KINDS)('$name: ttl', (kind) => {
  it('an entry written at t with ttl d is fresh while now < t + d, expired from t + d', () => {
    const clock = new ManualClock(1_000);
    const { evicted, onEvict } = recording<string, number>();
    const cache = kind.create<string, number>({ maxEntries: 10, ttl: 100, clock, onEvict });
    cache.set('a', 1);
    clock.advance(99.999);
    expect(cache.has('a')).toBe(true);
    expect(cache.get('a')).toBe(1);
    clock.advance(0.001);
    expect(cache.has('a')).toBe(false);
    expect(cache.peek('a')).toBeUndefined();
    expect(cache.size).toBe(1); // peek and has do not remove
    expect(cache.get('a')).toBeUndefined();
    expect(cache.size).toBe(0);
    expect(evicted).toEqual([['a', 1, 'expire']]);
    expect(cache.stats).toMatchObject({ hits: 1, misses: 1, expirations: 1 });
  });

  it('per-entry ttl overrides the default; Infinity never expires', () => {
    const clock = new ManualClock();
    const cache = kind.create<string, number>({ maxEntries: 10, ttl: 100, clock });
    cache.set('short', 1, { ttl: 10 }).set('forever', 2, { ttl: Infinity }).set('default', 3);
    expect(cache.expiresIn('short')).toBe(10);
    expect(cache.expiresIn('forever')).toBe(Infinity);
    expect(cache.expiresIn('default')).toBe(100);
    expect(cache.expiresIn('missing')).toBeUndefined();
    clock.advance(1e12);
    expect([...cache.keys()]).toEqual(['forever']);
    expect(cache.expiresIn('short')).toBeUndefined();
  });

  it('per-entry ttl works in a cache without a default ttl', () => {
    const clock = new ManualClock();
    const cache = kind.create<string, number>({ maxEntries: 10, clock });
    cache.set('a', 1).set('b', 2, { ttl: 5 });
    expect(cache.expiresIn('a')).toBe(Infinity);
    clock.advance(5);
    expect([...cache.keys()]).toEqual(['a']);
  });

  it('set() on an existing key restarts its ttl', () => {
    const clock = new ManualClock();
    const cache = kind.create<string, number>({ maxEntries: 10, ttl: 100, clock });
    cache.set('a', 1);
    clock.advance(60);
    cache.set('a', 2);
    clock.advance(60);
    expect(cache.get('a')).toBe(2);
    cache.set('a', 3, { ttl: Infinity });
    clock.advance(1e9);
    expect(cache.get('a')).toBe(3);
  });

  it('updateAgeOnGet: a hit restarts the ttl; peek and has do not', () => {
    const clock = new ManualClock();
    const cache = kind.create<string, number>({
      maxEntries: 10,
      ttl: 100,
      updateAgeOnGet: true,
      clock,
    });
    cache.set('a', 1).set('b', 2, { ttl: 30 });
    for (let i = 0; i < 5; i++) {
      clock.advance(90);
      expect(cache.peek('a')).toBe(1);
      expect(cache.get('a')).toBe(1);
    }
    expect(cache.has('b')).toBe(false);
    clock.advance(20);
    expect(cache.has('a')).toBe(true);
    expect(cache.expiresIn('a')).toBe(80);
  });

  it('without updateAgeOnGet, a hit does not extend the ttl', () => {
    const clock = new ManualClock();
    const cache = kind.create<string, number>({ maxEntries: 10, ttl: 100, clock });
    cache.set('a', 1);
    clock.advance(90);
    expect(cache.get('a')).toBe(1);
    clock.advance(10);
    expect(cache.get('a')).toBeUndefined();
  });

  it('prune() removes expired entries now and returns how many', () => {
    const clock = new ManualClock();
    const { evicted, onEvict } = recording<number, number>();
    const cache = kind.create<number, number>({ maxEntries: 10, clock, onEvict });
    expect(cache.prune()).toBe(0);
    for (let i = 0; i < 6; i++) cache.set(i, i, { ttl: i % 2 === 0 ? 10 : 20 });
    clock.advance(10);
    expect(cache.prune()).toBe(3);
    expect(cache.size).toBe(3);
    expect(evicted.map(([k, , r]) => `${k}:${r}`).sort()).toEqual([
      '0:expire',
      '2:expire',
      '4:expire',
    ]);
    expect(cache.stats.expirations).toBe(3);
  });

  it('making room evicts an expired least-recent entry with reason "expire"', () => {
    const clock = new ManualClock();
    const { evicted, onEvict } = recording<string, number>();
    const cache = kind.create<string, number>({ maxEntries: 2, clock, onEvict });
    cache.set('old', 1, { ttl: 5 }).set('b', 2);
    clock.advance(5);
    cache.set('c', 3);
    cache.set('d', 4);
    if (kind.lru) {
      expect(evicted).toEqual([
        ['old', 1, 'expire'],
        ['b', 2, 'evict'],
      ]);
      expect(cache.stats).toMatchObject({ evictions: 1, expirations: 1 });
    } else {
      // whichever entries go, the expired one is reported as expired, never as evicted
      expect(evicted.filter(([k]) => k === 'old')).toEqual([['old', 1, 'expire']]);
      expect(evicted.filter(([k]) => k !== 'old').every(([, , r]) => r === 'evict')).toBe(true);
      expectConsistent(cache);
      expectAccountedFor(
        cache,
        [
          ['b', 2],
          ['c', 3],
          ['d', 4],
        ],
        evicted,
      );
    }
    expectStatsMatch(cache.stats, evicted);
  });

  it('set() over an expired entry reports the old value as expired, not replaced', () => {
    const clock = new ManualClock();
    const { evicted, onEvict } = recording<string, number>();
    const cache = kind.create<string, number>({ maxEntries: 2, ttl: 5, clock, onEvict });
    cache.set('a', 1);
    clock.advance(5);
    cache.set('a', 2);
    expect(evicted).toEqual([['a', 1, 'expire']]);
    expect(cache.stats.expirations).toBe(1);
    cache.set('a', 3);
    expect(evicted.at(-1)).toEqual(['a', 2, 'set']);
  });

  it('delete() of an expired entry removes it (reason "expire") and returns false', () => {
    const clock = new ManualClock();
    const { evicted, onEvict } = recording<string, number>();
    const cache = kind.create<string, number>({ maxEntries: 2, ttl: 5, clock, onEvict });
    cache.set('a', 1);
    clock.advance(5);
    expect(cache.delete('a')).toBe(false);
    expect(cache.size).toBe(0);
    expect(evicted).toEqual([['a', 1, 'expire']]);
  });

  it('never reads the clock while no entry has a ttl', () => {
    const now = vi.fn(() => 0);
    const cache = kind.create<string, number>({ maxEntries: 2, clock: { now } });
    cache.set('a', 1).set('b', 2).set('c', 3);
    cache.get('b');
    cache.get('x');
    cache.peek('c');
    cache.has('c');
    cache.delete('c');
    cache.expiresIn('b');
    cache.prune();
    [...cache.entries()];
    cache.dump();
    cache.resize({ maxEntries: 1 });
    cache.load([['l', { value: 1 }]]);
    cache.clear();
    expect(now).not.toHaveBeenCalled();
    cache.set('t', 1, { ttl: Infinity });
    expect(now).not.toHaveBeenCalled();
    cache.set('t', 1, { ttl: 10 });
    expect(now).toHaveBeenCalled();
  });
});

describe.each(CACHE_KINDS)('$name: the default clock', (kind) => {
  const realPerformance = globalThis.performance;
  afterEach(() => {
    Object.defineProperty(globalThis, 'performance', {
      value: realPerformance,
      configurable: true,
    });
  });

  it('looks up performance.now() at every read (never captured, never cached)', () => {
    let time = 5_000;
    const cache = kind.create<string, number>({ maxEntries: 2, ttl: 10 });
    Object.defineProperty(globalThis, 'performance', {
      value: { now: () => time },
      configurable: true,
    });
    cache.set('a', 1);
    time += 9;
    expect(cache.get('a')).toBe(1);
    time += 1;
    expect(cache.get('a')).toBeUndefined();
  });

  it('falls back to Date.now() where performance does not exist', () => {
    Object.defineProperty(globalThis, 'performance', { value: undefined, configurable: true });
    const spy = vi.spyOn(Date, 'now').mockReturnValue(100);
    try {
      const cache = kind.create<string, number>({ maxEntries: 2, ttl: 10 });
      cache.set('a', 1);
      spy.mockReturnValue(110);
      expect(cache.has('a')).toBe(false);
    } finally {
      spy.mockRestore();
    }
  });
});

describe.each(CACHE_KINDS)('$name: autoPurge', (kind) => {
  it('removes expired entries without being touched, with one timer at most', () => {
    const clock = new ManualClock();
    const { evicted, onEvict } = recording<number, number>();
    const cache = kind.create<number, number>({
      maxEntries: 100,
      ttl: 100,
      autoPurge: true,
      clock,
      onEvict,
    });
    for (let i = 0; i < 50; i++) {
      cache.set(i, i, { ttl: 100 + i });
      expect(clock.pendingTimers).toBe(1);
    }
    cache.set(99, 99, { ttl: 10 }); // earlier than the armed expiry: re-armed, still one timer
    expect(clock.pendingTimers).toBe(1);
    clock.advance(10);
    expect(cache.size).toBe(50);
    expect(evicted).toEqual([[99, 99, 'expire']]);
    clock.advance(90);
    expect(cache.size).toBe(49);
    clock.advance(1000);
    expect(cache.size).toBe(0);
    expect(clock.pendingTimers).toBe(0); // nothing can expire: no timer
  });

  it('arms no timer for entries that never expire, and disarms on clear and last delete', () => {
    const clock = new ManualClock();
    const cache = kind.create<string, number>({ maxEntries: 10, autoPurge: true, clock });
    cache.set('a', 1);
    expect(clock.pendingTimers).toBe(0);
    cache.set('b', 2, { ttl: 50 });
    expect(clock.pendingTimers).toBe(1);
    cache.clear();
    expect(clock.pendingTimers).toBe(0);
    cache.set('c', 3, { ttl: 50 });
    cache.delete('c');
    expect(clock.pendingTimers).toBe(0);
    cache.set('d', 4, { ttl: 50 }).set('e', 5);
    clock.advance(50);
    expect([...cache.keys()]).toEqual(['e']);
    expect(cache.size).toBe(1);
    expect(clock.pendingTimers).toBe(0);
  });

  it('uses an unref’d global timer with the system clock', () => {
    const spy = vi.spyOn(globalThis, 'setTimeout');
    try {
      const cache = kind.create<string, number>({ maxEntries: 10, ttl: 60_000, autoPurge: true });
      cache.set('a', 1).set('b', 2);
      expect(spy).toHaveBeenCalledTimes(1);
      const timer: unknown = spy.mock.results[0]?.value;
      if (typeof process !== 'undefined' && process.versions?.node) {
        // Node: a Timeout object, unref'd so a pending purge never holds the process open
        expect((timer as NodeJS.Timeout).hasRef()).toBe(false);
      } else {
        // browsers: a plain timer id, nothing to unref
        expect(typeof timer).toBe('number');
      }
      cache.clear();
    } finally {
      spy.mockRestore();
    }
  });

  it('without autoPurge no timer is ever armed', () => {
    const clock = new ManualClock();
    const cache = kind.create<string, number>({ maxEntries: 10, ttl: 5, clock });
    cache.set('a', 1);
    expect(clock.pendingTimers).toBe(0);
    clock.advance(10);
    expect(cache.size).toBe(1);
  });
});

describe.each(CACHE_KINDS)('$name: onEvict', (kind) => {
  it('runs after the state change, so the callback sees the new state and may write', () => {
    const seen: Array<[string, boolean, number, string[]]> = [];
    const cache = kind.create<string, number>({
      maxEntries: 2,
      onEvict: (value, key, reason) => {
        seen.push([key, cache.has(key), cache.size, [...cache.keys()]]);
        if (reason === 'evict' && key.length === 1) cache.set(`${key}-again`, value); // re-entrant write
      },
    });
    cache.set('a', 1).set('b', 2).set('c', 3);
    if (kind.lru) {
      expect(seen[0]).toEqual(['a', false, 2, ['c', 'b']]);
      // 'a-again' evicted 'b', whose callback wrote 'b-again', evicting 'c', which wrote 'c-again'
      expect(seen.map((s) => s[0])).toEqual(['a', 'b', 'c', 'a-again']);
      expect([...cache.keys()]).toEqual(['c-again', 'b-again']);
    } else {
      // every callback saw its key gone and the cache full (the operation had finished)
      expect(seen.length).toBeGreaterThan(0);
      for (const [key, has, size, keys] of seen) {
        expect(has).toBe(false);
        expect(size).toBe(2);
        expect(keys).not.toContain(key);
      }
      // each evicted one-letter key was written again, and every key is held or was evicted
      const evictedKeys = seen.map(([key]) => key);
      const written: Array<[string, number]> = [
        ['a', 1],
        ['b', 2],
        ['c', 3],
      ];
      for (const key of evictedKeys) if (key.length === 1) written.push([`${key}-again`, 0]);
      const held = [...cache.keys()];
      expect(new Set([...held, ...evictedKeys])).toEqual(new Set(written.map(([k]) => k)));
      expectConsistent(cache);
    }
    expect(cache.size).toBe(2);
  });

  it('when callbacks throw, every one still runs and the first error is rethrown', () => {
    const calls: string[] = [];
    const cache = kind.create<string, number>({
      maxEntries: 5,
      onEvict: (_v, key) => {
        calls.push(key);
        throw new Error(`boom ${key}`);
      },
    });
    cache.set('a', 1).set('b', 2).set('c', 3);
    const order = cache.dump().map(([key]) => key); // clear() goes in dump order
    if (kind.lru) expect(order).toEqual(['a', 'b', 'c']);
    expect(() => cache.clear()).toThrow(`boom ${order[0]}`);
    expect(calls).toEqual(order);
    expect(cache.size).toBe(0);
    cache.set('d', 4);
    expect(() => cache.set('d', 5)).toThrow('boom d');
    expect(cache.get('d')).toBe(5); // the set itself happened
  });

  it('a throwing callback during eviction leaves the cache consistent', () => {
    const evictedKeys: number[] = [];
    const cache = kind.create<number, number>({
      maxEntries: 2,
      onEvict: (_v, key) => {
        evictedKeys.push(key);
        throw new Error('nope');
      },
    });
    cache.set(1, 1).set(2, 2);
    expect(() => cache.set(3, 3)).toThrow('nope');
    expect(cache.size).toBe(2);
    expect(evictedKeys).toHaveLength(1);
    if (kind.lru) {
      expect([...cache.keys()]).toEqual([3, 2]);
      cache.set(2, 2);
      expect(cache.get(3)).toBe(3);
    } else {
      expectConsistent(cache);
      expect(new Set([...cache.keys(), ...evictedKeys])).toEqual(new Set([1, 2, 3]));
      for (const key of cache.keys()) expect(cache.get(key)).toBe(key);
    }
  });
});

describe.each(CACHE_KINDS)('$name: iteration', (kind) => {
  it('keys/values/entries/iterator/forEach agree, most to least recent, without touching recency', () => {
    const cache = kind.create<string, number>({ maxEntries: 5 });
    cache.set('a', 1).set('b', 2).set('c', 3);
    cache.get('a');
    const entries = [...cache.entries()];
    if (kind.lru) {
      expect(entries).toEqual([
        ['a', 1],
        ['c', 3],
        ['b', 2],
      ]);
    } else {
      expect(new Map(entries)).toEqual(
        new Map([
          ['a', 1],
          ['b', 2],
          ['c', 3],
        ]),
      );
    }
    expect([...cache.keys()]).toEqual(entries.map(([k]) => k));
    expect([...cache.values()]).toEqual(entries.map(([, v]) => v));
    expect([...cache]).toEqual(entries);
    const each: unknown[] = [];
    const self = {};
    cache.forEach(function (this: unknown, value, key, c) {
      each.push([key, value, c === cache, this === self]);
    }, self);
    expect(each).toEqual(entries.map(([k, v]) => [k, v, true, true]));
    expect([...cache.entries()]).toEqual(entries);
    expect(cache.dump().map(([k]) => k)).toEqual(entries.map(([k]) => k).reverse());
    expect(cache.stats.hits).toBe(1);
    expect(Object.prototype.toString.call(cache)).toBe(`[object ${kind.name}]`);
  });

  it('skips expired entries', () => {
    const clock = new ManualClock();
    const cache = kind.create<string, number>({ maxEntries: 5, clock });
    cache.set('a', 1, { ttl: 5 }).set('b', 2).set('c', 3, { ttl: 10 });
    clock.advance(5);
    expectKeys(kind, cache, ['c', 'b']);
    expect(cache.size).toBe(3); // the expired entry is still stored
  });

  it('survives mutation: deleting, setting and getting inside the loop', () => {
    const cache = kind.create<number, number>({ maxEntries: 4 });
    for (let i = 0; i < 4; i++) cache.set(i, i);
    const visited: number[] = [];
    let steps = 0;
    for (const [key] of cache) {
      visited.push(key);
      cache.delete(key - 1); // the next one, in LRU order
      cache.set(key + 100, key); // new entries are not visited, and the loop ends
      cache.get(0);
      if (++steps > 100) break;
    }
    expect(steps).toBeLessThanOrEqual(4);
    if (kind.lru) expect(visited).toEqual([3, 1]);
    expect(new Set(visited).size).toBe(visited.length);
    for (const key of visited) expect(key).toBeLessThan(4);
    expect(cache.size).toBeLessThanOrEqual(4);
    const all: number[] = [];
    for (const key of cache.keys()) {
      all.push(key);
      cache.clear();
    }
    expect(all).toHaveLength(1);
  });
});

describe.each(CACHE_KINDS)('$name: resize', (kind) => {
  it('shrinking maxEntries evicts the least recent entries; growing lets more in', () => {
    const { evicted, onEvict } = recording<number, number>();
    const cache = kind.create<number, number>({ maxEntries: 5, onEvict });
    for (let i = 0; i < 5; i++) cache.set(i, i);
    expect(cache.resize({ maxEntries: 2 })).toBe(cache);
    if (kind.lru) {
      expect([...cache.keys()]).toEqual([4, 3]);
      expect(evicted.map(([k]) => k)).toEqual([0, 1, 2]);
    }
    expect(cache.size).toBe(2);
    expect(evicted).toHaveLength(3);
    expect(evicted.every(([, , r]) => r === 'evict')).toBe(true);
    expectAccountedFor(
      cache,
      [0, 1, 2, 3, 4].map((i) => [i, i]),
      evicted,
    );
    expect(cache.maxEntries).toBe(2);
    cache.resize({ maxEntries: 40 });
    for (let i = 0; i < 40; i++) cache.set(i + 10, i);
    expect(cache.size).toBe(40);
    expectConsistent(cache);
  });

  it('shrinking maxSize evicts to fit and caps maxEntrySize', () => {
    const { evicted, onEvict } = recording<string, number>();
    const cache = kind.create<string, number>({ maxSize: 10, sizeOf: (v) => v, onEvict });
    cache.set('a', 3).set('b', 3).set('c', 3);
    cache.resize({ maxSize: 6 });
    if (kind.lru) expect([...cache.keys()]).toEqual(['c', 'b']);
    expect(cache.totalSize).toBeLessThanOrEqual(6);
    expectConsistent(cache);
    expectAccountedFor(
      cache,
      [
        ['a', 3],
        ['b', 3],
        ['c', 3],
      ],
      evicted,
    );
    expect(cache.maxSize).toBe(6);
    const calls = evicted.length;
    cache.set('d', 7);
    expect(cache.has('d')).toBe(false);
    expect(evicted).toHaveLength(calls); // above maxEntrySize: never stored, so no callback
  });

  it('a size-only cache can gain an entry-count bound', () => {
    const cache = kind.create<number, number>({ maxSize: 100, sizeOf: () => 1 });
    for (let i = 0; i < 50; i++) cache.set(i, i);
    cache.resize({ maxEntries: 10 });
    expect(cache.size).toBe(10);
    cache.set(100, 100);
    expect(cache.size).toBe(10);
    expect(cache.maxEntries).toBe(10);
    expectConsistent(cache);
  });
});

describe.each(CACHE_KINDS)('$name: stats', (kind) => {
  it('counts hits, misses, sets, deletes, evictions, expirations; hitRatio; resetStats', () => {
    const clock = new ManualClock();
    const { evicted, onEvict } = recording<string, number>();
    const cache = kind.create<string, number>({ maxEntries: 2, clock, onEvict });
    expect(cache.stats.hitRatio).toBe(0);
    cache.set('a', 1).set('b', 2, { ttl: 1 }).set('c', 3);
    cache.get('c');
    cache.get('c');
    cache.get('zz');
    cache.set('d', 4, { ttl: 5 });
    clock.advance(5);
    cache.get('d');
    cache.delete('c');
    if (kind.lru) {
      expect(cache.stats).toEqual({
        hits: 2,
        misses: 2,
        sets: 4,
        deletes: 1,
        evictions: 2,
        expirations: 1,
        hitRatio: 0.5,
      });
    } else {
      const { hits, misses, sets } = cache.stats;
      expect(hits + misses).toBe(4);
      expect(sets).toBe(4);
      expectStatsMatch(cache.stats, evicted);
    }
    const snapshot = cache.stats;
    cache.get('x');
    expect(snapshot.misses).toBe(cache.stats.misses - 1); // a snapshot, not a live view
    cache.resetStats();
    expect(cache.stats).toEqual({
      hits: 0,
      misses: 0,
      sets: 0,
      deletes: 0,
      evictions: 0,
      expirations: 0,
      hitRatio: 0,
    });
  });
});

describe.each(CACHE_KINDS)('$name: dump and load', (kind) => {
  it('round-trips through JSON, oldest first, with the ttl left and sizes', () => {
    const clock = new ManualClock();
    const cache = kind.create<string, { n: number }>({
      maxSize: 100,
      sizeOf: (v) => v.n,
      ttl: 1_000,
      clock,
    });
    cache
      .set('a', { n: 1 })
      .set('b', { n: 2 }, { ttl: Infinity })
      .set('gone', { n: 3 }, { ttl: 5 });
    clock.advance(400);
    cache.get('a');
    const json = JSON.stringify(cache.dump());
    const expected = [
      ['b', { value: { n: 2 }, ttl: null, size: 2 }], // never, not the default
      ['a', { value: { n: 1 }, ttl: 600, size: 1 }],
    ];
    if (kind.lru) expect(JSON.parse(json)).toEqual(expected);
    else expect(new Map(JSON.parse(json))).toEqual(new Map(expected as never));

    const clock2 = new ManualClock(50_000);
    const sizeOf = vi.fn(() => 99);
    const copy = kind.create<string, { n: number }>({ maxSize: 100, sizeOf, clock: clock2 });
    copy.load(JSON.parse(json));
    expect(sizeOf).not.toHaveBeenCalled(); // sizes come from the dump
    expectKeys(kind, copy, ['a', 'b']);
    expect(copy.totalSize).toBe(3);
    expect(copy.expiresIn('a')).toBe(600);
    expect(copy.expiresIn('b')).toBe(Infinity);
    // the copy has no default ttl, so 'b' (never) is dumped without "ttl": null
    expect(new Map(copy.dump())).toEqual(
      new Map([
        ['b', { value: { n: 2 }, size: 2 }],
        ['a', { value: { n: 1 }, ttl: 600, size: 1 }],
      ]),
    );
  });

  it('loads a dump into a count-only cache (sizes ignored) and values that JSON drops', () => {
    const { evicted, onEvict } = recording<string, unknown>();
    const copy = kind.create<string, unknown>({ maxEntries: 2, onEvict });
    copy.load([
      ['x', { value: 1, size: 5 }],
      ['y', JSON.parse('{}')],
      ['z', { value: null }],
    ]);
    if (kind.lru) {
      expect([...copy.entries()]).toEqual([
        ['z', null],
        ['y', undefined],
      ]);
    } else {
      expect(copy.size).toBe(2);
      expectConsistent(copy);
      expectAccountedFor(
        copy,
        [
          ['x', 1],
          ['y', undefined],
          ['z', null],
        ],
        evicted,
      );
    }
    expect(copy.stats.evictions).toBe(1);
    expect(copy.totalSize).toBe(0);
  });

  it('with room for every entry, load(dump()) restores exactly what was held', () => {
    const clock = new ManualClock(1_000);
    const cache = kind.create<number, string>({ maxEntries: 50, ttl: 500, clock });
    for (let i = 0; i < 40; i++) cache.set(i, `v${i}`, i % 3 === 0 ? { ttl: Infinity } : {});
    for (let i = 0; i < 40; i += 4) cache.get(i);
    clock.advance(100);
    const copy = kind.create<number, string>({ maxEntries: 50, ttl: 500, clock });
    copy.load(cache.dump());
    expect(copy.dump()).toEqual(cache.dump());
    expect(new Map(copy.entries())).toEqual(new Map(cache.entries()));
    for (let i = 0; i < 40; i++) expect(copy.expiresIn(i)).toBe(cache.expiresIn(i));
  });
});
