/**
 * TinyLfuCache: admission, segments, and the LruCache behaviour it shares (bounds, ttl, stats,
 * callbacks, dump/load, bad input).
 */

import { LruCache, type OnEvict, TinyLfuCache } from 'lrukit';
import { ManualClock } from 'lrukit/testing';
import { describe, expect, it } from 'vitest';

type Evicted = Array<[unknown, unknown, string]>;
function recorder(): { onEvict: OnEvict<unknown, unknown>; log: Evicted } {
  const log: Evicted = [];
  return { onEvict: (value, key, reason) => log.push([key, value, reason]), log };
}

describe('TinyLfuCache: admission', () => {
  it('keeps popular keys through a scan of keys seen once', () => {
    const tiny = new TinyLfuCache<number, number>({ maxEntries: 100, seed: 1 });
    const lru = new LruCache<number, number>({ maxEntries: 100 });
    for (const cache of [tiny, lru]) {
      for (let round = 0; round < 5; round++) {
        for (let k = 0; k < 50; k++) if (cache.get(k) === undefined) cache.set(k, k);
      }
      for (let k = 1_000; k < 2_000; k++) if (cache.get(k) === undefined) cache.set(k, k);
    }
    let kept = 0;
    for (let k = 0; k < 50; k++) if (tiny.has(k)) kept++;
    expect(kept).toBeGreaterThanOrEqual(45);
    expect([...lru.keys()].filter((k) => k < 50)).toEqual([]);
  });

  it('a key refused admission is evicted at once, reason "evict", counted in stats', () => {
    const { onEvict, log } = recorder();
    const cache = new TinyLfuCache<number, number>({ maxEntries: 10, seed: 1, onEvict });
    for (let round = 0; round < 4; round++)
      for (let k = 0; k < 10; k++) cache.get(k) ?? cache.set(k, k);
    expect(cache.size).toBe(10);
    log.length = 0;
    cache.set(100, 100); // pushes 9 out of the window: a tie with the victim keeps the victim
    cache.set(101, 101); // pushes 100 out of the window: it loses its duel
    expect(cache.has(100)).toBe(false);
    expect(log).toEqual([
      [9, 9, 'evict'],
      [100, 100, 'evict'],
    ]);
    expect(cache.stats.evictions).toBeGreaterThanOrEqual(1);
    expect(cache.size).toBe(10);
  });

  // the admission duel decides whichever bound overflows: with maxSize too, a full maxEntries
  // once evicted the window's tail without a duel, so a scan flushed the hot key
  it.each([
    ['maxEntries alone', { maxEntries: 4 }],
    ['maxEntries filling, maxSize roomy', { maxEntries: 4, maxSize: 1e6, sizeOf: () => 100 }],
    ['maxSize filling, maxEntries roomy', { maxEntries: 1e6, maxSize: 400, sizeOf: () => 100 }],
  ])('keeps a hot key through a scan: %s', (_name, bounds) => {
    const { onEvict, log } = recorder();
    const cache = new TinyLfuCache<string, number>({ ...bounds, seed: 1, onEvict });
    for (let i = 0; i < 10; i++) cache.get('hot') ?? cache.set('hot', 1);
    for (let k = 0; k < 50; k++) cache.set(`once${k}`, k);
    expect(cache.has('hot')).toBe(true);
    // with maxSize 400, the main space is 396 (the window keeps its 1 %): room for three
    expect(cache.size).toBe('maxSize' in bounds && bounds.maxSize === 400 ? 3 : 4);
    expect(log.filter(([, , reason]) => reason === 'evict')).toHaveLength(51 - cache.size);
  });

  it('a probation hit is promoted to protected; iteration is window, protected, probation', () => {
    const cache = new TinyLfuCache<string, number>({ maxEntries: 100, seed: 1 });
    for (const k of ['a', 'b', 'c', 'd']) cache.set(k, 1);
    // window holds 1 entry (1 %): a, b, c went to probation, most recent first
    expect([...cache.keys()]).toEqual(['d', 'c', 'b', 'a']);
    cache.get('a');
    expect([...cache.keys()]).toEqual(['d', 'a', 'c', 'b']);
    expect(cache.dump().map(([k]) => k)).toEqual(['b', 'c', 'a', 'd']);
  });

  it('is reproducible with a seed', () => {
    const run = (seed: number) => {
      const cache = new TinyLfuCache<number, number>({ maxEntries: 50, seed });
      let x = 1;
      for (let i = 0; i < 5_000; i++) {
        x = (x * 48_271) % 2_147_483_647;
        const k = x % 300;
        if (cache.get(k) === undefined) cache.set(k, k);
      }
      return [...cache.keys()];
    };
    expect(run(3)).toEqual(run(3));
  });

  it('accepts any Map key: NaN, -0/0, "__proto__", objects, symbols, booleans', () => {
    const cache = new TinyLfuCache<unknown, string>({ maxEntries: 20 });
    const o = {};
    const s = Symbol('s');
    const keys: unknown[] = [Number.NaN, 0, '__proto__', o, s, true, null, undefined, 10n, 1.5];
    for (const k of keys) cache.set(k, String(k));
    expect(cache.get(Number.NaN)).toBe('NaN');
    expect(cache.get(-0)).toBe('0');
    expect(
      Object.is(
        [...cache.keys()].find((k) => k === 0),
        0,
      ),
    ).toBe(true);
    for (const k of keys) expect(cache.has(k)).toBe(true);
    expect(cache.has({})).toBe(false);
  });
});

