/**
 * CacheSurface: the public methods a bounded cache shares whatever its eviction policy — sizes and
 * bounds, `peek`/`has`/`delete`, `clear`, `resize`, expiry queries, stats, `dump`/`load` and
 * iteration — written once over a `Store` for `LruCache` and `TinyLfuCache`.
 *
 * Each cache extends it and adds its own hot paths (`get`, `set`) on the same store, which it keeps
 * in a `#private` field of its own: the store never appears in the public types.
 */

import { refuseExtra, typeError } from '../errors.js';
import { checkResizeOptions, checkSnapshot, type ResizeOptions } from '../options.js';
import type { Store } from './store.js';

/**
 * Counters of a cache since it was built or since `resetStats()`.
 *
 * @example
 * ```ts
 * const { hits, misses, hitRatio }: LruCacheStats = cache.stats;
 * ```
 */
export interface LruCacheStats {
  /** `get` calls that found a fresh entry. */
  readonly hits: number;
  /** `get` calls that found nothing, or an expired entry. */
  readonly misses: number;
  /** Entries stored by `set` or `load`. */
  readonly sets: number;
  /** Entries removed by `delete`. */
  readonly deletes: number;
  /** Entries removed to make room (with `TinyLfuCache`, refused admissions too). */
  readonly evictions: number;
  /** Expired entries removed (by `get`, `delete`, `prune`, `autoPurge` or when making room). */
  readonly expirations: number;
  /** `hits / (hits + misses)`, `0` before the first `get`. */
  readonly hitRatio: number;
}

/**
 * One entry of a `LruCache.dump` snapshot (JSON-friendly).
 *
 * @example
 * ```ts
 * const snapshot: Array<[string, LruCacheEntry<number>]> = cache.dump();
 * // [['a', { value: 1, ttl: 950 }], …]
 * ```
 */
export interface LruCacheEntry<V> {
  /** The stored value (a missing `value` loads as `undefined`). */
  value: V;
  /**
   * Ms of life left when dumped. Absent: the loading cache's default ttl applies. `null`: never
   * expires (a dump writes it for such entries of a cache whose default ttl is finite, so that
   * `load` does not give them that default).
   */
  ttl?: number | null;
  /** The entry's size, for caches with `maxSize`. */
  size?: number;
}

/**
 * The methods `LruCache` and `TinyLfuCache` share. "Iteration order" is the cache's own: most to
 * least recently used for `LruCache`; see `TinyLfuCache` for its segments.
 *
 * @typeParam K - key type
 * @typeParam V - value type
 */
export class CacheSurface<K, V> implements Iterable<[K, V]> {
  readonly #s: Store<K, V>;

  /** For `LruCache` and `TinyLfuCache` only: the store their hot paths share with these methods. */
  constructor(store: unknown) {
    this.#s = store as Store<K, V>;
  }

  /** Number of stored entries, including expired ones not removed yet. */
  get size(): number {
    return this.#s.map.size;
  }

  /**
   * Sum of the stored entries' sizes, always exact (sizes and `maxSize` are safe integers, and the
   * sum never exceeds `maxSize`); `0` for a cache without `maxSize`.
   */
  get totalSize(): number {
    return this.#s.totalSize;
  }

  /** The entry-count bound; `Infinity` when the cache is bounded by `maxSize` only. */
  get maxEntries(): number {
    return this.#s.maxEntries;
  }

  /** The total-size bound; `Infinity` when the cache is bounded by `maxEntries` only. */
  get maxSize(): number {
    return this.#s.maxSize;
  }

  /**
   * Returns the value stored under `key` without changing recency, frequency or stats; an expired
   * entry counts as absent (but is left for `get`, `prune` or `autoPurge` to remove).
   *
   * @example
   * ```ts
   * cache.peek('a'); // the value, 'a' stays where it is in the recency order
   * ```
   */
  peek(key: K): V | undefined;
  peek(key: K, extra?: unknown): V | undefined {
    if (extra !== undefined) this.#refuse('peek(key)', 1, extra);
    const s = this.#s;
    const slot = s.map.get(key);
    return slot === undefined || s.isExpired(slot) ? undefined : s.values[slot];
  }

