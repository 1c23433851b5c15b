/**
 * One in-flight load of one key, from its start to the moment it settles or is abandoned: the
 * loader's `AbortController`, the callers waiting on it, each caller's way out (its own signal,
 * its own timeout), and the load's detachment once every caller has left.
 *
 * The lifecycle, in one place:
 * - A load is registered for its key in a {@link LoadTable} while it is the current load of that
 *   key; only the current load may store its outcome. `set`, `invalidate`, `clear` and bus
 *   messages unregister it (`release`): its waiters still get what the loader produces, but it
 *   is never stored.
 * - A caller either pins the load (it cannot leave: no signal, no timeout) or joins it as a
 *   waiter that leaves on its own abort (rejected with its own signal's reason, which nobody
 *   else ever sees) or after its own timeout (the stale fallback if one is allowed, else a
 *   `TimeoutError`).
 * - When the last waiter leaves and nothing pins the load, it is abandoned at once: unregistered,
 *   its waiter set dropped, its loader's signal aborted. Its late value or error is dropped: not
 *   stored, not remembered, not counted. The next `get` of the key starts a fresh load.
 * - Background refreshes and `refresh()` are waiters like the others (with `timeout`, or pins
 *   without), so a caller's abort never cancels them and a hung one is abandoned after `timeout`.
 */

/**
 * The rejection of a `get` (or `refresh`) that waited longer than `timeout` ms (and had no stale
 * value to fall back on). A background refresh abandoned for the same reason aborts its loader's
 * signal with one.
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

/** What a waiter falls back on when the load fails or it times out: a stale value, or nothing. */
export type Fallback<V> = (error: unknown) => { readonly value: V } | undefined;

/** Told when a load is abandoned (its last waiter left first): `timedOut` says how the last one left. */
export type AbandonHandler<K, V> = (load: Load<K, V>, timedOut: boolean) => void;

const ignore = (): void => {};

/** One caller waiting on a load, with its own way out. */
interface Waiter<V> {
  readonly resolve: (value: V) => void;
  readonly reject: (error: unknown) => void;
  readonly fallback: Fallback<V> | undefined;
  readonly signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/** One in-flight load of `key`. */
export class Load<K, V> {
  /** The loader's controller: aborted when the load is abandoned, invalidated or cleared. */
  readonly controller = new AbortController();
  /** The outcome, after the owner's bookkeeping; it always has a handler (never unhandled). */
  promise: Promise<V> = undefined as never;
  #waiters: Set<Waiter<V>> | undefined;
  /** Callers that cannot leave: while any waits, the load is never abandoned. */
  #pins = 0;
  #settled = false;
  #abandoned = false;

  constructor(
    readonly key: K,
    readonly timeout: number,
    readonly onAbandon: AbandonHandler<K, V>,
  ) {}

  /** True once every waiter left before it settled: its outcome must be dropped. */
  get abandoned(): boolean {
    return this.#abandoned;
  }

  /** True once its outcome is known (or it was abandoned). */
  get done(): boolean {
    return this.#settled || this.#abandoned;
  }

  /** Sets the outcome the waiters get, and delivers it to them when it settles. */
  follow(outcome: Promise<V>): void {
    this.promise = outcome;
    outcome.then(
      (value) => this.#settle(true, value),
      (error: unknown) => this.#settle(false, error),
    );
  }

  /**
   * A caller waits: it leaves when `signal` aborts (rejected with the signal's reason) or after
   * this load's `timeout` (then `fallback`'s value, else a `TimeoutError`). On a failed load it
   * gets `fallback`'s value, else the error. A caller that cannot leave and needs no fallback
   * shares the outcome promise itself (nothing allocated per caller).
   */
  wait(signal: AbortSignal | undefined, fallback: Fallback<V> | undefined): Promise<V> {
    const canLeave = signal !== undefined || this.timeout !== Infinity;
    if (!canLeave) this.#pins++;
    if (!canLeave && fallback === undefined) return this.promise;
    return this.#join(signal, fallback, false);
  }

  /**
   * A background refresh waits on this load: nobody receives its outcome, but it keeps the load
   * alive until `timeout` (for ever without one), and a hung load is abandoned then.
   */
  hold(): void {
    if (this.timeout === Infinity) this.#pins++;
    else this.#join(undefined, undefined, true).then(ignore, ignore);
  }

