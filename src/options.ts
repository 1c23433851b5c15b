/** Public option types of `LruCache` (and `TinyLfuCache`), and their validation into resolved, frozen settings. */

import { type Clock, systemClock } from './clock.js';
import {
  checkOptionsObject,
  checkPositive,
  checkSize,
  option,
  rangeError,
  typeError,
} from './errors.js';

/**
 * Why an entry left the cache, as passed to `onEvict`.
 *
 * - `'evict'`: removed to make room (a bound was exceeded, by `set`, `load` or `resize`);
 * - `'expire'`: its ttl ran out (found by `get`, `prune`, `autoPurge`, or when making room);
 * - `'delete'`: removed by `delete`;
 * - `'set'`: replaced by `set` with a different value, or dropped because the new value was
 *   larger than `maxEntrySize` (a value that had already expired is reported as `'expire'`);
 * - `'clear'`: removed by `clear`.
 *
 * @example
 * ```ts
 * const onEvict = (value: Conn, key: string, reason: EvictionReason) => {
 *   if (reason !== 'set') value.close();
 * };
 * ```
 */
export type EvictionReason = 'evict' | 'expire' | 'delete' | 'set' | 'clear';

/**
 * Called after an entry has left the cache; see {@link EvictionReason}.
 *
 * @example
 * ```ts
 * const log: OnEvict<string, number> = (value, key, reason) => console.log(key, value, reason);
 * ```
 */
export type OnEvict<K, V> = (value: V, key: K, reason: EvictionReason) => void;

/**
 * Options every `LruCache` takes, whatever its bound.
 *
 * @example
 * ```ts
 * const common: CommonOptions<string, number> = { ttl: 60_000, updateAgeOnGet: true };
 * new LruCache<string, number>({ ...common, maxEntries: 100 });
 * ```
 */
export interface CommonOptions<K, V> {
  /**
   * Default time-to-live of an entry, in ms: a positive number, or `Infinity` (never expire).
   * Absent: entries never expire unless `set` gives them a ttl. `0` is refused.
   */
  ttl?: number;
  /** `true`: a `get` hit restarts the entry's ttl (sliding expiration). Default `false`. */
  updateAgeOnGet?: boolean;
  /**
   * `true`: expired entries are removed without being touched, by a single timer (unref'd in
   * Node) armed for the earliest expiry and cleared when nothing can expire. Default `false`:
   * expired entries are removed when they are next read, by `prune()`, or when making room.
   */
  autoPurge?: boolean;
  /**
   * Called with `(value, key, reason)` for every entry that leaves the cache, after the operation
   * that removed it has finished changing the cache (so it may read or write the cache).
   */
  onEvict?: OnEvict<K, V>;
  /**
   * Where time comes from (ms): anything with a callable `now()`, such as `performance`, `Date`
   * (lru-cache's `perf: Date`) or lrukit/testing's `ManualClock`. Default: {@link systemClock}.
   */
  clock?: Clock;
}

/**
 * The entry-count bound, without a size bound.
 *
 * @example
 * ```ts
 * const bound: CountBound = { maxEntries: 10_000 };
 * ```
 */
export interface CountBound {
  /** Most entries held at once: a positive integer. */
  maxEntries: number;
  maxSize?: undefined;
  sizeOf?: undefined;
  maxEntrySize?: undefined;
}

/**
 * The total-size bound, with or without an entry-count bound.
 *
 * @example
 * ```ts
 * const bound: SizeBound<string, string> = { maxSize: 1_000_000, sizeOf: (html) => html.length };
 * ```
 */
export interface SizeBound<K, V> {
  /** Most entries held at once: a positive integer. Optional when `maxSize` is given. */
  maxEntries?: number;
  /**
   * Largest total of entry sizes held at once (in `sizeOf`'s unit): a positive safe integer, at
   * most `Number.MAX_SAFE_INTEGER`, so that `totalSize` is always exact.
   */
  maxSize: number;
  /**
   * An entry's size: a safe integer `>= 0` (round a fractional measure up or down yourself).
   * Needed unless every `set` passes `{ size }`.
   * Called once per `set`, never again for the same value.
   */
  sizeOf?: (value: V, key: K) => number;
  /**
   * Entries larger than this are not stored: a safe integer `>= 0`. Default and upper limit:
   * `maxSize`.
   */
  maxEntrySize?: number;
}

/**
 * Options of `new LruCache(options)`. At least one of `maxEntries` and `maxSize` is required: the
 * types and the constructor both refuse an unbounded cache. Unknown keys are refused at run time.
 *
 * @example
 * ```ts
 * const options: LruCacheOptions<string, number> = { maxEntries: 100, ttl: 5_000 };
 * const cache = new LruCache(options);
 * ```
 */