  /**
   * Whether a fresh entry is stored under `key`; never changes recency.
   *
   * @example
   * ```ts
   * cache.has('a'); // true or false; an expired entry is false
   * ```
   */
  has(key: K): boolean;
  has(key: K, extra?: unknown): boolean {
    if (extra !== undefined) this.#refuse('has(key)', 1, extra);
    const s = this.#s;
    const slot = s.map.get(key);
    return slot !== undefined && !s.isExpired(slot);
  }

  /**
   * Removes the entry under `key`. Returns `true` if a fresh entry was removed (reason `'delete'`),
   * `false` if there was none; an expired entry is removed too (reason `'expire'`) and gives `false`.
   *
   * @example
   * ```ts
   * cache.delete('a'); // true if 'a' was there
   * ```
   */
  delete(key: K): boolean;
  delete(key: K, extra?: unknown): boolean {
    if (extra !== undefined) this.#refuse('delete(key)', 1, extra);
    const s = this.#s;
    const slot = s.map.get(key);
    if (slot === undefined) return false;
    const fresh = !s.isExpired(slot);
    s.remove(slot, fresh ? 'delete' : 'expire');
    s.flush();
    return fresh;
  }

  /**
   * Removes every entry (reason `'clear'`, least valuable first, as eviction goes) and releases
   * storage; costs O(entries held).
   *
   * @example
   * ```ts
   * cache.clear();
   * cache.size; // 0
   * ```
   */
  clear(): void;
  clear(extra?: unknown): void {
    if (extra !== undefined) this.#refuse('clear()', 0, extra);
    this.#s.clear();
  }

