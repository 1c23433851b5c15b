// What users of LruCache (and of lru-cache's fetch) keep when they move to LoadingCache: has,
// iteration over fresh values, expiresIn, dump/load for a warm restart, resize, set with a ttl,
// and arguments a method does not take refused (issue 12).
import { LoadingCache, LruCache } from 'lrukit';
import { ManualClock } from 'lrukit/testing';
import { describe, expect, it, vi } from 'vitest';
import { flush, manualLoader } from '../shared/loaders.js';

function make(options: { staleWhileRevalidate?: number; ttl?: number; errorTtl?: number } = {}) {
  const clock = new ManualClock();
  const evicted: Array<[string, string]> = [];
  const cache = new LoadingCache<string, string>({
    load: async (key) => `loaded ${key}`,
    maxEntries: 3,
    ttl: 100,
    clock,
    onEvict: (value, key) => evicted.push([key, value]),
    ...options,
  });
  return { clock, cache, evicted };
}

describe('LoadingCache: has, expiresIn', () => {
  it('has() is true for a fresh or stale value, false for a miss or a remembered failure; no load, no recency change', async () => {
    const clock = new ManualClock();
    const load = vi.fn(async (key: string) => {
      if (key === 'bad') throw new Error('down');
      return key;
    });
    const cache = new LoadingCache<string, string>({
      load,
      maxEntries: 2,
      ttl: 100,
      staleWhileRevalidate: 50,
      errorTtl: 1_000,
      clock,
    });
    await cache.get('a');
    await cache.get('b');
    await expect(cache.get('bad')).rejects.toThrow('down'); // evicts 'a'
    expect(cache.has('a')).toBe(false);
    expect(cache.has('b')).toBe(true);
    expect(cache.has('bad')).toBe(false); // a failure is not a value
    clock.advance(120); // stale, inside staleWhileRevalidate
    expect(cache.has('b')).toBe(true);
    expect(cache.peek('b')).toBe('b');
    clock.advance(30); // past both windows
    expect(cache.has('b')).toBe(false);
    expect(load).toHaveBeenCalledTimes(3);
  });

  it('expiresIn(): freshness left, Infinity without ttl, 0 once stale, undefined when absent', async () => {
    const { clock, cache } = make({ staleWhileRevalidate: 50 });
    await cache.get('a');
    clock.advance(30);
    expect(cache.expiresIn('a')).toBe(70);
    clock.advance(80);
    expect(cache.expiresIn('a')).toBe(0); // stale, still stored
    clock.advance(40);
    expect(cache.expiresIn('a')).toBeUndefined();
    expect(cache.expiresIn('never')).toBeUndefined();
    const forever = new LoadingCache<string, number>({ load: async () => 1, maxEntries: 1 });
    await forever.get('x');
    expect(forever.expiresIn('x')).toBe(Infinity);
  });
});

describe('LoadingCache: iteration over fresh values', () => {
  it('entries, keys, values, for…of and forEach: fresh values only, most to least recently used, recency unchanged', async () => {
    const { clock, cache } = make();
    await cache.get('a');
    clock.advance(50);
    await cache.get('b');
    await cache.get('c');
    await cache.get('a'); // a is most recent now
    expect([...cache.keys()]).toEqual(['a', 'c', 'b']);
    expect([...cache.values()]).toEqual(['loaded a', 'loaded c', 'loaded b']);
    expect(new Map(cache)).toEqual(
      new Map([
        ['a', 'loaded a'],
        ['c', 'loaded c'],
        ['b', 'loaded b'],
      ]),
    );
    const seen: string[] = [];
    cache.forEach(function (this: unknown, value, key, self) {
      expect(self).toBe(cache);
      expect(this).toBe(seen);
      seen.push(`${key}=${value}`);
    }, seen);
    expect(seen).toEqual(['a=loaded a', 'c=loaded c', 'b=loaded b']);
    clock.advance(60); // 'a' (loaded at 0) is stale now: not iterated, still stored
    expect([...cache.keys()]).toEqual(['c', 'b']);
    expect(cache.size).toBe(3);
    // iterating changed no recency: the next load evicts 'b', the least recently used
    await cache.get('d');
    expect(cache.has('b')).toBe(false);
  });

  it('mutating the cache while iterating neither throws nor loops', async () => {
    const { cache } = make();
    for (const key of ['a', 'b', 'c']) await cache.get(key);
    const visited: string[] = [];
    for (const [key] of cache) {
      visited.push(key);
      cache.invalidate('b');
      cache.set(`new-${key}`, 'x');
    }
    expect(visited.length).toBeLessThanOrEqual(3);
    expect(visited).not.toContain('b');
  });
});

