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
});