describe('TinyLfuCache: bounds', () => {
  it('holds maxEntries and a cache of one keeps the latest', () => {
    const one = new TinyLfuCache<number, number>({ maxEntries: 1, seed: 1 });
    for (let k = 0; k < 10; k++) {
      one.set(k, k);
      expect(one.size).toBe(1);
    }
    expect(one.get(9)).toBe(9);
  });

  it('holds maxSize with weighted entries, candidates weighed against several victims', () => {
    const { onEvict, log } = recorder();
    const cache = new TinyLfuCache<string, number>({
      maxSize: 100,
      sizeOf: (v) => v,
      seed: 1,
      onEvict,
    });
    // the window (1 % of 100) is smaller than any entry: each goes straight to the main space
    for (let i = 0; i < 10; i++) cache.set(`s${i}`, 10);
    expect(cache.totalSize).toBeGreaterThanOrEqual(90);
    for (let r = 0; r < 5; r++) for (let i = 0; i < 10; i++) cache.get(`s${i}`);
    cache.set('big', 40);
    cache.set('next', 1);
    expect(cache.totalSize).toBeLessThanOrEqual(100);
    expect(log.some(([k]) => k === 'big')).toBe(true);
    let sum = 0;
    for (const [, v] of cache) sum += v;
    expect(sum).toBe(cache.totalSize);
  });

  it('does not store an entry larger than maxEntrySize, and removes the old one (reason "set")', () => {
    const { onEvict, log } = recorder();
    const cache = new TinyLfuCache<string, number>({
      maxSize: 100,
      maxEntrySize: 10,
      sizeOf: (v) => v,
      onEvict,
    });
    cache.set('a', 5);
    cache.set('a', 11);
    expect(cache.has('a')).toBe(false);
    expect(log).toEqual([['a', 5, 'set']]);
    expect(cache.totalSize).toBe(0);
  });

  it('unlike LruCache, evicts at once an entry larger than the main space (maxSize minus the window)', () => {
    const { onEvict, log } = recorder();
    const bounds = { maxSize: 100, sizeOf: (v: number) => v };
    // the window keeps 1 of 100: the main space is 99, so 100 (within maxEntrySize) never fits
    const tiny = new TinyLfuCache<string, number>({ ...bounds, seed: 1, onEvict });
    const lru = new LruCache<string, number>(bounds);
    for (const cache of [tiny, lru]) cache.set('whole', 100);
    expect(log).toEqual([['whole', 100, 'evict']]);
    expect(tiny.size).toBe(0);
    expect(tiny.totalSize).toBe(0);
    expect(lru.get('whole')).toBe(100);
    tiny.set('most', 99); // the main space's size fits
    expect(tiny.get('most')).toBe(99);
    expect(tiny.totalSize).toBe(99);
  });

  it('holds both bounds at once, and resize evicts to fit', () => {
    const cache = new TinyLfuCache<number, number>({ maxEntries: 3, maxSize: 10, sizeOf: () => 2 });
    for (let k = 0; k < 6; k++) cache.set(k, k);
    expect(cache.size).toBe(3);
    expect(cache.totalSize).toBe(6);
    const big = new TinyLfuCache<number, number>({ maxEntries: 100, seed: 1 });
    for (let k = 0; k < 100; k++) big.set(k, k);
    big.resize({ maxEntries: 10 });
    expect(big.size).toBe(10);
    expect(big.maxEntries).toBe(10);
    for (let k = 100; k < 200; k++) big.set(k, k);
    expect(big.size).toBe(10);
  });

  it('grows storage past its initial capacity', () => {
    const cache = new TinyLfuCache<number, number>({ maxEntries: 1000, seed: 1 });
    for (let k = 0; k < 1000; k++) cache.set(k, k);
    expect(cache.size).toBe(1000);
    for (let k = 0; k < 1000; k++) expect(cache.get(k)).toBe(k);
  });
});

