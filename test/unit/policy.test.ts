/**
 * `policy: 'lru' | 'tinylfu'` (and `seed`) on `LoadingCache`, `memoize` and `@cached` (API.md §6,
 * issue 13 "Everywhere"): every feature under both L1s, what only TinyLFU does (scan resistance,
 * refused admission), bad values, reproducibility, and a model-based run under both policies.
 */

import fc from 'fast-check';
import { cached, LoadingCache, memoize, TinyLfuCache } from 'lrukit';
import { ManualClock } from 'lrukit/testing';
import { describe, expect, it } from 'vitest';

type Policy = 'lru' | 'tinylfu';
const POLICIES: readonly Policy[] = ['lru', 'tinylfu'];

/** `{ policy }`, with a fixed seed under 'tinylfu' so that every run decides the same. */
const policyOptions = (policy: Policy) =>
  policy === 'tinylfu' ? ({ policy, seed: 7 } as const) : ({ policy } as const);

/** A loader that counts its calls per key and answers `key:n` for its n-th call of that key. */
function countingLoader() {
  const calls = new Map<string, number>();
  const load = async (key: string) => {
    const n = (calls.get(key) ?? 0) + 1;
    calls.set(key, n);
    return `${key}:${n}`;
  };
  return { load, calls, total: () => [...calls.values()].reduce((a, b) => a + b, 0) };
}

/** A deterministic stream of `n` keys over `keys` distinct ones, skewed (Zipf-like) by a seeded PRNG. */
function skewedStream(n: number, keys: number, seed: number): string[] {
  let x = seed >>> 0 || 1;
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const u = (x >>> 0) / 2 ** 32;
    // inverse of a 1/rank density: small ranks far more often
    out.push(`k${Math.floor(keys ** u) - 1}`);
  }
  return out;
}

