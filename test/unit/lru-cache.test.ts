import { type EvictionReason, LruCache } from 'lrukit';
import { ManualClock } from 'lrukit/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';

type Evicted<K, V> = Array<[K, V, EvictionReason]>;

function recording<K, V>() {
  const evicted: Evicted<K, V> = [];
  const onEvict = (value: V, key: K, reason: EvictionReason) => {
    evicted.push([key, value, reason]);
  };
  return { evicted, onEvict };
}

describe('LruCache: recency and the entry-count bound', () => {
  it('evicts the least recently used entry, and get() refreshes recency', () => {
    const { evicted, onEvict } = recording<string, number>();
    const cache = new LruCache<string, number>({ maxEntries: 3, onEvict });
    cache.set('a', 1).set('b', 2).set('c', 3);
    expect(cache.get('a')).toBe(1);
    cache.set('d', 4);
    expect([...cache.keys()]).toEqual(['d', 'a', 'c']);
    expect(evicted).toEqual([['b', 2, 'evict']]);
    expect(cache.size).toBe(3);
    expect(cache.maxEntries).toBe(3);
    expect(cache.maxSize).toBe(Infinity);
  });

  it('set() on an existing key updates in place and makes it most recent', () => {
    const { evicted, onEvict } = recording<string, number>();
    const cache = new LruCache<string, number>({ maxEntries: 2, onEvict });
    cache.set('a', 1).set('b', 2).set('a', 10);
    expect([...cache.entries()]).toEqual([
      ['a', 10],
      ['b', 2],
    ]);
    expect(evicted).toEqual([['a', 1, 'set']]);
    cache.set('a', 10); // same value: nothing to dispose
    expect(evicted).toHaveLength(1);
    cache.set('c', 3);
    expect([...cache.keys()]).toEqual(['c', 'a']);
  });

  it('peek() and has() never change recency or stats', () => {
    const cache = new LruCache<string, number>({ maxEntries: 2 });
    cache.set('a', 1).set('b', 2);
    expect(cache.peek('a')).toBe(1);
    expect(cache.has('a')).toBe(true);
    expect(cache.has('zz')).toBe(false);
    expect(cache.peek('zz')).toBeUndefined();
    cache.set('c', 3);
    expect(cache.has('a')).toBe(false);
    expect(cache.stats).toMatchObject({ hits: 0, misses: 0 });
  });

  it('a cache of one entry keeps only the latest', () => {
    const cache = new LruCache<number, number>({ maxEntries: 1 });
    for (let i = 0; i < 100; i++) cache.set(i, i);
    expect([...cache.entries()]).toEqual([[99, 99]]);
    expect(cache.get(98)).toBeUndefined();
  });

  it('accepts any Map key: NaN, -0/0, "__proto__", objects by identity', () => {
    const cache = new LruCache<unknown, string>({ maxEntries: 10 });
    const obj = { id: 1 };
    cache.set(Number.NaN, 'nan').set('__proto__', 'proto').set(obj, 'obj').set(-0, 'zero');
    expect(cache.get(Number.NaN)).toBe('nan');
    expect(cache.get('__proto__')).toBe('proto');
    expect(cache.get(obj)).toBe('obj');
    expect(cache.get({ id: 1 })).toBeUndefined();
    expect(cache.get(0)).toBe('zero'); // SameValueZero, as Map
    expect(Object.is([...cache.keys()][0], 0)).toBe(true); // -0 comes back as 0, as from a Map
    expect(Object.getPrototypeOf({})).toBe(Object.prototype);
  });

  it('stores undefined and null as values, told apart from a miss by has()', () => {
    const cache = new LruCache<string, unknown>({ maxEntries: 10 });
    cache.set('u', undefined).set('n', null);
    expect(cache.has('u')).toBe(true);
    expect(cache.get('u')).toBeUndefined();
    expect(cache.get('n')).toBeNull();
    expect(cache.stats).toMatchObject({ hits: 2, misses: 0 });
    expect([...cache.entries()]).toEqual([
      ['n', null],
      ['u', undefined],
    ]);
  });

  it('delete() removes, returns whether it did, and frees the slot for reuse', () => {
    const { evicted, onEvict } = recording<string, number>();
    const cache = new LruCache<string, number>({ maxEntries: 3, onEvict });
    cache.set('a', 1).set('b', 2).set('c', 3);
    expect(cache.delete('b')).toBe(true);
    expect(cache.delete('b')).toBe(false);
    expect(cache.delete('head-missing')).toBe(false);
    expect(cache.delete('c')).toBe(true); // the head
    expect(cache.delete('a')).toBe(true); // the last one
    expect(cache.size).toBe(0);
    cache.set('x', 1).set('y', 2).set('z', 3).set('w', 4);
    expect([...cache.keys()]).toEqual(['w', 'z', 'y']);
    expect(evicted.map(([k, , r]) => `${k}:${r}`)).toEqual([
      'b:delete',
      'c:delete',
      'a:delete',
      'x:evict',
    ]);
    expect(cache.stats.deletes).toBe(3);
  });

  it('clear() removes everything with reason "clear", least recently used first, and the cache is reusable', () => {
    const { evicted, onEvict } = recording<string, number>();
    const cache = new LruCache<string, number>({ maxEntries: 3, onEvict });
    cache.set('a', 1).set('b', 2);
    cache.clear();
    expect(cache.size).toBe(0);
    expect([...cache.keys()]).toEqual([]);
    expect(evicted).toEqual([
      ['a', 1, 'clear'],
      ['b', 2, 'clear'],
    ]);
    cache.set('c', 3).set('d', 4).set('e', 5).set('f', 6);
    expect([...cache.keys()]).toEqual(['f', 'e', 'd']);
  });

  it('grows storage past its initial capacity and keeps order', () => {
    const cache = new LruCache<number, number>({ maxEntries: 1000 });
    for (let i = 0; i < 1500; i++) cache.set(i, i * 2);
    expect(cache.size).toBe(1000);
    expect(cache.get(499)).toBeUndefined();
    expect(cache.get(500)).toBe(1000);
    const keys = [...cache.keys()];
    expect(keys[0]).toBe(500);
    expect(keys[1]).toBe(1499);
    expect(keys.at(-1)).toBe(501);
  });
});