  /**
   * Changes the bounds and evicts until they hold (reason `'evict'`, or `'expire'` for entries
   * already expired), least valuable first. `maxSize` can only be given to a cache built with
   * `maxSize`; the effective `maxEntrySize` is never more than the new `maxSize`.
   *
   * @example
   * ```ts
   * cache.resize({ maxEntries: 100 }); // keeps 100 entries
   * ```
   */
  resize(options: ResizeOptions): this;
  resize(options: ResizeOptions, extra?: unknown): this {
    if (extra !== undefined) this.#refuse('resize(options)', 1, extra);
    const o = checkResizeOptions(options, this.#s.sizes !== undefined);
    this.#s.resize(o.maxEntries, o.maxSize);
    return this;
  }

  /**
   * Ms left before the entry under `key` expires: `Infinity` if it never does, `undefined` if
   * there is no fresh entry under `key`.
   *
   * @example
   * ```ts
   * cache.set('a', 1, { ttl: 1_000 });
   * cache.expiresIn('a'); // 1000 (less, as time passes)
   * ```
   */
  expiresIn(key: K): number | undefined;
  expiresIn(key: K, extra?: unknown): number | undefined {
    if (extra !== undefined) this.#refuse('expiresIn(key)', 1, extra);
    const s = this.#s;
    const slot = s.map.get(key);
    if (slot === undefined) return undefined;
    const expiresAt = s.expiresAt?.[slot] ?? Infinity;
    if (expiresAt === Infinity) return Infinity;
    const left = expiresAt - s.clock.now();
    return left > 0 ? left : undefined;
  }

  /**
   * Removes every expired entry now (reason `'expire'`) and returns how many were removed.
   *
   * @example
   * ```ts
   * const removed = cache.prune();
   * ```
   */
  prune(): number;
  prune(extra?: unknown): number {
    if (extra !== undefined) this.#refuse('prune()', 0, extra);
    const removed = this.#s.purge();
    this.#s.flush();
    return removed;
  }

  /**
   * Counters since the cache was built or since `resetStats()`; a fresh snapshot on each read.
   *
   * @example
   * ```ts
   * const { hits, misses, hitRatio } = cache.stats;
   * ```
   */
  get stats(): LruCacheStats {
    const s = this.#s;
    const lookups = s.hits + s.misses;
    return {
      hits: s.hits,
      misses: s.misses,
      sets: s.sets,
      deletes: s.deletes,
      evictions: s.evictions,
      expirations: s.expirations,
      hitRatio: lookups === 0 ? 0 : s.hits / lookups,
    };
  }

  /**
   * Sets every counter in `stats` back to zero.
   *
   * @example
   * ```ts
   * cache.resetStats();
   * cache.stats.hits; // 0
   * ```
   */
  resetStats(): void;
  resetStats(extra?: unknown): void {
    if (extra !== undefined) this.#refuse('resetStats()', 0, extra);
    const s = this.#s;
    s.hits = s.misses = s.sets = s.deletes = s.evictions = s.expirations = 0;
  }

  /**
   * A JSON-friendly snapshot of the fresh entries in the reverse of iteration order (for
   * `LruCache`, least recently used first), each with the ttl it has left (absent when it never
   * expires, or `null` when the cache's default ttl is finite) and, with `maxSize`, its size. Feed
   * it to `load` (in this process or another) to restart warm.
   *
   * @example
   * ```ts
   * const saved = JSON.stringify(cache.dump());
   * // later, maybe in another process:
   * other.load(JSON.parse(saved));
   * ```
   */
  dump(): Array<[K, LruCacheEntry<V>]>;
  dump(extra?: unknown): Array<[K, LruCacheEntry<V>]> {
    if (extra !== undefined) this.#refuse('dump()', 0, extra);
    const s = this.#s;
    const out: Array<[K, LruCacheEntry<V>]> = [];
    const slots = s.policy.slots();
    const expiresAt = s.expiresAt;
    const now = s.now();
    for (let i = slots.length - 1; i >= 0; i--) {
      const slot = slots[i]!;
      const entry: LruCacheEntry<V> = { value: s.values[slot] as V };
      if (expiresAt !== undefined && expiresAt[slot] !== Infinity) {
        const left = expiresAt[slot]! - now;
        if (left <= 0) continue;
        entry.ttl = left;
      } else if (s.ttl !== Infinity) {
        entry.ttl = null; // never, not "the default"
      }
      if (s.sizes !== undefined) entry.size = s.sizes[slot]!;
      out.push([s.keys[slot] as K, entry]);
    }
    return out;
  }

  /**
   * Stores the entries of a `dump()` snapshot in order, as `set` would (so the last is the most
   * recently used), each with the ttl it had left. Every entry is checked before anything is
   * stored: a malformed snapshot throws and changes nothing. A `size` is checked but ignored by a
   * cache without `maxSize`; without a `size`, a cache with `maxSize` measures the value with `sizeOf`.
   *
   * @example
   * ```ts
   * const copy = new LruCache<string, number>({ maxEntries: 100 });
   * copy.load(cache.dump());
   * ```
   */
  load(entries: Iterable<readonly [K, LruCacheEntry<V>]>): this;
  load(entries: Iterable<readonly [K, LruCacheEntry<V>]>, extra?: unknown): this {
    if (extra !== undefined) this.#refuse('load(entries)', 1, extra);
    const s = this.#s;
    const items = checkSnapshot<K, V>(entries);
    const sized = s.sizes !== undefined;
    const ttls = new Float64Array(items.length);
    const sizes = new Float64Array(items.length);
    for (let i = 0; i < items.length; i++) {
      const { key, value, ttl, size } = items[i]!;
      ttls[i] = ttl ?? s.ttl;
      if (sized) sizes[i] = size ?? s.measure(value, key);
    }
    for (let i = 0; i < items.length; i++) {
      const { key, value } = items[i]!;
      if (sizes[i]! > s.maxEntrySize) s.dropOversize(key);
      else s.policy.write(key, value, ttls[i]!, sizes[i]!);
    }
    s.flush();
    return this;
  }

  /**
   * Keys in iteration order (for `LruCache`, most to least recently used), skipping expired
   * entries, without changing recency. Iterates over the entries present when iteration starts:
   * entries deleted or expired meanwhile are skipped, entries added meanwhile are not visited, so
   * mutating the cache inside the loop is safe.
   *
   * @example
   * ```ts
   * for (const key of cache.keys()) console.log(key);
   * ```
   */
  keys(): IterableIterator<K>;
  keys(extra?: unknown): IterableIterator<K> {
    if (extra !== undefined) this.#refuse('keys()', 0, extra);
    return this.#keysOnly();
  }

  /**
   * Values in iteration order; see `keys` for the rules.
   *
   * @example
   * ```ts
   * const all = [...cache.values()];
   * ```
   */
  values(): IterableIterator<V>;
  values(extra?: unknown): IterableIterator<V> {
    if (extra !== undefined) this.#refuse('values()', 0, extra);
    return this.#valuesOnly();
  }

  /**
   * `[key, value]` pairs in iteration order; see `keys` for the rules.
   *
   * @example
   * ```ts
   * const snapshot = new Map(cache.entries());
   * ```
   */
  entries(): IterableIterator<[K, V]>;
  entries(extra?: unknown): IterableIterator<[K, V]> {
    if (extra !== undefined) this.#refuse('entries()', 0, extra);
    return this.#entries();
  }

  /**
   * Same as `entries`.
   *
   * @example
   * ```ts
   * for (const [key, value] of cache) console.log(key, value);
   * ```
   */
  [Symbol.iterator](): IterableIterator<[K, V]>;
  [Symbol.iterator](extra?: unknown): IterableIterator<[K, V]> {
    if (extra !== undefined) this.#refuse('[Symbol.iterator]()', 0, extra);
    return this.#entries();
  }

  /**
   * Calls `callback(value, key, cache)` for each fresh entry, in iteration order, with the rules
   * of `keys`.
   *
   * @example
   * ```ts
   * cache.forEach((value, key) => console.log(key, value));
   * ```
   */
  forEach(callback: (value: V, key: K, cache: this) => void, thisArg?: unknown): void;
  forEach(
    callback: (value: V, key: K, cache: this) => void,
    thisArg?: unknown,
    extra?: unknown,
  ): void {
    if (extra !== undefined) this.#refuse('forEach(callback, thisArg?)', 2, extra);
    if (typeof callback !== 'function') typeError('forEach() callback', 'a function', callback);
    for (const [key, value] of this.#entries()) {
      callback.call(thisArg, value, key, this);
    }
  }

  /** The class name (`'LruCache'`, `'TinyLfuCache'`), so `Object.prototype.toString` names it. */
  get [Symbol.toStringTag](): string {
    return this.#s.name;
  }

  // The public iteration methods are plain functions that check their arguments at once and
  // return these generators (a generator's body, argument checks included, runs only at `next()`).

  /**
   * Fresh entries in iteration order. The keys are copied at the first `next()` and the copy is
   * walked: entries deleted or expired meanwhile are skipped, entries added meanwhile are not
   * visited, and nothing loops forever.
   */
  *#entries(): IterableIterator<[K, V]> {
    const s = this.#s;
    const keys = s.policy.slots().map((slot) => s.keys[slot] as K);
    for (const key of keys) {
      const slot = s.map.get(key);
      if (slot !== undefined && !s.isExpired(slot)) yield [key, s.values[slot] as V];
    }
  }

  *#keysOnly(): IterableIterator<K> {
    for (const [key] of this.#entries()) yield key;
  }

  *#valuesOnly(): IterableIterator<V> {
    for (const [, value] of this.#entries()) yield value;
  }

  #refuse(signature: string, takes: number, extra: unknown): never {
    return refuseExtra(this.#s.name, signature, takes, extra);
  }
}
