/**
 * LoadingCache: cache-aside over an async loader — one load per key however many callers wait,
 * with stale-while-revalidate, stale-if-error, refresh-ahead, negative caching, timeouts and
 * per-caller cancellation, on top of an {@link LruCache} of loaded entries.
 *
 * Design notes:
 * - Each stored entry records when it stops being fresh; the `LruCache` keeps it for its fresh
 *   ttl plus the longest stale window, so one bound and one clock govern everything.
 * - An in-flight load is an object in `#loads`; a load writes its result only while it is still
 *   the one registered for its key, so a load that finishes after `invalidate`, `set` or `clear`
 *   never overwrites newer state.
 * - Every load promise has a handler attached at birth: a failed background refresh is counted,
 *   never an unhandled rejection.
 */

import type { Clock } from './clock.js';
import { systemClock } from './clock.js';
import { checkOptionsObject, option, rangeError, typeError } from './errors.js';
import { LruCache } from './lru-cache.js';
import type { CountBound, EvictionReason, SizeBound } from './options.js';

/**
 * The rejection of a `get` that waited longer than `timeout` ms (and had no stale value to
 * fall back on).
 *
 * @example
 * ```ts
 * try {
 *   await users.get('42');
 * } catch (error) {
 *   if (error instanceof TimeoutError) console.warn('user service is slow');
 * }
 * ```
 */
export class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
  /** `'ERR_LRUKIT_TIMEOUT'`. */
  readonly code = 'ERR_LRUKIT_TIMEOUT';
}

/**
 * What the loader receives besides the key.
 *
 * @example
 * ```ts
 * const load = (id: string, { signal, stale }: LoadContext<User>) =>
 *   fetchUser(id, { signal, etag: stale?.etag });
 * ```
 */
export interface LoadContext<V> {
  /** Aborted when every waiter has gone, on timeout of a background refresh, or on invalidate. */
  signal: AbortSignal;
  /** The previous value, when this load replaces one (a refresh). */
  stale: V | undefined;
}

/**
 * Options of `new LoadingCache(options)`: the loader, the staleness policy and a bound.
 *
 * @example
 * ```ts
 * const options: LoadingCacheOptions<string, User> = { load: fetchUser, maxEntries: 1_000, ttl: 60_000 };
 * ```
 */
export type LoadingCacheOptions<K, V> = LoadingOptions<K, V> & (CountBound | SizeBound<K, V>);

/**
 * The options specific to `LoadingCache` (plus a bound, `clock`, `onEvict`, `autoPurge`).
 *
 * @example
 * ```ts
 * const policy: Omit<LoadingOptions<string, User>, 'load'> = { ttl: 60_000, staleIfError: 300_000 };
 * ```
 */
export interface LoadingOptions<K, V> {
  /** Loads the value of a key; may return a value or a Promise, or throw. */
  load: (key: K, context: LoadContext<V>) => V | PromiseLike<V>;
  /** Freshness in ms, or a function of the loaded value; absent: fresh forever. */
  ttl?: number | ((value: V, key: K) => number);
  /** After ttl, serve the old value for this long (ms) while one background load refreshes it. */
  staleWhileRevalidate?: number;
  /** After ttl, serve the old value for this long (ms) when the load fails. */
  staleIfError?: number;
  /** A hit after this fraction of ttl (0 < f < 1) starts a background refresh. */
  refreshAhead?: number;
  /** Each entry's ttl is shortened by a random 0–`jitter` fraction (0 ≤ jitter < 1). Default 0. */
  jitter?: number;
  /** Ms to remember a failed load (negative caching); 0 (default) = never. */
  errorTtl?: number;
  /** `false`: return the loaded value but do not store it. */
  shouldCache?: (value: V, key: K) => boolean;
  /** Most ms a caller waits (real time): then the stale value if `staleIfError` allows, else a `TimeoutError`. */
  timeout?: number;
  /** Where time comes from (ms) for freshness; `timeout` always uses real timers. */
  clock?: Clock;
  /** Called for each entry that leaves the cache (values only; remembered errors are silent). */
  onEvict?: (value: V, key: K, reason: EvictionReason) => void;
  /** See `LruCache`'s `autoPurge`. */
  autoPurge?: boolean;
}

