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
import { stableKey } from './key.js';
import { LruCache } from './lru-cache.js';
import type { CountBound, EvictionReason, SizeBound } from './options.js';
import type {
  InvalidationBus,
  InvalidationMessage,
  L2Entry,
  L2Store,
  TierErrorContext,
} from './tiers.js';

/**
 * Internal: lets `memoize` bind the loader to the call that started a load, since with an `l2`
 * the loader runs only after the shared tier missed (not synchronously inside `get`).
 */
export const BIND_LOAD: unique symbol = Symbol('lrukit.bindLoad');

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
  /**
   * A shared second tier (e.g. `redisStore` from `lrukit/redis`): read after an L1 miss, before
   * the loader; the loader's results and `set` are written to it. The L1 copy of an L2 value
   * is kept for the L2's remaining ttl, never more.
   */
  l2?: L2Store<V>;
  /**
   * An invalidation bus (e.g. `redisBus` from `lrukit/redis`): `set`, `invalidate` and `clear`
   * tell the other caches on it to drop their L1 copies. Call `close()` to leave it.
   */
  bus?: InvalidationBus;
  /**
   * Called with each tier failure (`l2` or `bus`: an error, a timeout, a value that cannot be
   * serialized). Tier failures never reach callers of `get`; they are counted in `stats`.
   */
  onError?: (error: unknown, context: TierErrorContext) => void;
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
  /** Loader calls that succeeded (a value found in the shared tier counts in `l2Hits`). */
  readonly loads: number;
  /** Loads that failed. */
  readonly loadErrors: number;
  /** Hits that served a stale value (while revalidating, or because the load failed or timed out). */
  readonly staleHits: number;
  /** Background refreshes started (refresh-ahead, stale-while-revalidate, `refresh()`). */
  readonly refreshes: number;
  /** Total ms spent in loads that settled (shared-tier reads included), on the cache's clock. */
  readonly loadTime: number;
  /** Entries stored (loaded or `set`). */
  readonly sets: number;
  /** Entries removed by `invalidate` (or by another cache's message on the bus). */
  readonly deletes: number;
  /** Entries removed to make room. */
  readonly evictions: number;
  /** Entries removed after their last stale window closed. */
  readonly expirations: number;
  /** Loads answered by the shared tier (`l2`) instead of the loader. */
  readonly l2Hits: number;
  /** Loads that asked the shared tier and went on to the loader. */
  readonly l2Misses: number;
  /** Failed calls to the shared tier (errors, timeouts, values that cannot be serialized). */
  readonly l2Errors: number;
  /** Failed publishes on the bus. */
  readonly busErrors: number;
  /** Messages from other caches on the bus acted on (keys dropped, or L1 flushed). */
  readonly busMessages: number;
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
  promise: Promise<V>;
  readonly controller: AbortController;
  /** Callers that may leave (with a signal or a timeout) and have not. */
  waiters: number;
  /** A caller that cannot leave waits too: never abort for lack of waiters. */
  pinned: boolean;
  settled: boolean;
  /** Set when the value came from the shared tier: its remaining ttl there. */
  l2Ttl: number | undefined;
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
  'l2',
  'bus',
  'onError',
]);
const GET_KNOWN = new Set(['signal']);
const ignore = (): void => {};

/** Checks that `value` is an object whose `methods` are functions. */
function checkShape(name: string, value: unknown, methods: readonly string[]): void {
  const expected = `an object with methods ${methods.join(', ')}`;
  if (typeof value !== 'object' || value === null) typeError(option(name), expected, value);
  for (const method of methods) {
    if (typeof (value as Record<string, unknown>)[method] !== 'function') {
      typeError(option(name), expected, value);
    }
  }
}

