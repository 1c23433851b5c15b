// LoadingCache with a shared second tier (l2) and an invalidation bus, against in-memory tiers on
// a ManualClock. The same contract over real Redis servers is tested in test/redis/.
import {
  cached,
  type InvalidationBus,
  type L2Store,
  LoadingCache,
  memoize,
  type TierErrorContext,
} from 'lrukit';
import { ManualClock } from 'lrukit/testing';
import { describe, expect, it, vi } from 'vitest';
import { MemoryBus, MemoryStore } from '../shared/memory-tiers.js';

/** Lets settled promises run their handlers (a microtask flush, not a sleep). */
const flush = async () => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

/** Two "processes": two caches sharing one store and one bus, each with its own loader. */
function twoCaches(
  options: { ttl?: number; staleWhileRevalidate?: number; refreshAhead?: number } = {},
) {
  const clock = new ManualClock();
  const store = new MemoryStore<string>(clock);
  const bus = new MemoryBus();
  const errors: Array<[unknown, TierErrorContext]> = [];
  const make = (name: string) => {
    const load = vi.fn(async (key: string) => `${key}@${name}#${load.mock.calls.length}`);
    const cache = new LoadingCache<string, string>({
      load,
      maxEntries: 100,
      ttl: options.ttl ?? 1_000,
      staleWhileRevalidate: options.staleWhileRevalidate,
      refreshAhead: options.refreshAhead,
      clock,
      l2: store,
      bus,
      onError: (error, context) => errors.push([error, context]),
    });
    return { cache, load };
  };
  return { clock, store, bus, errors, a: make('a'), b: make('b') };
}

describe('LoadingCache with l2: the read path', () => {
  it('a load in one cache is an L2 hit in the other: L1, then L2, then the loader', async () => {
    const { a, b, store } = twoCaches();
    expect(await a.cache.get('q')).toBe('q@a#1');
    await a.cache.flush();
    expect(store.data.get('q')?.value).toBe('q@a#1');
    expect(await b.cache.get('q')).toBe('q@a#1');
    expect(b.load).not.toHaveBeenCalled();
    expect(b.cache.stats).toMatchObject({ l2Hits: 1, l2Misses: 0, loads: 0, misses: 1 });
    expect(a.cache.stats).toMatchObject({ l2Hits: 0, l2Misses: 1 });
    // now an L1 hit: the store is not asked again
    store.calls.length = 0;
    expect(await b.cache.get('q')).toBe('q@a#1');
    expect(store.calls).toEqual([]);
  });

  it("fills L1 with L2's remaining ttl, never more", async () => {
    const { a, b, clock, store } = twoCaches({ ttl: 1_000 });
    await a.cache.get('q');
    await a.cache.flush();
    clock.advance(700); // 300 ms left in L2
    await b.cache.get('q');
    clock.advance(299);
    expect(await b.cache.get('q')).toBe('q@a#1'); // still fresh in b's L1
    expect(b.load).not.toHaveBeenCalled();
    clock.advance(1); // L2's ttl is over, and so is b's copy
    store.calls.length = 0;
    expect(await b.cache.get('q')).toBe('q@b#1');
    expect(store.calls).toEqual(['get q', 'set q']);
    expect(b.load).toHaveBeenCalledTimes(1);
  });

  it('an L2 with more time left than this cache’s own ttl is kept for the own ttl', async () => {
    const clock = new ManualClock();
    const store = new MemoryStore<string>(clock);
    await store.set('q', 'long', 10_000);
    const load = vi.fn(async () => 'loaded');
    const cache = new LoadingCache<string, string>({
      load,
      maxEntries: 5,
      ttl: 100,
      clock,
      l2: store,
    });
    expect(await cache.get('q')).toBe('long');
    clock.advance(100);
    await cache.get('q'); // past own ttl: asks L2 again (still there) rather than serving stale
    expect(store.calls.filter((c) => c === 'get q')).toHaveLength(2);
    expect(load).not.toHaveBeenCalled();
  });

  it('totalSize is the sum of the stored values’ sizes', async () => {
    const cache = new LoadingCache<string, string>({
      load: async (key) => key.repeat(3),
      maxSize: 10,
      sizeOf: (value) => value.length,
    });
    expect(cache.totalSize).toBe(0);
    await cache.get('ab');
    await cache.get('c');
    expect(cache.totalSize).toBe(9);
    await cache.get('dd'); // 6 more: the oldest goes
    expect(cache.totalSize).toBe(9);
    expect(cache.peek('ab')).toBeUndefined();
  });

  it('shouldCache false: the value goes to neither tier', async () => {
    const clock = new ManualClock();
    const store = new MemoryStore<number>(clock);
    const cache = new LoadingCache<string, number>({
      load: async () => 7,
      maxEntries: 5,
      clock,
      l2: store,
      shouldCache: () => false,
    });
    expect(await cache.get('k')).toBe(7);
    await cache.flush();
    expect(store.data.size).toBe(0);
    expect(cache.peek('k')).toBeUndefined();
  });

  it('concurrent misses share one L2 read and at most one load', async () => {
    const { a, store } = twoCaches();
    const results = await Promise.all(Array.from({ length: 50 }, () => a.cache.get('q')));
    expect(new Set(results)).toEqual(new Set(['q@a#1']));
    expect(store.calls.filter((c) => c === 'get q')).toHaveLength(1);
    expect(a.load).toHaveBeenCalledTimes(1);
  });

  it('refresh() and refresh-ahead ask the loader, stale-while-revalidate asks L2 first', async () => {
    const { a, b, clock } = twoCaches({
      ttl: 1_000,
      staleWhileRevalidate: 1_000,
      refreshAhead: 0.5,
    });
    await a.cache.get('q');
    await a.cache.flush();
    // explicit refresh: the loader, even though L2 has a fresh value
    expect(await a.cache.refresh('q')).toBe('q@a#2');
    // refresh-ahead: the loader
    clock.advance(600);
    await a.cache.get('q');
    await flush();
    expect(a.load).toHaveBeenCalledTimes(3);
    await a.cache.flush();
    // b's copy came from L2; when it goes stale, b's background refresh finds a's newer value in L2
    await b.cache.get('q');
    expect(b.load).not.toHaveBeenCalled();
  });
});

