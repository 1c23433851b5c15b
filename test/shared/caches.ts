/**
 * The synchronous cache classes that share `LruCache`'s contract (API.md §1 and §6), as a table
 * for `describe.each`: how to build each one (TinyLfuCache with a fixed seed, so a failure
 * reproduces), and helpers for the assertions that hold for both.
 *
 * What differs under admission (TinyLfuCache): the order of iteration, which key is evicted, and
 * whether a `get` right after a `set` hits. A test asserts the exact LRU outcome when `kind.lru`,
 * and the invariants (bounds, every key readable or reported evicted, stats adding up) otherwise.
 */

import {
  type EvictionReason,
  LruCache,
  type LruCacheEntry,
  type LruCacheOptions,
  type LruCacheStats,
  type ResizeOptions,
  type SetOptions,
  TinyLfuCache,
} from 'lrukit';
import { expect } from 'vitest';

/** The seed every TinyLfuCache of the shared suites is built with. */
export const SEED = 0x5eed;

/** The public surface `LruCache` and `TinyLfuCache` share. */
export interface SyncCache<K, V> extends Iterable<[K, V]> {
  readonly size: number;
  readonly totalSize: number;
  readonly maxEntries: number;
  readonly maxSize: number;
  readonly stats: LruCacheStats;
  get(key: K): V | undefined;
  peek(key: K): V | undefined;
  has(key: K): boolean;
  set(key: K, value: V, options?: SetOptions): this;
  set(key: K, value: V, ttl: number): this;
  delete(key: K): boolean;
  clear(): void;
  resize(options: ResizeOptions): this;
  expiresIn(key: K): number | undefined;
  prune(): number;
  resetStats(): void;
  dump(): Array<[K, LruCacheEntry<V>]>;
  load(entries: Iterable<readonly [K, LruCacheEntry<V>]>): this;
  keys(): IterableIterator<K>;
  values(): IterableIterator<V>;
  entries(): IterableIterator<[K, V]>;
  forEach(callback: (value: V, key: K, cache: this) => void, thisArg?: unknown): void;
}

/** One class of the table. */
export interface CacheKind {
  /** The class name, as `Object.prototype.toString` and the error messages say it. */
  readonly name: 'LruCache' | 'TinyLfuCache';
  /** True for exact LRU: recency order, least recently used evicted, a `set` always stored. */
  readonly lru: boolean;
  /** The class itself, for tests of the constructor's argument checks (nothing added). */
  readonly Class: new (
    options: never,
  ) => SyncCache<unknown, unknown>;
  /** A new cache with these options (TinyLfuCache: with `seed: SEED` unless given). */
  create<K, V>(options: LruCacheOptions<K, V>): SyncCache<K, V>;
}

export const LRU: CacheKind = {
  name: 'LruCache',
  lru: true,
  Class: LruCache as unknown as CacheKind['Class'],
  create: <K, V>(options: LruCacheOptions<K, V>) => new LruCache<K, V>(options),
};

export const TINY_LFU: CacheKind = {
  name: 'TinyLfuCache',
  lru: false,
  Class: TinyLfuCache as unknown as CacheKind['Class'],
  create: <K, V>(options: LruCacheOptions<K, V>) =>
    new TinyLfuCache<K, V>({ seed: SEED, ...options }),
};

/** Both classes, for `describe.each(CACHE_KINDS)('$name: …', (kind) => …)`. */
export const CACHE_KINDS: readonly CacheKind[] = [LRU, TINY_LFU];

/** An `onEvict` that records `[key, value, reason]`, in call order. */
export function recording<K, V>() {
  const evicted: Array<[K, V, EvictionReason]> = [];
  const onEvict = (value: V, key: K, reason: EvictionReason) => {
    evicted.push([key, value, reason]);
  };
  return { evicted, onEvict };
}

/**
 * The cache holds `expected` (pairs in LRU order, most recent first): in that order for an exact
 * LRU, in any order (the same pairs, each once) for TinyLfuCache.
 */
export function expectEntries<K, V>(
  kind: CacheKind,
  cache: SyncCache<K, V>,
  expected: Array<[K, V]>,
): void {
  const actual = [...cache.entries()];
  if (kind.lru) {
    expect(actual).toEqual(expected);
  } else {
    expect(actual).toHaveLength(expected.length);
    expect(new Map(actual)).toEqual(new Map(expected));
  }
}

/** The cache's keys are `expected` (LRU order), in any order for TinyLfuCache. */
export function expectKeys<K>(kind: CacheKind, cache: SyncCache<K, unknown>, expected: K[]): void {
  const actual = [...cache.keys()];
  if (kind.lru) {
    expect(actual).toEqual(expected);
  } else {
    expect(actual).toHaveLength(expected.length);
    expect(new Set(actual)).toEqual(new Set(expected));
  }
}

/**
 * Invariants of any cache without expired entries: both bounds hold; iteration, `has`, `peek`,
 * `size` and `dump` agree (no key in the map that iteration misses, none iterated twice);
 * `totalSize` is the exact sum of the dumped sizes. Returns the entries as a Map.
 */
export function expectConsistent<K, V>(cache: SyncCache<K, V>): Map<K, V> {
  const entries = [...cache.entries()];
  const map = new Map(entries);
  expect(map.size, 'a key iterated twice').toBe(entries.length);
  expect(entries.length, 'size equals the keys iteration yields').toBe(cache.size);
  expect(cache.size).toBeLessThanOrEqual(cache.maxEntries);
  expect(cache.totalSize).toBeLessThanOrEqual(cache.maxSize);
  for (const [key, value] of entries) {
    expect(cache.has(key)).toBe(true);
    expect(cache.peek(key)).toBe(value);
  }
  const dump = cache.dump();
  expect(new Map(dump.map(([k, e]) => [k, e.value]))).toEqual(map);
  if (cache.maxSize !== Infinity) {
    expect(dump.reduce((sum, [, e]) => sum + (e.size ?? 0), 0)).toBe(cache.totalSize);
  }
  return map;
}

/**
 * Every `[key, value]` written last under its key is either held (with that value) or was
 * reported by `onEvict` (with that value, for one of `reasons`): nothing lost silently.
 */
export function expectAccountedFor<K, V>(
  cache: SyncCache<K, V>,
  written: Array<[K, V]>,
  evicted: Array<[K, V, EvictionReason]>,
  reasons: EvictionReason[] = ['evict'],
): void {
  const last = new Map(written);
  for (const [key, value] of last) {
    if (cache.has(key)) {
      expect(cache.peek(key)).toBe(value);
    } else {
      const reported = evicted.some(
        ([k, v, reason]) => Object.is(k, key) && Object.is(v, value) && reasons.includes(reason),
      );
      expect(reported, `${String(key)} is neither held nor reported evicted`).toBe(true);
    }
  }
}

/** Stats agree with the `onEvict` calls: evictions, expirations and deletes, by reason. */
export function expectStatsMatch(
  stats: LruCacheStats,
  evicted: ReadonlyArray<readonly [unknown, unknown, EvictionReason]>,
): void {
  const count = (reason: EvictionReason) => evicted.filter(([, , r]) => r === reason).length;
  expect({
    evictions: stats.evictions,
    expirations: stats.expirations,
    deletes: stats.deletes,
  }).toEqual({ evictions: count('evict'), expirations: count('expire'), deletes: count('delete') });
  const lookups = stats.hits + stats.misses;
  expect(stats.hitRatio).toBe(lookups === 0 ? 0 : stats.hits / lookups);
}
