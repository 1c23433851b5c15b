/**
 * The parts of `LoadingCache.getMany` that need none of the cache's state: the keys asked (each
 * once), the batch loader's signal, splitting a batch loader's result into one outcome per key,
 * bounded concurrency without a batch loader, and the answer in the order asked.
 */

import { describeValue, typeError } from '../errors.js';

/** How many `load` calls a `getMany` runs at once when the cache has no `loadMany`. */
export const LOAD_CONCURRENCY = 8;

/** One key's outcome in a batch: its value, or the reason it has none. */
export type Outcome<V> =
  | { readonly ok: true; readonly value: V }
  | { readonly ok: false; readonly error: unknown };

/**
 * The keys of a `getMany`: each distinct key once, in first-seen order (`unique`), and for each
 * position asked, its index in `unique` (`at`). `keys` may be any iterable but a string.
 */
export function distinctKeys<K>(keys: Iterable<K>): { unique: K[]; at: number[] } {
  if (
    typeof keys === 'string' ||
    typeof keys !== 'object' ||
    keys === null ||
    typeof (keys as Partial<Iterable<K>>)[Symbol.iterator] !== 'function'
  ) {
    typeError('getMany() keys', 'an array or another iterable of keys (not a string)', keys);
  }
  const index = new Map<K, number>();
  const unique: K[] = [];
  const at: number[] = [];
  for (const key of keys) {
    let i = index.get(key);
    if (i === undefined) {
      i = unique.length;
      index.set(key, i);
      unique.push(key);
    }
    at.push(i);
  }
  return { unique, at };
}

/**
 * The signal given to `loadMany`: aborted once every key of the batch has been abandoned,
 * invalidated or cleared (each key's own load is aborted then), with the last one's reason.
 */
export function allAborted(signals: readonly AbortSignal[]): AbortSignal {
  const controller = new AbortController();
  let left = signals.length;
  for (const signal of signals) {
    const aborted = (): void => {
      if (--left === 0) controller.abort(signal.reason);
    };
    if (signal.aborted) aborted();
    else signal.addEventListener('abort', aborted, { once: true });
  }
  return controller.signal;
}

/** The error of a key that `loadMany` did not return. */
export function missingValue(key: unknown): Error {
  return Object.assign(
    new Error(`lrukit: loadMany() returned no value for key ${describeValue(key)}`),
    { code: 'ERR_LRUKIT_NO_VALUE' },
  );
}

/**
 * Splits what `loadMany(keys)` returned into one outcome per key: an array (same order and
 * length as `keys`; `undefined` at a position means "no value") or a `Map` by key. Anything
 * else fails every key with a `TypeError`.
 */
export function outcomesOf<K, V>(keys: readonly K[], result: unknown): Outcome<V>[] {
  if (result instanceof Map) {
    return keys.map((key) =>
      result.has(key)
        ? { ok: true, value: result.get(key) as V }
        : { ok: false, error: missingValue(key) },
    );
  }
  let error: TypeError;
  if (Array.isArray(result)) {
    if (result.length === keys.length) {
      return keys.map((key, i) =>
        result[i] === undefined
          ? { ok: false, error: missingValue(key) }
          : { ok: true, value: result[i] as V },
      );
    }
    error = new TypeError(
      `lrukit: loadMany() returned ${result.length} values for ${keys.length} keys; return one per key, in order, or a Map`,
    );
  } else {
    error = new TypeError(
      `lrukit: loadMany() must return an array (one value per key, in order) or a Map, got ${describeValue(result)}`,
    );
  }
  return keys.map(() => ({ ok: false, error }));
}

/** Runs `task` on every item, at most `limit` at a time; never rejects (tasks settle their own). */
export async function eachLimited<T>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await task(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * `getMany`'s answer in the order asked: every value; or, with `partial`, `undefined` for each
 * key that has none; or an `AggregateError` of the failures, naming their keys (in `keys`).
 */
export function answer<K, V>(
  unique: readonly K[],
  at: readonly number[],
  settled: readonly PromiseSettledResult<V>[],
  partial: boolean,
): Array<V | undefined> {
  if (!partial) {
    const failed: K[] = [];
    const errors: unknown[] = [];
    settled.forEach((result, i) => {
      if (result.status === 'rejected') {
        failed.push(unique[i]!);
        errors.push(result.reason);
      }
    });
    if (failed.length > 0) {
      const names = failed.slice(0, 5).map(describeValue).join(', ');
      const more = failed.length > 5 ? ` and ${failed.length - 5} more` : '';
      throw Object.assign(
        new AggregateError(
          errors,
          `lrukit: getMany() has no value for ${failed.length} of ${unique.length} keys: ${names}${more}`,
        ),
        { keys: failed },
      );
    }
  }
  return at.map((i) => {
    const result = settled[i]!;
    return result.status === 'fulfilled' ? result.value : undefined;
  });
}

/**
 * What `loadMany` is given besides the keys.
 *
 * @example
 * ```ts
 * const loadMany = (ids: string[], { signal }: LoadManyContext) => db.getUsers(ids, { signal });
 * ```
 */
export interface LoadManyContext {
  /** Aborted when every key of the batch has been abandoned by its callers, invalidated or cleared. */
  readonly signal: AbortSignal;
}

/**
 * `LoadingCache`'s batch loader option (bulk reads, `getMany`).
 *
 * @example
 * ```ts
 * const options: BulkOptions<string, User> = {
 *   loadMany: async (ids) => new Map((await db.getUsers(ids)).map((u) => [u.id, u])),
 * };
 * ```
 */
export interface BulkOptions<K, V> {
  /**
   * Loads many keys in one call, for `getMany`: returns an array (one value per key, in order;
   * `undefined` where there is none) or a `Map` by key. A key with no value fails alone.
   * Without it, `getMany` calls `load` per key, at most 8 at a time.
   */
  loadMany?: (
    keys: K[],
    context: LoadManyContext,
  ) =>
    | ReadonlyArray<V | undefined>
    | ReadonlyMap<K, V>
    | PromiseLike<ReadonlyArray<V | undefined> | ReadonlyMap<K, V>>;
}
