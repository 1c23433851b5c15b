/**
 * LruCache: a bounded map that evicts the least recently used entry — a `Map` from key to slot
 * plus an intrusive recency list over slots, so get, set, delete and eviction are O(1).
 *
 * Design notes:
 * - Entries are struct-of-arrays: key, value, size, expiry and ttl live in parallel arrays indexed
 *   by slot ({@link RecencyList}). Per-slot columns for size and time exist only when the cache
 *   uses them: a cache without `maxSize` has no size column, and the expiry column is allocated at
 *   the first entry that can expire, so a cache without ttl never reads the clock.
 * - Storage grows by doubling up to `maxEntries`; nothing is preallocated per potential entry.
 * - `onEvict` callbacks are queued during an operation and run once it has finished changing the
 *   cache; the queue is swapped out before running, so callbacks may re-enter the cache freely.
 */

import type { Clock } from './clock.js';
import { systemClock } from './clock.js';
import {
  checkPositive,
  checkSize,
  refuseExtra as refuseExtraArgument,
  typeError,
} from './errors.js';
import { RecencyList } from './linked-list.js';
import {
  checkResizeOptions,
  checkSetOptions,
  checkSnapshot,
  type EvictionReason,
  type LruCacheOptions,
  type OnEvict,
  type ResizeOptions,
  resolveOptions,
  type SetOptions,
} from './options.js';

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
  /** Entries removed to make room. */
  readonly evictions: number;
  /** Expired entries removed (by `get`, `delete`, `prune`, `autoPurge` or when making room). */
  readonly expirations: number;
  /** `hits / (hits + misses)`, `0` before the first `get`. */
  readonly hitRatio: number;
}

/**
 * One entry of a {@link LruCache.dump} snapshot (JSON-friendly).
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

function grown(column: Float64Array, capacity: number, fill: number): Float64Array {
  const next = new Float64Array(capacity);
  next.set(column);
  if (fill !== 0) next.fill(fill, column.length);
  return next;
}

/** A copy of `items` with room for exactly `capacity`, kept packed (V8 reads packed arrays faster). */
function resized<T>(items: T[], capacity: number): T[] {
  return Array.from({ length: capacity }, (_, i) => items[i] as T);
}

/** Refuses an argument an `LruCache` method does not take (see `refuseExtra` in errors.ts). */
const refuseExtra = (signature: string, takes: number, extra: unknown): never =>
  refuseExtraArgument('LruCache', signature, takes, extra);

/**
 * A bounded map that evicts the least recently used entry, bounded by entry count and/or total
 * size, with optional per-entry ttl.
 *
 * Keys are compared like `Map` keys (SameValueZero: objects by identity, `NaN` equals `NaN`);
 * any value may be stored, `undefined` and `null` included. Reads (`get`) make an entry the
 * most recently used; `peek`, `has`, `expiresIn` and iteration never change recency.
 *
 * @typeParam K - key type
 * @typeParam V - value type
 *
 * @example
 * ```ts
 * import { LruCache } from 'lrukit';
 *
 * const cache = new LruCache<string, number>({ maxEntries: 2 });
 * cache.set('a', 1).set('b', 2);
 * cache.get('a');     // 1 — 'a' is now the most recently used
 * cache.set('c', 3);  // evicts 'b', the least recently used
 * [...cache.keys()];  // ['c', 'a']
 * ```
 *
 * @example Size-bounded, with ttl
 * ```ts
 * const pages = new LruCache<string, string>({
 *   maxSize: 1_000_000,            // total bytes, as measured by sizeOf
 *   sizeOf: (html) => html.length,
 *   ttl: 60_000,                   // one minute
 *   onEvict: (html, url, reason) => console.log(`dropped ${url}: ${reason}`),
 * });
 * ```
 */
export class LruCache<K, V> implements Iterable<[K, V]> {
  readonly #map = new Map<K, number>();
  readonly #list: RecencyList;
  #keys: (K | undefined)[] = [];
  #values: (V | undefined)[] = [];
  /** Capacity of the typed per-slot columns; kept equal to the list's. */
  #columns: number;

