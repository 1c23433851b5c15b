/**
 * Entry `lrukit/testing`: a clock you advance by hand, so tests of time never sleep.
 *
 * @module lrukit/testing
 */

import type { Clock } from './clock.js';
import { rangeError, typeError } from './errors.js';

interface Timer {
  readonly id: number;
  readonly at: number;
  readonly callback: () => void;
}

/**
 * A {@link Clock} that stands still until told to move. Pass it as the `clock` option; call
 * `advance(ms)` to move time forward. Timers scheduled on it (the cache's `autoPurge` timer)
 * fire during `advance`, in order, each seeing `now()` at its own due time.
 *
 * @example
 * ```ts
 * import { LruCache } from 'lrukit';
 * import { ManualClock } from 'lrukit/testing';
 *
 * const clock = new ManualClock();
 * const cache = new LruCache<string, number>({ maxEntries: 10, ttl: 100, clock });
 * cache.set('a', 1);
 * clock.advance(99);
 * cache.get('a'); // 1
 * clock.advance(1);
 * cache.get('a'); // undefined: expired at exactly 100 ms
 * ```
 */
export class ManualClock implements Clock {
  #now: number;
  #timers: Timer[] = [];
  #nextId = 1;

  /**
   * @param start - the time `now()` returns at first, in ms (default `0`)
   */
  constructor(start = 0) {
    this.#now = checkTime('ManualClock start', start);
  }

  /** The current time in ms. */
  now(): number {
    return this.#now;
  }

  /**
   * Moves time forward by `ms` (a finite number >= 0), firing due timers in order.
   *
   * A timer that throws does not stop the others: every due timer still fires, in order, and
   * `now()` still ends at the target; then the first error is rethrown to the caller of `advance`.
   *
   * @example
   * ```ts
   * clock.advance(1_000); // one second later
   * ```
   */
  advance(ms: number): void {
    if (typeof ms !== 'number') typeError('ManualClock.advance() argument', 'a number of ms', ms);
    if (!(ms >= 0 && ms !== Infinity)) {
      rangeError('ManualClock.advance() argument', 'a finite number >= 0', ms);
    }
    const target = this.#now + ms;
    let failed = false;
    let error: unknown;
    for (;;) {
      const timer = this.#nextDue(target);
      if (timer === undefined) break;
      this.#timers.splice(this.#timers.indexOf(timer), 1);
      this.#now = Math.max(this.#now, timer.at);
      try {
        timer.callback();
      } catch (e) {
        // keep going: a throwing timer must not leave later ones unfired and time short of target
        if (!failed) {
          failed = true;
          error = e;
        }
      }
    }
    this.#now = Math.max(this.#now, target);
    if (failed) throw error;
  }

  /**
   * Schedules `callback` after `ms` on this clock; it runs inside a later `advance`.
   *
   * @example
   * ```ts
   * const handle = clock.setTimer(() => console.log('due'), 50);
   * clock.advance(50); // logs 'due'
   * ```
   */
  setTimer(callback: () => void, ms: number): number {
    const id = this.#nextId++;
    this.#timers.push({ id, at: this.#now + Math.max(0, ms), callback });
    return id;
  }

  /**
   * Cancels a timer from `setTimer`; unknown handles are ignored.
   *
   * @example
   * ```ts
   * clock.clearTimer(clock.setTimer(() => {}, 10));
   * clock.pendingTimers; // 0
   * ```
   */
  clearTimer(handle: unknown): void {
    const index = this.#timers.findIndex((t) => t.id === handle);
    if (index !== -1) this.#timers.splice(index, 1);
  }

  /**
   * How many timers are scheduled and not yet fired (lets a test check that nothing is left armed).
   *
   * @example
   * ```ts
   * expect(clock.pendingTimers).toBe(0);
   * ```
   */
  get pendingTimers(): number {
    return this.#timers.length;
  }

  #nextDue(target: number): Timer | undefined {
    let due: Timer | undefined;
    for (const timer of this.#timers) {
      if (timer.at <= target && (due === undefined || timer.at < due.at)) due = timer;
    }
    return due;
  }
}

function checkTime(name: string, value: unknown): number {
  if (typeof value !== 'number') typeError(name, 'a number of ms', value);
  if (!Number.isFinite(value)) rangeError(name, 'a finite number', value);
  return value;
}