describe('LoadingCache: dump and load (a warm restart)', () => {
  it('dump() keeps each fresh value with the freshness it has left; load() restores it on another cache', async () => {
    const { clock, cache } = make({ staleWhileRevalidate: 1_000 });
    await cache.get('old');
    clock.advance(150); // 'old' is stale: left out of the snapshot
    await cache.get('a');
    clock.advance(40);
    cache.set('b', 'set b', Infinity);
    const snapshot = JSON.parse(JSON.stringify(cache.dump()));
    expect(snapshot).toEqual([
      ['a', { value: 'loaded a', ttl: 60 }],
      ['b', { value: 'set b', ttl: null }], // never stale, in a cache whose ttl is finite
    ]);

    const clock2 = new ManualClock(5_000);
    const load = vi.fn(async (key: string) => `reloaded ${key}`);
    const restarted = new LoadingCache<string, string>({
      load,
      maxEntries: 10,
      ttl: 100,
      clock: clock2,
    });
    restarted.load(snapshot);
    expect(await restarted.get('a')).toBe('loaded a');
    expect(restarted.expiresIn('a')).toBe(60);
    expect(restarted.expiresIn('b')).toBe(Infinity);
    clock2.advance(60);
    expect(await restarted.get('a')).toBe('reloaded a'); // its freshness ran out where it would have
    expect(load).toHaveBeenCalledTimes(1);
    expect([...restarted.keys()]).toEqual(['a', 'b']);
  });

  it('load() refuses a malformed snapshot whole, and stops a load in flight from storing', async () => {
    const { calls, load } = manualLoader<string>();
    const cache = new LoadingCache<string, string>({ load, maxEntries: 10 });
    const pending = cache.get('k');
    expect(() => cache.load([['x', { value: 'v', ttl: -1 }]] as never)).toThrow(RangeError);
    expect(() => cache.load([['x', { value: 'v', extra: 1 }]] as never)).toThrow(
      /unknown option "extra"/,
    );
    expect(() => cache.load([['x']] as never)).toThrow(TypeError);
    expect(() => cache.load(5 as never)).toThrow(TypeError);
    expect(cache.size).toBe(0);
    cache.load([['k', { value: 'from snapshot' }]]);
    calls[0]!.resolve('late');
    expect(await pending).toBe('late');
    await flush();
    expect(cache.peek('k')).toBe('from snapshot');
  });

  it('with maxSize, sizes travel in the snapshot', async () => {
    const cache = new LoadingCache<string, string>({
      load: async (k) => k.repeat(3),
      maxSize: 100,
      sizeOf: (v) => v.length,
    });
    await cache.get('ab');
    expect(cache.dump()).toEqual([['ab', { value: 'ababab', size: 6 }]]);
  });
});

describe('LoadingCache: resize and set with a ttl', () => {
  it('resize() evicts least recently used values to the new bound', async () => {
    const { cache, evicted } = make();
    for (const key of ['a', 'b', 'c']) await cache.get(key);
    cache.resize({ maxEntries: 1 });
    expect([...cache.keys()]).toEqual(['c']);
    expect(evicted.map(([k]) => k)).toEqual(['a', 'b']);
    expect(() => cache.resize({ maxEntries: 0 })).toThrow(RangeError);
  });

  it('set(key, value, ttl) and set(key, value, { ttl }) replace the ttl option for that value', () => {
    const { clock, cache } = make();
    cache.set('a', 'v', 10);
    cache.set('b', 'v', { ttl: 1_000 });
    cache.set('c', 'v', {});
    expect(cache.expiresIn('a')).toBe(10);
    expect(cache.expiresIn('b')).toBe(1_000);
    expect(cache.expiresIn('c')).toBe(100);
    clock.advance(10);
    expect(cache.has('a')).toBe(false);
  });

  it('a bad ttl is refused and changes nothing', () => {
    const { cache } = make();
    cache.set('a', 'old');
    for (const ttl of [0, -1, Number.NaN, '5', { ttl: 0 }, { tll: 5 }, null]) {
      expect(() => cache.set('a', 'new', ttl as never)).toThrow(/ttl|set\(\) options/);
    }
    expect(cache.peek('a')).toBe('old');
  });
});

