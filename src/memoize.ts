/** memoize(): any function's calls cached in a `LoadingCache`, keyed by its arguments. */

import { checkOptionsObject, typeError } from './errors.js';
import { stableKey } from './key.js';
import {
  API_NAME,
  BIND_LOAD,
  LOADING_OPTIONS,
  LoadingCache,
  type LoadingOptions,
} from './loading-cache.js';
import type { CountBound, SizeBound } from './options.js';

/**
 * Any function `memoize` can wrap.
 *
 * @example
 * ```ts
 * const wrap = <F extends AnyFunction>(fn: F) => memoize(fn, { ttl: 1_000 });
 * ```
 */
// biome-ignore lint/suspicious/noExplicitAny: a memoized function may take anything
export type AnyFunction = (this: any, ...args: any[]) => unknown;

/**
 * Options of `memoize`: every `LoadingCache` option except `load`, plus `key`; the bound is optional.
 *
 * @example
 * ```ts
 * const options: MemoizeOptions<typeof searchApi> = { ttl: 30_000, key: (q) => q.toLowerCase() };
 * ```
 */
export type MemoizeOptions<F extends AnyFunction> = Omit<
  LoadingOptions<string, Awaited<ReturnType<F>>>,
  'load'
> &
  Partial<CountBound | SizeBound<string, Awaited<ReturnType<F>>>> & {
    /** The cache key of a call's arguments; default `stableKey(args)`. */
    key?: (...args: Parameters<F>) => string;
  };

/**
 * A memoized function: `fn`'s parameters and `this`, always returning a Promise, plus cache controls.
 *
 * @example
 * ```ts
 * const search: Memoized<typeof searchApi> = memoize(searchApi);
 * search.invalidate('rust');
 * ```
 */
export interface Memoized<F extends AnyFunction> {
  (this: ThisParameterType<F>, ...args: Parameters<F>): Promise<Awaited<ReturnType<F>>>;
  /** Drops the cached result (and any load in flight) of these arguments. */
  invalidate(...args: Parameters<F>): void;
  /** The cached result of these arguments, without calling `fn`. */
  peek(...args: Parameters<F>): Awaited<ReturnType<F>> | undefined;
  /** Calls `fn` again for these arguments and caches the new result. */
  refresh(this: ThisParameterType<F>, ...args: Parameters<F>): Promise<Awaited<ReturnType<F>>>;
  /** Drops every cached result. */
  clear(): void;
  /** The `LoadingCache` behind it, keyed by the call key. */
  readonly cache: LoadingCache<string, Awaited<ReturnType<F>>>;
}

/**
 * Wraps `fn` so that calls with equal arguments (by {@link stableKey}, or your `key` function)
 * share one cached result, with every `LoadingCache` option. Concurrent calls with equal
 * arguments run `fn` once. Without `maxEntries` or `maxSize`, the cache holds 1,000 entries.
 *
 * The key ignores `this`: a method memoized once for many instances shares results between
 * them (use `@cached`, one cache per instance, for methods).
 *
 * @example
 * ```ts
 * import { memoize } from 'lrukit';
 *
 * const search = memoize(searchApi, { maxEntries: 10_000, ttl: 30_000, staleWhileRevalidate: 10_000 });
 * await search('rust cache', { page: 2 });
 * search.invalidate('rust cache', { page: 2 });
 * ```
 */
export function memoize<F extends AnyFunction>(fn: F, options?: MemoizeOptions<F>): Memoized<F> {
  return memoizeAs('memoize()', [], fn, options);
}

/** `stableKey(args)`, whose refusal says how to key such a call yourself. */
function defaultKey(api: string, args: readonly unknown[]): string {
  try {
    return stableKey(args, 'args');
  } catch (error) {
    throw new TypeError(
      `${(error as Error).message}; to key such calls yourself, give ${api} a "key" option, ` +
        'e.g. { key: (url) => url } to key fetch(url, init) by its url only',
      { cause: error },
    );
  }
}

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  (typeof value === 'object' || typeof value === 'function') &&
  value !== null &&
  typeof (value as PromiseLike<unknown>).then === 'function';

/**
 * `value`, unless it can be read only once (a fetch `Response`, a stream, a generator): cached,
 * it would reach every later caller used up, so the call fails instead (and nothing is stored).
 */