  #join(
    signal: AbortSignal | undefined,
    fallback: Fallback<V> | undefined,
    background: boolean,
  ): Promise<V> {
    return new Promise<V>((resolve, reject) => {
      const waiter: Waiter<V> = {
        resolve,
        reject,
        fallback,
        signal,
        onAbort: undefined,
        timer: undefined,
      };
      if (this.#waiters === undefined) this.#waiters = new Set();
      this.#waiters.add(waiter);
      if (signal !== undefined) {
        waiter.onAbort = () => {
          if (this.#leave(waiter, false)) reject(signal.reason);
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      if (this.timeout !== Infinity) {
        waiter.timer = setTimeout(() => {
          const error = new TimeoutError(`lrukit: load timed out after ${this.timeout} ms`);
          if (this.#leave(waiter, true)) this.#fail(waiter, error);
        }, this.timeout);
        // nobody waits on a background refresh, so its timer must not hold a Node process open
        if (background) (waiter.timer as { unref?: () => void }).unref?.();
      }
    });
  }

  /** Removes a waiter that leaves (abort or timeout); abandons the load if it was the last. */
  #leave(waiter: Waiter<V>, timedOut: boolean): boolean {
    const waiters = this.#waiters;
    if (waiters === undefined || !waiters.delete(waiter)) return false;
    this.#release(waiter);
    if (waiters.size === 0 && this.#pins === 0 && !this.done) {
      this.#abandoned = true;
      this.#waiters = undefined;
      // unregister first, so that a loader reacting to its abort starts a fresh load
      this.onAbandon(this, timedOut);
      this.controller.abort(
        timedOut
          ? new TimeoutError(`lrukit: every caller left after ${this.timeout} ms`)
          : abortError('lrukit: every caller of this load has left'),
      );
    }
    return true;
  }

  #settle(ok: boolean, result: unknown): void {
    this.#settled = true;
    const waiters = this.#waiters;
    this.#waiters = undefined;
    if (waiters === undefined) return;
    for (const waiter of waiters) {
      this.#release(waiter);
      if (ok) waiter.resolve(result as V);
      else this.#fail(waiter, result);
    }
  }

  #fail(waiter: Waiter<V>, error: unknown): void {
    let stale: { readonly value: V } | undefined;
    try {
      stale = waiter.fallback?.(error);
    } catch {
      // a fallback that throws (a user clock) must not keep the other waiters from their answer
    }
    if (stale !== undefined) waiter.resolve(stale.value);
    else waiter.reject(error);
  }

  #release(waiter: Waiter<V>): void {
    if (waiter.timer !== undefined) clearTimeout(waiter.timer);
    if (waiter.onAbort !== undefined) waiter.signal!.removeEventListener('abort', waiter.onAbort);
  }
}

/** The current load of each key: only a registered load may store its outcome. */
export class LoadTable<K, V> {
  readonly #loads = new Map<K, Load<K, V>>();

  /** The current load of `key`, if one is running. */
  get(key: K): Load<K, V> | undefined {
    return this.#loads.get(key);
  }

  /** Registers a new load of `key`; when abandoned it unregisters itself, then calls `onAbandon`. */
  open(key: K, timeout: number, onAbandon: AbandonHandler<K, V>): Load<K, V> {
    const load = new Load<K, V>(key, timeout, (abandoned, timedOut) => {
      this.finish(abandoned);
      onAbandon(abandoned, timedOut);
    });
    this.#loads.set(key, load);
    return load;
  }

  /** True while `load` is the current load of its key (its outcome may be stored). */
  isCurrent(load: Load<K, V>): boolean {
    return this.#loads.get(load.key) === load;
  }

  /** `load` settled or was abandoned: if it is still the current load of its key, it is no longer. */
  finish(load: Load<K, V>): void {
    if (this.#loads.get(load.key) === load) this.#loads.delete(load.key);
  }

  /**
   * Unregisters the load of `key`, if any, so its outcome is never stored (its waiters still get
   * it). With `reason`, its loader's signal is aborted too.
   */
  release(key: K, reason?: unknown): void {
    const load = this.#loads.get(key);
    if (load === undefined) return;
    this.#loads.delete(key);
    if (reason !== undefined) load.controller.abort(reason);
  }

  /** `release` for every key. */
  releaseAll(reason?: unknown): void {
    const loads = [...this.#loads.values()];
    this.#loads.clear();
    if (reason !== undefined) for (const load of loads) load.controller.abort(reason);
  }
}

/** An `AbortError` like the one `AbortController.abort()` gives, with a message of ours. */
function abortError(message: string): Error {
  return typeof DOMException === 'function'
    ? (new DOMException(message, 'AbortError') as Error)
    : Object.assign(new Error(message), { name: 'AbortError' });
}