describe.each(POLICIES)("policy '%s': every LoadingCache feature", (policy) => {
  it('hits, coalesces concurrent misses, and counts them', async () => {
    const { load, calls } = countingLoader();
    const cache = new LoadingCache<string, string>({
      load,
      maxEntries: 10,
      ...policyOptions(policy),
    });
    expect(await Promise.all([cache.get('a'), cache.get('a'), cache.get('a')])).toEqual([
      'a:1',
      'a:1',
      'a:1',
    ]);
    expect(await cache.get('a')).toBe('a:1');
    expect(calls.get('a')).toBe(1);
    expect(cache.stats).toMatchObject({ hits: 1, misses: 3, loads: 1, sets: 1 });
  });

  it('expires on ttl and serves stale while revalidating, on a ManualClock', async () => {
    const clock = new ManualClock();
    const { load } = countingLoader();
    const cache = new LoadingCache<string, string>({
      load,
      maxEntries: 10,
      ttl: 100,
      staleWhileRevalidate: 50,
      clock,
      ...policyOptions(policy),
    });
    expect(await cache.get('a')).toBe('a:1');
    clock.advance(99);
    expect(cache.expiresIn('a')).toBe(1);
    expect(await cache.get('a')).toBe('a:1');
    clock.advance(1);
    expect(cache.expiresIn('a')).toBe(0);
    expect(cache.has('a')).toBe(true);
    // stale: served at once, one background load refreshes it
    expect(await cache.get('a')).toBe('a:1');
    expect(cache.stats.staleHits).toBe(1);
    await cache.refresh('a'); // joins the background load
    expect(await cache.get('a')).toBe('a:2');
    clock.advance(150);
    expect(cache.has('a')).toBe(false);
    expect(await cache.get('a')).toBe('a:3');
  });

  it('keeps maxSize and totalSize exact, and reports evictions to onEvict', async () => {
    const evicted: Array<[string, string]> = [];
    const cache = new LoadingCache<string, string>({
      load: async (key) => key.repeat(10),
      maxSize: 100,
      sizeOf: (value) => value.length,
      onEvict: (_value, key, reason) => evicted.push([key, reason]),
      ...policyOptions(policy),
    });
    for (const key of 'abcdefghijkl') await cache.get(key);
    expect(cache.totalSize).toBeLessThanOrEqual(100);
    expect(cache.totalSize).toBe(cache.size * 10);
    expect(cache.stats.evictions).toBe(12 - cache.size);
    expect(evicted.filter(([, reason]) => reason === 'evict')).toHaveLength(12 - cache.size);
    const [kept] = cache.keys();
    cache.invalidate(kept!);
    expect(evicted.at(-1)).toEqual([kept, 'delete']);
  });

  it('iterates, dumps, loads and resizes', async () => {
    const clock = new ManualClock();
    const { load } = countingLoader();
    const options = { load, maxEntries: 10, ttl: 1_000, clock, ...policyOptions(policy) };
    const cache = new LoadingCache<string, string>(options);
    for (const key of ['a', 'b', 'c']) await cache.get(key);
    expect(new Set(cache.keys())).toEqual(new Set(['a', 'b', 'c']));
    expect(new Map(cache)).toEqual(
      new Map([
        ['a', 'a:1'],
        ['b', 'b:1'],
        ['c', 'c:1'],
      ]),
    );
    clock.advance(400);
    const snapshot = cache.dump();
    expect(snapshot.map(([key, e]) => [key, e.value, e.ttl])).toEqual(
      expect.arrayContaining([
        ['a', 'a:1', 600],
        ['b', 'b:1', 600],
        ['c', 'c:1', 600],
      ]),
    );
    const restored = new LoadingCache<string, string>(options);
    restored.load(snapshot);
    expect(restored.peek('b')).toBe('b:1');
    expect(restored.expiresIn('b')).toBe(600);
    restored.resize({ maxEntries: 1 });
    expect(restored.size).toBe(1);
    expect(restored.stats.evictions).toBe(2);
  });

  it('getMany: hits from L1, one loadMany for the misses', async () => {
    const batches: string[][] = [];
    const cache = new LoadingCache<string, string>({
      load: async (key) => `one ${key}`,
      loadMany: async (keys) => {
        batches.push([...keys]);
        return keys.map((key) => `many ${key}`);
      },
      maxEntries: 10,
      ...policyOptions(policy),
    });
    await cache.get('a');
    expect(await cache.getMany(['a', 'b', 'c', 'b'])).toEqual([
      'one a',
      'many b',
      'many c',
      'many b',
    ]);
    expect(batches).toEqual([['b', 'c']]);
    expect(await cache.getMany(['c', 'a'])).toEqual(['many c', 'one a']);
    expect(batches).toHaveLength(1);
  });

  it('write-through and write-behind: the written value is served without a load', async () => {
    const stored = new Map<string, string>();
    let loads = 0;
    const load = async (key: string) => {
      loads++;
      return stored.get(key) ?? 'none';
    };
    const write = async (key: string, value: string) => {
      stored.set(key, value);
    };
    const through = new LoadingCache<string, string>({
      load,
      write,
      maxEntries: 10,
      ...policyOptions(policy),
    });
    await through.write('a', 'A');
    expect(stored.get('a')).toBe('A');
    expect(await through.get('a')).toBe('A');
    const behind = new LoadingCache<string, string>({
      load,
      write,
      writeBehind: { delay: 10 },
      clock: new ManualClock(),
      maxEntries: 10,
      ...policyOptions(policy),
    });
    await behind.write('b', 'B');
    expect(await behind.get('b')).toBe('B');
    await behind.flush();
    expect(stored.get('b')).toBe('B');
    expect(loads).toBe(0);
  });

  it('sets a value that a load in flight does not overwrite', async () => {
    let release: (value: string) => void = () => {};
    const cache = new LoadingCache<string, string>({
      load: () => new Promise<string>((resolve) => (release = resolve)),
      maxEntries: 10,
      ...policyOptions(policy),
    });
    const pending = cache.get('a');
    cache.set('a', 'set');
    release('loaded');
    expect(await pending).toBe('loaded');
    expect(cache.peek('a')).toBe('set');
  });
});