describe('LoadingCache with l2 and bus: writes and invalidation', () => {
  it('set writes both tiers and the other cache drops its L1 copy', async () => {
    const { a, b, store, bus } = twoCaches();
    await a.cache.get('q');
    await a.cache.flush();
    await b.cache.get('q');
    a.cache.set('q', 'new');
    expect(a.cache.peek('q')).toBe('new');
    await a.cache.flush();
    expect(store.data.get('q')?.value).toBe('new');
    expect(bus.sent.at(-1)?.keys).toEqual(['q']);
    expect(b.cache.peek('q')).toBeUndefined();
    expect(await b.cache.get('q')).toBe('new'); // from L2, no load
    expect(b.load).not.toHaveBeenCalled();
    expect(b.cache.stats.busMessages).toBe(1);
    // a ignores its own message
    expect(a.cache.stats.busMessages).toBe(0);
    expect(a.cache.peek('q')).toBe('new');
  });

  it('invalidate deletes from L2 before telling the others (they reload, not re-read old L2)', async () => {
    const { a, b, bus } = twoCaches();
    await a.cache.get('q');
    await a.cache.flush();
    await b.cache.get('q');
    // when b hears of it, L2 must already be without 'q'
    const heard: Array<string | undefined> = [];
    bus.subscribe({
      message: () => heard.push(b.cache.peek('q')),
      reconnected: () => {},
    });
    a.cache.invalidate('q');
    expect(a.cache.peek('q')).toBeUndefined();
    await a.cache.flush();
    expect(bus.sent.at(-1)).toMatchObject({ keys: ['q'] });
    expect(b.cache.peek('q')).toBeUndefined();
    expect(await b.cache.get('q')).toBe('q@b#1');
  });

  it('clear removes L2 and flushes every L1', async () => {
    const { a, b, store } = twoCaches();
    await Promise.all([a.cache.get('x'), a.cache.get('y')]);
    await a.cache.flush();
    await b.cache.get('x');
    a.cache.clear();
    await a.cache.flush();
    expect(store.data.size).toBe(0);
    expect(b.cache.size).toBe(0);
  });

  it('a reconnected bus flushes L1 (messages may have been lost)', async () => {
    const { a, bus } = twoCaches();
    await a.cache.get('x');
    expect(a.cache.size).toBe(1);
    bus.reconnect();
    expect(a.cache.size).toBe(0);
    expect(a.cache.stats.busMessages).toBe(1);
  });

  it('a message from another cache during a load: the waiters get the value, it is not stored', async () => {
    const { a, b, bus } = twoCaches();
    let release!: (v: string) => void;
    b.load.mockImplementationOnce(() => new Promise<string>((r) => (release = r)));
    const pending = b.cache.get('q');
    await flush(); // b asked L2 and started its load
    await bus.publish({ origin: 'someone-else', keys: ['q'] });
    release('old');
    expect(await pending).toBe('old');
    expect(b.cache.peek('q')).toBeUndefined();
    void a;
  });

  it('close() leaves the bus', async () => {
    const { a, b, bus } = twoCaches();
    await b.cache.get('q');
    await b.cache.close();
    expect(bus.listeners.size).toBe(1);
    a.cache.invalidate('q');
    await a.cache.flush();
    expect(b.cache.peek('q')).toBe('q@b#1');
  });

  it('each distinct key has its own tier key: 1, "1", 1n, true and "~1" never share one', async () => {
    const clock = new ManualClock();
    const store = new MemoryStore<string>(clock);
    const bus = new MemoryBus();
    const make = (name: string) =>
      new LoadingCache<unknown, string>({
        load: async (k) => `${typeof k} ${String(k)}@${name}`,
        maxEntries: 10,
        clock,
        l2: store,
        bus,
      });
    const a = make('a');
    const b = make('b');
    const keys: unknown[] = [1, '1', 1n, true, 'true', '~1', null, 'null', undefined, Number.NaN];
    for (const key of keys) await a.get(key);
    await a.flush();
    // plain strings stay readable in Redis; everything else is marked with "~"
    expect([...store.data.keys()].sort()).toEqual(
      ['1', '~1', '~1n', '~true', 'true', '~"~1"', '~null', 'null', '~undefined', '~NaN'].sort(),
    );
    // the other process finds each value under its own key
    for (const key of keys) expect(await b.get(key)).toBe(`${typeof key} ${String(key)}@a`);
    expect(b.stats.l2Hits).toBe(keys.length);
    // invalidating the number 1 drops it everywhere, and leaves the string "1" alone
    a.invalidate(1);
    await a.flush();
    expect(b.peek(1)).toBeUndefined();
    expect(b.peek('1')).toBe('string 1@a');
    expect(store.data.has('1')).toBe(true);
  });

  it('a bus message names keys by their tier key; unknown spellings are ignored', async () => {
    const clock = new ManualClock();
    const bus = new MemoryBus();
    const cache = new LoadingCache<unknown, string>({
      load: async (k) => String(k),
      maxEntries: 10,
      clock,
      bus,
    });
    for (const key of [3, '3', 4n, '~x']) await cache.get(key);
    // '~03' and '~"3"' are not the canonical spelling of any key
    await bus.publish({ origin: 'x', keys: ['~03', '~"3"', '~3'] });
    expect(cache.peek(3)).toBeUndefined();
    expect(cache.peek('3')).toBe('3');
    await bus.publish({ origin: 'x', keys: ['~4n', '~"~x"'] });
    expect(cache.peek(4n)).toBeUndefined();
    expect(cache.peek('~x')).toBeUndefined();
    expect(cache.stats.busMessages).toBe(2);
  });

  it('a key that means nothing in another process (an object, a function) is refused, changing nothing', async () => {
    const clock = new ManualClock();
    const store = new MemoryStore<number>(clock);
    const load = vi.fn(async () => 7);
    const cache = new LoadingCache<unknown, number>({
      load,
      maxEntries: 5,
      clock,
      l2: store,
    });
    for (const key of [{ id: 1 }, () => {}, Symbol('s')]) {
      await expect(cache.get(key)).rejects.toThrow(/"l2" or "bus" takes keys .* stableKey/);
      expect(() => cache.set(key, 1)).toThrow(TypeError);
      expect(() => cache.invalidate(key)).toThrow(TypeError);
      await expect(cache.refresh(key)).rejects.toThrow(TypeError);
    }
    await cache.flush();
    expect(load).not.toHaveBeenCalled();
    expect(cache.size).toBe(0);
    expect(store.calls).toEqual([]);
  });
});

