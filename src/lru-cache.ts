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
 * - What is not LRU policy (the columns, expiry, the autoPurge timer, stats, the `onEvict` queue)
 *   lives in a `Store` shared with `TinyLfuCache`, and the cold public methods in
 *   `CacheSurface`; `get`, `set` and `delete` stay here, direct code on the store's fields.
 */

import { CacheSurface } from './core/cache-surface.js';
import { Store } from './core/store.js';
import { refuseExtra as refuseExtraArgument } from './errors.js';
import { RecencyList } from './linked-list.js';
import { type LruCacheOptions, resolveOptions, type SetOptions } from './options.js';

export type { LruCacheEntry, LruCacheStats } from './core/cache-surface.js';

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
export class LruCache<K, V> extends CacheSurface<K, V> {
  readonly #s: Store<K, V>;
  readonly #map: Map<K, number>;
  readonly #list: RecencyList;
  /**
   * No `maxSize`, no entry that can expire and no `onEvict`: `set` and `delete` take short paths
   * that skip every policy. Cleared for good at the first entry with a ttl.
   */
  #plain: boolean;

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
    const o = resolveOptions<K, V>(options, 'LruCache');
    const list = new RecencyList(o.maxEntries);
    const s = new Store<K, V>('LruCache', o, list.capacity);
    super(s);
    this.#s = s;
    this.#map = s.map;
    this.#list = list;
    this.#plain = o.maxSize === Infinity && o.ttl === Infinity && o.onEvict === undefined;
    s.policy = {
      slots: () => list.slots(),
      remove: (slot) => list.remove(slot),
      write: (key, value, ttl, size) => this.#store(key, value, ttl, size),
      resized: (now) => {
        list.limit = s.maxEntries;
        while (s.map.size > s.maxEntries || s.totalSize > s.maxSize) this.#evictTail(now);
      },
      clear: () => {
        list.clear();
        return list.capacity;
      },
    };
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
    const s = this.#s;
    if (slot === undefined) {
      s.misses++;
      return undefined;
    }
    const expiresAt = s.expiresAt;
    if (expiresAt !== undefined && expiresAt[slot] !== Infinity && !s.fresh(slot)) return undefined;
    s.hits++;
    this.#list.moveToFront(slot);
    return s.values[slot];
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
    const s = this.#s;
    if (options === undefined && this.#plain) {
      // the plain fast path: no sizes, no expiry, no callbacks to queue
      const map = this.#map;
      let slot = map.get(key);
      if (slot !== undefined) {
        this.#list.moveToFront(slot);
      } else {
        if (map.size >= s.maxEntries) {
          slot = this.#recycleTail(Number.NaN);
        } else {
          slot = this.#list.pushFront();
          if (slot >= s.columns) s.grow(this.#list.capacity);
        }
        s.keys[slot] = key === 0 ? (0 as K) : key;
        map.set(key, slot);
      }
      s.values[slot] = value;
      s.sets++;
      return this;
    }
    s.set(key, value, options);
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
  override delete(key: K): boolean;
  override delete(key: K, extra?: unknown): boolean {
    if (extra !== undefined) refuseExtra('delete(key)', 1, extra);
    if (!this.#plain) return super.delete(key);
    const slot = this.#map.get(key);
    if (slot === undefined) return false;
    const s = this.#s;
    this.#map.delete(key);
    this.#list.remove(slot);
    s.keys[slot] = undefined;
    s.values[slot] = undefined;
    s.deletes++;
    return true;
  }

  // ---- internals ----

  /** Stores an entry whose size is known to fit `maxEntrySize`; queues callbacks, never runs them. */
  #store(key: K, value: V, ttl: number, size: number): void {
    const s = this.#s;
    let slot = this.#map.get(key);
    let now = Number.NaN;
    if (slot !== undefined) {
      const old = s.values[slot];
      s.values[slot] = value;
      this.#list.moveToFront(slot);
      // the old size leaves the sum now, the new one enters after eviction (see below)
      if (s.sizes !== undefined) s.totalSize -= s.sizes[slot]!;
      if (old !== value) now = s.replaced(slot, key, old, now);
    } else {
      if (this.#map.size >= s.maxEntries) {
        if (s.expiresAt !== undefined) now = s.clock.now();
        slot = this.#recycleTail(now);
      } else {
        slot = this.#list.pushFront();
        if (slot >= s.columns) s.grow(this.#list.capacity);
      }
      // store -0 as 0, as Map does, so keys() gives back what a Map would
      s.keys[slot] = key === 0 ? (0 as K) : key;
      s.values[slot] = value;
      this.#map.set(key, slot);
    }
    s.sets++;
    if (ttl !== Infinity) this.#plain = false;
    now = s.expireIn(slot, ttl, now);
    if (s.sizes !== undefined) {
      // Make room before adding: totalSize then never exceeds maxSize, a safe integer, so every
      // step of the sum is exact. room >= 0 since size <= maxEntrySize <= maxSize, and the loop
      // never evicts the entry just stored (when it reaches it, the others' sizes are gone).
      const room = s.maxSize - size;
      if (s.totalSize > room) {
        if (Number.isNaN(now) && s.expiresAt !== undefined) now = s.clock.now();
        while (s.totalSize > room && this.#list.tail !== slot) this.#evictTail(now);
      }
      s.totalSize += size;
      s.sizes[slot] = size;
    }
  }

  /**
   * Evicts the least recently used entry and hands its slot, now at the front, to the caller to
   * fill: the set-into-a-full-cache fast path, with no trip through the free-slot stack.
   */
  #recycleTail(now: number): number {
    const s = this.#s;
    const slot = this.#list.tail;
    const key = s.keys[slot] as K;
    this.#map.delete(key);
    if (s.sizes !== undefined) s.totalSize -= s.sizes[slot]!;
    const expired = s.expiresAt !== undefined && now >= s.expiresAt[slot]!;
    if (expired) s.expirations++;
    else s.evictions++;
    if (s.onEvict !== undefined) s.pending.push(s.values[slot], key, expired ? 'expire' : 'evict');
    this.#list.moveToFront(slot);
    return slot;
  }

  /** Removes the least recently used entry to make room. */
  #evictTail(now: number): void {
    const slot = this.#list.tail;
    this.#s.remove(slot, this.#s.expiredAt(slot, now) ? 'expire' : 'evict');
  }
}
