/**
 * The glue between a `LoadingCache` and its optional shared tier (`l2`) and invalidation bus
 * (`bus`): tier keys, read-through, writes that never leave a superseded value behind, bus
 * messages out and in, counters, and `flush`/`close`. Tier failures are counted and reported;
 * nothing here ever rejects towards a caller.
 */

import { describeValue } from '../errors.js';
import type {
  ErrorContext,
  InvalidationBus,
  InvalidationMessage,
  L2Entry,
  L2Store,
} from '../tiers.js';

/** First character of a tier key that is not a plain string key (see {@link tierKey}). */
const MARK = '~';

/**
 * The string under which `key` goes to the shared tier and the bus, one per distinct L1 key:
 * a string is itself (readable in Redis) unless it starts with `~`; every other key, and a string
 * starting with `~`, is `~` followed by its `stableKey` form (`~42`, `~42n`, `~true`, `~null`,
 * `~"~home"`). Objects and symbols are refused: their identity, which L1 keys by, means nothing
 * in another process.
 */
export function tierKey(key: unknown): string {
  switch (typeof key) {
    case 'string':
      return key.charCodeAt(0) === 126 ? MARK + JSON.stringify(key) : key;
    case 'number':
      // String(-0) is "0": Map, and so L1, treats -0 and 0 as one key too
      return MARK + String(key);
    case 'bigint':
      return `${MARK}${key}n`;
    case 'boolean':
    case 'undefined':
      return MARK + String(key);
    default:
      if (key === null) return `${MARK}null`;
      throw new TypeError(
        `lrukit: a LoadingCache with "l2" or "bus" takes keys that mean the same in every process ` +
          `(strings, numbers, bigints, booleans, null, undefined), got ${describeValue(key)}; ` +
          'key by structure with stableKey(key), or by an id',
      );
  }
}

/** The L1 key whose tier key is `tkey`, or `undefined` when no key has that form. */
export function keyOfTierKey(tkey: string): { readonly key: unknown } | undefined {
  if (tkey.charCodeAt(0) !== 126) return { key: tkey };
  const rest = tkey.slice(1);
  let key: unknown;
  if (rest.charCodeAt(0) === 34) {
    try {
      key = JSON.parse(rest);
    } catch {
      return undefined;
    }
  } else if (rest === 'true' || rest === 'false') key = rest === 'true';
  else if (rest === 'null') key = null;
  else if (rest === 'undefined') key = undefined;
  else if (/^-?\d+n$/.test(rest)) key = BigInt(rest.slice(0, -1));
  else key = Number(rest);
  // only the one canonical spelling of a key decodes to it
  return typeof key !== 'number' && typeof key !== 'bigint' && typeof key !== 'string'
    ? { key }
    : tierKey(key) === tkey
      ? { key }
      : undefined;
}

/** Reports a failure with where it happened (the cache's `onError`, counted by the caller). */
export type Report = (error: unknown, context: ErrorContext) => void;

/** What the tiers tell the cache: another cache changed `keys` (or everything, `undefined`). */
export type Drop = (keys: readonly unknown[] | undefined) => void;

/** A rejected call or a throw, as one Promise. */
const attempt = <T>(call: () => PromiseLike<T> | T): Promise<T> =>
  new Promise<T>((resolve) => resolve(call()));

/** One cache's shared tier and bus. */
export class Tiers<V> {
  /** This cache's id on the bus, to ignore its own messages. */
  readonly origin = Math.random().toString(36).slice(2, 12);
  l2Hits = 0;
  l2Misses = 0;
  l2Errors = 0;
  busErrors = 0;
  busMessages = 0;
  readonly #l2: L2Store<V> | undefined;
  readonly #bus: InvalidationBus | undefined;
  readonly #report: Report;
  /** Tier writes and messages in flight (for `flush`). */
  readonly #pending = new Set<Promise<void>>();
  #unsubscribe: (() => void) | undefined;

