/**
 * Store: the entries of a bounded cache and everything about them that is not eviction policy —
 * the key-to-slot `Map`, the struct-of-arrays columns, bounds and size accounting, expiry and the
 * autoPurge timer, stats counters and the `onEvict` queue. Shared by `LruCache` and `TinyLfuCache`.
 *
 * Design notes:
 * - Entries live in parallel arrays indexed by slot; the policy (a recency list, or W-TinyLFU's
 *   segments) owns the slots and their order and tells the store through {@link Policy}. Columns
 *   for size and time exist only when the cache uses them: a cache without `maxSize` has no size
 *   column, and the expiry column is allocated at the first entry that can expire, so a cache
 *   without ttl never reads the clock.
 * - Fields the caches' hot paths (`get`, `set`) read are plain and public, so they read them
 *   directly; the caches hold their store in a `#private` field, so none of it reaches users.
 *   The rest is `#private`. Fields set once in the constructor are `declare`d, so that no
 *   class-field definition repeats their names in the bundle; fields that may be absent
 *   (`sizes`, `expiresAt`) are real fields, so every store has one shape from the start.
 * - `onEvict` callbacks are queued during an operation and run by {@link Store.flush} once it has
 *   finished changing the cache; the queue is swapped out before running, so callbacks may
 *   re-enter the cache freely.
 */

import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import { checkPositive, checkSize } from '../errors.js';
import {
  checkSetOptions,
  type EvictionReason,
  type OnEvict,
  type ResolvedOptions,
  type SetOptions,
} from '../options.js';

/** What a cache's eviction policy does for the shared machinery. */
export interface Policy<K, V> {
  /** Every slot in iteration order, the most valuable first (a fresh array). */
  slots(): number[];
  /** Unlinks `slot`, whose entry the store is removing, and frees it. */
  remove(slot: number): void;
  /** Stores an entry whose size fits `maxEntrySize` and evicts until the bounds hold; queues callbacks. */
  write(key: K, value: V, ttl: number, size: number): void;
  /** The store's bounds changed: evict until they hold (`now`: the time, or 0 without expiry). */
  resized(now: number): void;
  /** Forgets every slot; returns the capacity the columns should restart with. */
  clear(): number;
}

/** A copy of `column` with room for `capacity`, new cells set to `fill`. */
export function grown(column: Float64Array, capacity: number, fill: number): Float64Array {
  const next = new Float64Array(capacity);
  next.set(column);
  if (fill !== 0) next.fill(fill, column.length);
  return next;
}

/** A copy of `items` with room for exactly `capacity`, kept packed (V8 reads packed arrays faster). */
function resized<T>(items: T[], capacity: number): T[] {
  return Array.from({ length: capacity }, (_, i) => items[i] as T);
}

export class Store<K, V> {
  /** The class name that error messages give (`LruCache`, `TinyLfuCache`). */
  declare readonly name: string;
  readonly map = new Map<K, number>();
  /** Set by the cache right after construction. */
  policy!: Policy<K, V>;
  keys: (K | undefined)[] = [];
  values: (V | undefined)[] = [];
  /** Capacity of the typed per-slot columns; kept equal to the policy's slot capacity. */
  declare columns: number;

  declare maxEntries: number;
  declare maxSize: number;
  readonly #maxEntrySizeOption: number;
  declare maxEntrySize: number;
  readonly #sizeOf: ((value: V, key: K) => number) | undefined;
  /** Entry sizes; present exactly when the cache has `maxSize`. */
  sizes: Float64Array | undefined;
  totalSize = 0;

  declare readonly ttl: number;
  declare readonly clock: Clock;
  /** Absolute expiry per slot (`Infinity`: never); allocated at the first entry with a ttl. */
  expiresAt: Float64Array | undefined;
  /** Each entry's ttl, kept only with `updateAgeOnGet` so a hit can restart it. */
  #ttls: Float64Array | undefined;
  readonly #updateAgeOnGet: boolean;

  readonly #autoPurge: boolean;
  #timer: unknown;
  /** The expiry the timer is armed for (`Infinity`: no timer). */
  #timerAt = Infinity;
  /** A purge scans every entry, so purges are spaced by a time proportional to that scan. */
  #nextPurgeNotBefore = -Infinity;
  #weakSelf: WeakRef<Store<K, V>> | undefined;

  declare readonly onEvict: OnEvict<K, V> | undefined;
  /** Flat `(value, key, reason)` triples waiting for `onEvict`; empty without `onEvict`. */
  pending: unknown[] = [];

  hits = 0;
  misses = 0;
  sets = 0;
  deletes = 0;
  evictions = 0;
  expirations = 0;

