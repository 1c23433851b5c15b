/**
 * Writes through a `LoadingCache` to its backing store: the public option types of
 * write-through and write-behind, their validation, the error a failed `flush()` rejects with,
 * and write-through itself (one store call per `write`, serialized per key). Write-behind's
 * queue is a room of its own (`write-queue.ts`); the cache is the conductor of both.
 *
 * Decisions (docs/guide/write-strategies.md tells users the same):
 * - A cache writes when it has `write` or `writeMany`: either alone is enough. A single write
 *   (write-through) calls `write`, else `writeMany` with one entry; a write-behind batch calls
 *   `writeMany`, else `write` per key.
 * - Writes get no timeout (`timeout` is for callers waiting on loads): a store call that timed
 *   out here may still land later, after a newer value, and reorder the key in the store. The
 *   store function bounds its own calls (e.g. PostgreSQL's `statement_timeout`).
 * - A store function may return a Promise or anything else; only a throw or a rejection is a
 *   failure.
 */

import {
  checkOptionsObject,
  checkTimerMs,
  MAX_TIMER_MS,
  option,
  rangeError,
  typeError,
} from '../errors.js';

/**
 * Write-behind settings: how long a write may wait before it is sent, how many go together, how
 * many may be outstanding, and how failures are retried. Every field is optional.
 *
 * @example
 * ```ts
 * const writeBehind: WriteBehindOptions = { delay: 100, maxBatch: 500, maxQueue: 10_000, retries: 5 };
 * const accounts = new LoadingCache<string, Account>({
 *   load: (id) => db.getAccount(id),
 *   writeMany: (entries) => db.saveAccounts(entries),
 *   writeBehind,
 *   maxEntries: 10_000,
 * });
 * ```
 */
export interface WriteBehindOptions {
  /**
   * Most ms a queued write waits before it is sent (it goes sooner when a full batch is ready,
   * and at once on `flush()`/`close()`). `0`: sent at once. Default `100`.
   */
  delay?: number;
  /**
   * Most entries per `writeMany` call; as many ready writes are sent without waiting for `delay`.
   * (Without `writeMany` each key is one `write` call, and `maxBatch` ready writes start sending
   * early.) Default `100`.
   */
  maxBatch?: number;
  /**
   * Most writes not yet stored (queued, in flight, or waiting to be retried; writes to a key that
   * is already queued coalesce and do not count twice). A `write` beyond it waits for room.
   * Default `10_000`.
   */
  maxQueue?: number;
  /** How many times a failed store call is retried before its entries go to `onError`. Default `3`. */
  retries?: number;
  /** Ms before the first retry; each further retry waits twice as long. Default `1_000`. */
  retryDelay?: number;
  /** Most store calls in flight at once (batches, or single writes without `writeMany`). Default `4`. */
  concurrency?: number;
}

/**
 * The options that let a `LoadingCache` write to its backing store (`LoadingCache` only:
 * `memoize` and `@cached` have no writes).
 *
 * @example
 * ```ts
 * const options: WriteOptions<string, Account> = {
 *   write: (id, account) => db.saveAccount(id, account),  // write-through: cache.write() waits for it
 *   writeMany: (entries) => db.saveAccounts(entries),      // batches for write-behind
 *   writeBehind: { delay: 100, maxBatch: 500 },            // absent: write-through
 * };
 * ```
 */
export interface WriteOptions<K, V> {
  /**
   * Stores one value (e.g. an `UPSERT`); enables `cache.write()`. May return a Promise. Should be
   * idempotent: write-behind retries a failed call, which may have reached the store.
   */
  write?: (key: K, value: V) => unknown;
  /**
   * Stores several values in one call; write-behind sends its batches here. Enough alone: a
   * write-through `write()` then calls it with one entry. Should be atomic or idempotent.
   */
  writeMany?: (entries: Array<[K, V]>) => unknown;
  /**
   * Write-behind: `write()` caches the value at once and queues it for the store. Absent:
   * write-through (`write()` resolves once the store has the value).
   */
  writeBehind?: WriteBehindOptions;
}