describe('LoadingCache tiers fail open', () => {
  it('an L2 read failure goes to the loader, counted and reported, never to the caller', async () => {
    const { a, store, errors } = twoCaches();
    const boom = new Error('ECONNREFUSED');
    store.fail.get = boom;
    expect(await a.cache.get('q')).toBe('q@a#1');
    expect(a.cache.stats.l2Errors).toBe(1);
    expect(errors[0]).toEqual([boom, { tier: 'l2', operation: 'get', key: 'q' }]);
  });

  it('an L2 write failure (e.g. a value that cannot be serialized) keeps the value in L1', async () => {
    const { a, store, errors } = twoCaches();
    const refused = new TypeError('value is a function');
    store.fail.set = refused;
    expect(await a.cache.get('q')).toBe('q@a#1');
    await a.cache.flush();
    expect(a.cache.peek('q')).toBe('q@a#1');
    expect(store.data.size).toBe(0);
    expect(errors).toEqual([[refused, { tier: 'l2', operation: 'set', key: 'q' }]]);
    expect(a.cache.stats.l2Errors).toBe(1);
  });

  it('a failed L2 delete still tells the others; a failed publish is counted', async () => {
    const { a, b, store, bus, errors } = twoCaches();
    await a.cache.get('q');
    await a.cache.flush();
    await b.cache.get('q');
    store.fail.delete = new Error('down');
    a.cache.invalidate('q');
    await a.cache.flush();
    expect(b.cache.peek('q')).toBeUndefined();
    bus.failPublish = new Error('publish failed');
    a.cache.set('q', 'v');
    await a.cache.flush();
    expect(a.cache.stats).toMatchObject({ l2Errors: 1, busErrors: 1 });
    expect(errors.map(([, c]) => `${c.tier}:${c.operation}`)).toEqual(['l2:delete', 'bus:publish']);
  });

  it('a failed bus subscription is counted and reported', () => {
    const errors: Array<[unknown, TierErrorContext]> = [];
    const refused = new Error('NOPERM');
    const bus: InvalidationBus = {
      publish: async () => {},
      subscribe: (listener) => {
        listener.error?.(refused);
        return () => {};
      },
    };
    const cache = new LoadingCache<string, number>({
      load: async () => 1,
      maxEntries: 5,
      bus,
      onError: (error, context) => errors.push([error, context]),
    });
    expect(cache.stats.busErrors).toBe(1);
    expect(errors).toEqual([[refused, { tier: 'bus', operation: 'subscribe' }]]);
  });

  it('a store that throws synchronously and a throwing onError do not reach callers', async () => {
    const clock = new ManualClock();
    const l2: L2Store<number> = {
      get: () => {
        throw new Error('sync');
      },
      set: () => {
        throw new Error('sync');
      },
      delete: async () => {},
      clear: async () => {},
    };
    const cache = new LoadingCache<string, number>({
      load: async () => 1,
      maxEntries: 5,
      clock,
      l2,
      onError: () => {
        throw new Error('bad handler');
      },
    });
    expect(await cache.get('k')).toBe(1);
    await cache.flush();
    expect(cache.stats.l2Errors).toBe(2);
  });

  it('invalidated while L2 is asked: the loader is not called and nothing is stored', async () => {
    const clock = new ManualClock();
    let answer!: (v: undefined) => void;
    const l2: L2Store<number> = {
      get: () => new Promise((r) => (answer = r)),
      set: vi.fn(async () => {}),
      delete: async () => {},
      clear: async () => {},
    };
    const load = vi.fn(async () => 1);
    const cache = new LoadingCache<string, number>({ load, maxEntries: 5, clock, l2 });
    const pending = cache.get('k');
    cache.invalidate('k');
    answer(undefined);
    await expect(pending).rejects.toThrow(/invalidated/);
    expect(load).not.toHaveBeenCalled();
    expect(cache.size).toBe(0);
    expect(l2.set).not.toHaveBeenCalled();
  });
});