/**
 * Counters of a `LoadingCache`.
 *
 * @example
 * ```ts
 * const { hitRatio, loads, loadErrors, staleHits }: LoadingCacheStats = users.stats;
 * ```
 */
export interface LoadingCacheStats {
  /** `get` calls answered from the cache, fresh or stale. */
  readonly hits: number;
  /** `get` calls that had to wait for a load. */
  readonly misses: number;
  /** `hits / (hits + misses)`, 0 before the first `get`. */
  readonly hitRatio: number;
  /** Loads that succeeded. */
  readonly loads: number;
  /** Loads that failed. */
  readonly loadErrors: number;
  /** Hits that served a stale value (while revalidating, or because the load failed or timed out). */
  readonly staleHits: number;
  /** Background refreshes started (refresh-ahead, stale-while-revalidate, `refresh()`). */
  readonly refreshes: number;
  /** Total ms spent in loads that settled, on the cache's clock. */
  readonly loadTime: number;
  /** Entries stored (loaded or `set`). */
  readonly sets: number;
  /** Entries removed by `invalidate`. */
  readonly deletes: number;
  /** Entries removed to make room. */
  readonly evictions: number;
  /** Entries removed after their last stale window closed. */
  readonly expirations: number;
}

interface Entry<V> {
  readonly value: V | undefined;
  /** The loader's error, for a remembered failure. */
  readonly error?: unknown;
  readonly failed: boolean;
  /** Fresh while `now < freshUntil`. */
  readonly freshUntil: number;
  /** A hit from here on starts a refresh-ahead. */
  readonly refreshAt: number;
}

interface Load<V> {
  readonly promise: Promise<V>;
  readonly controller: AbortController;
  /** Callers that may leave (with a signal or a timeout) and have not. */
  waiters: number;
  /** A caller that cannot leave waits too: never abort for lack of waiters. */
  pinned: boolean;
  settled: boolean;
}

const KNOWN = new Set([
  'load',
  'ttl',
  'staleWhileRevalidate',
  'staleIfError',
  'refreshAhead',
  'jitter',
  'errorTtl',
  'shouldCache',
  'timeout',
  'clock',
  'onEvict',
  'autoPurge',
  'maxEntries',
  'maxSize',
  'sizeOf',
  'maxEntrySize',
]);
const GET_KNOWN = new Set(['signal']);
const ignore = (): void => {};

function checkMs(name: string, value: unknown, fallback: number, positive: boolean): number {
  if (value === undefined) return fallback;
  const expected = positive ? 'a positive number of ms or Infinity' : 'a number of ms >= 0';
  if (typeof value !== 'number') typeError(option(name), expected, value);
  if (Number.isNaN(value) || value < 0 || (positive && value === 0)) {
    rangeError(option(name), expected, value);
  }
  return value;
}