/** The string under which `key` goes to a shared tier or the bus. */
const tierKey = (key: unknown): string => (typeof key === 'string' ? key : stableKey(key, 'key'));

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
  readonly #bind: ((key: K) => LoadingOptions<K, V>['load']) | undefined;
  readonly #l2: L2Store<V> | undefined;
  readonly #bus: InvalidationBus | undefined;
  readonly #onError: LoadingOptions<K, V>['onError'];
  /** This cache's id on the bus, to ignore its own messages. */
  readonly #origin: string;
  #unsubscribe: (() => void) | undefined;
  /** Tier writes in flight (for `flush`). */
  readonly #pending = new Set<Promise<void>>();
  /** Tier key → key, for non-string keys named by bus messages (rebuilt when it outgrows use). */
  #byTierKey: Map<string, K> | undefined;

  #hits = 0;
  #misses = 0;
  #loadCount = 0;
  #loadErrors = 0;
  #staleHits = 0;
  #refreshes = 0;
  #loadTime = 0;
  #l2Hits = 0;
  #l2Misses = 0;
  #l2Errors = 0;
  #busErrors = 0;
  #busMessages = 0;

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
    if (typeof options === 'object' && options !== null && 'updateAgeOnGet' in options) {
      throw new TypeError(
        'lrukit: option "updateAgeOnGet" is not supported by LoadingCache: freshness counts from ' +
          'the load, and a read cannot make data younger (refreshAhead keeps hot keys fresh)',
      );
    }
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
    if (o.l2 !== undefined) checkShape('l2', o.l2, ['get', 'set', 'delete', 'clear']);
    if (o.bus !== undefined) checkShape('bus', o.bus, ['publish', 'subscribe']);
    if (o.onError !== undefined && typeof o.onError !== 'function') {
      typeError(option('onError'), 'a function', o.onError);
    }
    this.#l2 = o.l2 as L2Store<V> | undefined;
    this.#bus = o.bus as InvalidationBus | undefined;
    this.#onError = o.onError as LoadingOptions<K, V>['onError'];
    this.#bind = (options as { [BIND_LOAD]?: (key: K) => LoadingOptions<K, V>['load'] })[BIND_LOAD];
    this.#origin = Math.random().toString(36).slice(2, 12);
    if (this.#bus !== undefined) {
      this.#unsubscribe = this.#bus.subscribe({
        message: (message) => this.#onMessage(message),
        reconnected: () => {
          // messages may have been lost while the subscription was down
          this.#busMessages++;
          this.#dropLocal(undefined);
        },
        error: (error) => this.#tierError(error, { tier: 'bus', operation: 'subscribe' }),
      });
    }
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
      return this.#wait(key, this.#start(key, entry.value, true), signal, entry);
    }
    this.#misses++;
    return this.#wait(key, this.#start(key, undefined, true), signal, undefined);
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
   * Stores `value` as freshly loaded; a load in flight for `key` will not overwrite it. With an
   * `l2`, the value is written there too; with a `bus`, the other caches then drop their copy.
   *
   * @example
   * ```ts
   * users.set('42', updatedUser);
   * ```
   */
  set(key: K, value: V): this {
    this.#loads.delete(key);
    const ttl = this.#store(key, value, undefined);
    if (this.#l2 !== undefined || this.#bus !== undefined) {
      const tkey = this.#tierKeyOf(key, 'set');
      if (tkey !== undefined) {
        this.#tiers(this.#l2 && (() => this.#l2!.set(tkey, value, ttl)), 'set', tkey, {
          origin: this.#origin,
          keys: [tkey],
        });
      }
    }
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
    if (this.#l2 !== undefined || this.#bus !== undefined) {
      const tkey = this.#tierKeyOf(key, 'delete');
      if (tkey !== undefined) {
        this.#tiers(this.#l2 && (() => this.#l2!.delete(tkey)), 'delete', tkey, {
          origin: this.#origin,
          keys: [tkey],
        });
      }
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
    // an explicit refresh asks the loader, not the shared tier
    return this.#start(key, this.peek(key), false).promise;
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
    this.#byTierKey?.clear();
    const loads = [...this.#loads.values()];
    this.#loads.clear();
    for (const load of loads)
      load.controller.abort(new Error('lrukit: cache cleared while loading'));
    if (this.#l2 !== undefined || this.#bus !== undefined) {
      this.#tiers(this.#l2 && (() => this.#l2!.clear()), 'clear', undefined, {
        origin: this.#origin,
        clear: true,
      });
    }
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
    while (this.#pending.size > 0) await Promise.all(this.#pending);
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
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
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
      l2Hits: this.#l2Hits,
      l2Misses: this.#l2Misses,
      l2Errors: this.#l2Errors,
      busErrors: this.#busErrors,
      busMessages: this.#busMessages,
    };
  }

  // ---- internals ----

  #background(key: K, stale: V | undefined, useL2: boolean): void {
    if (this.#loads.has(key)) return;
    this.#refreshes++;
    const load = this.#start(key, stale, useL2);
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

  /**
   * Returns the load in flight for `key`, or starts one: from the shared tier first when
   * `useL2` (and there is one), else from the loader.
   */
  #start(key: K, stale: V | undefined, useL2: boolean): Load<V> {
    const running = this.#loads.get(key);
    if (running !== undefined) return running;
    const controller = new AbortController();
    const started = this.#clock.now();
    const loader = this.#bind === undefined ? this.#loader : this.#bind(key);
    const context: LoadContext<V> = { signal: controller.signal, stale };
    const load: Load<V> = {
      promise: undefined as never,
      controller,
      waiters: 0,
      pinned: false,
      settled: false,
      l2Ttl: undefined,
    };
    // The bookkeeping runs in the chain, before any waiter sees the result: a `ttl` or
    // `shouldCache` function that throws fails the load with its own error, for every waiter.
    const promise = new Promise<V>((resolve) => {
      resolve(
        useL2 && this.#l2 !== undefined
          ? this.#readThrough(key, load, loader, context)
          : loader(key, context),
      );
    }).then(
      (value) => {
        load.settled = true;
        if (load.l2Ttl === undefined) this.#loadCount++; // from the loader, not the shared tier
        this.#loadTime += this.#clock.now() - started;
        if (this.#loads.get(key) !== load) return value; // invalidated, set or cleared meanwhile
        this.#loads.delete(key);
        if (load.l2Ttl !== undefined) {
          // from the shared tier: kept for its remaining ttl there, not written back
          this.#store(key, value, load.l2Ttl);
        } else if (this.#shouldCache === undefined || this.#shouldCache(value, key)) {
          const ttl = this.#store(key, value, undefined);
          const tkey = this.#l2 && this.#tierKeyOf(key, 'set');
          if (tkey !== undefined) {
            this.#tiers(() => this.#l2!.set(tkey, value, ttl), 'set', tkey, undefined);
          }
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
    load.promise = promise;
    this.#loads.set(key, load);
    if (this.#bus !== undefined && typeof key !== 'string') this.#index(key);
    // every load has a handler from birth: a failed background refresh is never unhandled
    promise.catch(ignore);
    return load;
  }

  /**
   * Stores a value in L1 and returns its fresh ttl. `l2Ttl`: the value came from the shared
   * tier with this much freshness left, the most it may be kept fresh here.
   */
  #store(key: K, value: V, l2Ttl: number | undefined): number {
    const now = this.#clock.now();
    const full = typeof this.#ttl === 'function' ? this.#ttl(value, key) : this.#ttl;
    if (typeof full !== 'number' || !(full > 0)) {
      rangeError('the result of option "ttl"', 'a positive number of ms or Infinity', full);
    }
    let ttl = full;
    if (l2Ttl !== undefined) ttl = Math.min(l2Ttl, full);
    else if (this.#jitter > 0 && ttl !== Infinity) ttl *= 1 - Math.random() * this.#jitter;
    const keep = ttl + Math.max(this.#swr, this.#sie);
    const freshUntil = now + ttl;
    // refresh-ahead starts at the same fraction of the full ttl as where the value was loaded
    const refreshAt =
      this.#refreshAhead >= 1
        ? Infinity
        : l2Ttl === undefined
          ? now + ttl * this.#refreshAhead
          : freshUntil - full * (1 - this.#refreshAhead);
    const entry: Entry<V> = { value, failed: false, freshUntil, refreshAt };
    this.#cache.set(key, entry, { ttl: keep });
    if (this.#bus !== undefined && typeof key !== 'string') this.#index(key);
    return ttl;
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

  /** The shared tier's value for `key`, or the loader's when the tier misses or fails. */
  #readThrough(
    key: K,
    load: Load<V>,
    loader: LoadingOptions<K, V>['load'],
    context: LoadContext<V>,
  ): Promise<V> {
    const tkey = this.#tierKeyOf(key, 'get');
    if (tkey === undefined) return Promise.resolve(loader(key, context));
    const fallback = (): V | PromiseLike<V> => {
      // abandoned (every waiter left, or invalidated) while the tier was asked
      if (context.signal.aborted) throw context.signal.reason;
      return loader(key, context);
    };
    return new Promise<L2Entry<V> | undefined>((resolve) => resolve(this.#l2!.get(tkey))).then(
      (hit) => {
        if (hit !== undefined && hit !== null && hit.ttl > 0) {
          this.#l2Hits++;
          load.l2Ttl = hit.ttl;
          return hit.value;
        }
        this.#l2Misses++;
        return fallback();
      },
      (error: unknown) => {
        this.#tierError(error, { tier: 'l2', operation: 'get', key: tkey });
        return fallback();
      },
    );
  }

  /**
   * Runs a tier write in the background (`write`, then the bus `message`, so that a cache told
   * to drop its copy reads the new state from L2). Failures are counted and reported.
   */
  #tiers(
    write: (() => Promise<void>) | undefined,
    operation: 'set' | 'delete' | 'clear',
    key: string | undefined,
    message: InvalidationMessage | undefined,
  ): void {
    const bus = message === undefined ? undefined : this.#bus;
    let done: Promise<void> = Promise.resolve();
    if (write !== undefined) {
      done = new Promise<void>((resolve) => resolve(write())).then(undefined, (error: unknown) =>
        this.#tierError(error, { tier: 'l2', operation, key }),
      );
    }
    if (bus !== undefined) {
      done = done
        .then(() => bus.publish(message!))
        .then(undefined, (error: unknown) =>
          this.#tierError(error, { tier: 'bus', operation: 'publish', key }),
        );
    }
    this.#pending.add(done);
    done.then(() => this.#pending.delete(done));
  }

  #tierError(error: unknown, context: TierErrorContext): void {
    if (context.tier === 'l2') this.#l2Errors++;
    else this.#busErrors++;
    try {
      this.#onError?.(error, context);
    } catch {
      // a throwing onError must not turn a tier failure into a caller's failure
    }
  }

  /** The tier key of `key`, or `undefined` (reported) when it has none. */
  #tierKeyOf(key: K, operation: 'get' | 'set' | 'delete'): string | undefined {
    try {
      return tierKey(key);
    } catch (error) {
      this.#tierError(error, { tier: this.#l2 ? 'l2' : 'bus', operation });
      return undefined;
    }
  }

  /** Remembers the tier key of a non-string key, so that bus messages can name it. */
  #index(key: K): void {
    let index = this.#byTierKey;
    if (index === undefined) index = this.#byTierKey = new Map();
    let tkey: string;
    try {
      tkey = tierKey(key);
    } catch {
      return;
    }
    index.set(tkey, key);
    // stale entries (evicted keys) are dropped by rebuilding once the index outgrows the cache
    if (index.size > 2 * (this.#cache.size + this.#loads.size) + 64) {
      index.clear();
      for (const k of this.#cache.keys()) index.set(tierKey(k), k);
      for (const k of this.#loads.keys()) index.set(tierKey(k), k);
    }
  }

  #onMessage(message: InvalidationMessage): void {
    if (message === null || typeof message !== 'object' || message.origin === this.#origin) return;
    if (message.clear === true) {
      this.#busMessages++;
      this.#dropLocal(undefined);
      return;
    }
    if (!Array.isArray(message.keys)) return;
    this.#busMessages++;
    this.#dropLocal(message.keys);
  }

  /**
   * Drops L1 copies (of `keys`, or all) because another cache changed them: no tier writes, no
   * bus message; loads in flight are not aborted (their waiters still get a value), but their
   * results are not stored.
   */
  #dropLocal(keys: readonly string[] | undefined): void {
    if (keys === undefined) {
      this.#cache.clear();
      this.#loads.clear();
      this.#byTierKey?.clear();
      return;
    }
    for (const tkey of keys) {
      if (typeof tkey !== 'string') continue;
      const key = (this.#byTierKey?.get(tkey) ?? tkey) as K;
      this.#byTierKey?.delete(tkey);
      this.#cache.delete(key);
      this.#loads.delete(key);
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