describe('TinyLfuCache: ttl, stats and callbacks', () => {
  it('expires at t + d; per-entry ttl; updateAgeOnGet; prune; expiresIn', () => {
    const clock = new ManualClock();
    const { onEvict, log } = recorder();
    const cache = new TinyLfuCache<string, number>({
      maxEntries: 10,
      ttl: 100,
      updateAgeOnGet: true,
      clock,
      onEvict,
    });
    cache.set('a', 1).set('b', 2, { ttl: Infinity }).set('c', 3, 50);
    clock.advance(60);
    expect(cache.get('a')).toBe(1); // restarts a's ttl
    expect(cache.expiresIn('b')).toBe(Infinity);
    expect(cache.has('c')).toBe(false);
    clock.advance(99);
    expect(cache.expiresIn('a')).toBe(1);
    expect(cache.prune()).toBe(1);
    expect(log).toEqual([['c', 3, 'expire']]);
    clock.advance(1);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.stats).toMatchObject({ hits: 1, misses: 1, sets: 3, expirations: 2 });
  });

  it('unlike LruCache, an expired entry leaves (reason "expire") when a write pushes it out of the window', () => {
    const clock = new ManualClock();
    const { onEvict, log } = recorder();
    // the window holds one entry (1 % of 100)
    const tiny = new TinyLfuCache<string, number>({ maxEntries: 100, clock, onEvict });
    const lru = new LruCache<string, number>({ maxEntries: 100, clock });
    for (const cache of [tiny, lru]) cache.set('a', 1, { ttl: 10 });
    clock.advance(10);
    for (const cache of [tiny, lru]) cache.set('b', 2);
    expect(log).toEqual([['a', 1, 'expire']]);
    expect(tiny.size).toBe(1);
    expect(tiny.stats.expirations).toBe(1);
    expect(lru.size).toBe(2); // kept until read, pruned or needed
  });

  it('autoPurge removes expired entries by itself', () => {
    const clock = new ManualClock();
    const { onEvict, log } = recorder();
    const cache = new TinyLfuCache<string, number>({
      maxEntries: 10,
      autoPurge: true,
      clock,
      onEvict,
    });
    cache.set('a', 1, { ttl: 100 });
    clock.advance(100);
    expect(log).toEqual([['a', 1, 'expire']]);
    expect(cache.size).toBe(0);
  });

  it('onEvict runs after the operation: a callback may use the cache; errors are rethrown after all ran', () => {
    const seen: number[] = [];
    const cache: TinyLfuCache<string, number> = new TinyLfuCache<string, number>({
      maxEntries: 5,
      onEvict: (value, key, reason) => {
        seen.push(value);
        if (reason === 'delete') cache.set(`${key}-again`, value);
        if (reason === 'clear') throw new Error(`clear ${key}`);
      },
    });
    cache.set('a', 1);
    cache.delete('a');
    expect(cache.get('a-again')).toBe(1);
    cache.set('b', 2);
    expect(() => cache.clear()).toThrow(/^clear a-again$/);
    expect(seen).toEqual([1, 1, 2]);
    expect(cache.size).toBe(0);
  });

  it('stats add up; resetStats zeroes them; delete returns whether it removed', () => {
    const cache = new TinyLfuCache<string, number>({ maxEntries: 2 });
    cache.set('a', 1);
    cache.get('a');
    cache.get('x');
    expect(cache.delete('a')).toBe(true);
    expect(cache.delete('a')).toBe(false);
    expect(cache.stats).toEqual({
      hits: 1,
      misses: 1,
      sets: 1,
      deletes: 1,
      evictions: 0,
      expirations: 0,
      hitRatio: 0.5,
    });
    cache.resetStats();
    expect(cache.stats.hits).toBe(0);
    expect(Object.prototype.toString.call(cache)).toBe('[object TinyLfuCache]');
  });

  it('dump/load round-trips values, remaining ttl and sizes', () => {
    const clock = new ManualClock();
    const cache = new TinyLfuCache<string, number>({
      maxSize: 100,
      sizeOf: (v) => v,
      ttl: 1_000,
      clock,
    });
    cache.set('a', 1).set('b', 2, { ttl: Infinity }).set('c', 3);
    clock.advance(400);
    const saved = JSON.parse(JSON.stringify(cache.dump()));
    expect(saved).toContainEqual(['a', { value: 1, ttl: 600, size: 1 }]);
    expect(saved).toContainEqual(['b', { value: 2, ttl: null, size: 2 }]);
    const copy = new TinyLfuCache<string, number>({
      maxSize: 100,
      sizeOf: (v) => v,
      ttl: 1_000,
      clock,
    });
    copy.load(saved);
    expect(new Map(copy.entries())).toEqual(new Map(cache.entries()));
    expect(copy.expiresIn('a')).toBe(600);
    expect(copy.expiresIn('b')).toBe(Infinity);
  });

  it('iteration skips expired entries and survives mutation', () => {
    const cache = new TinyLfuCache<number, number>({ maxEntries: 10 });
    for (let k = 0; k < 5; k++) cache.set(k, k);
    const seen: number[] = [];
    cache.forEach((value) => {
      seen.push(value);
      for (let k = 0; k < 5; k++) if (k !== value) cache.delete(k);
      cache.set(value + 100, 0);
    });
    expect(seen).toHaveLength(1);
    expect([...cache.values()].length).toBe(cache.size);
  });
});

