/**
 * LoadingCache: cache-aside over an async loader — one load per key however many callers wait,
 * with stale-while-revalidate, stale-if-error, refresh-ahead, negative caching, timeouts and
 * per-caller cancellation, on top of an {@link LruCache} of loaded entries (a {@link TinyLfuCache}
 * with `policy: 'tinylfu'`).
 *
 * The class is the conductor; each concern is a room of its own under `loading/`:
 * - `load.ts`: one in-flight load (its waiters, controller, timeouts, detachment) and the table
 *   of each key's current load. Only the current load of a key may store its outcome.
 * - `freshness.ts`: an entry's windows (fresh, refresh-ahead, stale, remembered failure).
 * - `tiers.ts`: the shared tier and the bus (tier keys, writes, messages, counters).
 *
 * Callback errors: every synchronous operation (`get`'s removal of an expired entry, `set`,
 * `invalidate`, `clear`) finishes all its work, then rethrows the first error an `onEvict` threw
 * during it (`get`: as a rejected Promise). On background paths (a load completing, a bus
 * message, a timer) nobody could receive it, so it goes to `onError`.
 */

import type { Clock } from './clock.js';
import { systemClock } from './clock.js';
import {
  checkOptionsObject,
  checkPositive,
  refuseExtra as refuseExtraArgument,
  typeError,
} from './errors.js';
import { type Entry, Freshness } from './loading/freshness.js';
import { type Fallback, type Load, LoadTable, TimeoutError } from './loading/load.js';
import {
  type LoadContext,
  type LoadingCacheOptions,
  type LoadingCacheStats,
  type LoadingOptions,
  resolveLoadingOptions,
} from './loading/options.js';
import { Tiers, tierKey } from './loading/tiers.js';
import { LruCache, type LruCacheEntry, type LruCacheStats } from './lru-cache.js';
import {
  checkSnapshot,
  type EvictionReason,
  type ResizeOptions,
  type SetOptions,
} from './options.js';
import type { ErrorContext } from './tiers.js';
import { TinyLfuCache } from './tiny-lfu-cache.js';

export { API_NAME, BIND_LOAD, LOADING_OPTIONS } from './loading/options.js';
export type { LoadContext, LoadingCacheOptions, LoadingCacheStats, LoadingOptions };
export { TimeoutError };

/**
 * The L1 as `LoadingCache` uses it: an `LruCache`, or a `TinyLfuCache` with `policy: 'tinylfu'`.
 * A type only: an app that builds only LRU caches sees one class at every call site (monomorphic).
 */
interface L1<K, V> {
  get(key: K): V | undefined;
  peek(key: K): V | undefined;
  set(key: K, value: V, options?: SetOptions): unknown;
  delete(key: K): boolean;
  clear(): void;
  resize(options: ResizeOptions): unknown;
  entries(): IterableIterator<[K, V]>;
  dump(): Array<[K, LruCacheEntry<V>]>;
  load(entries: Iterable<readonly [K, LruCacheEntry<V>]>): unknown;
  readonly size: number;
  readonly totalSize: number;
  readonly stats: LruCacheStats;
}

const GET_KNOWN = new Set(['signal']);
const SET_KNOWN = new Set(['ttl']);

/** Refuses an argument a `LoadingCache` method does not take (see `refuseExtra` in errors.ts). */
const refuseExtra = (signature: string, takes: number, extra: unknown): never =>
  refuseExtraArgument('LoadingCache', signature, takes, extra);

/** `set()`'s third argument: a ttl in ms, or `{ ttl }`. */
function setTtl(ttl: unknown): number | undefined {
  if (typeof ttl === 'number') return checkPositive('set() argument "ttl"', ttl);
  const o = checkOptionsObject('set() options', ttl, SET_KNOWN);
  return o?.ttl === undefined ? undefined : checkPositive('set() option "ttl"', o.ttl);
}

/**
 * Cache-aside around an async loader: concurrent `get`s of a missing key share one load;
 * stale values can be served while refreshing or when the loader fails.
 *
 * @example
 * ```ts
 * import { LoadingCache } from 'lrukit';
 *
 * const users = new LoadingCache<string, User>({
 *   load: (id, { signal }) => fetchUser(id, { signal }),
 *   maxEntries: 10_000,
 *   ttl: 60_000,                  // fresh for a minute
 *   staleWhileRevalidate: 30_000, // then served for 30 s more while one refresh runs
 *   staleIfError: 300_000,        // and for 5 min when the loader fails
 * });
 * const user = await users.get('42');
 * ```
 */