describe.each(POLICIES)("policy '%s' through memoize and @cached", (policy) => {
  it('memoize: hits, coalescing and ttl', async () => {
    const clock = new ManualClock();
    let calls = 0;
    const square = memoize(
      async (n: number) => {
        calls++;
        return n * n;
      },
      { ttl: 100, clock, maxEntries: 10, ...policyOptions(policy) },
    );
    expect(await Promise.all([square(3), square(3)])).toEqual([9, 9]);
    expect(await square(3)).toBe(9);
    expect(calls).toBe(1);
    clock.advance(100);
    expect(await square(3)).toBe(9);
    expect(calls).toBe(2);
    expect(square.cache.stats).toMatchObject({ hits: 1, misses: 3, loads: 2 });
  });

  it('@cached: hits, coalescing and ttl, per instance', async () => {
    const clock = new ManualClock();
    const options = { ttl: 100, clock, maxEntries: 10, ...policyOptions(policy) };
    class Service {
      calls = 0;
      @cached(options)
      async twice(n: number): Promise<number> {
        this.calls++;
        return 2 * n;
      }
    }
    const service = new Service();
    expect(await Promise.all([service.twice(4), service.twice(4)])).toEqual([8, 8]);
    expect(await service.twice(4)).toBe(8);
    expect(service.calls).toBe(1);
    expect(cached.peek(service, 'twice', 4)).toBe(8);
    clock.advance(100);
    expect(cached.peek(service, 'twice', 4)).toBeUndefined();
    expect(await service.twice(4)).toBe(8);
    expect(service.calls).toBe(2);
  });
});

