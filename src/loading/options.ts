/**
 * The options of a `LoadingCache` (its public types) and their validation into resolved
 * settings: every option is checked once, at construction, with a message naming the API the
 * user called (`LoadingCache`, `memoize()`, `@cached()`), the option and the value.
 */

import type { Clock } from '../clock.js';
import {
  checkOptionsObject,
  checkTimerMs,
  describeValue,
  option,
  rangeError,
  typeError,
} from '../errors.js';
import type { CountBound, EvictionReason, SizeBound } from '../options.js';
import type { ErrorContext, InvalidationBus, L2Store } from '../tiers.js';
import type { BulkOptions } from './bulk.js';
import type { FreshnessOptions } from './freshness.js';
import { type ResolvedWrites, resolveWrites, WRITE_OPTIONS, type WriteOptions } from './writes.js';

/**
 * Internal: lets `memoize` bind the loader to the call that started a load, since with an `l2`
 * the loader runs only after the shared tier missed (not synchronously inside `get`).
 */
export const BIND_LOAD: unique symbol = Symbol('lrukit.bindLoad');

/**
 * Internal: how `memoize` and `@cached` name themselves in the errors of the `LoadingCache`
 * they build (`'memoize()'`), so that a message names the API the user called.
 */
export const API_NAME: unique symbol = Symbol('lrukit.apiName');

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
  /**
   * Aborted when every caller waiting on this load has left (each aborted or timed out), when a
   * background refresh outlives `timeout`, and on `invalidate` or `clear`. Its reason is lrukit's
   * (an `AbortError` or a `TimeoutError`), never a caller's.
   */
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
export type LoadingCacheOptions<K, V> = LoadingOptions<K, V> &
  WriteOptions<K, V> &
  BulkOptions<K, V> &
  (CountBound | SizeBound<K, V>);

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
   * Which entries stay when the cache is full: `'lru'` (default) evicts the least recently used
   * ({@link LruCache}); `'tinylfu'` keeps the popular keys ({@link TinyLfuCache}, W-TinyLFU,
   * experimental): a key asked for once (a scan, the long tail) may be refused admission, so
   * its value is returned to its callers but not kept (`onEvict` reason `'evict'`).
   */
  policy?: 'lru' | 'tinylfu';
  /**
   * With `policy: 'tinylfu'` only (with `'lru'` it is refused, a `TypeError`): an integer
   * seeding its hashing and admission, so that the same requests evict the same keys (tests,
   * benchmarks). Default: random per cache.
   */
  seed?: number;
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
   * serialized), and with each error an `onEvict` threw on a background path (a load
   * completing, a bus message, a timer: context `{ tier: 'l1', operation: 'onEvict' }`), where
   * no caller could receive it. Never reaches callers of `get`; tier failures are counted in
   * `stats`. Without `onError`, such errors are dropped. An `onError` that throws is ignored.
   * With `writeBehind`, also called with the entries given up after every retry (context
   * `{ tier: 'store', operation: 'write' | 'writeMany', entries, attempts }`: a
   * {@link WriteErrorContext}).
   */
  onError?: (error: unknown, context: ErrorContext<K, V>) => void;
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
  /** Values the store accepted (`write`, write-through or write-behind; coalesced writes count once). */
  readonly writes: number;
  /** Store calls that failed (write-through failures, and every failed write-behind attempt). */
  readonly writeErrors: number;
  /** Write-behind: writes not yet stored (queued, in a store call, or waiting for a retry). */
  readonly queued: number;
  /** Write-behind: store calls made (`writeMany` batches, or `write`s without it), retries included. */
  readonly batches: number;
}

/** Internal: the option names `new LoadingCache` takes (memoize and @cached derive theirs). */
export const LOADING_OPTIONS: ReadonlySet<string> = /* @__PURE__ */ new Set([
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
  'policy',
  'seed',
  'maxEntries',
  'maxSize',
  'sizeOf',
  'maxEntrySize',
  'l2',
  'bus',
  'onError',
]);

/**
 * `LoadingCache`'s own option names, built on first use: a Set over a spread at module level is
 * kept by bundlers even in apps that never build a LoadingCache.
 */
let withWrites: ReadonlySet<string> | undefined;
function loadingCacheOptions(): ReadonlySet<string> {
  withWrites ??= new Set([...LOADING_OPTIONS, ...WRITE_OPTIONS, 'loadMany']);
  return withWrites;
}

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

const POLICIES: ReadonlySet<unknown> = /* @__PURE__ */ new Set(['lru', 'tinylfu']);

/**
 * `policy` (default `'lru'`) and `seed`, which only `'tinylfu'` takes: an LRU has no hashing to
 * seed, and a seed it silently ignored would promise a reproducibility it does not give.
 */
function checkPolicy(
  api: string,
  policy: unknown,
  seed: unknown,
): { policy: 'lru' | 'tinylfu'; seed: number | undefined } {
  if (policy !== undefined && !POLICIES.has(policy)) {
    typeError(`${api} option "policy"`, '"lru" or "tinylfu"', policy);
  }
  const chosen = (policy ?? 'lru') as 'lru' | 'tinylfu';
  if (seed === undefined) return { policy: chosen, seed: undefined };
  if (chosen !== 'tinylfu') {
    throw new TypeError(
      `lrukit: ${api} option "seed" is taken only with policy: 'tinylfu' (it seeds TinyLFU's ` +
        `hashing; an LRU has none), got seed ${describeValue(seed)} with policy "${chosen}"`,
    );
  }
  if (typeof seed !== 'number') typeError(`${api} option "seed"`, 'an integer', seed);
  if (!Number.isInteger(seed)) rangeError(`${api} option "seed"`, 'an integer', seed);
  return { policy: chosen, seed };
}