describe('TinyLfuCache: bad input', () => {
  it('refuses what LruCache refuses, plus a bad seed', () => {
    const C = TinyLfuCache as unknown as new (...args: unknown[]) => TinyLfuCache<unknown, unknown>;
    expect(() => new C(undefined)).toThrow(TypeError);
    expect(() => new C({})).toThrow(/unbounded cache is refused/);
    expect(() => new C({ maxEntries: 0 })).toThrow(RangeError);
    expect(() => new C({ maxEntries: 1, maxEntires: 2 })).toThrow(/unknown option "maxEntires"/);
    expect(() => new C({ maxEntries: 1, seed: 'x' })).toThrow(
      /^lrukit: option "seed" must be an integer, got "x"$/,
    );
    expect(() => new C({ maxEntries: 1, seed: 1.5 })).toThrow(RangeError);
    expect(() => new C({ maxEntries: 1, ttl: 0 })).toThrow(RangeError);
    expect(() => new C({ maxEntries: 1 }, 2)).toThrow(/TinyLfuCache constructor\(options\)/);
  });

  it('methods refuse extra arguments and bad options, changing nothing', () => {
    const cache = new TinyLfuCache<string, number>({ maxEntries: 2 });
    const loose = cache as unknown as Record<string, (...args: unknown[]) => unknown>;
    expect(() => loose.get!.call(cache, 'a', { allowStale: true })).toThrow(TypeError);
    expect(() => cache.set('a', 1, { ttl: -1 })).toThrow(RangeError);
    expect(() => cache.set('a', 1, { size: 1 })).toThrow(TypeError);
    expect(() => cache.load([['a', { value: 1, ttl: 0 }]])).toThrow(RangeError);
    expect(() => cache.resize({})).toThrow(TypeError);
    expect(() => cache.forEach(1 as never)).toThrow(TypeError);
    expect(() => loose.keys!.call(cache, 1)).toThrow(TypeError);
    expect(cache.size).toBe(0);
    const sized = new TinyLfuCache<string, number>({ maxSize: 10 });
    expect(() => sized.set('a', 1)).toThrow(/needs the "sizeOf" option/);
  });
});