/**
 * What `onError` receives with the error of a write-behind store call whose entries were given
 * up after every retry: the entries (keys as you gave them, the values that could not be
 * stored), so that nothing is lost silently.
 *
 * @example
 * ```ts
 * const onError = (error: unknown, context: ErrorContext | WriteErrorContext<string, Account>) => {
 *   if (context.tier === 'store') deadLetters.push(...context.entries);
 * };
 * ```
 */
export interface WriteErrorContext<K, V> {
  /** `'store'`: the backing store behind `write`/`writeMany`. */
  readonly tier: 'store';
  /** The store function that failed last. */
  readonly operation: 'write' | 'writeMany';
  /** The entries that were not stored. */
  readonly entries: ReadonlyArray<readonly [K, V]>;
  /** How many calls were tried (`retries + 1`). */
  readonly attempts: number;
  /** Always absent (the keys are in `entries`); here so that `{ tier, operation, key }` destructures any context. */
  readonly key?: undefined;
}

/**
 * The rejection of `flush()` (and `close()`) when some writes made before it could not be
 * stored: the entries given up after every retry (each also went to `onError`), with the last
 * store error as `cause`.
 *
 * @example
 * ```ts
 * try {
 *   await accounts.flush();
 * } catch (error) {
 *   if (error instanceof WriteError) await saveForLater(error.entries);
 * }
 * ```
 */
export class WriteError<K = unknown, V = unknown> extends Error {
  override readonly name = 'WriteError';
  /** `'ERR_LRUKIT_WRITE'`. */
  readonly code = 'ERR_LRUKIT_WRITE';
  /** The entries that could not be stored. */
  readonly entries: ReadonlyArray<readonly [K, V]>;

  constructor(message: string, entries: ReadonlyArray<readonly [K, V]>, cause: unknown) {
    super(message, { cause });
    this.entries = entries;
  }
}

/** Internal: the write option names (`LoadingCache` only). */
export const WRITE_OPTIONS: readonly string[] = ['write', 'writeMany', 'writeBehind'];

const BEHIND_KNOWN: ReadonlySet<string> = /* @__PURE__ */ new Set([
  'delay',
  'maxBatch',
  'maxQueue',
  'retries',
  'retryDelay',
  'concurrency',
]);

/** Write-behind settings, checked, defaults applied. */
export interface ResolvedWriteBehind {
  readonly delay: number;
  readonly maxBatch: number;
  readonly maxQueue: number;
  readonly retries: number;
  readonly retryDelay: number;
  readonly concurrency: number;
}

/** The write options, checked; `undefined` when the cache does not write. */
export interface ResolvedWrites<K, V> {
  readonly write: ((key: K, value: V) => unknown) | undefined;
  readonly writeMany: ((entries: Array<[K, V]>) => unknown) | undefined;
  /** `undefined`: write-through. */
  readonly behind: ResolvedWriteBehind | undefined;
}

function count(name: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  const expected = `an integer >= ${min}`;
  if (typeof value !== 'number') typeError(option(name), expected, value);
  if (!Number.isSafeInteger(value) || value < min) rangeError(option(name), expected, value);
  return value;
}

