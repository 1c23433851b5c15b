/** @cached(): a method decorator, a thin adapter over `memoize` with one cache per instance or per class. */

import { describeValue, typeError } from './errors.js';
import { type AnyFunction, type Memoized, type MemoizeOptions, memoizeAs } from './memoize.js';

/**
 * Options of `@cached`: every `memoize` option (every `LoadingCache` option except `load`, plus
 * `key`; without `maxEntries` or `maxSize` each cache holds 1,000 entries), plus `scope`.
 *
 * @example
 * ```ts
 * import { cached, type CachedOptions } from 'lrukit';
 *
 * const perUser: CachedOptions = { ttl: 60_000, maxEntries: 500, scope: 'instance' };
 * class Users {
 *   @cached(perUser)
 *   async byId(id: string) { return fetchUser(id); }
 * }
 * ```
 */
export type CachedOptions<F extends AnyFunction = AnyFunction> = MemoizeOptions<F> & {
  /**
   * Who shares a cache: `'instance'` (default) gives each instance (or, for a static method,
   * the class itself) its own cache, held weakly so the instance can be garbage-collected;
   * `'class'` gives every instance one shared cache (the key ignores `this`, which is still
   * passed to the method).
   */
  scope?: 'instance' | 'class';
};

/**
 * What `cached(options)` returns: a method decorator for both dialects. Under TC39 decorators
 * (TypeScript 5+, no flags) it is called with `(method, context)`; under `experimentalDecorators`
 * with `(prototype or class, name, descriptor)`. The decorated method always returns a Promise,
 * so its declared return type must admit one (`Promise<T>`, or `T | Promise<T>` for a sync body).
 *
 * @example
 * ```ts
 * import { cached } from 'lrukit';
 *
 * class Prices {
 *   @cached({ ttl: 5_000 })
 *   async quote(symbol: string) { return fetchQuote(symbol); }
 * }
 * ```
 */
export interface CachedDecorator {
  /** TC39 standard decorator form. */
  // TypeScript checks that the returned method fits the declared one: a method whose declared
  // return type a Promise does not fit (`number`, say) is refused at compile time
  <This, Args extends unknown[], R>(
    method: (this: This, ...args: Args) => R,
    context: ClassMethodDecoratorContext<This, (this: This, ...args: Args) => R>,
  ): (this: This, ...args: Args) => Promise<Awaited<R>>;
  /** Legacy `experimentalDecorators` form. */
  <T extends AnyFunction>(
    target: object,
    propertyKey: string | symbol,
    // legacy decorators cannot change the method's type either: the same check, by hand
    descriptor: TypedPropertyDescriptor<T> &
      (Promise<Awaited<ReturnType<T>>> extends ReturnType<T>
        ? unknown
        : {
            'lrukit: a @cached method must be declared to return a Promise (or T | Promise<T>)': never;
          }),
  ): void;
}

/**
 * A method decorator that caches the method's results by its arguments, through `memoize`:
 * one cache per instance by default (held weakly: the instance stays collectable), or one per
 * class with `scope: 'class'`. Works with TC39 decorators (TypeScript 5+, no flags) and with
 * legacy `experimentalDecorators` (NestJS, Angular), on instance and static methods (a static
 * method's "instance" is the class). The method always returns a Promise, async or not; `this` is
 * passed through. Use {@link cached.invalidate}, {@link cached.clear} and {@link cached.peek}
 * to reach one instance's cache from outside.
 *
 * @example
 * ```ts
 * import { cached } from 'lrukit';
 *
 * class SearchService {
 *   @cached({ ttl: 30_000, maxEntries: 1_000 })
 *   async search(q: string) { return this.api.search(q); }
 * }
 * const service = new SearchService();
 * await service.search('x');
 * cached.invalidate(service, 'search', 'x');
 * cached.clear(service, 'search');
 * ```
 */