describe('memoize and @cached with tiers', () => {
  it('memoize calls fn with the right arguments after an L2 miss (the loader runs later)', async () => {
    const clock = new ManualClock();
    const store = new MemoryStore<string>(clock);
    const fn = vi.fn(async (q: string, page: number) => `${q}:${page}`);
    const search = memoize(fn, { clock, l2: store, ttl: 1_000 });
    const [x, y] = await Promise.all([search('a', 1), search('b', 2)]);
    expect([x, y]).toEqual(['a:1', 'b:2']);
    expect(fn.mock.calls).toEqual([
      ['a', 1],
      ['b', 2],
    ]);
    await search.cache.flush();
    expect(store.data.size).toBe(2);
  });

  it('@cached takes l2/bus with scope "class" only', () => {
    const bus = new MemoryBus();
    expect(() => {
      class S {
        @cached({ bus })
        async f(x: number) {
          return x;
        }
      }
      return S;
    }).toThrow(/option "bus" of @cached must be used with scope: 'class' only/);
    expect(bus.listeners.size).toBe(0);
    class T {
      @cached({ bus, scope: 'class' })
      async f(x: number) {
        return x;
      }
    }
    expect(new T()).toBeInstanceOf(T);
    expect(bus.listeners.size).toBe(1);
  });
});