  constructor(name: string, o: ResolvedOptions<K, V>, columns: number) {
    this.name = name;
    this.maxEntries = o.maxEntries;
    this.maxSize = o.maxSize;
    this.#maxEntrySizeOption = o.maxEntrySize;
    this.maxEntrySize = Math.min(o.maxEntrySize, o.maxSize);
    this.#sizeOf = o.sizeOf;
    this.ttl = o.ttl;
    this.#updateAgeOnGet = o.updateAgeOnGet;
    this.#autoPurge = o.autoPurge;
    this.onEvict = o.onEvict;
    this.clock = o.clock;
    this.columns = columns;
    if (o.maxSize !== Infinity) this.sizes = new Float64Array(columns);
  }

  /** Takes new bounds (checked by `checkResizeOptions`) and evicts until they hold. */
  resize(maxEntries: number | undefined, maxSize: number | undefined): void {
    if (maxEntries !== undefined) this.maxEntries = maxEntries;
    if (maxSize !== undefined) {
      this.maxSize = maxSize;
      this.maxEntrySize = Math.min(this.#maxEntrySizeOption, maxSize);
    }
    this.policy.resized(this.now());
    this.flush();
  }

  /** Whether the entry in `slot` has expired (reads the clock only for an entry that can). */
  isExpired(slot: number): boolean {
    const expiresAt = this.expiresAt;
    return (
      expiresAt !== undefined &&
      expiresAt[slot] !== Infinity &&
      this.clock.now() >= expiresAt[slot]!
    );
  }

  /** Whether the entry in `slot` had expired at `now`. */
  expiredAt(slot: number, now: number): boolean {
    return this.expiresAt !== undefined && now >= this.expiresAt[slot]!;
  }

  /**
   * A `get` hit on an entry that can expire: restarts its ttl with `updateAgeOnGet` and returns
   * `true`, or, when it has expired, counts a miss, removes it (reason `'expire'`), runs the
   * callbacks and returns `false`.
   */
  fresh(slot: number): boolean {
    const expiresAt = this.expiresAt!;
    const now = this.clock.now();
    if (now >= expiresAt[slot]!) {
      this.misses++;
      this.remove(slot, 'expire');
      this.flush();
      return false;
    }
    if (this.#ttls !== undefined) expiresAt[slot] = now + this.#ttls[slot]!;
    return true;
  }

  measure(value: V, key: K): number {
    if (this.#sizeOf === undefined) {
      throw new TypeError(
        'lrukit: a cache with "maxSize" needs the "sizeOf" option or set(key, value, { size })',
      );
    }
    return checkSize('the result of option "sizeOf"', this.#sizeOf(value, key));
  }

  /** `set` beyond a policy's fast path: checks the options, then stores or drops the entry. */
  set(key: K, value: V, options: SetOptions | number | undefined): void {
    let ttl = this.ttl;
    let size: number | undefined;
    if (typeof options === 'number') {
      ttl = checkPositive('set() ttl', options);
    } else if (options !== undefined) {
      const o = checkSetOptions(options, this.sizes !== undefined);
      if (o?.ttl !== undefined) ttl = o.ttl;
      if (o?.size !== undefined) size = checkSize('set() option "size"', o.size);
    }
    if (size === undefined) size = this.sizes === undefined ? 0 : this.measure(value, key);
    if (size > this.maxEntrySize) this.dropOversize(key);
    else this.policy.write(key, value, ttl, size);
    this.flush();
  }

  /** A value too large to store replaces nothing: the old entry under `key` goes. */
  dropOversize(key: K): void {
    const slot = this.map.get(key);
    if (slot !== undefined) this.remove(slot, this.isExpired(slot) ? 'expire' : 'set');
  }

  /** The entry in `slot` is being replaced by `set`: queues `onEvict(old, key, 'set' | 'expire')`. */
  replaced(slot: number, key: K, old: V | undefined, now: number): number {
    // a replaced value that had already expired left by expiry, not by this set
    const expiresAt = this.expiresAt;
    let reason: EvictionReason = 'set';
    if (expiresAt !== undefined && expiresAt[slot] !== Infinity) {
      now = this.clock.now();
      if (now >= expiresAt[slot]!) {
        reason = 'expire';
        this.expirations++;
      }
    }
    if (this.onEvict !== undefined) this.pending.push(old, key, reason);
    return now;
  }

  /**
   * Sets the expiry of the entry just stored in `slot`, arming the autoPurge timer if it is the
   * earliest; returns the time read (or `now` unchanged when the entry cannot expire).
   */
  expireIn(slot: number, ttl: number, now: number): number {
    if (ttl !== Infinity) {
      if (this.expiresAt === undefined) this.startExpiry();
      if (Number.isNaN(now)) now = this.clock.now();
      const at = now + ttl;
      this.expiresAt![slot] = at;
      if (this.#ttls !== undefined) this.#ttls[slot] = ttl;
      if (this.#autoPurge && at < this.#timerAt) this.#arm(at, now);
    } else if (this.expiresAt !== undefined) {
      this.expiresAt[slot] = Infinity;
    }
    return now;
  }

  /** Removes the entry in `slot`; queues its callback. */
  remove(slot: number, reason: EvictionReason): void {
    const key = this.keys[slot] as K;
    const value = this.values[slot] as V;
    this.map.delete(key);
    this.policy.remove(slot);
    // drop the references so evicted keys and values can be collected
    this.keys[slot] = undefined;
    this.values[slot] = undefined;
    // sizes are safe integers and their sum stays <= maxSize: the subtraction is exact
    if (this.sizes !== undefined) this.totalSize -= this.sizes[slot]!;
    if (reason === 'evict') this.evictions++;
    else if (reason === 'expire') this.expirations++;
    else if (reason === 'delete') this.deletes++;
    if (this.onEvict !== undefined) this.pending.push(value, key, reason);
    if (this.#timer !== undefined && this.map.size === 0) this.#disarm();
  }

  /** Runs the queued `onEvict` callbacks: all of them, then rethrows the first error. */
  flush(): void {
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    const onEvict = this.onEvict!;
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

  /** Allocates the expiry columns, at the first entry that can expire. */
  startExpiry(): void {
    this.expiresAt = new Float64Array(this.columns).fill(Infinity);
    if (this.#updateAgeOnGet) this.#ttls = new Float64Array(this.columns);
  }

  /** Grows every column to `capacity` slots. */
  grow(capacity: number): void {
    // exact-size key and value arrays: growing them by assignment leaves V8's 50 % slack
    this.keys = resized(this.keys, capacity);
    this.values = resized(this.values, capacity);
    if (this.sizes !== undefined) this.sizes = grown(this.sizes, capacity, 0);
    if (this.expiresAt !== undefined) this.expiresAt = grown(this.expiresAt, capacity, Infinity);
    if (this.#ttls !== undefined) this.#ttls = grown(this.#ttls, capacity, 0);
    this.columns = capacity;
  }

  /** Removes every entry (reason `'clear'`, in the reverse of iteration order) and releases storage. */
  clear(): void {
    if (this.onEvict !== undefined) {
      const slots = this.policy.slots();
      for (let i = slots.length - 1; i >= 0; i--) {
        const slot = slots[i]!;
        this.pending.push(this.values[slot], this.keys[slot], 'clear');
      }
    }
    this.map.clear();
    const columns = this.policy.clear();
    this.keys = [];
    this.values = [];
    this.columns = columns;
    if (this.sizes !== undefined) this.sizes = new Float64Array(columns);
    if (this.expiresAt !== undefined) this.expiresAt = new Float64Array(columns);
    if (this.#ttls !== undefined) this.#ttls = new Float64Array(columns);
    this.totalSize = 0;
    this.#disarm();
    this.flush();
  }

  /** The time for a policy's eviction pass: the clock once there is expiry, else 0 (not read). */
  now(): number {
    return this.expiresAt === undefined ? 0 : this.clock.now();
  }

  /** Removes expired entries, least valuable first; returns how many. Queues callbacks. */
  purge(): number {
    const expiresAt = this.expiresAt;
    if (expiresAt === undefined || this.map.size === 0) return 0;
    const now = this.clock.now();
    let removed = 0;
    let next = Infinity;
    const scanned = this.map.size;
    const slots = this.policy.slots();
    for (let i = slots.length - 1; i >= 0; i--) {
      const slot = slots[i]!;
      const at = expiresAt[slot]!;
      if (now >= at) {
        this.remove(slot, 'expire');
        removed++;
      } else if (at < next) {
        next = at;
      }
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
    const clock = this.clock.setTimer === undefined ? systemClock : this.clock;
    if (this.#weakSelf === undefined) this.#weakSelf = new WeakRef(this);
    const ref = this.#weakSelf;
    const fireAt = Math.max(at, this.#nextPurgeNotBefore);
    this.#timerAt = at;
    // the timer holds the store weakly: a cache nobody references can be collected
    this.#timer = clock.setTimer!(() => {
      const store = ref.deref();
      if (store !== undefined) store.#onTimer();
    }, fireAt - now);
  }

  #disarm(): void {
    if (this.#timer === undefined) return;
    const clock = this.clock.setTimer === undefined ? systemClock : this.clock;
    clock.clearTimer!(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Infinity;
  }

  #onTimer(): void {
    this.#timer = undefined;
    this.#timerAt = Infinity;
    this.purge();
    // No caller to rethrow to: an onEvict error here surfaces as an uncaught exception.
    this.flush();
  }
}