describe('TinyLfuCache: with room for every key, it behaves as LruCache but for order', () => {
  // No admission decision is taken before the cache is full, so every result, callback, stat and
  // the contents must match LruCache's; only the order of iteration (and of the callbacks within
  // one clear or prune) is TinyLfuCache's own. A pseudo-random workload over 40 keys, on caches
  // bounded well above what 40 keys can fill. Expired entries are only read (get, has, peek,
  // expiresIn, delete) and then pruned before the next write: TinyLfuCache removes an expired
  // entry as soon as a write pushes it out of the window (reason 'expire'), where LruCache keeps it
  // until it is read, pruned or needed for room; the contract allows both.
  type Ev = string;
  const variants = [
    ['count-bounded', { maxEntries: 64 }],
    ['count-bounded, ttl, updateAgeOnGet', { maxEntries: 41, ttl: 50, updateAgeOnGet: true }],
    ['size-bounded (sizeOf and per-set sizes)', { maxSize: 2_500, sizeOf: (v: number) => v % 41 }],
    ['both bounds, ttl', { maxEntries: 45, maxSize: 5_000, ttl: 30, sizeOf: (v: number) => v % 7 }],
  ] as const;

  it.each(variants)('%s', (_name, options) => {
    const clock = new ManualClock();
    const events: [Ev[], Ev[]] = [[], []];
    const make = <C>(Class: new (o: never) => C, i: 0 | 1): C =>
      new Class({
        ...options,
        clock,
        ...(i === 1 ? { seed: 7 } : {}),
        onEvict: (value: number, key: number, reason: string) => {
          events[i].push(`${key}=${value}:${reason}`);
        },
      } as never);
    const lru = make(LruCache<number, number>, 0);
    const tiny = make(TinyLfuCache<number, number>, 1);
    const sized = 'maxSize' in options;
    let x = 12_345;
    const random = (n: number): number => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return (x >>> 0) % n;
    };
    let readsOnly = 0; // after a clock advance: reads only, then prune, then writes again
    for (let step = 0; step < 2_500; step++) {
      const key = random(40);
      const value = random(1_000);
      let roll = random(100);
      if (readsOnly > 0) {
        readsOnly--;
        roll = readsOnly === 0 ? 98 : 40 + (roll % 35); // the reads below, then prune
      }
      events[0].length = events[1].length = 0;
      const both = <R>(fn: (c: LruCache<number, number> | TinyLfuCache<number, number>) => R) => {
        const a = fn(lru);
        const b = fn(tiny);
        return [a === lru ? 'self' : a, b === tiny ? 'self' : b];
      };
      let results: unknown[];
      let what: string;
      if (roll < 35) {
        const ttl = random(4) === 0 ? { ttl: 1 + random(60) } : {};
        const opts = sized && random(3) === 0 ? { ...ttl, size: random(50) } : ttl;
        what = `set(${key}, ${value}, ${JSON.stringify(opts)})`;
        results = both((c) => c.set(key, value, opts));
      } else if (roll < 55) {
        what = `get(${key})`;
        results = both((c) => c.get(key));
      } else if (roll < 62) {
        what = `peek(${key})`;
        results = both((c) => c.peek(key));
      } else if (roll < 68) {
        what = `has(${key})`;
        results = both((c) => c.has(key));
      } else if (roll < 72) {
        what = `expiresIn(${key})`;
        results = both((c) => c.expiresIn(key));
      } else if (roll < 80) {
        what = `delete(${key})`;
        results = both((c) => c.delete(key));
      } else if (roll < 84) {
        const entries = [0, 1, 2].map((i): [number, { value: number; ttl?: number }] => [
          (key + i * 13) % 40,
          i === 1 ? { value: value + i, ttl: 5 + random(40) } : { value: value + i },
        ]);
        what = `load(${JSON.stringify(entries)})`;
        results = both((c) => c.load(entries));
      } else if (roll < 88) {
        const bounds = sized ? { maxSize: 2_100 + random(3_000) } : { maxEntries: 41 + random(40) };
        what = `resize(${JSON.stringify(bounds)})`;
        results = both((c) => c.resize(bounds as never));
      } else if (roll < 95) {
        const ms = random(25);
        what = `advance(${ms})`;
        clock.advance(ms);
        results = [];
        readsOnly = 12;
      } else if (roll < 99) {
        what = 'prune()';
        results = both((c) => c.prune());
      } else {
        what = 'clear()';
        results = both((c) => c.clear());
      }
      const at = `step ${step}: ${what}`;
      // compared as text first (fast), through expect only on a difference (the diff)
      const observe = (c: LruCache<number, number> | TinyLfuCache<number, number>, i: 0 | 1) => ({
        result: results[i],
        onEvict: [...events[i]].sort(),
        stats: c.stats,
        size: c.size,
        totalSize: c.totalSize,
        bounds: [c.maxEntries, c.maxSize],
        entries: [...c.entries()].map(([k, v]) => `${k}=${v}`).sort(),
        dump:
          step % 50 === 0
            ? c
                .dump()
                .map((e) => JSON.stringify(e))
                .sort()
            : [],
      });
      const expected = observe(lru, 0);
      const actual = observe(tiny, 1);
      if (JSON.stringify(actual) !== JSON.stringify(expected)) expect(actual, at).toEqual(expected);
    }
    expect(lru.stats.evictions).toBe(0); // the bounds were never reached
    expect(lru.stats.hits).toBeGreaterThan(100);
    expect(lru.stats.expirations + lru.stats.deletes).toBeGreaterThan(50);
  });
});