export class LoadingCache<K, V> {
  readonly #cache: L1<K, Entry<V>>;
  readonly #loads = new LoadTable<K, V>();
  readonly #loader: LoadingOptions<K, V>['load'];
  readonly #fresh: Freshness<K, V>;
  /** `staleWhileRevalidate` and `staleIfError`, read on the hit path. */
  readonly #swr: number;
  readonly #sie: number;
  readonly #shouldCache: ((value: V, key: K) => boolean) | undefined;
  readonly #timeout: number;
  readonly #clock: Clock;
  readonly #bind: ((key: K) => LoadingOptions<K, V>['load']) | undefined;
  readonly #tiers: Tiers<V> | undefined;
  readonly #onError: LoadingOptions<K, V>['onError'];
  /** True with an `onEvict`: only then can a `get` run a callback that throws. */
  readonly #guarded: boolean;
  /** Synchronous operations in progress: an `onEvict` error inside one is theirs to rethrow. */
  #depth = 0;
  /** `onEvict` errors caught inside synchronous operations, innermost last. */
  readonly #caught: unknown[] = [];
  readonly #abandoned = (_load: Load<K, V>, timedOut: boolean): void => {
    // a load nobody waits for any more is dropped; one that ran out of time failed
    if (timedOut) this.#loadErrors++;
  };

  #hits = 0;
  #misses = 0;
  #loadCount = 0;
  #loadErrors = 0;
  #staleHits = 0;
  #refreshes = 0;
  #loadTime = 0;

  /**
   * Builds a loading cache; every option is validated here (a `TypeError` or `RangeError` naming
   * the option and the value).
   *
   * @example
   * ```ts
   * const prices = new LoadingCache<string, number>({ load: fetchPrice, maxEntries: 1_000, ttl: 5_000 });
   * ```
   */
  constructor(options: LoadingCacheOptions<K, V>) {
    const o = resolveLoadingOptions<K, V>(options);
    this.#loader = o.load;
    this.#bind = o.bind;
    this.#fresh = new Freshness<K, V>(o.freshness);
    this.#swr = o.freshness.staleWhileRevalidate;
    this.#sie = o.freshness.staleIfError;
    this.#timeout = o.timeout;
    this.#shouldCache = o.shouldCache;
    this.#onError = o.onError;
    const userOnEvict = o.onEvict;
    const sizeOf = o.lru.sizeOf;
    this.#guarded = userOnEvict !== undefined;
    // the L1 validates the bound, clock, onEvict, autoPurge and size options
    const l1 = {
      maxEntries: o.lru.maxEntries,
      maxSize: o.lru.maxSize,
      maxEntrySize: o.lru.maxEntrySize,
      sizeOf:
        sizeOf && ((entry: Entry<V>, key: K) => (entry.failed ? 0 : sizeOf(entry.value as V, key))),
      clock: o.clock,
      autoPurge: o.lru.autoPurge,
      onEvict:
        userOnEvict &&
        ((entry: Entry<V>, key: K, reason: EvictionReason) => {
          if (entry.failed) return;
          try {
            userOnEvict(entry.value as V, key, reason);
          } catch (error) {
            // never thrown into the LruCache, so its own throws always mean "refused"
            if (this.#depth > 0) this.#caught.push(error);
            else this.#report(error, { tier: 'l1', operation: 'onEvict' });
          }
        }),
    };
    // under 'tinylfu' a stored entry may be refused admission (evicted at once, reason 'evict'):
    // nothing here needs a value to stay stored (a load still returns it to its waiters)
    this.#cache =
      o.policy === 'tinylfu'
        ? new TinyLfuCache<K, Entry<V>>({ ...l1, seed: o.seed } as never)
        : new LruCache<K, Entry<V>>(l1 as never);
    this.#clock = o.clock ?? systemClock;
    if (o.l2 !== undefined || o.bus !== undefined) {
      this.#tiers = new Tiers<V>(
        o.l2,
        o.bus,
        (error, context) => this.#report(error, context),
        (keys) => this.#dropLocal(keys),
      );
    }
  }

  /**
   * The value under `key`: a fresh hit, a stale value while a background load refreshes it, or
   * the result of one load shared by every concurrent caller. `signal` rejects only this caller,
   * with the signal's reason. Always a Promise: bad input and callback errors reject it.
   *
   * @example
   * ```ts
   * const controller = new AbortController();
   * const user = await users.get('42', { signal: controller.signal });
   * ```
   */
  get(key: K, options?: { signal?: AbortSignal }): Promise<V>;
  get(key: K, options?: { signal?: AbortSignal }, extra?: unknown): Promise<V> {
    try {
      if (extra !== undefined) refuseExtra('get(key, options?)', 2, extra);
      let signal: AbortSignal | undefined;
      if (options !== undefined) {
        signal = checkOptionsObject('get() options', options, GET_KNOWN)?.signal as
          | AbortSignal
          | undefined;
        if (signal !== undefined && !(signal instanceof AbortSignal)) {
          typeError('get() option "signal"', 'an AbortSignal', signal);
        }
        if (signal?.aborted) return Promise.reject(signal.reason);
      }
      const entry = this.#guarded ? this.#guardedGet(key) : this.#cache.get(key);
      if (entry !== undefined) {
        const now = this.#clock.now();
        if (entry.failed) {
          this.#hits++;
          return Promise.reject(entry.error);
        }
        if (now < entry.freshUntil) {
          this.#hits++;
          if (now >= entry.refreshAt) this.#background(key, entry.value, false);
          return Promise.resolve(entry.value as V);
        }
        if (now < entry.freshUntil + this.#swr) {
          this.#hits++;
          this.#staleHits++;
          this.#background(key, entry.value, true);
          return Promise.resolve(entry.value as V);
        }
        // past ttl and revalidation: wait for a load, falling back on the stale value if allowed
        this.#misses++;
        return this.#miss(key, entry, signal);
      }
      this.#misses++;
      return this.#miss(key, undefined, signal);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * The stored value under `key` (fresh or within a stale window), without loading, waiting or
   * changing recency.
   *
   * @example
   * ```ts
   * users.peek('42'); // the user, or undefined
   * ```
   */
  peek(key: K): V | undefined;
  peek(key: K, extra?: unknown): V | undefined {
    if (extra !== undefined) refuseExtra('peek(key)', 1, extra);
    const entry = this.#cache.peek(key);
    return entry === undefined || entry.failed ? undefined : entry.value;
  }

  /**
   * True when a value is stored under `key`: fresh, or stale inside a stale window (exactly when
   * `peek` finds one; a remembered failure is not a value). Never loads, never changes recency.
   *
   * @example
   * ```ts
   * if (!users.has('42')) prefetch('42');
   * ```
   */
  has(key: K): boolean;
  has(key: K, extra?: unknown): boolean {
    if (extra !== undefined) refuseExtra('has(key)', 1, extra);
    const entry = this.#cache.peek(key);
    return entry !== undefined && !entry.failed;
  }

  /**
   * Ms of freshness left for the value under `key`: `Infinity` when it never goes stale, `0` once
   * it is stale (still stored, served only inside `staleWhileRevalidate` or `staleIfError`),
   * `undefined` when no value is stored (or only a remembered failure).
   *
   * @example
   * ```ts
   * users.expiresIn('42'); // e.g. 41_250
   * ```
   */
  expiresIn(key: K): number | undefined;
  expiresIn(key: K, extra?: unknown): number | undefined {
    if (extra !== undefined) refuseExtra('expiresIn(key)', 1, extra);
    const entry = this.#cache.peek(key);
    if (entry === undefined || entry.failed) return undefined;
    return Math.max(0, entry.freshUntil - this.#clock.now());
  }

  /**
   * Stores `value` as freshly loaded; a load in flight for `key` will not overwrite it. `ttl`
   * (a number, or `{ ttl }`, in ms; `Infinity`: never) replaces the `ttl` option for this value;
   * the number form is what keyv and cache-manager pass. With an `l2`, the value is written there
   * too (or, if that fails, the old value there is deleted); with a `bus`, the other caches then
   * drop their copy. A refused call (a bad `ttl`, a `ttl` function or `sizeOf` that throws or
   * returns a bad value, a key the tiers cannot take) changes nothing.
   *
   * @example
   * ```ts
   * users.set('42', updatedUser);
   * users.set('42', updatedUser, 5_000); // fresh for 5 s, whatever the ttl option says
   * ```
   */
  set(key: K, value: V, ttl?: number | { ttl?: number }): this;
  set(key: K, value: V, ttl?: number | { ttl?: number }, extra?: unknown): this {
    if (extra !== undefined) refuseExtra('set(key, value, ttl?)', 3, extra);
    const explicit = ttl === undefined ? undefined : setTtl(ttl);
    const tkey = this.#tiers === undefined ? undefined : tierKey(key);
    const stored = this.#fresh.store(value, key, this.#clock.now(), undefined, explicit);
    const mark = this.#enter();
    try {
      this.#cache.set(key, stored.entry, { ttl: stored.keep });
    } finally {
      this.#depth--;
    }
    // stored (an LruCache refusal would have thrown above, leaving everything as it was)
    this.#loads.release(key);
    if (tkey !== undefined) this.#tiers!.write(tkey, value, stored.ttl, true);
    this.#rethrow(mark);
    return this;
  }

  /**
   * Drops `key`: its entry, and any load in flight for it (whose signal is aborted and whose
   * result is discarded; its callers still get it). With tiers: deleted from `l2`, announced.
   *
   * @example
   * ```ts
   * users.invalidate('42');
   * ```
   */
  invalidate(key: K): void;
  invalidate(key: K, extra?: unknown): void {
    if (extra !== undefined) refuseExtra('invalidate(key)', 1, extra);
    const tkey = this.#tiers === undefined ? undefined : tierKey(key);
    const mark = this.#enter();
    try {
      this.#cache.delete(key);
    } finally {
      this.#depth--;
    }
    this.#loads.release(key, new Error('lrukit: key invalidated while loading'));
    if (tkey !== undefined) this.#tiers!.remove(tkey);
    this.#rethrow(mark);
  }

  /**
   * Loads `key` again now (or joins the load in flight) and resolves with the new value; the
   * stored value keeps being served meanwhile. Like a `get`, it waits at most `timeout` ms
   * (then a `TimeoutError`; the refresh is abandoned if nobody else waits for it).
   *
   * @example
   * ```ts
   * await users.refresh('42');
   * ```
   */
  refresh(key: K): Promise<V>;
  refresh(key: K, extra?: unknown): Promise<V> {
    try {
      if (extra !== undefined) refuseExtra('refresh(key)', 1, extra);
      let load = this.#loads.get(key);
      if (load === undefined) {
        // an explicit refresh asks the loader, not the shared tier
        load = this.#start(key, this.peek(key), false);
        this.#refreshes++;
      }
      return load.wait(undefined, undefined);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Drops every entry and every load in flight (their signals are aborted). With tiers: `l2`'s
   * keys (its own prefix) are removed, and the other caches told to drop everything.
   *
   * @example
   * ```ts
   * users.clear();
   * ```
   */
  clear(): void;
  clear(extra?: unknown): void {
    if (extra !== undefined) refuseExtra('clear()', 0, extra);
    const mark = this.#enter();
    try {
      this.#cache.clear();
    } finally {
      this.#depth--;
    }
    this.#loads.releaseAll(new Error('lrukit: cache cleared while loading'));
    this.#tiers?.clear();
    this.#rethrow(mark);
  }

  /**
   * Resolves when every write to the shared tier and every bus message started so far has
   * finished (it never rejects: failures went to `onError`). Useful before exiting, and in tests.
   *
   * @example
   * ```ts
   * users.invalidate('42');
   * await users.flush(); // L2 no longer has '42' and the other processes have been told
   * ```
   */
  async flush(): Promise<void> {
    await this.#tiers?.flush();
  }

  /**
   * Leaves the bus (no more messages are received) after `flush()`. The cache keeps working
   * locally; the Redis clients are yours to close.
   *
   * @example
   * ```ts
   * await users.close();
   * await Promise.all([client.quit(), publisher.quit(), subscriber.quit()]);
   * ```
   */
  async close(): Promise<void> {
    await this.flush();
    this.#tiers?.close();
  }

  /**
   * Changes the bounds, evicting least recently used entries until they hold (see `LruCache`'s
   * `resize`). An `onEvict` that throws runs after the resize is done; the first error is rethrown.
   *
   * @example
   * ```ts
   * users.resize({ maxEntries: 500 });
   * ```
   */
  resize(options: { maxEntries?: number; maxSize?: number }): this;
  resize(options: { maxEntries?: number; maxSize?: number }, extra?: unknown): this {
    if (extra !== undefined) refuseExtra('resize(options)', 1, extra);
    const mark = this.#enter();
    try {
      this.#cache.resize(options);
    } finally {
      this.#depth--;
    }
    this.#rethrow(mark);
    return this;
  }

  /**
   * `[key, value]` pairs of the fresh values, most to least recently used, without changing
   * recency (stale values and remembered failures are skipped). Mutating the cache meanwhile is
   * safe, as with `LruCache`.
   *
   * @example
   * ```ts
   * for (const [id, user] of users.entries()) console.log(id, user.name);
   * ```
   */
  *entries(): IterableIterator<[K, V]> {
    for (const [key, entry] of this.#cache.entries()) {
      if (!entry.failed && this.#clock.now() < entry.freshUntil) yield [key, entry.value as V];
    }
  }

  /**
   * The keys of the fresh values; see {@link LoadingCache.entries}.
   *
   * @example
   * ```ts
   * const cached = [...users.keys()];
   * ```
   */
  *keys(): IterableIterator<K> {
    for (const [key] of this.entries()) yield key;
  }

  /**
   * The fresh values; see {@link LoadingCache.entries}.
   *
   * @example
   * ```ts
   * const names = [...users.values()].map((u) => u.name);
   * ```
   */
  *values(): IterableIterator<V> {
    for (const [, value] of this.entries()) yield value;
  }

  /**
   * Same as {@link LoadingCache.entries}.
   *
   * @example
   * ```ts
   * const snapshot = new Map(users);
   * ```
   */
  [Symbol.iterator](): IterableIterator<[K, V]> {
    return this.entries();
  }

  /**
   * Calls `callback(value, key, cache)` for each fresh value; see {@link LoadingCache.entries}.
   *
   * @example
   * ```ts
   * users.forEach((user, id) => console.log(id, user.name));
   * ```
   */
  forEach(callback: (value: V, key: K, cache: this) => void, thisArg?: unknown): void {
    if (typeof callback !== 'function') typeError('forEach() callback', 'a function', callback);
    for (const [key, value] of this.entries()) callback.call(thisArg, value, key, this);
  }

  /**
   * A JSON-friendly snapshot of the fresh values, least recently used first, each with the
   * freshness it has left as `ttl` (`null`: never stale, when the `ttl` option is finite; absent
   * when it is `Infinity`) and, with `maxSize`, its size: the same format as `LruCache`'s `dump`.
   * Stale values and remembered failures are left out. Feed it to `load` to restart warm.
   *
   * @example
   * ```ts
   * writeFileSync('users.json', JSON.stringify(users.dump()));
   * ```
   */
  dump(): Array<[K, LruCacheEntry<V>]> {
    const now = this.#clock.now();
    const finiteDefault = this.#fresh.defaultTtl !== Infinity;
    const out: Array<[K, LruCacheEntry<V>]> = [];
    for (const [key, stored] of this.#cache.dump()) {
      const entry = stored.value;
      if (entry.failed || !(now < entry.freshUntil)) continue;
      const item: LruCacheEntry<V> = { value: entry.value as V };
      if (entry.freshUntil !== Infinity) item.ttl = entry.freshUntil - now;
      else if (finiteDefault) item.ttl = null;
      if (stored.size !== undefined) item.size = stored.size;
      out.push([key, item]);
    }
    return out;
  }

  /**
   * Stores the entries of a `dump()` snapshot in order (the last becomes the most recently used),
   * each fresh for the `ttl` it had left (absent: the `ttl` option; `null`: never stale). Local
   * only: nothing is written to `l2` or announced on the bus. Every entry is checked first: a
   * malformed snapshot throws and changes nothing. Loads in flight for these keys no longer
   * store their results.
   *
   * @example
   * ```ts
   * users.load(JSON.parse(readFileSync('users.json', 'utf8')));
   * ```
   */
  load(entries: Iterable<readonly [K, LruCacheEntry<V>]>): this;
  load(entries: Iterable<readonly [K, LruCacheEntry<V>]>, extra?: unknown): this {
    if (extra !== undefined) refuseExtra('load(entries)', 1, extra);
    const now = this.#clock.now();
    const items = checkSnapshot<K, V>(entries).map(({ key, value, ttl, size }) => {
      const stored = this.#fresh.store(value, key, now, undefined, ttl);
      return { key, stored, size };
    });
    const mark = this.#enter();
    try {
      this.#cache.load(
        items.map(({ key, stored, size }) => [
          key,
          size === undefined
            ? { value: stored.entry, ttl: stored.keep }
            : { value: stored.entry, ttl: stored.keep, size },
        ]),
      );
    } finally {
      this.#depth--;
    }
    for (const { key } of items) this.#loads.release(key);
    this.#rethrow(mark);
    return this;
  }

  /** Stored entries (including remembered failures). */
  get size(): number {
    return this.#cache.size;
  }

  /**
   * The sum of the stored values' sizes (by `sizeOf`; remembered failures count 0); 0 without
   * `maxSize`.
   *
   * @example
   * ```ts
   * const pages = new LoadingCache<string, string>({ load, maxSize: 4 << 20, sizeOf: (s) => s.length });
   * pages.totalSize; // bytes held, at most 4 MiB
   * ```
   */
  get totalSize(): number {
    return this.#cache.totalSize;
  }

  /**
   * Counters since the cache was built.
   *
   * @example
   * ```ts
   * const { hitRatio, loads, staleHits } = users.stats;
   * ```
   */
  get stats(): LoadingCacheStats {
    const lookups = this.#hits + this.#misses;
    const inner = this.#cache.stats;
    const tiers = this.#tiers;
    return {
      hits: this.#hits,
      misses: this.#misses,
      hitRatio: lookups === 0 ? 0 : this.#hits / lookups,
      loads: this.#loadCount,
      loadErrors: this.#loadErrors,
      staleHits: this.#staleHits,
      refreshes: this.#refreshes,
      loadTime: this.#loadTime,
      sets: inner.sets,
      deletes: inner.deletes,
      evictions: inner.evictions,
      expirations: inner.expirations,
      l2Hits: tiers?.l2Hits ?? 0,
      l2Misses: tiers?.l2Misses ?? 0,
      l2Errors: tiers?.l2Errors ?? 0,
      busErrors: tiers?.busErrors ?? 0,
      busMessages: tiers?.busMessages ?? 0,
    };
  }

  // ---- internals ----

  /** Enters a synchronous operation: returns where its callback errors start in `#caught`. */
  #enter(): number {
    this.#depth++;
    return this.#caught.length;
  }

  /** Rethrows the first callback error caught since `mark` (the operation's work is done). */
  #rethrow(mark: number): void {
    if (this.#caught.length === mark) return;
    const first = this.#caught[mark];
    this.#caught.length = mark;
    throw first;
  }

  /** `#cache.get`, whose removal of an expired entry may run an `onEvict` that throws. */
  #guardedGet(key: K): Entry<V> | undefined {
    const mark = this.#enter();
    let entry: Entry<V> | undefined;
    try {
      entry = this.#cache.get(key);
    } finally {
      this.#depth--;
    }
    this.#rethrow(mark);
    return entry;
  }

  #report(error: unknown, context: ErrorContext): void {
    try {
      this.#onError?.(error, context);
    } catch {
      // a throwing onError must not turn a reported failure into a caller's failure
    }
  }

  /** A caller waits for `key`'s load (joined, or started), with the stale fallback if allowed. */
  #miss(key: K, stale: Entry<V> | undefined, signal: AbortSignal | undefined): Promise<V> {
    const load = this.#loads.get(key) ?? this.#start(key, stale?.value, true);
    let fallback: Fallback<V> | undefined;
    if (stale !== undefined && this.#sie > 0) {
      fallback = () => {
        // the stale entry may have been invalidated or replaced meanwhile
        if (this.#cache.peek(key) !== stale) return undefined;
        if (!this.#fresh.servesOnError(stale, this.#clock.now())) return undefined;
        this.#staleHits++;
        return { value: stale.value as V };
      };
    }
    return load.wait(signal, fallback);
  }

  /** A background refresh (refresh-ahead, stale-while-revalidate), unless one is running. */
  #background(key: K, stale: V | undefined, useL2: boolean): void {
    if (this.#loads.get(key) !== undefined) return;
    this.#start(key, stale, useL2).hold();
    this.#refreshes++;
  }

  /**
   * Starts and registers a load of `key`: from the shared tier first when `useL2` (and there is
   * one), else from the loader. Throws (nothing started) for a key the tiers cannot take.
   */
  #start(key: K, stale: V | undefined, useL2: boolean): Load<K, V> {
    const tiers = this.#tiers;
    const tkey = tiers === undefined ? undefined : tierKey(key);
    const load = this.#loads.open(key, this.#timeout, this.#abandoned);
    const loader = this.#bind === undefined ? this.#loader : this.#bind(key);
    const context: LoadContext<V> = { signal: load.controller.signal, stale };
    const started = this.#clock.now();
    let l2Ttl: number | undefined;
    const raw = new Promise<V>((resolve) => {
      if (tkey === undefined || !useL2 || !tiers!.hasL2) {
        resolve(loader(key, context));
        return;
      }
      resolve(
        tiers!.read(tkey).then((hit) => {
          if (hit !== undefined) {
            l2Ttl = hit.ttl;
            return hit.value;
          }
          // abandoned or invalidated while the tier was asked: the loader is not called
          if (context.signal.aborted) throw context.signal.reason;
          return loader(key, context);
        }),
      );
    });
    load.follow(
      raw.then(
        (value) => this.#loaded(load, value, l2Ttl, tkey, started),
        (error: unknown) => this.#failed(load, error, started),
      ),
    );
    return load;
  }

  /**
   * A load produced `value`: store it if the load is still current (and write it to the shared
   * tier unless it came from there). The waiters get `value`; if `ttl`, `shouldCache` or `sizeOf`
   * throws, they get that error instead and nothing is stored.
   */
  #loaded(
    load: Load<K, V>,
    value: V,
    l2Ttl: number | undefined,
    tkey: string | undefined,
    started: number,
  ): V {
    if (load.abandoned) return value; // every caller left: dropped, and nobody receives it
    this.#loadTime += this.#clock.now() - started;
    const key = load.key;
    if (!this.#loads.isCurrent(load)) {
      if (l2Ttl === undefined) this.#loadCount++;
      return value; // invalidated, set or cleared meanwhile: the callers get it, the cache does not
    }
    this.#loads.finish(load);
    let written: number | undefined;
    try {
      if (l2Ttl !== undefined) {
        // from the shared tier: kept for its remaining ttl there, not written back
        this.#put(key, value, l2Ttl);
      } else if (this.#shouldCache === undefined || this.#shouldCache(value, key)) {
        written = this.#put(key, value, undefined);
      }
    } catch (error) {
      this.#loadErrors++;
      throw error;
    }
    if (l2Ttl === undefined) this.#loadCount++;
    if (written !== undefined && tkey !== undefined && this.#tiers!.hasL2) {
      this.#tiers!.write(tkey, value, written, false);
    }
    return value;
  }

  /** A load failed: remember the failure if it is still current (unless a stale value stays). */
  #failed(load: Load<K, V>, error: unknown, started: number): never {
    if (load.abandoned) throw error; // every caller left: dropped, never counted nor remembered
    this.#loadTime += this.#clock.now() - started;
    this.#loadErrors++;
    if (this.#loads.isCurrent(load)) {
      this.#loads.finish(load);
      const now = this.#clock.now();
      if (!this.#fresh.keepsOnFailure(this.#cache.peek(load.key), now)) {
        const failed = this.#fresh.failure(error, now);
        if (failed !== undefined) this.#cache.set(load.key, failed, { ttl: this.#fresh.errorTtl });
      }
    }
    throw error;
  }

  /** Stores a loaded value in L1 (callback errors are reported); returns its fresh ttl. */
  #put(key: K, value: V, l2Ttl: number | undefined): number {
    const stored = this.#fresh.store(value, key, this.#clock.now(), l2Ttl);
    this.#cache.set(key, stored.entry, { ttl: stored.keep });
    return stored.ttl;
  }

  /**
   * Drops L1 copies (of `keys`, or all) because another cache changed them: no tier writes, no
   * bus message; loads in flight are not aborted (their callers still get a value), but their
   * results are not stored.
   */
  #dropLocal(keys: readonly unknown[] | undefined): void {
    if (keys === undefined) {
      this.#cache.clear();
      this.#loads.releaseAll();
      return;
    }
    for (const key of keys) {
      this.#cache.delete(key as K);
      this.#loads.release(key as K);
    }
  }
}