  constructor(
    l2: L2Store<V> | undefined,
    bus: InvalidationBus | undefined,
    report: Report,
    drop: Drop,
  ) {
    this.#l2 = l2;
    this.#bus = bus;
    this.#report = report;
    if (bus !== undefined) {
      // another process's message runs our callbacks: nothing may escape into the bus client
      const dropSafely = (keys: readonly unknown[] | undefined) => {
        this.busMessages++;
        try {
          drop(keys);
        } catch (error) {
          report(error, { tier: 'l1', operation: 'onEvict' });
        }
      };
      this.#unsubscribe = bus.subscribe({
        message: (message) => {
          const keys = this.#keysOf(message);
          if (keys !== null) dropSafely(keys);
        },
        // messages may have been lost while the subscription was down
        reconnected: () => dropSafely(undefined),
        error: (error) => this.#fail(error, 'bus', 'subscribe', undefined),
      });
    }
  }

  /** True with a shared tier. */
  get hasL2(): boolean {
    return this.#l2 !== undefined;
  }

  /** The shared tier's entry under `tkey`, or `undefined` (a miss, or a failure: reported). */
  read(tkey: string): Promise<L2Entry<V> | undefined> {
    return attempt(() => this.#l2!.get(tkey)).then(
      (hit) => this.#counted(hit),
      (error: unknown) => {
        this.#fail(error, 'l2', 'get', tkey);
        return undefined;
      },
    );
  }

  /**
   * The shared tier's entries under `tkeys`, in order: one `getMany` when the store has it, else
   * a `get` per key, concurrently. A failure is reported once and reads as misses.
   */
  readMany(tkeys: readonly string[]): Promise<Array<L2Entry<V> | undefined>> {
    const l2 = this.#l2!;
    if (l2.getMany === undefined) return Promise.all(tkeys.map((tkey) => this.read(tkey)));
    return attempt(() => l2.getMany!(tkeys))
      .then((entries) => {
        if (!Array.isArray(entries) || entries.length !== tkeys.length) {
          throw new TypeError(
            `lrukit: l2.getMany() must return one entry or undefined per key (${tkeys.length}), got ${describeValue(entries)}`,
          );
        }
        return entries.map((hit) => this.#counted(hit));
      })
      .catch((error: unknown) => {
        this.#fail(error, 'l2', 'getMany', undefined);
        return tkeys.map(() => undefined);
      });
  }

  /** A store's answer for one key, counted: a hit while it has ttl left, else a miss. */
  #counted(hit: L2Entry<V> | null | undefined): L2Entry<V> | undefined {
    if (hit !== undefined && hit !== null && hit.ttl > 0) {
      this.l2Hits++;
      return hit;
    }
    this.l2Misses++;
    return undefined;
  }

  /**
   * Writes `value` to the shared tier for `ttl` ms, then (`announce`) tells the other caches to
   * drop their copy. A write that fails deletes the superseded value first, so that no process
   * reads back what was replaced.
   */
  write(tkey: string, value: V, ttl: number, announce: boolean): void {
    const l2 = this.#l2;
    let done: Promise<void> = Promise.resolve();
    if (l2 !== undefined) {
      done = attempt(() => l2.set(tkey, value, ttl)).then(undefined, (error: unknown) => {
        this.#fail(error, 'l2', 'set', tkey);
        return attempt(() => l2.delete(tkey)).then(undefined, (e: unknown) =>
          this.#fail(e, 'l2', 'delete', tkey),
        );
      });
    }
    this.#track(announce ? this.#publish(done, { origin: this.origin, keys: [tkey] }, tkey) : done);
  }

  /** Deletes `tkey` from the shared tier, then tells the other caches. */
  remove(tkey: string): void {
    const l2 = this.#l2;
    const done =
      l2 === undefined
        ? Promise.resolve()
        : attempt(() => l2.delete(tkey)).then(undefined, (error: unknown) =>
            this.#fail(error, 'l2', 'delete', tkey),
          );
    this.#track(this.#publish(done, { origin: this.origin, keys: [tkey] }, tkey));
  }

  /** Clears the shared tier (its own prefix), then tells the other caches. */
  clear(): void {
    const l2 = this.#l2;
    const done =
      l2 === undefined
        ? Promise.resolve()
        : attempt(() => l2.clear()).then(undefined, (error: unknown) =>
            this.#fail(error, 'l2', 'clear', undefined),
          );
    this.#track(this.#publish(done, { origin: this.origin, clear: true }, undefined));
  }

  /** Resolves when every write and message started so far has finished (never rejects). */
  async flush(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all(this.#pending);
  }

  /** Stops receiving bus messages. */
  close(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
  }

  /** Reports a tier failure (or a key the tiers cannot take) and counts it. */
  #fail(
    error: unknown,
    tier: 'l2' | 'bus',
    operation: ErrorContext['operation'],
    key: string | undefined,
  ): void {
    if (tier === 'l2') this.l2Errors++;
    else this.busErrors++;
    this.#report(error, key === undefined ? { tier, operation } : { tier, operation, key });
  }

  #publish(
    after: Promise<void>,
    message: InvalidationMessage,
    key: string | undefined,
  ): Promise<void> {
    const bus = this.#bus;
    if (bus === undefined) return after;
    return after
      .then(() => bus.publish(message))
      .then(undefined, (error: unknown) => this.#fail(error, 'bus', 'publish', key));
  }

  #track(done: Promise<void>): void {
    this.#pending.add(done);
    done.then(() => this.#pending.delete(done));
  }

  /** The L1 keys a message names (`undefined`: all), or `null` to ignore it. */
  #keysOf(message: InvalidationMessage): readonly unknown[] | undefined | null {
    if (message === null || typeof message !== 'object' || message.origin === this.origin) {
      return null;
    }
    if (message.clear === true) return undefined;
    if (!Array.isArray(message.keys)) return null;
    const keys: unknown[] = [];
    for (const tkey of message.keys) {
      const decoded = typeof tkey === 'string' ? keyOfTierKey(tkey) : undefined;
      if (decoded !== undefined) keys.push(decoded.key);
    }
    return keys;
  }
}