  #maxEntries: number;
  #maxSize: number;
  readonly #maxEntrySizeOption: number;
  #maxEntrySize: number;
  readonly #sizeOf: ((value: V, key: K) => number) | undefined;
  /** Entry sizes; present exactly when the cache has `maxSize`. */
  #sizes: Float64Array | undefined;
  #totalSize = 0;

  readonly #ttl: number;
  readonly #clock: Clock;
  /** Absolute expiry per slot (`Infinity`: never); allocated at the first entry with a ttl. */
  #expiresAt: Float64Array | undefined;
  /** Each entry's ttl, kept only with `updateAgeOnGet` so a hit can restart it. */
  #ttls: Float64Array | undefined;
  readonly #updateAgeOnGet: boolean;

  readonly #autoPurge: boolean;
  #timer: unknown;
  /** The expiry the timer is armed for (`Infinity`: no timer). */
  #timerAt = Infinity;
  /** A purge scans every entry, so purges are spaced by a time proportional to that scan. */
  #nextPurgeNotBefore = -Infinity;
  #weakSelf: WeakRef<LruCache<K, V>> | undefined;

  /**
   * No `maxSize`, no entry that can expire and no `onEvict`: `set` and `delete` take short paths
   * that skip every policy. Cleared for good at the first entry with a ttl.
   */
  #plain: boolean;

  readonly #onEvict: OnEvict<K, V> | undefined;
  /** Flat `(value, key, reason)` triples waiting for `onEvict`; empty without `onEvict`. */
  #pending: unknown[] = [];

  #hits = 0;
  #misses = 0;
  #sets = 0;
  #deletes = 0;
  #evictions = 0;
  #expirations = 0;

  /**
   * Builds a cache. Every option is validated here: a wrong type throws `TypeError`, a value out of
   * range `RangeError`, and an unknown option key `TypeError`, each naming the option and value.
   *
   * @example
   * ```ts
   * const cache = new LruCache<number, string>({ maxEntries: 10_000, ttl: 30_000 });
   * ```
   */
  constructor(options: LruCacheOptions<K, V>);
  constructor(options: LruCacheOptions<K, V>, extra?: unknown) {
    if (extra !== undefined) refuseExtra('constructor(options)', 1, extra);
    const o = resolveOptions<K, V>(options);
    this.#maxEntries = o.maxEntries;
    this.#maxSize = o.maxSize;
    this.#maxEntrySizeOption = o.maxEntrySize;
    this.#maxEntrySize = Math.min(o.maxEntrySize, o.maxSize);
    this.#sizeOf = o.sizeOf;
    this.#ttl = o.ttl;
    this.#updateAgeOnGet = o.updateAgeOnGet;
    this.#autoPurge = o.autoPurge;
    this.#onEvict = o.onEvict;
    this.#clock = o.clock;
    this.#list = new RecencyList(o.maxEntries);
    this.#columns = this.#list.capacity;
    if (o.maxSize !== Infinity) this.#sizes = new Float64Array(this.#columns);
    this.#plain = o.maxSize === Infinity && o.ttl === Infinity && o.onEvict === undefined;
  }

  /** Number of stored entries, including expired ones not removed yet. */
  get size(): number {
    return this.#map.size;
  }

  /**
   * Sum of the stored entries' sizes, always exact (sizes and `maxSize` are safe integers, and the
   * sum never exceeds `maxSize`); `0` for a cache without `maxSize`.
   */
  get totalSize(): number {
    return this.#totalSize;
  }

  /** The entry-count bound; `Infinity` when the cache is bounded by `maxSize` only. */
  get maxEntries(): number {
    return this.#maxEntries;
  }

  /** The total-size bound; `Infinity` when the cache is bounded by `maxEntries` only. */
  get maxSize(): number {
    return this.#maxSize;
  }