export type LruCacheOptions<K, V> = CommonOptions<K, V> & (CountBound | SizeBound<K, V>);

/**
 * Per-call options of `set`.
 *
 * @example
 * ```ts
 * cache.set('a', 1, { ttl: 500 } satisfies SetOptions);
 * ```
 */
export interface SetOptions {
  /** This entry's ttl in ms (positive, or `Infinity` for never), instead of the cache's `ttl`. */
  ttl?: number;
  /**
   * This entry's size (a safe integer `>= 0`), instead of calling `sizeOf`. Only for caches with
   * `maxSize`.
   */
  size?: number;
}

/**
 * The bounds `resize` takes; at least one must be given.
 *
 * @example
 * ```ts
 * cache.resize({ maxEntries: 100 } satisfies ResizeOptions);
 * ```
 */
export interface ResizeOptions {
  /** New entry-count bound: a positive integer. */
  maxEntries?: number;
  /** New total-size bound: a positive safe integer. Only for caches built with `maxSize`. */
  maxSize?: number;
}

/** Validated constructor options, with defaults applied. */
export interface ResolvedOptions<K, V> {
  readonly maxEntries: number;
  readonly maxSize: number;
  readonly sizeOf: ((value: V, key: K) => number) | undefined;
  /** The `maxEntrySize` option, `Infinity` when absent (the limit is then `maxSize`). */
  readonly maxEntrySize: number;
  readonly ttl: number;
  readonly updateAgeOnGet: boolean;
  readonly autoPurge: boolean;
  readonly onEvict: OnEvict<K, V> | undefined;
  readonly clock: Clock;
}

const KNOWN = /* @__PURE__ */ new Set([
  'maxEntries',
  'maxSize',
  'sizeOf',
  'maxEntrySize',
  'ttl',
  'updateAgeOnGet',
  'autoPurge',
  'onEvict',
  'clock',
]);
const SET_KNOWN = /* @__PURE__ */ new Set(['ttl', 'size']);
const RESIZE_KNOWN = /* @__PURE__ */ new Set(['maxEntries', 'maxSize']);

/** Entry indices live in 32-bit slots. */
export const MAX_ENTRIES_LIMIT = 0xffff_fffe;

/** Checks a `maxEntries` value (constructor or `resize`). */
export function checkMaxEntries(value: unknown, name = option('maxEntries')): number {
  const expected = 'a positive integer';
  if (typeof value !== 'number') typeError(name, expected, value);
  if (!Number.isInteger(value) || value < 1) rangeError(name, expected, value);
  if (value > MAX_ENTRIES_LIMIT) rangeError(name, `at most ${MAX_ENTRIES_LIMIT}`, value);
  return value;
}

function checkBoolean(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') typeError(option(name), 'a boolean', value);
  return value;
}

function checkFunction<F>(name: string, value: unknown): F {
  if (typeof value !== 'function') typeError(option(name), 'a function', value);
  return value as F;
}

function checkClock(value: unknown): Clock {
  const expected = 'anything with a now() method (performance, Date, a ManualClock)';
  // `Date` is a function with a static now(): what counts is a callable now, not the typeof
  const holder = typeof value === 'object' || typeof value === 'function';
  if (!holder || value === null || typeof (value as Clock).now !== 'function') {
    typeError(option('clock'), expected, value);
  }
  const clock = value as Clock;
  const timers = [clock.setTimer, clock.clearTimer].filter((f) => f !== undefined);
  if (timers.some((f) => typeof f !== 'function') || timers.length === 1) {
    typeError(option('clock'), 'a clock with both setTimer and clearTimer, or neither', value);
  }
  return clock;
}

/**
 * Validates constructor options; throws before anything is built if any is wrong. `owner` names
 * the class in messages; `more` lists option keys that class takes besides the common ones (it
 * checks them itself).
 */
