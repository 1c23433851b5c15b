/**
 * An entry's windows in time: fresh, refresh-ahead, stale-while-revalidate, stale-if-error, and
 * remembered failures (errorTtl). Pure rules over numbers: no cache, no timers, no tiers.
 *
 * An entry loaded at `t` with ttl `d` is fresh while `now < t + d`; a hit from `refreshAt` on
 * starts a background refresh; after `t + d` it may be served for `staleWhileRevalidate` ms while
 * one refresh runs, or for `staleIfError` ms when loads fail. The L1 cache keeps it for
 * `d + max(staleWhileRevalidate, staleIfError)`, so one bound and one clock govern everything.
 */

import { rangeError } from '../errors.js';

/** A stored value (or a remembered failure) with the moments its windows close. */
export interface Entry<V> {
  readonly value: V | undefined;
  /** The loader's error, for a remembered failure. */
  readonly error?: unknown;
  readonly failed: boolean;
  /** Fresh while `now < freshUntil`. */
  readonly freshUntil: number;
  /** A hit from here on starts a refresh-ahead. */
  readonly refreshAt: number;
}

/** A value's entry, how long it is fresh (`ttl`) and how long L1 keeps it (`keep`). */
export interface Stored<V> {
  readonly entry: Entry<V>;
  readonly ttl: number;
  readonly keep: number;
}

/** The resolved staleness options of a `LoadingCache`. */
export interface FreshnessOptions<K, V> {
  readonly ttl: number | ((value: V, key: K) => number);
  readonly staleWhileRevalidate: number;
  readonly staleIfError: number;
  /** A fraction in (0, 1), or 1 for "never". */
  readonly refreshAhead: number;
  readonly jitter: number;
  readonly errorTtl: number;
}

/** The rules of an entry's windows, for one cache's options. */
export class Freshness<K, V> {
  readonly #o: FreshnessOptions<K, V>;
  /** How long after its ttl a value may still be served (the longer stale window). */
  readonly servable: number;

  constructor(options: FreshnessOptions<K, V>) {
    this.#o = options;
    this.servable = Math.max(options.staleWhileRevalidate, options.staleIfError);
  }

  /**
   * The entry of `value` stored `now`. `l2Ttl`: it came from the shared tier with that much
   * freshness left there, the most it may be kept fresh here (and it gets no jitter). `explicit`:
   * a ttl the caller chose (`set(key, value, ttl)`, a snapshot's): used as is, without jitter.
   * Throws (nothing stored) when a `ttl` function throws or returns something that is not a
   * duration.
   */
  store(value: V, key: K, now: number, l2Ttl: number | undefined, explicit?: number): Stored<V> {
    const o = this.#o;
    const full =
      explicit !== undefined ? explicit : typeof o.ttl === 'function' ? o.ttl(value, key) : o.ttl;
    if (typeof full !== 'number' || !(full > 0)) {
      rangeError('the result of option "ttl"', 'a positive number of ms or Infinity', full);
    }
    let ttl = full;
    if (l2Ttl !== undefined) ttl = Math.min(l2Ttl, full);
    else if (o.jitter > 0 && ttl !== Infinity && explicit === undefined) {
      ttl *= 1 - Math.random() * o.jitter;
    }
    const freshUntil = now + ttl;
    // refresh-ahead starts at the same fraction of the full ttl wherever the value was loaded
    const refreshAt =
      o.refreshAhead >= 1
        ? Infinity
        : l2Ttl === undefined
          ? now + ttl * o.refreshAhead
          : freshUntil - full * (1 - o.refreshAhead);
    return {
      entry: { value, failed: false, freshUntil, refreshAt },
      ttl,
      keep: ttl + this.servable,
    };
  }

  /** The entry remembering a failed load (`errorTtl` ms), or `undefined` when failures are not remembered. */
  failure(error: unknown, now: number): Entry<V> | undefined {
    const errorTtl = this.#o.errorTtl;
    if (!(errorTtl > 0)) return undefined;
    return {
      value: undefined,
      error,
      failed: true,
      freshUntil: now + errorTtl,
      refreshAt: Infinity,
    };
  }

  /** The `ttl` option when it is a number (`undefined` for a function). */
  get defaultTtl(): number | undefined {
    return typeof this.#o.ttl === 'number' ? this.#o.ttl : undefined;
  }

  /** How long L1 keeps a remembered failure. */
  get errorTtl(): number {
    return this.#o.errorTtl;
  }

  /** True when a failed refresh should keep `entry` (a value some stale window may still serve). */
  keepsOnFailure(entry: Entry<V> | undefined, now: number): boolean {
    return entry !== undefined && !entry.failed && now < entry.freshUntil + this.servable;
  }

  /** True when `entry`'s value may be served because a load failed or timed out (staleIfError). */
  servesOnError(entry: Entry<V>, now: number): boolean {
    return !entry.failed && now < entry.freshUntil + this.#o.staleIfError;
  }
}