/** Checks the write options (a `TypeError` or `RangeError` naming the option and the value). */
export function resolveWrites<K, V>(o: Record<string, unknown>): ResolvedWrites<K, V> | undefined {
  for (const name of ['write', 'writeMany'] as const) {
    if (o[name] !== undefined && typeof o[name] !== 'function') {
      typeError(option(name), 'a function', o[name]);
    }
  }
  const write = o.write as ResolvedWrites<K, V>['write'];
  const writeMany = o.writeMany as ResolvedWrites<K, V>['writeMany'];
  const b = checkOptionsObject(option('writeBehind'), o.writeBehind, BEHIND_KNOWN);
  if (b !== undefined && write === undefined && writeMany === undefined) {
    throw new TypeError(
      'lrukit: option "writeBehind" needs option "write" or "writeMany" (the store to write ' +
        'behind to), got writeBehind without either',
    );
  }
  if (write === undefined && writeMany === undefined) return undefined;
  let behind: ResolvedWriteBehind | undefined;
  if (b !== undefined) {
    let delay = 100;
    if (b.delay !== undefined) {
      delay = b.delay === 0 ? 0 : checkTimerMs(option('writeBehind.delay'), b.delay, 100, false);
    }
    behind = {
      delay,
      maxBatch: count('writeBehind.maxBatch', b.maxBatch, 100, 1),
      maxQueue: count('writeBehind.maxQueue', b.maxQueue, 10_000, 1),
      retries: count('writeBehind.retries', b.retries, 3, 0),
      retryDelay: checkTimerMs(option('writeBehind.retryDelay'), b.retryDelay, 1_000, false),
      concurrency: count('writeBehind.concurrency', b.concurrency, 4, 1),
    };
  }
  return { write, writeMany, behind };
}

/** A rejected call or a throw, as one Promise (a non-promise result is a success). */
export const attempt = <T>(call: () => T): Promise<unknown> =>
  new Promise<unknown>((resolve) => resolve(call()));

/** What both strategies offer the cache. */
export interface Writes<K, V> {
  /** True after `close()`: no more writes are taken. */
  closed: boolean;
  /**
   * Writes `value` under `key`; `apply` caches it (it may throw: the write is then refused, or,
   * for write-through after the store took it, rejected with that error).
   */
  write(key: K, value: V, apply: () => void): Promise<void>;
  /** The newest value under `key` not yet stored (write-behind), or `undefined`. */
  queued(key: K): { readonly value: V } | undefined;
  /** Resolves when every write made before it is stored (rejects with a `WriteError` when some could not be). */
  flush(): Promise<void>;
  /** Releases timers (after the last flush). */
  release(): void;
  readonly writes: number;
  readonly writeErrors: number;
  readonly queuedCount: number;
  readonly batches: number;
}

const ignore = (): void => {};

/**
 * Write-through: each `write` calls the store, then (on success) caches the value. Writes to one
 * key are serialized: a later call's store call starts after the earlier one settled, so the
 * later value ends up both stored and cached.
 */
export class WriteThrough<K, V> implements Writes<K, V> {
  closed = false;
  writes = 0;
  writeErrors = 0;
  readonly queuedCount = 0;
  readonly batches = 0;
  readonly #store: (key: K, value: V) => unknown;
  /** The last write of each key (settled or not), which the next one waits for. */
  readonly #tails = new Map<K, Promise<void>>();
  /** Store calls not yet settled, for `flush`. */
  readonly #inFlight = new Set<Promise<void>>();

  constructor(o: ResolvedWrites<K, V>) {
    const { write, writeMany } = o;
    this.#store = write ?? ((key, value) => writeMany!([[key, value]]));
  }

  write(key: K, value: V, apply: () => void): Promise<void> {
    const run = (): Promise<void> =>
      attempt(() => this.#store(key, value)).then(
        () => {
          this.writes++;
          apply();
        },
        (error: unknown) => {
          this.writeErrors++;
          throw error;
        },
      );
    const before = this.#tails.get(key);
    const done = before === undefined ? run() : before.then(run);
    const tail = done.then(ignore, ignore);
    this.#tails.set(key, tail);
    this.#inFlight.add(tail);
    tail.then(() => {
      this.#inFlight.delete(tail);
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return done;
  }

  queued(): undefined {
    return undefined;
  }

  async flush(): Promise<void> {
    // the writes made before it (later ones are not waited for, so a busy cache cannot starve
    // a flush); their callers got their errors: a flush only waits for them to settle
    await Promise.all([...this.#inFlight]);
  }

  release(): void {}
}

/** Caps a backoff delay at what a timer can take. */
export const backoff = (retryDelay: number, attempt: number): number =>
  Math.min(retryDelay * 2 ** (attempt - 1), MAX_TIMER_MS);