/** A fraction in `[0, 1)`, or `(0, 1)` when zero is not allowed. */
function checkFraction(name: string, value: unknown, zeroAllowed: boolean): number {
  const expected = zeroAllowed ? 'a fraction, 0 <= f < 1' : 'a fraction, 0 < f < 1';
  if (typeof value !== 'number') typeError(option(name), expected, value);
  if (!(value < 1 && (zeroAllowed ? value >= 0 : value > 0)))
    rangeError(option(name), expected, value);
  return value;
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
  readonly #cache: LruCache<K, Entry<V>>;
  readonly #loads = new Map<K, Load<V>>();
  readonly #loader: LoadingOptions<K, V>['load'];
  readonly #ttl: number | ((value: V, key: K) => number);
  readonly #swr: number;
  readonly #sie: number;
  readonly #refreshAhead: number;
  readonly #jitter: number;
  readonly #errorTtl: number;
  readonly #shouldCache: ((value: V, key: K) => boolean) | undefined;
  readonly #timeout: number;
  readonly #clock: Clock;

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
    const o = checkOptionsObject('LoadingCache options', options, KNOWN);
    if (o === undefined) typeError('LoadingCache options', 'an object', options);
    if (typeof o.load !== 'function') typeError(option('load'), 'a function', o.load);
    this.#loader = o.load as LoadingOptions<K, V>['load'];
    const ttl = o.ttl;
    this.#ttl =
      typeof ttl === 'function'
        ? (ttl as (value: V, key: K) => number)
        : checkMs('ttl', ttl, Infinity, true);
    this.#swr = checkMs('staleWhileRevalidate', o.staleWhileRevalidate, 0, false);
    this.#sie = checkMs('staleIfError', o.staleIfError, 0, false);
    this.#errorTtl = checkMs('errorTtl', o.errorTtl, 0, false);
    this.#timeout = checkMs('timeout', o.timeout, Infinity, true);
    this.#refreshAhead =
      o.refreshAhead === undefined ? 1 : checkFraction('refreshAhead', o.refreshAhead, false);
    this.#jitter = o.jitter === undefined ? 0 : checkFraction('jitter', o.jitter, true);
    if (o.shouldCache !== undefined && typeof o.shouldCache !== 'function') {
      typeError(option('shouldCache'), 'a function', o.shouldCache);
    }
    this.#shouldCache = o.shouldCache as ((value: V, key: K) => boolean) | undefined;
    const userOnEvict = o.onEvict as LoadingOptions<K, V>['onEvict'];
    const sizeOf = o.sizeOf as ((value: V, key: K) => number) | undefined;
    // the LruCache validates the bound, clock, onEvict, autoPurge and size options
    this.#cache = new LruCache<K, Entry<V>>({
      maxEntries: o.maxEntries,
      maxSize: o.maxSize,
      maxEntrySize: o.maxEntrySize,
      sizeOf:
        sizeOf && ((entry: Entry<V>, key: K) => (entry.failed ? 0 : sizeOf(entry.value as V, key))),
      clock: o.clock,
      autoPurge: o.autoPurge,
      onEvict:
        userOnEvict &&
        ((entry: Entry<V>, key: K, reason: EvictionReason) => {
          if (!entry.failed) userOnEvict(entry.value as V, key, reason);
        }),
    } as never);
    this.#clock = (o.clock as Clock | undefined) ?? systemClock;
  }

  /**
   * The value under `key`: a fresh hit, a stale value while a background load refreshes it, or
   * the result of one load shared by every concurrent caller. `signal` rejects only this caller,
   * with the signal's reason.
   *
   * @example
   * ```ts
   * const controller = new AbortController();
   * const user = await users.get('42', { signal: controller.signal });
   * ```
   */
  get(key: K, options?: { signal?: AbortSignal }): Promise<V> {
    const o = checkOptionsObject('get() options', options, GET_KNOWN);
    const signal = o?.signal as AbortSignal | undefined;
    if (signal !== undefined && !(signal instanceof AbortSignal)) {
      typeError('get() option "signal"', 'an AbortSignal', signal);
    }
    if (signal?.aborted) return Promise.reject(signal.reason);
    const entry = this.#cache.get(key);
    if (entry !== undefined) {
      const now = this.#clock.now();
      if (entry.failed) {
        this.#hits++;
        return Promise.reject(entry.error);
      }
      if (now < entry.freshUntil) {
        this.#hits++;
        if (now >= entry.refreshAt) this.#background(key, entry.value);
        return Promise.resolve(entry.value as V);
      }
      if (now < entry.freshUntil + this.#swr) {
        this.#hits++;
        this.#staleHits++;
        this.#background(key, entry.value);
        return Promise.resolve(entry.value as V);
      }
      // past ttl and revalidation: wait for a load, falling back on the stale value if allowed
      this.#misses++;
      return this.#wait(key, this.#start(key, entry.value), signal, entry);
    }
    this.#misses++;
    return this.#wait(key, this.#start(key, undefined), signal, undefined);
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
  peek(key: K): V | undefined {
    const entry = this.#cache.peek(key);
    return entry === undefined || entry.failed ? undefined : entry.value;
  }

  /**
   * Stores `value` as freshly loaded; a load in flight for `key` will not overwrite it.
   *
   * @example
   * ```ts
   * users.set('42', updatedUser);
   * ```
   */
  set(key: K, value: V): this {
    this.#loads.delete(key);
    this.#store(key, value);
    return this;
  }

  /**
   * Drops `key`: its entry, and any load in flight for it (whose signal is aborted and whose
   * result is discarded).
   *
   * @example
   * ```ts
   * users.invalidate('42');
   * ```
   */
  invalidate(key: K): void {
    this.#cache.delete(key);
    const load = this.#loads.get(key);
    if (load !== undefined) {
      this.#loads.delete(key);
      load.controller.abort(new Error(`lrukit: key invalidated while loading`));
    }
  }

  /**
   * Loads `key` again now (or joins the load in flight) and resolves with the new value; the
   * stored value keeps being served meanwhile.
   *
   * @example
   * ```ts
   * await users.refresh('42');
   * ```
   */
  refresh(key: K): Promise<V> {
    const load = this.#loads.get(key);
    if (load !== undefined) return load.promise;
    this.#refreshes++;
    return this.#start(key, this.peek(key)).promise;
  }

  /**
   * Drops every entry and every load in flight (their signals are aborted).
   *
   * @example
   * ```ts
   * users.clear();
   * ```
   */
  clear(): void {
    this.#cache.clear();
    const loads = [...this.#loads.values()];
    this.#loads.clear();
    for (const load of loads)
      load.controller.abort(new Error('lrukit: cache cleared while loading'));
  }

  /** Stored entries (including remembered failures). */
  get size(): number {
    return this.#cache.size;
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
    };
  }

  // ---- internals ----

  #background(key: K, stale: V | undefined): void {
    if (this.#loads.has(key)) return;
    this.#refreshes++;
    const load = this.#start(key, stale);
    // nobody waits for a refresh: it gets the timeout itself
    if (this.#timeout !== Infinity) {
      const timer = setTimeout(() => {
        if (!load.settled) load.controller.abort(new TimeoutError(`lrukit: refresh timed out`));
      }, this.#timeout);
      // nobody waits on it, so it must not hold a Node process open
      (timer as { unref?: () => void }).unref?.();
      load.promise.then(
        () => clearTimeout(timer),
        () => clearTimeout(timer),
      );
    }
  }

  /** Returns the load in flight for `key`, or starts one. */
  #start(key: K, stale: V | undefined): Load<V> {
    const running = this.#loads.get(key);
    if (running !== undefined) return running;
    const controller = new AbortController();
    const started = this.#clock.now();
    // The bookkeeping runs in the chain, before any waiter sees the result: a `ttl` or
    // `shouldCache` function that throws fails the load with its own error, for every waiter.
    const promise = new Promise<V>((resolve) => {
      resolve(this.#loader(key, { signal: controller.signal, stale }));
    }).then(
      (value) => {
        load.settled = true;
        this.#loadCount++;
        this.#loadTime += this.#clock.now() - started;
        if (this.#loads.get(key) !== load) return value; // invalidated, set or cleared meanwhile
        this.#loads.delete(key);
        if (this.#shouldCache === undefined || this.#shouldCache(value, key)) {
          this.#store(key, value);
        }
        return value;
      },
      (error: unknown) => {
        load.settled = true;
        this.#loadErrors++;
        this.#loadTime += this.#clock.now() - started;
        if (this.#loads.get(key) === load) {
          this.#loads.delete(key);
          this.#remember(key, error);
        }
        throw error;
      },
    );
    const load: Load<V> = { promise, controller, waiters: 0, pinned: false, settled: false };
    this.#loads.set(key, load);
    // every load has a handler from birth: a failed background refresh is never unhandled
    promise.catch(ignore);
    return load;
  }

  #store(key: K, value: V): void {
    const now = this.#clock.now();
    let ttl = typeof this.#ttl === 'function' ? this.#ttl(value, key) : this.#ttl;
    if (typeof ttl !== 'number' || !(ttl > 0)) {
      rangeError('the result of option "ttl"', 'a positive number of ms or Infinity', ttl);
    }
    if (this.#jitter > 0 && ttl !== Infinity) ttl *= 1 - Math.random() * this.#jitter;
    const keep = ttl + Math.max(this.#swr, this.#sie);
    const entry: Entry<V> = {
      value,
      failed: false,
      freshUntil: now + ttl,
      refreshAt: this.#refreshAhead < 1 ? now + ttl * this.#refreshAhead : Infinity,
    };
    this.#cache.set(key, entry, { ttl: keep });
  }

  /** A failed load: keep a stale value that may still be served, else remember the error. */
  #remember(key: K, error: unknown): void {
    const entry = this.#cache.peek(key);
    const now = this.#clock.now();
    // a failed refresh keeps the old value for as long as either stale window may serve it
    const servable = Math.max(this.#swr, this.#sie);
    if (entry !== undefined && !entry.failed && now < entry.freshUntil + servable) return;
    if (this.#errorTtl > 0) {
      const failed: Entry<V> = {
        value: undefined,
        error,
        failed: true,
        freshUntil: now + this.#errorTtl,
        refreshAt: Infinity,
      };
      this.#cache.set(key, failed, { ttl: this.#errorTtl });
    }
  }

  /** One caller waiting on a load, with its own signal and timeout. */
  #wait(key: K, load: Load<V>, signal: AbortSignal | undefined, stale: Entry<V> | undefined) {
    if (signal === undefined && this.#timeout === Infinity && stale === undefined) {
      // a caller that can neither leave nor fall back shares the load's own promise (no
      // per-caller promise, closures or listeners), and keeps the load from ever being abandoned
      load.pinned = true;
      return load.promise;
    }
    load.waiters++;
    return new Promise<V>((resolve, reject) => {
      let done = false;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const staleValue = (): { ok: boolean; value?: V } => {
        if (stale === undefined || stale.failed) return { ok: false };
        if (this.#clock.now() >= stale.freshUntil + this.#sie) return { ok: false };
        // the stale entry may have been invalidated meanwhile
        if (this.#cache.peek(key) !== stale) return { ok: false };
        return { ok: true, value: stale.value as V };
      };
      const leave = (settle: () => void, abandoned: unknown) => {
        if (done) return;
        done = true;
        if (timer !== undefined) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        load.waiters--;
        if (abandoned !== undefined && load.waiters === 0 && !load.pinned && !load.settled) {
          load.controller.abort(abandoned);
        }
        settle();
      };
      // a failed or timed-out load: the stale value if staleIfError still allows it, else the error
      const fail = (error: unknown, abandoned: unknown) => {
        const fallback = staleValue();
        leave(() => {
          if (fallback.ok) {
            this.#staleHits++;
            resolve(fallback.value as V);
          } else reject(error);
        }, abandoned);
      };
      const onAbort = () => leave(() => reject(signal!.reason), signal!.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
      if (this.#timeout !== Infinity) {
        timer = setTimeout(() => {
          const error = new TimeoutError(`lrukit: load timed out after ${this.#timeout} ms`);
          fail(error, error);
        }, this.#timeout);
      }
      load.promise.then(
        (value) => leave(() => resolve(value), undefined),
        (error: unknown) => fail(error, undefined),
      );
    });
  }
}
