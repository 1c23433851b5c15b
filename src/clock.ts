/** The clock every time-dependent part of lrukit reads, and the system clock used by default. */

/**
 * A source of time in milliseconds, read each time it is needed.
 *
 * Only differences between readings matter, so the origin is free (the system clock uses
 * `performance.now()`). Anything with a callable `now()` is a clock as it is: `performance`,
 * `Date` (what lru-cache users pass as `perf`), lrukit/testing's `ManualClock`. A clock may also
 * schedule callbacks on its own time line; the cache's `autoPurge` timer uses
 * `setTimer`/`clearTimer` when both are present and the global `setTimeout` otherwise.
 *
 * @example
 * ```ts
 * import { LruCache } from 'lrukit';
 * import { ManualClock } from 'lrukit/testing';
 *
 * const clock = new ManualClock();
 * const cache = new LruCache<string, number>({ maxEntries: 10, ttl: 1_000, clock });
 * cache.set('a', 1);
 * clock.advance(1_000);
 * cache.get('a'); // undefined: expired
 * ```
 */
export interface Clock {
  /** The current time in milliseconds. */
  now(): number;
  /** Runs `callback` once, `ms` milliseconds from now on this clock; returns a handle for `clearTimer`. */
  setTimer?(callback: () => void, ms: number): unknown;
  /** Cancels a callback scheduled by `setTimer`. */
  clearTimer?(handle: unknown): void;
}

// setTimeout refuses delays above 2^31 - 1 ms and fires at once instead.
const MAX_TIMER_DELAY = 2_147_483_647;

/**
 * The default clock: `performance.now()` where it exists, else `Date.now()`.
 *
 * Both globals are looked up at every call, never captured at import, so a runtime that installs
 * them late (or a test that replaces them) is honoured, and no reading is ever a cached,
 * stale time. Timers are the global `setTimeout`, unref'd in Node so that a cache never keeps a
 * process alive.
 *
 * @example
 * ```ts
 * import { LruCache, systemClock } from 'lrukit';
 * const cache = new LruCache({ maxEntries: 100, ttl: 5_000, clock: systemClock }); // the default
 * ```
 */
export const systemClock: Clock = {
  now: () => globalThis.performance?.now() ?? Date.now(),
  setTimer(callback, ms) {
    const handle: unknown = globalThis.setTimeout(
      callback,
      Math.min(Math.max(ms, 0), MAX_TIMER_DELAY),
    );
    // Node returns a Timeout object: unref it so a pending purge never holds the process open.
    (handle as { unref?: () => void }).unref?.();
    return handle;
  },
  clearTimer(handle) {
    globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};