describe('LruCache: the size bound', () => {
  it('evicts least recently used entries until the total size fits', () => {
    const { evicted, onEvict } = recording<string, string>();
    const cache = new LruCache<string, string>({ maxSize: 10, sizeOf: (v) => v.length, onEvict });
    cache.set('a', 'aaaa').set('b', 'bbbb');
    expect(cache.totalSize).toBe(8);
    cache.set('c', 'cccccc');
    expect([...cache.keys()]).toEqual(['c', 'b']);
    expect(cache.totalSize).toBe(10);
    expect(evicted).toEqual([['a', 'aaaa', 'evict']]);
    cache.set('b', 'b'); // shrinking an entry updates the total
    expect(cache.totalSize).toBe(7);
    cache.set('d', 'dddddddddd'); // exactly maxSize: everything else goes
    expect([...cache.keys()]).toEqual(['d']);
    expect(cache.totalSize).toBe(10);
  });

  it('takes a per-set size instead of sizeOf, and sizeOf gets (value, key)', () => {
    const sizeOf = vi.fn((v: number, k: string) => v + k.length);
    const cache = new LruCache<string, number>({ maxSize: 100, sizeOf });
    cache.set('ab', 3);
    cache.set('c', 1, { size: 50 });
    expect(sizeOf).toHaveBeenCalledTimes(1);
    expect(sizeOf).toHaveBeenCalledWith(3, 'ab');
    expect(cache.totalSize).toBe(55);
  });

  it('does not store an entry larger than maxEntrySize, and removes the old one (reason "set")', () => {
    const { evicted, onEvict } = recording<string, number>();
    const cache = new LruCache<string, number>({
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
    expect(evicted).toHaveLength(1);
    expect(cache.stats.sets).toBe(2);
  });

  it('maxEntrySize defaults to maxSize; zero-size entries are allowed', () => {
    const cache = new LruCache<string, number>({ maxSize: 10, sizeOf: (v) => v });
    cache.set('big', 11);
    expect(cache.has('big')).toBe(false);
    cache.set('zero', 0).set('ten', 10);
    expect([...cache.keys()]).toEqual(['ten', 'zero']);
  });

  it('holds both bounds at once', () => {
    const cache = new LruCache<number, number>({ maxEntries: 3, maxSize: 10, sizeOf: () => 2 });
    for (let i = 0; i < 5; i++) cache.set(i, i);
    expect([...cache.keys()]).toEqual([4, 3, 2]);
    expect(cache.totalSize).toBe(6);
    cache.set(9, 9, { size: 9 });
    expect([...cache.keys()]).toEqual([9]);
  });

  it('sizes are safe integers: fractional sizes are refused, and the total is exact', () => {
    expect(() => new LruCache<number, number>({ maxSize: 1.5 })).toThrow(RangeError);
    const cache = new LruCache<number, number>({ maxSize: 10, sizeOf: (v) => v });
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
    const cache = new LruCache<number, number>({ maxEntries: 3 });
    cache.set(1, 1);
    expect(cache.totalSize).toBe(0);
  });
});

describe('LruCache: ttl', () => {
  it('an entry written at t with ttl d is fresh while now < t + d, expired from t + d', () => {
    const clock = new ManualClock(1_000);
    const { evicted, onEvict } = recording<string, number>();
    const cache = new LruCache<string, number>({ maxEntries: 10, ttl: 100, clock, onEvict });
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
    const cache = new LruCache<string, number>({ maxEntries: 10, ttl: 100, clock });
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
    const cache = new LruCache<string, number>({ maxEntries: 10, clock });
    cache.set('a', 1).set('b', 2, { ttl: 5 });
    expect(cache.expiresIn('a')).toBe(Infinity);
    clock.advance(5);
    expect([...cache.keys()]).toEqual(['a']);
  });

  it('set() on an existing key restarts its ttl', () => {
    const clock = new ManualClock();
    const cache = new LruCache<string, number>({ maxEntries: 10, ttl: 100, clock });
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
    const cache = new LruCache<string, number>({
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
    const cache = new LruCache<string, number>({ maxEntries: 10, ttl: 100, clock });
    cache.set('a', 1);
    clock.advance(90);
    expect(cache.get('a')).toBe(1);
    clock.advance(10);
    expect(cache.get('a')).toBeUndefined();
  });

  it('prune() removes expired entries now and returns how many', () => {
    const clock = new ManualClock();
    const { evicted, onEvict } = recording<number, number>();
    const cache = new LruCache<number, number>({ maxEntries: 10, clock, onEvict });
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
    const cache = new LruCache<string, number>({ maxEntries: 2, clock, onEvict });
    cache.set('old', 1, { ttl: 5 }).set('b', 2);
    clock.advance(5);
    cache.set('c', 3);
    cache.set('d', 4);
    expect(evicted).toEqual([
      ['old', 1, 'expire'],
      ['b', 2, 'evict'],
    ]);
    expect(cache.stats).toMatchObject({ evictions: 1, expirations: 1 });
  });

  it('set() over an expired entry reports the old value as expired, not replaced', () => {
    const clock = new ManualClock();
    const { evicted, onEvict } = recording<string, number>();
    const cache = new LruCache<string, number>({ maxEntries: 2, ttl: 5, clock, onEvict });
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
    const cache = new LruCache<string, number>({ maxEntries: 2, ttl: 5, clock, onEvict });
    cache.set('a', 1);
    clock.advance(5);
    expect(cache.delete('a')).toBe(false);
    expect(cache.size).toBe(0);
    expect(evicted).toEqual([['a', 1, 'expire']]);
  });

  it('never reads the clock while no entry has a ttl', () => {
    const now = vi.fn(() => 0);
    const cache = new LruCache<string, number>({ maxEntries: 2, clock: { now } });
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
    expect(now).not.toHaveBeenCalled();
    cache.set('t', 1, { ttl: Infinity });
    expect(now).not.toHaveBeenCalled();
    cache.set('t', 1, { ttl: 10 });
    expect(now).toHaveBeenCalled();
  });
});

describe('LruCache: the default clock', () => {
  const realPerformance = globalThis.performance;
  afterEach(() => {
    Object.defineProperty(globalThis, 'performance', {
      value: realPerformance,
      configurable: true,
    });
  });

  it('looks up performance.now() at every read (never captured, never cached)', () => {
    let time = 5_000;
    const cache = new LruCache<string, number>({ maxEntries: 2, ttl: 10 });
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
      const cache = new LruCache<string, number>({ maxEntries: 2, ttl: 10 });
      cache.set('a', 1);
      spy.mockReturnValue(110);
      expect(cache.has('a')).toBe(false);
    } finally {
      spy.mockRestore();
    }
  });
});

describe('LruCache: autoPurge', () => {
  it('removes expired entries without being touched, with one timer at most', () => {
    const clock = new ManualClock();
    const { evicted, onEvict } = recording<number, number>();
    const cache = new LruCache<number, number>({
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
    const cache = new LruCache<string, number>({ maxEntries: 10, autoPurge: true, clock });
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
    expect(clock.pendingTimers).toBe(0);
  });

  it('uses an unref’d global timer with the system clock', () => {
    const spy = vi.spyOn(globalThis, 'setTimeout');
    try {
      const cache = new LruCache<string, number>({ maxEntries: 10, ttl: 60_000, autoPurge: true });
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
    const cache = new LruCache<string, number>({ maxEntries: 10, ttl: 5, clock });
    cache.set('a', 1);
    expect(clock.pendingTimers).toBe(0);
    clock.advance(10);
    expect(cache.size).toBe(1);
  });
});

describe('LruCache: onEvict', () => {
  it('runs after the state change, so the callback sees the new state and may write', () => {
    const seen: unknown[] = [];
    const cache: LruCache<string, number> = new LruCache<string, number>({
      maxEntries: 2,
      onEvict: (value, key, reason) => {
        seen.push([key, cache.has(key), cache.size, [...cache.keys()]]);
        if (reason === 'evict' && key.length === 1) cache.set(`${key}-again`, value); // re-entrant write
      },
    });
    cache.set('a', 1).set('b', 2).set('c', 3);
    expect(seen[0]).toEqual(['a', false, 2, ['c', 'b']]);
    // 'a-again' evicted 'b', whose callback wrote 'b-again', evicting 'c', which wrote 'c-again'
    expect(seen.map((s) => (s as unknown[])[0])).toEqual(['a', 'b', 'c', 'a-again']);
    expect(cache.size).toBe(2);
    expect([...cache.keys()]).toEqual(['c-again', 'b-again']);
  });

  it('when callbacks throw, every one still runs and the first error is rethrown', () => {
    const calls: string[] = [];
    const cache = new LruCache<string, number>({
      maxEntries: 5,
      onEvict: (_v, key) => {
        calls.push(key);
        throw new Error(`boom ${key}`);
      },
    });
    cache.set('a', 1).set('b', 2).set('c', 3);
    expect(() => cache.clear()).toThrow('boom a');
    expect(calls).toEqual(['a', 'b', 'c']);
    expect(cache.size).toBe(0);
    cache.set('d', 4);
    expect(() => cache.set('d', 5)).toThrow('boom d');
    expect(cache.get('d')).toBe(5); // the set itself happened
  });

  it('a throwing callback during eviction leaves the cache consistent', () => {
    const cache = new LruCache<number, number>({
      maxEntries: 2,
      onEvict: () => {
        throw new Error('nope');
      },
    });
    cache.set(1, 1).set(2, 2);
    expect(() => cache.set(3, 3)).toThrow('nope');
    expect([...cache.keys()]).toEqual([3, 2]);
    expect(cache.size).toBe(2);
    cache.set(2, 2);
    expect(cache.get(3)).toBe(3);
  });
});

describe('LruCache: iteration', () => {
  it('keys/values/entries/iterator/forEach go from most to least recent without touching recency', () => {
    const cache = new LruCache<string, number>({ maxEntries: 5 });
    cache.set('a', 1).set('b', 2).set('c', 3);
    cache.get('a');
    expect([...cache.keys()]).toEqual(['a', 'c', 'b']);
    expect([...cache.values()]).toEqual([1, 3, 2]);
    expect([...cache]).toEqual([
      ['a', 1],
      ['c', 3],
      ['b', 2],
    ]);
    const each: unknown[] = [];
    const self = {};
    cache.forEach(function (this: unknown, value, key, c) {
      each.push([key, value, c === cache, this === self]);
    }, self);
    expect(each).toEqual([
      ['a', 1, true, true],
      ['c', 3, true, true],
      ['b', 2, true, true],
    ]);
    expect([...cache.keys()]).toEqual(['a', 'c', 'b']);
    expect(cache.stats.hits).toBe(1);
    expect(Object.prototype.toString.call(cache)).toBe('[object LruCache]');
  });

  it('skips expired entries', () => {
    const clock = new ManualClock();
    const cache = new LruCache<string, number>({ maxEntries: 5, clock });
    cache.set('a', 1, { ttl: 5 }).set('b', 2).set('c', 3, { ttl: 10 });
    clock.advance(5);
    expect([...cache.keys()]).toEqual(['c', 'b']);
  });

  it('survives mutation: deleting, setting and getting inside the loop', () => {
    const cache = new LruCache<number, number>({ maxEntries: 4 });
    for (let i = 0; i < 4; i++) cache.set(i, i);
    const visited: number[] = [];
    for (const [key] of cache) {
      visited.push(key);
      cache.delete(key - 1); // the next one
      cache.set(key + 100, key); // new entries are not visited, and the loop ends
      cache.get(0);
    }
    expect(visited).toEqual([3, 1]);
    const all: number[] = [];
    for (const key of cache.keys()) {
      all.push(key);
      cache.clear();
    }
    expect(all).toHaveLength(1);
  });
});

describe('LruCache: resize', () => {
  it('shrinking maxEntries evicts the least recent entries; growing lets more in', () => {
    const { evicted, onEvict } = recording<number, number>();
    const cache = new LruCache<number, number>({ maxEntries: 5, onEvict });
    for (let i = 0; i < 5; i++) cache.set(i, i);
    expect(cache.resize({ maxEntries: 2 })).toBe(cache);
    expect([...cache.keys()]).toEqual([4, 3]);
    expect(evicted.map(([k]) => k)).toEqual([0, 1, 2]);
    expect(cache.maxEntries).toBe(2);
    cache.resize({ maxEntries: 40 });
    for (let i = 0; i < 40; i++) cache.set(i + 10, i);
    expect(cache.size).toBe(40);
  });

  it('shrinking maxSize evicts to fit and caps maxEntrySize', () => {
    const cache = new LruCache<string, number>({ maxSize: 10, sizeOf: (v) => v });
    cache.set('a', 3).set('b', 3).set('c', 3);
    cache.resize({ maxSize: 6 });
    expect([...cache.keys()]).toEqual(['c', 'b']);
    expect(cache.maxSize).toBe(6);
    cache.set('d', 7);
    expect(cache.has('d')).toBe(false);
  });

  it('a size-only cache can gain an entry-count bound', () => {
    const cache = new LruCache<number, number>({ maxSize: 100, sizeOf: () => 1 });
    for (let i = 0; i < 50; i++) cache.set(i, i);
    cache.resize({ maxEntries: 10 });
    expect(cache.size).toBe(10);
    cache.set(100, 100);
    expect(cache.size).toBe(10);
  });
});

describe('LruCache: stats', () => {
  it('counts hits, misses, sets, deletes, evictions, expirations; hitRatio; resetStats', () => {
    const clock = new ManualClock();
    const cache = new LruCache<string, number>({ maxEntries: 2, clock });
    expect(cache.stats.hitRatio).toBe(0);
    cache.set('a', 1).set('b', 2, { ttl: 1 }).set('c', 3);
    cache.get('c');
    cache.get('c');
    cache.get('zz');
    cache.set('d', 4, { ttl: 5 });
    clock.advance(5);
    cache.get('d');
    cache.delete('c');
    expect(cache.stats).toEqual({
      hits: 2,
      misses: 2,
      sets: 4,
      deletes: 1,
      evictions: 2,
      expirations: 1,
      hitRatio: 0.5,
    });
    const snapshot = cache.stats;
    cache.get('x');
    expect(snapshot.misses).toBe(2); // a snapshot, not a live view
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

describe('LruCache: dump and load', () => {
  it('round-trips through JSON, oldest first, with the ttl left and sizes', () => {
    const clock = new ManualClock();
    const cache = new LruCache<string, { n: number }>({
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
    expect(JSON.parse(json)).toEqual([
      ['b', { value: { n: 2 }, ttl: null, size: 2 }], // never, not the default
      ['a', { value: { n: 1 }, ttl: 600, size: 1 }],
    ]);

    const clock2 = new ManualClock(50_000);
    const sizeOf = vi.fn(() => 99);
    const copy = new LruCache<string, { n: number }>({ maxSize: 100, sizeOf, clock: clock2 });
    copy.load(JSON.parse(json));
    expect(sizeOf).not.toHaveBeenCalled(); // sizes come from the dump
    expect([...copy.keys()]).toEqual(['a', 'b']);
    expect(copy.totalSize).toBe(3);
    expect(copy.expiresIn('a')).toBe(600);
    expect(copy.expiresIn('b')).toBe(Infinity);
  });

  it('loads a dump into a count-only cache (sizes ignored) and values that JSON drops', () => {
    const copy = new LruCache<string, unknown>({ maxEntries: 2 });
    copy.load([
      ['x', { value: 1, size: 5 }],
      ['y', JSON.parse('{}')],
      ['z', { value: null }],
    ]);
    expect([...copy.entries()]).toEqual([
      ['z', null],
      ['y', undefined],
    ]);
    expect(copy.stats.evictions).toBe(1);
  });
});