export interface Cached {
  /** Returns the decorator for these options (see {@link CachedOptions}). */
  <F extends AnyFunction = AnyFunction>(options?: CachedOptions<F>): CachedDecorator;
  /**
   * Drops the cached result of one call of a `@cached` method: `obj`'s cache (or the class's, with
   * `scope: 'class'`) for these arguments, and any load in flight for them. Throws a `TypeError` when
   * `obj[method]` is not a `@cached` method.
   *
   * @example
   * ```ts
   * cached.invalidate(service, 'search', 'x');
   * ```
   */
  invalidate<T extends object, M extends MethodName<T>>(
    obj: T,
    method: M,
    ...args: MethodParameters<T, M>
  ): void;
  /**
   * Drops every cached result of a `@cached` method for `obj` (every instance's, with
   * `scope: 'class'`). Throws a `TypeError` when `obj[method]` is not a `@cached` method.
   *
   * @example
   * ```ts
   * cached.clear(service, 'search');
   * ```
   */
  clear<T extends object>(obj: T, method: MethodName<T>): void;
  /**
   * The cached result of one call of a `@cached` method for `obj`, without calling it
   * (`undefined` when there is none). Throws a `TypeError` when `obj[method]` is not `@cached`.
   *
   * @example
   * ```ts
   * await service.search('x');
   * cached.peek(service, 'search', 'x'); // the result, no new call
   * ```
   */
  peek<T extends object, M extends MethodName<T>>(
    obj: T,
    method: M,
    ...args: MethodParameters<T, M>
  ): Awaited<ReturnType<Extract<T[M], AnyFunction>>> | undefined;
}

/**
 * Names of `T`'s methods (own or inherited, static when `T` is a class).
 *
 * @example
 * ```ts
 * type Names = MethodName<SearchService>; // 'search' | …
 * ```
 */
export type MethodName<T> = {
  [K in keyof T]-?: T[K] extends AnyFunction ? K : never;
}[keyof T];

/**
 * The parameters of method `M` of `T`.
 *
 * @example
 * ```ts
 * type Args = MethodParameters<SearchService, 'search'>; // [q: string]
 * ```
 */
export type MethodParameters<T, M extends keyof T> = T[M] extends (...args: infer A) => unknown
  ? A
  : never;

/** What a decorated method knows: how to find the memoized function of a receiver. */
interface Registration {
  readonly name: string;
  /** The memoized function for `self`; `undefined` when it has none yet and `create` is false. */
  resolve(self: unknown, create: boolean): Memoized<AnyFunction> | undefined;
}

// decorated method (the replacement function) -> its registration; the helpers find it through
// `obj[method]`, so they work on subclasses and on instances alike
const registry = new WeakMap<Function, Registration>();

const SCOPES: ReadonlySet<unknown> = /* @__PURE__ */ new Set(['instance', 'class']);
/** How error messages name this API. */
const API = '@cached()';

/** Builds the replacement of `method`: validates the options now, creates caches as needed. */
function replace(method: unknown, name: string | symbol, options: CachedOptions): AnyFunction {
  if (typeof method !== 'function') typeError('@cached target', 'a method', method);
  const fn = method as AnyFunction;
  const { scope = 'instance', ...memoizeOptions } = options;
  if (!SCOPES.has(scope)) typeError('option "scope"', '"instance" or "class"', scope);
  const label = typeof name === 'symbol' ? name.toString() : name;

  let resolve: Registration['resolve'];
  if (scope === 'class') {
    const shared = memoizeAs(API, ['scope'], fn, memoizeOptions);
    resolve = () => shared;
  } else {
    // one cache per instance cannot share a tier: each would subscribe to the bus (and be kept
    // alive by it), and instances would read each other's values from the one L2 prefix
    for (const name of ['l2', 'bus'] as const) {
      if (memoizeOptions[name] !== undefined) {
        typeError(
          `option "${name}" of @cached`,
          "used with scope: 'class' only",
          memoizeOptions[name],
        );
      }
    }
    // a throwaway memoize checks the options at decoration time, not at the first call
    memoizeAs(API, ['scope'], fn, memoizeOptions);
    // keyed weakly by the receiver: a cache never keeps its instance alive
    const perInstance = new WeakMap<object, Memoized<AnyFunction>>();
    resolve = (self, create) => {
      if ((typeof self !== 'object' && typeof self !== 'function') || self === null) {
        if (!create) return undefined;
        typeError(`@cached method "${label}" receiver (this)`, 'an object', self);
      }
      let memoized = perInstance.get(self);
      if (memoized === undefined && create) {
        memoized = memoizeAs(API, ['scope'], fn, memoizeOptions);
        perInstance.set(self, memoized);
      }
      return memoized;
    };
  }

  const decorated = {
    [label](this: unknown, ...args: unknown[]): Promise<unknown> {
      let memoized: Memoized<AnyFunction>;
      try {
        memoized = resolve(this, true)!;
      } catch (error) {
        return Promise.reject(error);
      }
      return memoized.apply(this, args);
    },
  }[label]!;
  registry.set(decorated, { name: label, resolve });
  return decorated;
}