/** A `LoadingCache`'s options, checked; the LruCache's own are passed on as given (it checks them). */
export interface ResolvedLoadingOptions<K, V> {
  readonly api: string;
  readonly load: LoadingOptions<K, V>['load'];
  /** Set by `memoize`: the loader bound to the call that started a load. */
  readonly bind: ((key: K) => LoadingOptions<K, V>['load']) | undefined;
  readonly freshness: FreshnessOptions<K, V>;
  /** Ms a caller waits; `Infinity`: no timeout. */
  readonly timeout: number;
  readonly shouldCache: ((value: V, key: K) => boolean) | undefined;
  readonly onEvict: LoadingOptions<K, V>['onEvict'];
  readonly onError: LoadingOptions<K, V>['onError'];
  readonly l2: L2Store<V> | undefined;
  readonly bus: InvalidationBus | undefined;
  readonly clock: Clock | undefined;
  /** The batch loader, for `getMany` (LoadingCache only). */
  readonly loadMany: BulkOptions<K, V>['loadMany'];
  /** The write options (`undefined`: the cache does not write). */
  readonly writes: ResolvedWrites<K, V> | undefined;
  /** The L1's eviction policy. */
  readonly policy: 'lru' | 'tinylfu';
  /** `TinyLfuCache`'s seed (policy 'tinylfu' only); `undefined`: random. */
  readonly seed: number | undefined;
  /** The bound and storage options, for the LruCache (which validates them). */
  readonly lru: {
    readonly maxEntries: unknown;
    readonly maxSize: unknown;
    readonly maxEntrySize: unknown;
    readonly sizeOf: ((value: V, key: K) => number) | undefined;
    readonly autoPurge: unknown;
  };
}

/** Checks a `LoadingCache`'s options (throws a `TypeError` or `RangeError` naming the option). */
export function resolveLoadingOptions<K, V>(options: unknown): ResolvedLoadingOptions<K, V> {
  const api = (options as { [API_NAME]?: string } | undefined)?.[API_NAME] ?? 'LoadingCache';
  if (typeof options === 'object' && options !== null && 'updateAgeOnGet' in options) {
    throw new TypeError(
      `lrukit: option "updateAgeOnGet" is not supported by ${api}: freshness counts from ` +
        'the load, and a read cannot make data younger (refreshAhead keeps hot keys fresh)',
    );
  }
  // the write options are LoadingCache's alone: memoize and @cached have no writes
  const o = checkOptionsObject(
    `${api} options`,
    options,
    api === 'LoadingCache' ? loadingCacheOptions() : LOADING_OPTIONS,
  );
  if (o === undefined) typeError(`${api} options`, 'an object', options);
  if (typeof o.load !== 'function') typeError(option('load'), 'a function', o.load);
  const ttl = o.ttl;
  const freshness: FreshnessOptions<K, V> = {
    ttl:
      typeof ttl === 'function'
        ? (ttl as (value: V, key: K) => number)
        : checkMs('ttl', ttl, Infinity, true),
    staleWhileRevalidate: checkMs('staleWhileRevalidate', o.staleWhileRevalidate, 0, false),
    staleIfError: checkMs('staleIfError', o.staleIfError, 0, false),
    errorTtl: checkMs('errorTtl', o.errorTtl, 0, false),
    refreshAhead:
      o.refreshAhead === undefined ? 1 : checkFraction('refreshAhead', o.refreshAhead, false),
    jitter: o.jitter === undefined ? 0 : checkFraction('jitter', o.jitter, true),
  };
  for (const name of ['shouldCache', 'onError', 'loadMany'] as const) {
    if (o[name] !== undefined && typeof o[name] !== 'function') {
      typeError(option(name), 'a function', o[name]);
    }
  }
  const { policy, seed } = checkPolicy(api, o.policy, o.seed);
  if (o.l2 !== undefined) checkShape('l2', o.l2, ['get', 'set', 'delete', 'clear']);
  if (o.bus !== undefined) checkShape('bus', o.bus, ['publish', 'subscribe']);
  return {
    api,
    load: o.load as LoadingOptions<K, V>['load'],
    bind: (options as { [BIND_LOAD]?: (key: K) => LoadingOptions<K, V>['load'] })[BIND_LOAD],
    freshness,
    // a timer above 2^31 - 1 ms would fire after 1 ms: every load would time out at once
    timeout: checkTimerMs(option('timeout'), o.timeout, Infinity, true),
    shouldCache: o.shouldCache as ((value: V, key: K) => boolean) | undefined,
    onEvict: o.onEvict as LoadingOptions<K, V>['onEvict'],
    onError: o.onError as LoadingOptions<K, V>['onError'],
    l2: o.l2 as L2Store<V> | undefined,
    bus: o.bus as InvalidationBus | undefined,
    clock: o.clock as Clock | undefined,
    loadMany: o.loadMany as BulkOptions<K, V>['loadMany'],
    writes: api === 'LoadingCache' ? resolveWrites<K, V>(o) : undefined,
    policy,
    seed,
    lru: {
      maxEntries: o.maxEntries,
      maxSize: o.maxSize,
      maxEntrySize: o.maxEntrySize,
      sizeOf: o.sizeOf as ((value: V, key: K) => number) | undefined,
      autoPurge: o.autoPurge,
    },
  };
}