export function resolveOptions<K, V>(
  options: unknown,
  owner = 'LruCache',
  more: readonly string[] = [],
): ResolvedOptions<K, V> {
  if (options === undefined) {
    throw new TypeError(
      `lrukit: ${owner} needs options with "maxEntries" or "maxSize", got undefined`,
    );
  }
  const known = more.length === 0 ? KNOWN : new Set([...KNOWN, ...more]);
  const o = checkOptionsObject(`${owner} options`, options, known) as Record<string, unknown>;
  const maxEntries = o.maxEntries === undefined ? Infinity : checkMaxEntries(o.maxEntries);
  const maxSize =
    o.maxSize === undefined ? Infinity : checkSize(option('maxSize'), o.maxSize, true);
  if (maxEntries === Infinity && maxSize === Infinity) {
    throw new TypeError(
      `lrukit: ${owner} needs option "maxEntries" or "maxSize" (or both), got neither: an unbounded cache is refused`,
    );
  }
  const sized = maxSize !== Infinity;
  let sizeOf: ((value: V, key: K) => number) | undefined;
  if (o.sizeOf !== undefined) {
    if (!sized) typeError(option('sizeOf'), 'given only with "maxSize"', o.sizeOf);
    sizeOf = checkFunction('sizeOf', o.sizeOf);
  }
  // Infinity when absent: the effective limit is min(maxEntrySize, maxSize), which follows resize
  let maxEntrySize = Infinity;
  if (o.maxEntrySize !== undefined) {
    if (!sized) typeError(option('maxEntrySize'), 'given only with "maxSize"', o.maxEntrySize);
    maxEntrySize = checkSize(option('maxEntrySize'), o.maxEntrySize);
    if (maxEntrySize > maxSize) {
      rangeError(option('maxEntrySize'), `at most "maxSize" (${maxSize})`, maxEntrySize);
    }
  }
  return Object.freeze({
    maxEntries,
    maxSize,
    sizeOf,
    maxEntrySize,
    ttl: o.ttl === undefined ? Infinity : checkPositive(option('ttl'), o.ttl),
    updateAgeOnGet:
      o.updateAgeOnGet === undefined ? false : checkBoolean('updateAgeOnGet', o.updateAgeOnGet),
    autoPurge: o.autoPurge === undefined ? false : checkBoolean('autoPurge', o.autoPurge),
    onEvict:
      o.onEvict === undefined ? undefined : checkFunction<OnEvict<K, V>>('onEvict', o.onEvict),
    clock: o.clock === undefined ? systemClock : checkClock(o.clock),
  });
}

/** Validates `set`'s third argument when it is not a number; returns it as a record (or `undefined`). */
export function checkSetOptions(options: unknown, sized: boolean): SetOptions | undefined {
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    typeError('set() options', 'a ttl in ms or an object { ttl?, size? }', options);
  }
  const o = checkOptionsObject('set() options', options, SET_KNOWN);
  if (o === undefined) return undefined;
  if (o.ttl !== undefined) checkPositive('set() option "ttl"', o.ttl);
  if (o.size !== undefined) {
    if (!sized) typeError('set() option "size"', 'given only to a cache with "maxSize"', o.size);
  }
  return o as SetOptions;
}

/** Validates `resize`'s argument against what the cache was built with. */
export function checkResizeOptions(options: unknown, sized: boolean): ResizeOptions {
  const o = checkOptionsObject('resize() options', options, RESIZE_KNOWN);
  if (o === undefined || (o.maxEntries === undefined && o.maxSize === undefined)) {
    typeError('resize() options', 'an object with "maxEntries" or "maxSize"', options);
  }
  if (o.maxEntries !== undefined) checkMaxEntries(o.maxEntries, 'resize() option "maxEntries"');
  if (o.maxSize !== undefined) {
    const name = 'resize() option "maxSize"';
    if (!sized) typeError(name, 'given only to a cache built with "maxSize"', o.maxSize);
    checkSize(name, o.maxSize, true);
  }
  return o as ResizeOptions;
}

const SNAPSHOT_KNOWN = /* @__PURE__ */ new Set(['value', 'ttl', 'size']);

/** One checked entry of a `dump()` snapshot. */
export interface SnapshotItem<K, V> {
  readonly key: K;
  readonly value: V;
  /** `undefined` when absent (the cache's default applies); `Infinity` for `null` (never). */
  readonly ttl: number | undefined;
  readonly size: number | undefined;
}

/**
 * Checks a whole `dump()` snapshot (of an `LruCache` or a `LoadingCache`) before anything is
 * stored, so that a malformed one throws and changes nothing. A size is checked even by a cache
 * that ignores it.
 */
export function checkSnapshot<K, V>(entries: unknown): Array<SnapshotItem<K, V>> {
  const expected = 'a [key, { value, ttl?, size? }] pair';
  if (entries === null || typeof (entries as Iterable<unknown>)?.[Symbol.iterator] !== 'function') {
    typeError('load() argument', 'an iterable of [key, { value, ttl?, size? }]', entries);
  }
  return Array.from(entries as Iterable<unknown>, (item, i) => {
    const name = `load() entry [${i}]`;
    if (!Array.isArray(item) || item.length !== 2) typeError(name, expected, item);
    const entry = checkOptionsObject(name, item[1], SNAPSHOT_KNOWN);
    if (entry === undefined) typeError(name, expected, item);
    return {
      key: item[0] as K,
      value: entry.value as V,
      ttl:
        entry.ttl === undefined
          ? undefined
          : entry.ttl === null
            ? Infinity
            : checkPositive(`${name} "ttl"`, entry.ttl),
      size: entry.size === undefined ? undefined : checkSize(`${name} "size"`, entry.size),
    };
  });
}