function lookup(helper: string, obj: unknown, method: PropertyKey): Registration {
  const value =
    (typeof obj === 'object' && obj !== null) || typeof obj === 'function'
      ? (obj as Record<PropertyKey, unknown>)[method]
      : undefined;
  const registration = typeof value === 'function' ? registry.get(value) : undefined;
  if (registration === undefined) {
    throw new TypeError(
      `lrukit: cached.${helper}() needs a @cached method, but ${String(method)} of ${describeValue(obj)} is ${value === undefined ? 'undefined' : typeof value === 'function' ? 'not @cached' : describeValue(value)}`,
    );
  }
  return registration;
}

function decorate<F extends AnyFunction = AnyFunction>(
  options?: CachedOptions<F>,
): CachedDecorator {
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    typeError('@cached() argument "options"', 'an object', options);
  }
  const resolved = (options ?? {}) as CachedOptions;
  return function decorator(
    value: unknown,
    context: unknown,
    descriptor?: PropertyDescriptor,
  ): unknown {
    // TC39: (method, context object with a kind); legacy: (target, property key, descriptor)
    if (typeof context === 'object' && context !== null && 'kind' in context) {
      const ctx = context as ClassMemberDecoratorContext;
      if (ctx.kind !== 'method') {
        typeError('@cached target', 'a method', `a ${ctx.kind}`);
      }
      return replace(value, ctx.name, resolved);
    }
    if (descriptor === undefined || typeof descriptor.value !== 'function') {
      typeError('@cached target', 'a method', descriptor?.get ? 'an accessor' : descriptor?.value);
    }
    descriptor.value = replace(descriptor.value, context as string | symbol, resolved);
    return descriptor;
  } as CachedDecorator;
}

function invalidate<T extends object, M extends MethodName<T>>(
  obj: T,
  method: M,
  ...args: MethodParameters<T, M>
): void {
  lookup('invalidate', obj, method)
    .resolve(obj, false)
    ?.invalidate(...args);
}

function clear<T extends object>(obj: T, method: MethodName<T>): void {
  lookup('clear', obj, method).resolve(obj, false)?.clear();
}

function peek<T extends object, M extends MethodName<T>>(
  obj: T,
  method: M,
  ...args: MethodParameters<T, M>
): Awaited<ReturnType<Extract<T[M], AnyFunction>>> | undefined {
  return lookup('peek', obj, method)
    .resolve(obj, false)
    ?.peek(...args) as Awaited<ReturnType<Extract<T[M], AnyFunction>>> | undefined;
}

/**
 * The `@cached(options)` method decorator, with the helpers `cached.invalidate`, `cached.clear`
 * and `cached.peek`: see {@link Cached}.
 *
 * @example
 * ```ts
 * import { cached } from 'lrukit';
 *
 * class SearchService {
 *   @cached({ ttl: 30_000 })
 *   async search(q: string) { return this.api.search(q); }
 * }
 * ```
 */
// one pure expression, so a bundle that does not use @cached drops this module
export const cached: Cached = /* @__PURE__ */ Object.assign(decorate, { invalidate, clear, peek });
