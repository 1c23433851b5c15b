/** A clock that reuses one reading for a short while: lru-cache's `ttlResolution` trade-off, opt-in. */

import { type Clock, systemClock } from './clock.js';
import { checkOptionsObject, checkTimerMs, rangeError, typeError } from './errors.js';

/**
 * Options of {@link coarseClock}.
 *
 * @example
 * ```ts
 * // reuse a reading for up to 5 ms, at most 10,000 times
 * const clock = coarseClock({ resolution: 5, maxReuse: 10_000 });
 * ```
 */
export interface CoarseClockOptions {
  /**
   * How long, in ms, one reading may be reused while the event loop turns (default `1`, like
   * lru-cache's `ttlResolution`). A timer on the underlying clock ends the reuse.
   */
  resolution?: number;
  /**
   * The most readings served from one read of the underlying clock (default `1000`), so that a
   * long synchronous loop, where no timer can fire, still sees time pass.
   */
  maxReuse?: number;
  /** The clock read underneath (default {@link systemClock}); its `setTimer` ends each reuse. */
  clock?: Clock;
}

const OPTIONS = /* @__PURE__ */ new Set(['resolution', 'maxReuse', 'clock']);

/**
 * A clock for caches with ttl that are read far more often than time matters: it reads the
 * underlying clock once, then returns that reading for up to `resolution` ms (and at most
 * `maxReuse` times), so a cache hit with ttl costs a field read instead of `performance.now()`.
 *
 * The price is staleness, bounded as follows. A reading is reused until a timer of `resolution`
 * ms fires on the underlying clock (or `maxReuse` readings are served, whichever comes first).
 * While the event loop is free, that means time lags by at most `resolution` ms plus the timer's
 * lateness, so an entry may be served up to that long after its ttl ran out, and an entry stored
 * meanwhile expires up to that much early. In a synchronous loop no timer can fire: there the
 * bound is `maxReuse` reads, however long they take. The exact clock (the default) has none of
 * this; use this one only where a few ms of ttl error do not matter.
 *
 * Over a clock with `setTimer` (lrukit/testing's `ManualClock`, say) the reuse ends on that
 * clock's time line, so tests stay deterministic; over the system clock it is a global
 * `setTimeout` (unref'd in Node), which fake timers (`vi.useFakeTimers()`) also replace: with
 * them, a reading is reused until the fake timers are advanced past `resolution` or `maxReuse`
 * readings are served.
 *
 * @example
 * ```ts
 * import { coarseClock, LruCache } from 'lrukit';
 * // hits with ttl at full speed; entries may live up to ~1 ms past their ttl
 * const cache = new LruCache<string, number>({ maxEntries: 10_000, ttl: 60_000, clock: coarseClock() });
 * ```
 */
export function coarseClock(options?: CoarseClockOptions): Clock {
  const name = 'coarseClock() options';
  const o = checkOptionsObject(name, options, OPTIONS) ?? {};
  const resolution = checkTimerMs(`coarseClock() option "resolution"`, o.resolution, 1, false);
  const maxReuse = o.maxReuse ?? 1000;
  if (typeof maxReuse !== 'number') {
    typeError('coarseClock() option "maxReuse"', 'a positive integer', maxReuse);
  }
  if (!Number.isSafeInteger(maxReuse) || maxReuse < 1) {
    rangeError('coarseClock() option "maxReuse"', 'a positive integer', maxReuse);
  }
  const base = (o.clock ?? systemClock) as Clock;
  if (typeof base !== 'object' || base === null || typeof base.now !== 'function') {
    typeError('coarseClock() option "clock"', 'an object with a now() method', base);
  }
  return new CoarseClock(base, resolution, maxReuse);
}

class CoarseClock implements Clock {
  readonly #base: Clock;
  readonly #timers: Clock;
  readonly #resolution: number;
  readonly #maxReuse: number;
  #time = 0;
  /** Readings left to serve from `#time`; 0 means read the underlying clock. */
  #left = 0;
  #armed = false;
  readonly #expire = (): void => {
    this.#armed = false;
    this.#left = 0;
  };

  constructor(base: Clock, resolution: number, maxReuse: number) {
    this.#base = base;
    this.#timers =
      base.setTimer !== undefined && base.clearTimer !== undefined ? base : systemClock;
    this.#resolution = resolution;
    this.#maxReuse = maxReuse;
  }

  now(): number {
    if (this.#left > 0) {
      this.#left--;
      return this.#time;
    }
    return this.#read();
  }

  setTimer(callback: () => void, ms: number): unknown {
    return this.#timers.setTimer!(callback, ms);
  }

  clearTimer(handle: unknown): void {
    this.#timers.clearTimer!(handle);
  }

  #read(): number {
    this.#time = this.#base.now();
    this.#left = this.#maxReuse - 1;
    if (!this.#armed) {
      this.#armed = true;
      this.#timers.setTimer!(this.#expire, this.#resolution);
    }
    return this.#time;
  }
}