describe('what only TinyLFU does', () => {
  /** Calls `hot` often, then scans `scan` one-off keys through a cache of 100; returns hot's calls. */
  async function scanThrough(policy: Policy, scan: number): Promise<number> {
    let hotCalls = 0;
    const fetchPage = memoize(
      async (key: string) => {
        if (key === 'hot') hotCalls++;
        return key;
      },
      { maxEntries: 100, ...policyOptions(policy) },
    );
    for (let i = 0; i < 20; i++) await fetchPage('hot');
    for (let i = 0; i < scan; i++) await fetchPage(`once-${i}`);
    await fetchPage('hot');
    return hotCalls;
  }

  it('a scan of one-off keys flushes the hot key under lru, not under tinylfu', async () => {
    expect(await scanThrough('lru', 1_000)).toBe(2); // loaded again after the scan
    expect(await scanThrough('tinylfu', 1_000)).toBe(1); // still cached
  });

  it('a load whose value is refused admission still reaches every waiter, once, counted', async () => {
    const evicted: Array<[string, string, string]> = [];
    let loads = 0;
    const cache = new LoadingCache<string, string>({
      load: async (key) => {
        loads++;
        return key === 'big' ? 'x'.repeat(100) : 'small';
      },
      // TinyLFU's main space is 99 here: an entry of 100 cannot be admitted
      maxSize: 100,
      sizeOf: (value) => value.length,
      onEvict: (value, key, reason) => evicted.push([key, reason, value.slice(0, 3)]),
      policy: 'tinylfu',
      seed: 1,
    });
    const waiters = await Promise.all([cache.get('big'), cache.get('big'), cache.get('big')]);
    expect(waiters).toEqual(Array(3).fill('x'.repeat(100)));
    expect(loads).toBe(1);
    expect(evicted).toEqual([['big', 'evict', 'xxx']]);
    expect(cache.has('big')).toBe(false);
    expect(cache.totalSize).toBe(0);
    expect(cache.stats).toMatchObject({ misses: 3, hits: 0, loads: 1, loadErrors: 0, sets: 1 });
    expect(cache.stats.evictions).toBe(1);
    // not kept, so the next get loads again (once), and nothing else ran meanwhile
    expect(await cache.get('big')).toBe('x'.repeat(100));
    expect(loads).toBe(2);
    // the same cache under 'lru' keeps it
    const lru = new LoadingCache<string, string>({
      load: async () => 'x'.repeat(100),
      maxSize: 100,
      sizeOf: (value) => value.length,
    });
    await lru.get('big');
    expect(lru.has('big')).toBe(true);
  });

  it('same seed, same stream: the same hits, misses and evictions; the seed is passed through', async () => {
    const stream = skewedStream(4_000, 1_000, 99);
    const run = async (seed: number) => {
      const cache = new LoadingCache<string, string>({
        load: async (key) => key,
        maxEntries: 50,
        policy: 'tinylfu',
        seed,
      });
      for (const key of stream) await cache.get(key);
      const { hits, misses, loads, evictions } = cache.stats;
      return { hits, misses, loads, evictions, keys: [...cache.keys()] };
    };
    const a = await run(42);
    expect(await run(42)).toEqual(a);
    expect(a.hits).toBeGreaterThan(0);
    expect(a.hits + a.misses).toBe(stream.length);
    // a bare TinyLfuCache with that seed, fed get-then-set, decides exactly the same
    const bare = new TinyLfuCache<string, string>({ maxEntries: 50, seed: 42 });
    for (const key of stream) if (bare.get(key) === undefined) bare.set(key, key);
    expect(bare.stats.hits).toBe(a.hits);
    expect([...bare.keys()]).toEqual(a.keys);
    // and the seed matters on this stream (so the checks above could fail)
    expect((await run(43)).keys).not.toEqual(a.keys);

    const memoRun = async () => {
      // keyed as the LoadingCache is (the default key, stableKey(args), hashes differently)
      const id = memoize(async (key: string) => key, {
        maxEntries: 50,
        policy: 'tinylfu',
        seed: 42,
        key: (key) => key,
      });
      for (const key of stream) await id(key);
      return id.cache.stats.hits;
    };
    expect(await memoRun()).toBe(a.hits);
  });
});

describe('bad policy and seed values', () => {
  const fn = async (n: number) => n;
  const builders: Array<[string, string, (options: Record<string, unknown>) => unknown]> = [
    [
      'LoadingCache',
      'LoadingCache',
      (o) => new LoadingCache({ load: fn, maxEntries: 10, ...o } as never),
    ],
    ['memoize', 'memoize\\(\\)', (o) => memoize(fn, o as never)],
    [
      '@cached',
      '@cached\\(\\)',
      (o) =>
        class {
          @cached(o as never)
          async m(n: number): Promise<number> {
            return n;
          }
        },
    ],
  ];

  describe.each(builders)('%s', (_name, api, build) => {
    it.each([
      [
        { policy: 'lfu' },
        TypeError,
        `${api} option "policy" must be "lru" or "tinylfu", got "lfu"`,
      ],
      [
        { policy: 'LRU' },
        TypeError,
        `${api} option "policy" must be "lru" or "tinylfu", got "LRU"`,
      ],
      [{ policy: 1 }, TypeError, `${api} option "policy" must be "lru" or "tinylfu", got 1`],
      [{ policy: null }, TypeError, `${api} option "policy" must be "lru" or "tinylfu", got null`],
      [
        { seed: 1 },
        TypeError,
        `${api} option "seed" is taken only with policy: 'tinylfu' .*got seed 1 with policy "lru"`,
      ],
      [{ policy: 'lru', seed: 1 }, TypeError, `${api} option "seed" is taken only with policy`],
      [
        { policy: 'tinylfu', seed: 1.5 },
        RangeError,
        `${api} option "seed" must be an integer, got 1.5`,
      ],
      [
        { policy: 'tinylfu', seed: '1' },
        TypeError,
        `${api} option "seed" must be an integer, got "1"`,
      ],
    ])('refuses %j', (options, type, message) => {
      expect(() => build(options)).toThrow(type);
      expect(() => build(options)).toThrow(new RegExp(`^lrukit: ${message}`));
    });

    it('takes every good value, and undefined as absent', () => {
      for (const options of [
        {},
        { policy: undefined },
        { policy: 'lru' },
        { policy: 'lru', seed: undefined },
        { policy: 'tinylfu' },
        { policy: 'tinylfu', seed: 0 },
        { policy: 'tinylfu', seed: -5 },
      ]) {
        expect(() => build(options)).not.toThrow();
      }
    });
  });

  it('a refused memoize never calls the function', () => {
    let calls = 0;
    expect(() => memoize(async () => calls++, { policy: 'arc' as never })).toThrow(TypeError);
    expect(calls).toBe(0);
  });
});