  /**
   * Returns the value stored under `key` and makes it the most recently used entry. A missing
   * or expired entry returns `undefined` (an expired one is removed, reason `'expire'`). With
   * `updateAgeOnGet`, a hit restarts the entry's ttl.
   *
   * @example
   * ```ts
   * cache.set('a', 1);
   * cache.get('a'); // 1
   * cache.get('b'); // undefined
   * ```
   */
  get(key: K): V | undefined;
  get(key: K, extra?: unknown): V | undefined {
    if (extra !== undefined) refuseExtra('get(key)', 1, extra);
    const slot = this.#map.get(key);
    if (slot === undefined) {
      this.#misses++;
      return undefined;
    }
    const expiresAt = this.#expiresAt;
    if (expiresAt !== undefined && expiresAt[slot] !== Infinity) {
      const now = this.#clock.now();
      if (now >= expiresAt[slot]!) {
        this.#misses++;
        this.#remove(slot, 'expire');
        this.#flush();
        return undefined;
      }
      if (this.#ttls !== undefined) expiresAt[slot] = now + this.#ttls[slot]!;
    }
    this.#hits++;
    this.#list.moveToFront(slot);
    return this.#values[slot];
  }

  /**
   * Returns the value stored under `key` without changing recency or stats; an expired entry
   * counts as absent (but is left for `get`, `prune` or `autoPurge` to remove).
   *
   * @example
   * ```ts
   * cache.peek('a'); // the value, 'a' stays where it is in the recency order
   * ```
   */
  peek(key: K): V | undefined;
  peek(key: K, extra?: unknown): V | undefined {
    if (extra !== undefined) refuseExtra('peek(key)', 1, extra);
    const slot = this.#map.get(key);
    return slot === undefined || this.#isExpired(slot) ? undefined : this.#values[slot];
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
    if (extra !== undefined) refuseExtra('has(key)', 1, extra);
    const slot = this.#map.get(key);
    return slot !== undefined && !this.#isExpired(slot);
  }

  /**
   * Stores `value` under `key` as the most recently used entry, then evicts least recently used
   * entries until both bounds hold. `options.ttl` overrides the cache's ttl for this entry
   * (`Infinity`: never expires); `options.size` gives its size instead of `sizeOf`. An entry larger
   * than `maxEntrySize` is not stored, and an older entry under that key is removed (reason
   * `'set'`). Replacing a value with a different one calls `onEvict(old, key, 'set')`.
   *
   * @returns the cache, for chaining
   * @example
   * ```ts
   * cache.set('a', 1).set('b', 2, { ttl: 500 });
   * ```
   */
  set(key: K, value: V, options?: SetOptions): this;
  /**
   * Stores `value` under `key` with a ttl in ms: shorthand for `set(key, value, { ttl })`, checked
   * the same way (a positive number, or `Infinity` for never). It is the call keyv and
   * cache-manager make on their store, so an `LruCache` can be a `Keyv` store as it is.
   *
   * @returns the cache, for chaining
   * @example
   * ```ts
   * cache.set('session', token, 30_000); // the same as { ttl: 30_000 }
   * ```
   */
  set(key: K, value: V, ttl: number): this;
  set(key: K, value: V, options?: SetOptions | number, extra?: unknown): this {
    if (extra !== undefined) refuseExtra('set(key, value, options?)', 3, extra);
    if (options === undefined && this.#plain) {
      // the plain fast path: no sizes, no expiry, no callbacks to queue
      const map = this.#map;
      let slot = map.get(key);
      if (slot !== undefined) {
        this.#list.moveToFront(slot);
      } else {
        if (map.size >= this.#maxEntries) {
          slot = this.#recycleTail(Number.NaN);
        } else {
          slot = this.#list.pushFront();
          if (slot >= this.#columns) this.#growColumns();
        }
        this.#keys[slot] = key === 0 ? (0 as K) : key;
        map.set(key, slot);
      }
      this.#values[slot] = value;
      this.#sets++;
      return this;
    }
    return this.#setWith(key, value, options);
  }

  #setWith(key: K, value: V, options: SetOptions | number | undefined): this {
    let ttl = this.#ttl;
    let size: number | undefined;
    if (typeof options === 'number') {
      ttl = checkPositive('set() ttl', options);
    } else if (options !== undefined) {
      const o = checkSetOptions(options, this.#sizes !== undefined);
      if (o?.ttl !== undefined) ttl = o.ttl;
      if (o?.size !== undefined) size = checkSize('set() option "size"', o.size);
    }
    if (size === undefined) size = this.#sizes === undefined ? 0 : this.#measure(value, key);
    if (size > this.#maxEntrySize) {
      this.#dropOversize(key);
    } else {
      this.#store(key, value, ttl, size);
    }
    this.#flush();
    return this;
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
    if (extra !== undefined) refuseExtra('delete(key)', 1, extra);
    const slot = this.#map.get(key);
    if (slot === undefined) return false;
    if (this.#plain) {
      this.#map.delete(key);
      this.#list.remove(slot);
      this.#keys[slot] = undefined;
      this.#values[slot] = undefined;
      this.#deletes++;
      return true;
    }
    const fresh = !this.#isExpired(slot);
    this.#remove(slot, fresh ? 'delete' : 'expire');
    this.#flush();
    return fresh;
  }

  /**
   * Removes every entry (reason `'clear'`) and releases storage; costs O(entries held).
   *
   * @example
   * ```ts
   * cache.clear();
   * cache.size; // 0
   * ```
   */
  clear(): void;
  clear(extra?: unknown): void {
    if (extra !== undefined) refuseExtra('clear()', 0, extra);
    if (this.#onEvict !== undefined) {
      // least recently used first, as lru-cache disposes on clear() and as eviction goes
      for (let slot = this.#list.tail; slot !== -1; slot = this.#list.before(slot)) {
        this.#pending.push(this.#values[slot], this.#keys[slot], 'clear');
      }
    }
    this.#map.clear();
    this.#list.clear();
    this.#keys = [];
    this.#values = [];
    this.#columns = this.#list.capacity;
    if (this.#sizes !== undefined) this.#sizes = new Float64Array(this.#columns);
    if (this.#expiresAt !== undefined) this.#expiresAt = new Float64Array(this.#columns);
    if (this.#ttls !== undefined) this.#ttls = new Float64Array(this.#columns);
    this.#totalSize = 0;
    this.#disarm();
    this.#flush();
  }

  /**
   * Changes the bounds and evicts least recently used entries until they hold (reason `'evict'`,
   * or `'expire'` for entries already expired). `maxSize` can only be given to a cache built with
   * `maxSize`; the effective `maxEntrySize` is never more than the new `maxSize`.
   *
   * @example
   * ```ts
   * cache.resize({ maxEntries: 100 }); // keeps the 100 most recently used entries
   * ```
   */
  resize(options: ResizeOptions): this;
  resize(options: ResizeOptions, extra?: unknown): this {
    if (extra !== undefined) refuseExtra('resize(options)', 1, extra);
    const o = checkResizeOptions(options, this.#sizes !== undefined);
    if (o.maxEntries !== undefined) {
      this.#maxEntries = o.maxEntries;
      this.#list.limit = o.maxEntries;
    }
    if (o.maxSize !== undefined) {
      this.#maxSize = o.maxSize;
      this.#maxEntrySize = Math.min(this.#maxEntrySizeOption, o.maxSize);
    }
    const now = this.#expiresAt === undefined ? 0 : this.#clock.now();
    while (this.#map.size > this.#maxEntries || this.#totalSize > this.#maxSize) {
      this.#evictTail(now);
    }
    this.#flush();
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
    if (extra !== undefined) refuseExtra('expiresIn(key)', 1, extra);
    const slot = this.#map.get(key);
    if (slot === undefined) return undefined;
    const expiresAt = this.#expiresAt?.[slot] ?? Infinity;
    if (expiresAt === Infinity) return Infinity;
    const left = expiresAt - this.#clock.now();
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
    if (extra !== undefined) refuseExtra('prune()', 0, extra);
    const removed = this.#purge();
    this.#flush();
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
    const lookups = this.#hits + this.#misses;
    return {
      hits: this.#hits,
      misses: this.#misses,
      sets: this.#sets,
      deletes: this.#deletes,
      evictions: this.#evictions,
      expirations: this.#expirations,
      hitRatio: lookups === 0 ? 0 : this.#hits / lookups,
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
    if (extra !== undefined) refuseExtra('resetStats()', 0, extra);
    this.#hits =
      this.#misses =
      this.#sets =
      this.#deletes =
      this.#evictions =
      this.#expirations =
        0;
  }

  /**
   * A JSON-friendly snapshot of the fresh entries, least recently used first, each with the ttl
   * it has left (absent when it never expires, or `null` when the cache's default ttl is finite)
   * and, with `maxSize`, its size. Feed it to `load`
   * (in this process or another) to restart warm.
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
    if (extra !== undefined) refuseExtra('dump()', 0, extra);
    const out: Array<[K, LruCacheEntry<V>]> = [];
    const expiresAt = this.#expiresAt;
    const now = expiresAt === undefined ? 0 : this.#clock.now();
    for (let slot = this.#list.tail; slot !== -1; slot = this.#list.before(slot)) {
      const entry: LruCacheEntry<V> = { value: this.#values[slot] as V };
      if (expiresAt !== undefined && expiresAt[slot] !== Infinity) {
        const left = expiresAt[slot]! - now;
        if (left <= 0) continue;
        entry.ttl = left;
      } else if (this.#ttl !== Infinity) {
        entry.ttl = null; // never, not "the default"
      }
      if (this.#sizes !== undefined) entry.size = this.#sizes[slot]!;
      out.push([this.#keys[slot] as K, entry]);
    }
    return out;
  }

  /**
   * Stores the entries of a `dump()` snapshot in order (so the last is the most recently used),
   * each with the ttl it had left. Every entry is checked before anything is stored: a malformed
   * snapshot throws and changes nothing. A `size` is checked but ignored by a cache without `maxSize`; without
   * a `size`, a cache with `maxSize` measures the value with `sizeOf`.
   *
   * @example
   * ```ts
   * const copy = new LruCache<string, number>({ maxEntries: 100 });
   * copy.load(cache.dump());
   * ```
   */
  load(entries: Iterable<readonly [K, LruCacheEntry<V>]>): this;
  load(entries: Iterable<readonly [K, LruCacheEntry<V>]>, extra?: unknown): this {
    if (extra !== undefined) refuseExtra('load(entries)', 1, extra);
    const items = checkSnapshot<K, V>(entries);
    const sized = this.#sizes !== undefined;
    const ttls = new Float64Array(items.length);
    const sizes = new Float64Array(items.length);
    for (let i = 0; i < items.length; i++) {
      const { key, value, ttl, size } = items[i]!;
      ttls[i] = ttl ?? this.#ttl;
      if (sized) sizes[i] = size ?? this.#measure(value, key);
    }
    for (let i = 0; i < items.length; i++) {
      const { key, value } = items[i]!;
      if (sizes[i]! > this.#maxEntrySize) {
        this.#dropOversize(key);
      } else {
        this.#store(key, value, ttls[i]!, sizes[i]!);
      }
    }
    this.#flush();
    return this;
  }

  /**
   * Keys from most to least recently used, skipping expired entries, without changing recency.
   * Iterates over the entries present when iteration starts: entries deleted or expired
   * meanwhile are skipped, entries added meanwhile are not visited, so mutating the cache inside
   * the loop is safe.
   *
   * @example
   * ```ts
   * for (const key of cache.keys()) console.log(key);
   * ```
   */
  keys(): IterableIterator<K>;
  keys(extra?: unknown): IterableIterator<K> {
    if (extra !== undefined) refuseExtra('keys()', 0, extra);
    return this.#keysOnly();
  }

  /**
   * Values from most to least recently used; see {@link LruCache.keys} for the rules.
   *
   * @example
   * ```ts
   * const all = [...cache.values()];
   * ```
   */
  values(): IterableIterator<V>;
  values(extra?: unknown): IterableIterator<V> {
    if (extra !== undefined) refuseExtra('values()', 0, extra);
    return this.#valuesOnly();
  }

  /**
   * `[key, value]` pairs from most to least recently used; see {@link LruCache.keys} for the rules.
   *
   * @example
   * ```ts
   * const snapshot = new Map(cache.entries());
   * ```
   */
  entries(): IterableIterator<[K, V]>;
  entries(extra?: unknown): IterableIterator<[K, V]> {
    if (extra !== undefined) refuseExtra('entries()', 0, extra);
    return this.#entries();
  }

  /**
   * Same as {@link LruCache.entries}.
   *
   * @example
   * ```ts
   * for (const [key, value] of cache) console.log(key, value);
   * ```
   */
  [Symbol.iterator](): IterableIterator<[K, V]>;
  [Symbol.iterator](extra?: unknown): IterableIterator<[K, V]> {
    if (extra !== undefined) refuseExtra('[Symbol.iterator]()', 0, extra);
    return this.#entries();
  }

  /**
   * Calls `callback(value, key, cache)` for each fresh entry, most to least recently used, with
   * the rules of {@link LruCache.keys}.
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
    if (extra !== undefined) refuseExtra('forEach(callback, thisArg?)', 2, extra);
    if (typeof callback !== 'function') typeError('forEach() callback', 'a function', callback);
    for (const [key, value] of this.#entries()) {
      callback.call(thisArg, value, key, this);
    }
  }

  /** `'LruCache'`, so `Object.prototype.toString` names it. */
  get [Symbol.toStringTag](): string {
    return 'LruCache';
  }

  // ---- internals ----

  // The public iteration methods are plain functions that check their arguments at once and
  // return these generators (a generator's body, argument checks included, runs only at `next()`).

  /**
   * Fresh entries, most recently used first. The keys are copied at the first `next()` and the
   * copy is walked: entries deleted or expired meanwhile are skipped, entries added meanwhile are
   * not visited, and nothing loops forever.
   */
  *#entries(): IterableIterator<[K, V]> {
    const keys: K[] = [];
    for (let slot = this.#list.head; slot !== -1; slot = this.#list.after(slot)) {
      keys.push(this.#keys[slot] as K);
    }
    for (const key of keys) {
      const slot = this.#map.get(key);
      if (slot !== undefined && !this.#isExpired(slot)) yield [key, this.#values[slot] as V];
    }
  }

  *#keysOnly(): IterableIterator<K> {
    for (const [key] of this.#entries()) yield key;
  }

  *#valuesOnly(): IterableIterator<V> {
    for (const [, value] of this.#entries()) yield value;
  }

  #isExpired(slot: number): boolean {
    const expiresAt = this.#expiresAt;
    return (
      expiresAt !== undefined &&
      expiresAt[slot] !== Infinity &&
      this.#clock.now() >= expiresAt[slot]!
    );
  }

  #measure(value: V, key: K): number {
    if (this.#sizeOf === undefined) {
      throw new TypeError(
        'lrukit: a cache with "maxSize" needs the "sizeOf" option or set(key, value, { size })',
      );
    }
    return checkSize('the result of option "sizeOf"', this.#sizeOf(value, key));
  }

  /** Stores an entry whose size is known to fit `maxEntrySize`; queues callbacks, never runs them. */
  #store(key: K, value: V, ttl: number, size: number): void {
    let slot = this.#map.get(key);
    let now = Number.NaN;
    if (slot !== undefined) {
      const old = this.#values[slot];
      this.#values[slot] = value;
      this.#list.moveToFront(slot);
      // the old size leaves the sum now, the new one enters after eviction (see below)
      if (this.#sizes !== undefined) this.#totalSize -= this.#sizes[slot]!;
      if (old !== value) {
        // a replaced value that had already expired left by expiry, not by this set
        const expiresAt = this.#expiresAt;
        let reason: EvictionReason = 'set';
        if (expiresAt !== undefined && expiresAt[slot] !== Infinity) {
          now = this.#clock.now();
          if (now >= expiresAt[slot]!) {
            reason = 'expire';
            this.#expirations++;
          }
        }
        if (this.#onEvict !== undefined) this.#pending.push(old, key, reason);
      }
    } else {
      if (this.#map.size >= this.#maxEntries) {
        if (this.#expiresAt !== undefined) now = this.#clock.now();
        slot = this.#recycleTail(now);
      } else {
        slot = this.#list.pushFront();
        if (slot >= this.#columns) this.#growColumns();
      }
      // store -0 as 0, as Map does, so keys() gives back what a Map would
      this.#keys[slot] = key === 0 ? (0 as K) : key;
      this.#values[slot] = value;
      this.#map.set(key, slot);
    }
    this.#sets++;
    if (ttl !== Infinity) {
      if (this.#expiresAt === undefined) this.#startExpiry();
      if (Number.isNaN(now)) now = this.#clock.now();
      const at = now + ttl;
      this.#expiresAt![slot] = at;
      if (this.#ttls !== undefined) this.#ttls[slot] = ttl;
      if (this.#autoPurge && at < this.#timerAt) this.#arm(at, now);
    } else if (this.#expiresAt !== undefined) {
      this.#expiresAt[slot] = Infinity;
    }
    if (this.#sizes !== undefined) {
      // Make room before adding: totalSize then never exceeds maxSize, a safe integer, so every
      // step of the sum is exact. room >= 0 since size <= maxEntrySize <= maxSize, and the loop
      // never evicts the entry just stored (when it reaches it, the others' sizes are gone).
      const room = this.#maxSize - size;
      if (this.#totalSize > room) {
        if (Number.isNaN(now) && this.#expiresAt !== undefined) now = this.#clock.now();
        while (this.#totalSize > room && this.#list.tail !== slot) this.#evictTail(now);
      }
      this.#totalSize += size;
      this.#sizes[slot] = size;
    }
  }

  /** A value too large to store replaces nothing: the old entry under `key` goes. */
  #dropOversize(key: K): void {
    const slot = this.#map.get(key);
    if (slot !== undefined) this.#remove(slot, this.#isExpired(slot) ? 'expire' : 'set');
  }

  /**
   * Evicts the least recently used entry and hands its slot, now at the front, to the caller to
   * fill: the set-into-a-full-cache fast path, with no trip through the free-slot stack.
   */
  #recycleTail(now: number): number {
    const slot = this.#list.tail;
    const key = this.#keys[slot] as K;
    this.#map.delete(key);
    if (this.#sizes !== undefined) this.#totalSize -= this.#sizes[slot]!;
    const expired = this.#expiresAt !== undefined && now >= this.#expiresAt[slot]!;
    if (expired) this.#expirations++;
    else this.#evictions++;
    if (this.#onEvict !== undefined) {
      this.#pending.push(this.#values[slot], key, expired ? 'expire' : 'evict');
    }
    this.#list.moveToFront(slot);
    return slot;
  }

  /** Removes the least recently used entry to make room. */
  #evictTail(now: number): void {
    const slot = this.#list.tail;
    const expiresAt = this.#expiresAt;
    const expired = expiresAt !== undefined && now >= expiresAt[slot]!;
    this.#remove(slot, expired ? 'expire' : 'evict');
  }

  #remove(slot: number, reason: EvictionReason): void {
    const key = this.#keys[slot] as K;
    const value = this.#values[slot] as V;
    this.#map.delete(key);
    this.#list.remove(slot);
    // drop the references so evicted keys and values can be collected
    this.#keys[slot] = undefined;
    this.#values[slot] = undefined;
    // sizes are safe integers and their sum stays <= maxSize: the subtraction is exact
    if (this.#sizes !== undefined) this.#totalSize -= this.#sizes[slot]!;
    if (reason === 'evict') this.#evictions++;
    else if (reason === 'expire') this.#expirations++;
    else if (reason === 'delete') this.#deletes++;
    if (this.#onEvict !== undefined) this.#pending.push(value, key, reason);
    if (this.#timer !== undefined && this.#map.size === 0) this.#disarm();
  }

  /** Runs the queued `onEvict` callbacks: all of them, then rethrows the first error. */
  #flush(): void {
    if (this.#pending.length === 0) return;
    const batch = this.#pending;
    this.#pending = [];
    const onEvict = this.#onEvict!;
    let failed = false;
    let error: unknown;
    for (let i = 0; i < batch.length; i += 3) {
      try {
        onEvict(batch[i] as V, batch[i + 1] as K, batch[i + 2] as EvictionReason);
      } catch (e) {
        if (!failed) {
          failed = true;
          error = e;
        }
      }
    }
    if (failed) throw error;
  }

  #startExpiry(): void {
    this.#plain = false;
    this.#expiresAt = new Float64Array(this.#columns).fill(Infinity);
    if (this.#updateAgeOnGet) this.#ttls = new Float64Array(this.#columns);
  }

  #growColumns(): void {
    const capacity = this.#list.capacity;
    // exact-size key and value arrays: growing them by assignment leaves V8's 50 % slack
    this.#keys = resized(this.#keys, capacity);
    this.#values = resized(this.#values, capacity);
    if (this.#sizes !== undefined) this.#sizes = grown(this.#sizes, capacity, 0);
    if (this.#expiresAt !== undefined) this.#expiresAt = grown(this.#expiresAt, capacity, Infinity);
    if (this.#ttls !== undefined) this.#ttls = grown(this.#ttls, capacity, 0);
    this.#columns = capacity;
  }

  /** Removes expired entries; returns how many. Queues callbacks. */
  #purge(): number {
    const expiresAt = this.#expiresAt;
    if (expiresAt === undefined || this.#map.size === 0) return 0;
    const now = this.#clock.now();
    let removed = 0;
    let next = Infinity;
    const scanned = this.#map.size;
    for (let slot = this.#list.tail; slot !== -1; ) {
      const before = this.#list.before(slot);
      const at = expiresAt[slot]!;
      if (now >= at) {
        this.#remove(slot, 'expire');
        removed++;
      } else if (at < next) {
        next = at;
      }
      slot = before;
    }
    if (this.#autoPurge) {
      // space purges by 1 µs per entry scanned, so a purge costs the process well under 1% of CPU
      this.#nextPurgeNotBefore = now + scanned / 1000;
      this.#disarm();
      if (next !== Infinity) this.#arm(next, now);
    }
    return removed;
  }

  #arm(at: number, now: number): void {
    this.#disarm();
    const clock = this.#clock.setTimer === undefined ? systemClock : this.#clock;
    if (this.#weakSelf === undefined) this.#weakSelf = new WeakRef(this);
    const ref = this.#weakSelf;
    const fireAt = Math.max(at, this.#nextPurgeNotBefore);
    this.#timerAt = at;
    // the timer holds the cache weakly: a cache nobody references can be collected
    this.#timer = clock.setTimer!(() => {
      const cache = ref.deref();
      if (cache !== undefined) cache.#onTimer();
    }, fireAt - now);
  }

  #disarm(): void {
    if (this.#timer === undefined) return;
    const clock = this.#clock.setTimer === undefined ? systemClock : this.#clock;
    clock.clearTimer!(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Infinity;
  }

  #onTimer(): void {
    this.#timer = undefined;
    this.#timerAt = Infinity;
    this.#purge();
    // No caller to rethrow to: an onEvict error here surfaces as an uncaught exception.
    this.#flush();
  }
}