function refuseSingleUse<V>(api: string, value: V): V {
  if (typeof value !== 'object' || value === null) return value;
  let what: string | undefined;
  if (typeof Response === 'function' && value instanceof Response) {
    what = 'a Response (its body can be read only once)';
  } else if (typeof ReadableStream === 'function' && value instanceof ReadableStream) {
    what = 'a ReadableStream (it can be read only once)';
  } else {
    const tag = Object.prototype.toString.call(value);
    if (tag === '[object Generator]' || tag === '[object AsyncGenerator]') {
      what = 'a generator (it can be iterated only once)';
    }
  }
  if (what === undefined) return value;
  throw new TypeError(
    `lrukit: ${api} cannot cache ${what}: every later call would get it used up. ` +
      'Memoize a function that returns the data instead, e.g. ' +
      'memoize(async (url) => (await fetch(url)).json())',
  );
}

/**
 * The option names of `memoize`: every `LoadingCache` option but `load`, plus `key` and an API's
 * `extra`. Built when called: a top-level copy would stay in bundles that never memoize.
 */
function memoizeOptionNames(extra: readonly string[]): Set<string> {
  const names = new Set(LOADING_OPTIONS);
  names.delete('load');
  names.add('key');
  for (const name of extra) names.add(name);
  return names;
}

/**
 * Internal: `memoize` for an API that builds on it (`@cached()`), whose name and extra options
 * (`scope`) its error messages give, so that they name what the user called.
 */
export function memoizeAs<F extends AnyFunction>(
  api: string,
  extra: readonly string[],
  fn: F,
  options: MemoizeOptions<F> | undefined,
): Memoized<F> {
  type V = Awaited<ReturnType<F>>;
  if (typeof fn !== 'function') typeError(`${api} argument "fn"`, 'a function', fn);
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    typeError(`${api} options`, 'an object', options);
  }
  if (options !== undefined && 'load' in options) {
    throw new TypeError(
      `lrukit: option "load" is not taken by ${api}: the ${api === 'memoize()' ? 'memoized function' : 'method'} is the loader`,
    );
  }
  if (options !== undefined && !('updateAgeOnGet' in options)) {
    checkOptionsObject(`${api} options`, options, memoizeOptionNames(extra));
  }
  const { key: keyOption, ...rest } = (options ?? {}) as MemoizeOptions<F>;
  if (keyOption !== undefined && typeof keyOption !== 'function') {
    typeError('option "key"', 'a function', keyOption);
  }
  const keyOf: (args: Parameters<F>) => string =
    keyOption === undefined ? (args) => defaultKey(api, args) : (args) => keyOption(...args);
  // a bound given as undefined is no bound: the default applies, as when it is left out
  const bounded =
    (rest as { maxEntries?: unknown }).maxEntries !== undefined ||
    (rest as { maxSize?: unknown }).maxSize !== undefined;
  // the call whose arguments the loader needs: LoadingCache starts a load synchronously inside
  // get() and refresh() (BIND_LOAD binds it then; with an l2 it runs later), so this is set
  // just around those calls
  let current: { self: unknown; args: Parameters<F> } | undefined;
  const invoke = (call: typeof current) => {
    if (call === undefined) {
      throw new Error('lrukit: a memoized cache loads only through the memoized function');
    }
    const result = fn.apply(call.self, call.args) as V | PromiseLike<V>;
    return isThenable(result)
      ? Promise.resolve(result).then((value) => refuseSingleUse(api, value))
      : refuseSingleUse(api, result);
  };
  const cache = new LoadingCache<string, V>({
    ...rest,
    ...(bounded ? {} : { maxEntries: 1_000 }),
    load: () => invoke(current),
    [API_NAME]: api,
    [BIND_LOAD]: () => {
      const call = current;
      return () => invoke(call);
    },
  } as never);

  // Calls fn's LoadingCache for one call: the key (a throw becomes a rejected Promise), then
  // `get` or `refresh` with the call's this and arguments visible to the loader.
  const call = (self: unknown, args: Parameters<F>, refresh: boolean): Promise<V> => {
    let key: string;
    try {
      key = keyOf(args);
    } catch (error) {
      return Promise.reject(error);
    }
    current = { self, args };
    try {
      return refresh ? cache.refresh(key) : cache.get(key);
    } catch (error) {
      return Promise.reject(error);
    } finally {
      current = undefined;
    }
  };

  const memoized = function (this: ThisParameterType<F>, ...args: Parameters<F>): Promise<V> {
    return call(this, args, false);
  } as Memoized<F>;
  memoized.invalidate = (...args) => cache.invalidate(keyOf(args));
  memoized.peek = (...args) => cache.peek(keyOf(args));
  memoized.refresh = function (this: ThisParameterType<F>, ...args: Parameters<F>) {
    return call(this, args, true);
  };
  memoized.clear = () => cache.clear();
  Object.defineProperty(memoized, 'cache', { value: cache, enumerable: true });
  Object.defineProperty(memoized, 'name', { value: `memoized ${fn.name}`.trim() });
  return memoized;
}