// ---- a model-based run under both policies ----

/**
 * Commands against a `LoadingCache` small enough to evict, and a model that knows what the cache
 * must answer for a key it still holds (the last value loaded or set) and what the loader
 * answers now (its version of the key). Which keys stay is the policy's business; the checks are
 * what holds under any policy: a held key is a hit with the held value, never a reload; a key not
 * held is loaded once, with the loader's current value; the bound and the counters add up.
 */
describe.each(POLICIES)("policy '%s' against a model", (policy) => {
  const KEYS = ['a', 'b', 'c', 'd', 'e', 'f'];
  const MAX = 3;
  const key = fc.constantFrom(...KEYS);
  const command = fc.oneof(
    key.map((k) => ({ op: 'get' as const, k })),
    key.map((k) => ({ op: 'get' as const, k })),
    key.map((k) => ({ op: 'bump' as const, k })),
    key.map((k) => ({ op: 'set' as const, k })),
    key.map((k) => ({ op: 'invalidate' as const, k })),
    fc.constant({ op: 'clear' as const, k: 'a' }),
  );

  it('answers what the model allows after every command', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(command, { maxLength: 60 }),
        fc.integer(),
        async (commands, seed) => {
          const version = new Map<string, number>(); // the loader's current answer per key
          const held = new Map<string, string>(); // what the cache holds, if it still holds the key
          let loads = 0;
          let gets = 0;
          let sets = 0;
          const cache = new LoadingCache<string, string>({
            load: async (k) => {
              loads++;
              return `${k}@${version.get(k) ?? 0}`;
            },
            maxEntries: MAX,
            ...(policy === 'tinylfu' ? { policy, seed } : { policy }),
          });
          for (const { op, k } of commands) {
            if (op === 'get') {
              const present = cache.has(k);
              const before = loads;
              const value = await cache.get(k);
              gets++;
              if (present) {
                expect(value).toBe(held.get(k));
                expect(loads).toBe(before);
              } else {
                expect(value).toBe(`${k}@${version.get(k) ?? 0}`);
                expect(loads).toBe(before + 1);
                held.set(k, value);
              }
            } else if (op === 'bump') {
              version.set(k, (version.get(k) ?? 0) + 1);
            } else if (op === 'set') {
              sets++;
              cache.set(k, `${k}=set${sets}`);
              held.set(k, `${k}=set${sets}`);
            } else if (op === 'invalidate') {
              cache.invalidate(k);
              held.delete(k);
              expect(cache.has(k)).toBe(false);
            } else {
              cache.clear();
              held.clear();
            }
            expect(cache.size).toBeLessThanOrEqual(MAX);
            for (const [k2, v] of cache) expect(v).toBe(held.get(k2));
            const stats = cache.stats;
            expect(stats.hits + stats.misses).toBe(gets);
            expect(stats.loads).toBe(loads);
            expect(stats.misses).toBe(loads); // one caller at a time: every miss loads once
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
