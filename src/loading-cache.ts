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
 * - `writes.ts`: `write()` to the backing store: the write options and write-through (store
 *   first, serialized per key); `write-queue.ts`: write-behind (coalescing, batches, retries,
 *   backpressure, flush). The class caches what they write; reads of a key with a queued write
 *   get the queued value, and a load never stores over it.
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
import {
  allAborted,
  answer,
  type BulkOptions,
  distinctKeys,
  eachLimited,
  LOAD_CONCURRENCY,
  outcomesOf,
} from './loading/bulk.js';
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
import { WriteQueue } from './loading/write-queue.js';
import { type WriteErrorContext, type Writes, WriteThrough } from './loading/writes.js';
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

const GET_KNOWN = /* @__PURE__ */ new Set(['signal']);
const GET_MANY_KNOWN = /* @__PURE__ */ new Set(['signal', 'partial']);
const SET_KNOWN = /* @__PURE__ */ new Set(['ttl']);

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
  readonly #loadMany: BulkOptions<K, V>['loadMany'];
  readonly #tiers: Tiers<V> | undefined;
  readonly #onError: LoadingOptions<K, V>['onError'];
  /** `write()`: write-through or the write-behind queue (`undefined`: the cache does not write). */
  readonly #writes: Writes<K, V> | undefined;
  #closing: Promise<void> | undefined;
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
    this.#loadMany = o.loadMany;
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
    const w = o.writes;
    if (w !== undefined && w.behind !== undefined) {
      const clock = o.clock;
      // the user's clock's timers (a ManualClock), else real ones, not unref'd: queued writes
      // keep a Node process alive until they are stored (or given up)
      const timers =
        clock?.setTimer !== undefined && clock.clearTimer !== undefined
          ? { setTimer: clock.setTimer.bind(clock), clearTimer: clock.clearTimer.bind(clock) }
          : {
              setTimer: (callback: () => void, ms: number): unknown => setTimeout(callback, ms),
              clearTimer: (handle: unknown) => clearTimeout(handle as never),
            };
      this.#writes = new WriteQueue<K, V>(w, timers, {
        now: () => this.#clock.now(),
        stored: (entries) => this.#writtenBehind(entries),
        gaveUp: (error, entries, operation, attempts) =>
          this.#gaveUp(error, { tier: 'store', operation, entries, attempts }),
      });
    } else if (w !== undefined) this.#writes = new WriteThrough<K, V>(w);
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
        return this.#miss(key, entry, signal);
      }
      return this.#miss(key, undefined, signal);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * The values of `keys`, in their order (an array, or any iterable but a string; a key given
   * twice is looked up once). Fresh and stale-while-revalidate hits come from memory and keys
   * already loading are joined, as with `get`; the rest take one round trip to `l2` (one
   * `getMany` when the store has it), then one `loadMany` call (or `load` per key, at most 8 at a
   * time, without it). A `get` of a key this batch is loading joins the batch. Every per-key rule
   * of `get` holds: ttl, stale windows, `errorTtl`, `shouldCache`, `timeout`, tier writes.
   *
   * A key without a value (its load failed or timed out, or `loadMany` did not return it) makes
   * the whole call reject with an `AggregateError` of the failures, whose `keys` names those
   * keys; with `partial: true` it resolves with `undefined` in their place instead. `signal`
   * rejects this caller only, with its reason; a batch key nobody else waits for is abandoned.
   *
   * @example
   * ```ts
   * const users = new LoadingCache<string, User>({
   *   load: (id) => db.getUser(id),
   *   loadMany: (ids) => db.getUsers(ids), // one query for every miss
   *   maxEntries: 10_000,
   * });
   * const [alice, bob] = await users.getMany(['1', '2']);
   * const some = await users.getMany(ids, { partial: true }); // undefined where there is none
   * ```
   */
  getMany(
    keys: Iterable<K>,
    options: { signal?: AbortSignal; partial: true },
  ): Promise<Array<V | undefined>>;
  getMany(keys: Iterable<K>, options?: { signal?: AbortSignal; partial?: boolean }): Promise<V[]>;
  getMany(
    keys: Iterable<K>,
    options?: { signal?: AbortSignal; partial?: boolean },
    extra?: unknown,
  ): Promise<Array<V | undefined>> {
    try {
      if (extra !== undefined) refuseExtra('getMany(keys, options?)', 2, extra);
      const o = checkOptionsObject('getMany() options', options, GET_MANY_KNOWN);
      const signal = o?.signal as AbortSignal | undefined;
      if (signal !== undefined && !(signal instanceof AbortSignal)) {
        typeError('getMany() option "signal"', 'an AbortSignal', signal);
      }
      const partial = o?.partial ?? false;
      if (typeof partial !== 'boolean')
        typeError('getMany() option "partial"', 'a boolean', partial);
      const { unique, at } = distinctKeys(keys);
      // a key the tiers cannot take refuses the whole call before anything starts
      const tkeys = this.#tiers === undefined ? undefined : unique.map((key) => tierKey(key));
      if (signal?.aborted) return Promise.reject(signal.reason);
      // each key's outcome: at once for a fresh hit; else a promise (a stale hit, a remembered
      // failure, a load to join, a queued write: as `get` does it; or this call's batch)
      const settled = new Array<PromiseSettledResult<V>>(unique.length);
      const waits: Array<Promise<void>> = [];
      const wait = (i: number, promise: Promise<V>): void => {
        waits.push(
          promise.then(
            (value) => {
              settled[i] = { status: 'fulfilled', value };
            },
            (reason: unknown) => {
              settled[i] = { status: 'rejected', reason };
            },
          ),
        );
      };
      const batch: number[] = [];
      /** What L1 held for each key: a batch key's stale value (fallback, loader context). */
      const entries = new Array<Entry<V> | undefined>(unique.length);
      const now = this.#clock.now();
      unique.forEach((key, i) => {
        const entry = this.#cache.peek(key);
        entries[i] = entry;
        if (entry !== undefined && !entry.failed && now < entry.freshUntil && !this.#guarded) {
          // a fresh hit, as `get` serves it (recency, counters, refresh-ahead), with no promise
          this.#cache.get(key);
          this.#hits++;
          if (now >= entry.refreshAt) this.#background(key, entry.value, false);
          settled[i] = { status: 'fulfilled', value: entry.value as V };
        } else if (
          (entry !== undefined && (entry.failed || now < entry.freshUntil + this.#swr)) ||
          this.#loads.get(key) !== undefined ||
          this.#writes?.queued(key) !== undefined
        ) {
          wait(i, this.get(key, signal && { signal }));
        } else {
          batch.push(i);
        }
      });
      if (batch.length > 0) {
        this.#startBatch(
          batch.map((i) => unique[i]!),
          batch.map((i) => entries[i]),
          tkeys && batch.map((i) => tkeys[i]!),
        );
        for (const i of batch) wait(i, this.#miss(unique[i]!, entries[i], signal));
      }
      if (waits.length === 0) return Promise.resolve(answer(unique, at, settled, partial));
      return Promise.all(waits).then(() => {
        if (signal?.aborted) throw signal.reason;
        return answer(unique, at, settled, partial);
      });
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
    if (entry === undefined) return this.#writes?.queued(key)?.value;
    return entry.failed ? undefined : entry.value;
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
    if (entry === undefined) return this.#writes?.queued(key) !== undefined;
    return !entry.failed;
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
   * Writes `value` to the store (option `write`, or `writeMany` with one entry) and caches it.
   *
   * Write-through (no `writeBehind`): the store first. On success the value is cached as freshly
   * loaded (full `ttl`), written to `l2` and announced on the `bus`; a load in flight for `key`
   * no longer stores its result (its callers, who asked before the write, still get it). On
   * failure the promise rejects with the store's error and nothing cached changes. Writes to one
   * key run one after the other, so the later call's value ends up stored and cached.
   *
   * Write-behind (`writeBehind`): the value is cached at once and queued; the promise resolves
   * then (after waiting for room when `maxQueue` writes are outstanding). Reads see it until the
   * store has it, even if it leaves L1; `l2` and the `bus` hear of it once it is stored. Failed
   * store calls are retried; what still fails goes to `onError` and rejects `flush()`.
   *
   * Writes have no timeout (`timeout` is for loads): bound your store calls yourself. Refused
   * with a `TypeError` on a cache built without `write` or `writeMany`, and after `close()`.
   *
   * @example
   * ```ts
   * const accounts = new LoadingCache<string, Account>({
   *   load: (id) => db.getAccount(id),
   *   write: (id, account) => db.saveAccount(id, account),
   *   maxEntries: 10_000,
   *   ttl: 60_000,
   * });
   * await accounts.write('42', { ...account, balance: 10 }); // stored, then cached
   * await accounts.get('42'); // the written value, without a load
   * ```
   */
  write(key: K, value: V): Promise<void>;
  write(key: K, value: V, extra?: unknown): Promise<void> {
    try {
      if (extra !== undefined) refuseExtra('write(key, value)', 2, extra);
      const writes = this.#writes;
      if (writes === undefined) {
        throw new TypeError(
          'lrukit: LoadingCache write() needs option "write" (or "writeMany"): this cache ' +
            'has no store to write to; set() changes the cache alone',
        );
      }
      if (writes.closed) {
        throw new TypeError(
          'lrukit: LoadingCache write() after close(): the cache takes no more writes',
        );
      }
      const tkey = this.#tiers === undefined ? undefined : tierKey(key);
      const through = writes instanceof WriteThrough;
      // write-through: the ttl is computed (a ttl function that throws refuses the write) before
      // the store is asked; write-behind computes it when it caches, before queuing
      const ttl = through
        ? this.#fresh.store(value, key, this.#clock.now(), undefined).ttl
        : undefined;
      return writes.write(key, value, () => this.#cacheWritten(key, value, ttl, tkey, through));
    } catch (error) {
      return Promise.reject(error);
    }
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
   * Resolves when every `write` made before it is stored, and every write to the shared tier and
   * every bus message started so far has finished. Write-behind writes still waiting for their
   * `delay` are sent at once (a failed call still waits for its retry's backoff). Rejects with a
   * {@link WriteError} listing the writes made before it that were given up, after every retry,
   * while it waited (each also went to `onError`; one given up before the call went there only);
   * tier failures never reject it (they went to `onError`).
   *
   * @example
   * ```ts
   * accounts.write('42', account); // write-behind: queued
   * await accounts.flush();        // the store has it now
   * users.invalidate('7');
   * await users.flush();           // L2 no longer has '7' and the other processes have been told
   * ```
   */
  async flush(): Promise<void> {
    let failure: { error: unknown } | undefined;
    try {
      await this.#writes?.flush();
    } catch (error) {
      failure = { error };
    }
    // after the writes: a stored write-behind value is written to l2 and announced then
    await this.#tiers?.flush();
    if (failure !== undefined) throw failure.error;
  }

  /**
   * Stops taking writes (`write()` is then refused), flushes (see {@link LoadingCache.flush}),
   * then releases the write-behind timers and leaves the bus (no more messages are received).
   * Rejects like `flush()` when writes could not be stored, after releasing everything. Calling
   * it again returns the same promise. The cache keeps serving reads locally; the Redis clients
   * are yours to close.
   *
   * @example
   * ```ts
   * process.on('SIGTERM', async () => {
   *   await accounts.close(); // every queued write stored (or reported), timers released
   *   await Promise.all([client.quit(), publisher.quit(), subscriber.quit()]);
   * });
   * ```
   */
  close(): Promise<void> {
    if (this.#closing !== undefined) return this.#closing;
    if (this.#writes !== undefined) this.#writes.closed = true;
    const closing = this.flush().finally(() => {
      this.#writes?.release();
      this.#tiers?.close();
    });
    this.#closing = closing;
    return closing;
  }

  /**
   * Changes the bounds, evicting entries until they hold (least recently used first; under
   * `policy: 'tinylfu'`, `TinyLfuCache`'s victims; see `LruCache`'s `resize`). An `onEvict` that throws runs after the resize is done; the first error is rethrown.
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
   * `[key, value]` pairs of the fresh values, most to least recently used (under
   * `policy: 'tinylfu'`, in `TinyLfuCache`'s iteration order), without changing recency (stale
   * values and remembered failures are skipped). Mutating the cache meanwhile is
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
      writes: this.#writes?.writes ?? 0,
      writeErrors: this.#writes?.writeErrors ?? 0,
      queued: this.#writes?.queuedCount ?? 0,
      batches: this.#writes?.batches ?? 0,
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

  #report(error: unknown, context: ErrorContext | WriteErrorContext<K, V>): void {
    try {
      // a tier's or onEvict's context has no entries: it is an ErrorContext<K, V> as it is
      this.#onError?.(error, context as ErrorContext<K, V>);
    } catch {
      // a throwing onError must not turn a reported failure into a caller's failure
    }
  }

  /** A caller waits for `key`'s load (joined, or started), with the stale fallback if allowed. */
  #miss(key: K, stale: Entry<V> | undefined, signal: AbortSignal | undefined): Promise<V> {
    const queued = this.#writes?.queued(key);
    if (queued !== undefined) {
      // written behind and no longer (or no more freshly) in L1: the store is not there yet
      this.#hits++;
      return Promise.resolve(queued.value);
    }
    this.#misses++;
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
   * Starts and registers one load per key of a `getMany` batch (so a `get` of any of them joins
   * it), all fed by one batch: one L2 read, then `loadMany` (or `load` per key) for what is left.
   */
  #startBatch(
    keys: readonly K[],
    stales: ReadonlyArray<Entry<V> | undefined>,
    tkeys: readonly string[] | undefined,
  ): void {
    const started = this.#clock.now();
    const settle: Array<(outcome: Promise<{ value: V; l2Ttl?: number }>) => void> = [];
    const loads = keys.map((key, i) => {
      const load = this.#loads.open(key, this.#timeout, this.#abandoned);
      const outcome = new Promise<{ value: V; l2Ttl?: number }>((resolve) => {
        settle[i] = resolve;
      });
      load.follow(
        outcome.then(
          ({ value, l2Ttl }) => this.#loaded(load, value, l2Ttl, tkeys?.[i], started),
          (error: unknown) => this.#failed(load, error, started),
        ),
      );
      return load;
    });
    void this.#runBatch(keys, loads, tkeys, stales, settle);
  }

  /** Feeds a batch's loads: L2 hits first, then the batch loader; each key settles on its own. */
  async #runBatch(
    keys: readonly K[],
    loads: readonly Load<K, V>[],
    tkeys: readonly string[] | undefined,
    stales: ReadonlyArray<Entry<V> | undefined>,
    settle: ReadonlyArray<(outcome: Promise<{ value: V; l2Ttl?: number }>) => void>,
  ): Promise<void> {
    let pending = keys.map((_, i) => i);
    const fail = (i: number, error: unknown) => settle[i]!(Promise.reject(error));
    try {
      if (tkeys !== undefined && this.#tiers!.hasL2) {
        const hits = await this.#tiers!.readMany(tkeys);
        pending = pending.filter((i) => {
          const hit = hits[i];
          if (hit === undefined) return true;
          settle[i]!(Promise.resolve({ value: hit.value, l2Ttl: hit.ttl }));
          return false;
        });
      }
      // keys abandoned, invalidated or cleared meanwhile are not loaded
      pending = pending.filter((i) => {
        const signal = loads[i]!.controller.signal;
        if (signal.aborted) fail(i, signal.reason);
        return !signal.aborted;
      });
      if (pending.length === 0) return;
      const loadMany = this.#loadMany;
      if (loadMany !== undefined) {
        const signal = allAborted(pending.map((i) => loads[i]!.controller.signal));
        const result = await loadMany(
          pending.map((i) => keys[i]!),
          { signal },
        );
        const outcomes = outcomesOf<K, V>(
          pending.map((i) => keys[i]!),
          result,
        );
        pending.forEach((i, k) => {
          const outcome = outcomes[k]!;
          if (outcome.ok) settle[i]!(Promise.resolve({ value: outcome.value }));
          else fail(i, outcome.error);
        });
        return;
      }
      await eachLimited(pending, LOAD_CONCURRENCY, async (i) => {
        const key = keys[i]!;
        const { signal } = loads[i]!.controller;
        if (signal.aborted) return fail(i, signal.reason);
        const loader = this.#bind === undefined ? this.#loader : this.#bind(key);
        const stale = stales[i];
        const value = new Promise<V>((resolve) =>
          resolve(
            loader(key, {
              signal,
              stale: stale === undefined || stale.failed ? undefined : (stale.value as V),
            }),
          ),
        );
        settle[i]!(value.then((v) => ({ value: v })));
        await value.then(undefined, () => undefined);
      });
    } catch (error) {
      // the batch loader threw or rejected: every key still waiting fails with its error
      for (const i of pending) fail(i, error);
    }
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
    const queued = this.#writes?.queued(key);
    if (queued !== undefined) {
      // a refresh that read the store before a queued write reached it: the write is newer
      if (l2Ttl === undefined) this.#loadCount++;
      return queued.value;
    }
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
      // a queued write stays what reads see: no remembered failure may hide it
      if (
        !this.#fresh.keepsOnFailure(this.#cache.peek(load.key), now) &&
        this.#writes?.queued(load.key) === undefined
      ) {
        const failed = this.#fresh.failure(error, now);
        if (failed !== undefined) this.#cache.set(load.key, failed, { ttl: this.#fresh.errorTtl });
      }
    }
    throw error;
  }

  /**
   * Caches a written value as freshly loaded (for `ttl` ms from now); loads in flight for `key`
   * no longer store theirs. Write-through (`stored`): the store has it, so it also goes to `l2`
   * and the bus; if L1 refuses it (a `sizeOf` that throws), the superseded copy is dropped
   * everywhere instead and the error rethrown. Write-behind: a refusal throws, nothing changed.
   * `onEvict` errors are reported (the write itself happened).
   */
  #cacheWritten(
    key: K,
    value: V,
    ttl: number | undefined,
    tkey: string | undefined,
    stored: boolean,
  ): void {
    const entry = this.#fresh.store(value, key, this.#clock.now(), undefined, ttl);
    const mark = this.#enter();
    try {
      this.#cache.set(key, entry.entry, { ttl: entry.keep });
    } catch (error) {
      if (stored) {
        this.#cache.delete(key);
        this.#loads.release(key);
        if (tkey !== undefined) this.#tiers!.remove(tkey);
      }
      throw error;
    } finally {
      this.#depth--;
      if (this.#caught.length > mark) {
        for (const caught of this.#caught.splice(mark)) {
          this.#report(caught, { tier: 'l1', operation: 'onEvict' });
        }
      }
    }
    this.#loads.release(key);
    if (stored && tkey !== undefined) this.#tiers!.write(tkey, value, entry.ttl, true);
  }

  /** Write-behind values reached the store: now `l2` gets them and the other caches hear of it. */
  #writtenBehind(entries: ReadonlyArray<readonly [K, V]>): void {
    const tiers = this.#tiers;
    if (tiers === undefined) return;
    for (const [key, value] of entries) {
      // a newer write is queued (it will do this), or set() replaced the value meanwhile
      if (this.#writes!.queued(key) !== undefined) continue;
      const entry = this.#cache.peek(key);
      if (entry !== undefined && entry.value !== value) continue;
      try {
        const ttl = this.#fresh.store(value, key, this.#clock.now(), undefined).ttl;
        tiers.write(tierKey(key), value, ttl, true);
      } catch (error) {
        this.#report(error, { tier: 'l2', operation: 'set' });
      }
    }
  }

  /**
   * Write-behind entries given up after every retry: the cache drops its copies (unless a newer
   * write or a `set` replaced them), so reads go back to the store, then `onError` gets them.
   */
  #gaveUp(error: unknown, context: WriteErrorContext<K, V>): void {
    const mark = this.#enter();
    try {
      for (const [key, value] of context.entries) {
        if (this.#writes!.queued(key) !== undefined) continue;
        const entry = this.#cache.peek(key);
        if (entry !== undefined && entry.value === value) {
          this.#cache.delete(key);
          this.#loads.release(key);
        }
      }
    } finally {
      this.#depth--;
      for (const caught of this.#caught.splice(mark)) {
        this.#report(caught, { tier: 'l1', operation: 'onEvict' });
      }
    }
    this.#report(error, context);
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