describe('LoadingCache: arguments a method does not take are refused', () => {
  it.each([
    [
      'peek',
      (c: LoadingCache<string, string>) => (c.peek as Function).call(c, 'k', { allowStale: true }),
    ],
    ['has', (c: LoadingCache<string, string>) => (c.has as Function).call(c, 'k', 1)],
    ['expiresIn', (c: LoadingCache<string, string>) => (c.expiresIn as Function).call(c, 'k', 1)],
    [
      'invalidate',
      (c: LoadingCache<string, string>) => (c.invalidate as Function).call(c, 'k', true),
    ],
    ['clear', (c: LoadingCache<string, string>) => (c.clear as Function).call(c, 'k')],
    ['set', (c: LoadingCache<string, string>) => (c.set as Function).call(c, 'k', 'v', 5, 'x')],
  ])('%s() with one argument too many throws a TypeError and changes nothing', (name, call) => {
    const { cache } = make();
    cache.set('k', 'v');
    expect(() => call(cache)).toThrow(new RegExp(`LoadingCache ${name}\\(.*\\) takes`));
    expect(cache.peek('k')).toBe('v');
  });

  it('get() and refresh() reject (never throw) with one argument too many', async () => {
    const { cache } = make();
    const get = cache.get as Function;
    await expect(get.call(cache, 'k', {}, 'x')).rejects.toThrow(
      /LoadingCache get\(key, options\?\) takes at most 2 arguments, got a 3rd/,
    );
    await expect(get.call(cache, 'k', { allowStale: true })).rejects.toThrow(
      /unknown option "allowStale"/,
    );
    await expect((cache.refresh as Function).call(cache, 'k', 1)).rejects.toThrow(
      /LoadingCache refresh\(key\) takes/,
    );
    expect(cache.size).toBe(0);
  });

  it('the same names behave as on LruCache where they overlap', async () => {
    const clock = new ManualClock();
    const lru = new LruCache<string, string>({ maxEntries: 3, ttl: 100, clock });
    const loading = new LoadingCache<string, string>({
      load: async (k) => k,
      maxEntries: 3,
      ttl: 100,
      clock,
    });
    for (const key of ['a', 'b', 'c']) {
      lru.set(key, key);
      await loading.get(key);
      clock.advance(10);
    }
    lru.get('a');
    await loading.get('a');
    expect([...loading.entries()]).toEqual([...lru.entries()]);
    expect(loading.expiresIn('b')).toBe(lru.expiresIn('b'));
    expect(loading.has('c')).toBe(lru.has('c'));
    loading.resize({ maxEntries: 2 });
    lru.resize({ maxEntries: 2 });
    expect([...loading.keys()]).toEqual([...lru.keys()]);
  });
});

describe('LoadingCache surface under hostile callbacks', () => {
  const boom = new Error('onEvict failed');
  function throwing() {
    const { calls, load } = manualLoader<string>();
    const cache = new LoadingCache<string, string>({
      load,
      maxEntries: 3,
      ttl: (value) => {
        if (value === 'bad ttl') throw new Error('ttl failed');
        return 100;
      },
      onEvict: () => {
        throw boom;
      },
    });
    return { calls, cache };
  }

  it('resize() finishes evicting to the new bound, then throws the first onEvict error', () => {
    const { cache } = throwing();
    for (const key of ['a', 'b', 'c']) cache.set(key, key);
    expect(() => cache.resize({ maxEntries: 1 })).toThrow(boom);
    expect([...cache.keys()]).toEqual(['c']);
  });

  it('load() stores the whole snapshot (replacing and evicting), then throws the first onEvict error', () => {
    const { cache } = throwing();
    for (const key of ['a', 'b', 'c']) cache.set(key, key);
    expect(() =>
      cache.load([
        ['a', { value: 'A' }],
        ['d', { value: 'D' }],
      ]),
    ).toThrow(boom);
    expect([...cache.entries()]).toEqual([
      ['d', 'D'],
      ['a', 'A'],
      ['c', 'c'],
    ]);
  });

  it('load() whose ttl function throws for one entry stores nothing and keeps the load in flight', async () => {
    const { calls, cache } = throwing();
    const pending = cache.get('k');
    expect(() =>
      cache.load([
        ['k', { value: 'fine' }],
        ['x', { value: 'bad ttl' }],
      ]),
    ).toThrow('ttl failed');
    expect(cache.size).toBe(0);
    calls[0]!.resolve('loaded');
    expect(await pending).toBe('loaded');
    await flush();
    expect(cache.peek('k')).toBe('loaded'); // the load was still the current one
  });
});
