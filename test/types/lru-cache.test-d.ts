import { type EvictionReason, LruCache, type LruCacheEntry, type LruCacheOptions } from 'lrukit';
import { describe, expectTypeOf, it } from 'vitest';

describe('LruCache types', () => {
  it('refuses an unbounded cache and size options without maxSize', () => {
    // @ts-expect-error neither maxEntries nor maxSize
    new LruCache<string, number>({ ttl: 1_000 });
    // @ts-expect-error sizeOf needs maxSize
    new LruCache<string, number>({ maxEntries: 10, sizeOf: () => 1 });
    // @ts-expect-error maxEntrySize needs maxSize
    new LruCache<string, number>({ maxEntries: 10, maxEntrySize: 1 });
    // @ts-expect-error unknown option
    new LruCache<string, number>({ maxEntries: 10, maxAge: 1 });
    expectTypeOf<{ maxEntries: 1 }>().toExtend<LruCacheOptions<string, number>>();
    expectTypeOf<{ maxSize: 1; sizeOf: (v: number, k: string) => number }>().toExtend<
      LruCacheOptions<string, number>
    >();
  });

  it('types values, callbacks and snapshots', () => {
    const cache = new LruCache<string, { id: number }>({
      maxEntries: 10,
      onEvict: (value, key, reason) => {
        expectTypeOf(value).toEqualTypeOf<{ id: number }>();
        expectTypeOf(key).toEqualTypeOf<string>();
        expectTypeOf(reason).toEqualTypeOf<EvictionReason>();
      },
    });
    expectTypeOf(cache.get('a')).toEqualTypeOf<{ id: number } | undefined>();
    expectTypeOf(cache.set('a', { id: 1 })).toEqualTypeOf<typeof cache>();
    expectTypeOf(cache.dump()).toEqualTypeOf<Array<[string, LruCacheEntry<{ id: number }>]>>();
    expectTypeOf([...cache]).toEqualTypeOf<Array<[string, { id: number }]>>();
    // @ts-expect-error wrong key type
    cache.get(1);
  });

  it("takes a ttl in ms as set's third argument, and no argument a method does not take", () => {
    const cache = new LruCache<string, number>({ maxEntries: 10, clock: Date });
    expectTypeOf(cache.set('a', 1, 500)).toEqualTypeOf<typeof cache>();
    expectTypeOf(cache.set('a', 1, { ttl: 500 })).toEqualTypeOf<typeof cache>();
    // @ts-expect-error a ttl is a number of ms
    cache.set('a', 1, '500');
    // @ts-expect-error get has no options
    cache.get('a', { allowStale: true });
    // @ts-expect-error peek has no options
    cache.peek('a', { allowStale: true });
    // @ts-expect-error has takes only the key
    cache.has('a', true);
    // @ts-expect-error delete takes only the key
    cache.delete('a', 'b');
    // @ts-expect-error clear takes nothing
    cache.clear(true);
    // @ts-expect-error set takes at most three arguments
    cache.set('a', 1, 500, {});
    new LruCache<string, number>({ maxEntries: 10, clock: performance });
    // @ts-expect-error a clock has a now() method
    new LruCache<string, number>({ maxEntries: 10, clock: () => 0 });
  });
});
