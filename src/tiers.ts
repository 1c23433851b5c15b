/**
 * The contracts between a `LoadingCache` and an optional shared second tier (`l2`) and
 * invalidation bus (`bus`). `lrukit/redis` implements both over Redis; any other store can too.
 * Type-only: nothing here ends up in a bundle.
 */

/**
 * A value read from a second tier, with how long it stays fresh there.
 *
 * @example
 * ```ts
 * const hit: L2Entry<User> = { value: user, ttl: 42_000 }; // fresh in L2 for 42 s more
 * ```
 */
export interface L2Entry<V> {
  readonly value: V;
  /** Remaining freshness in ms (`Infinity`: no expiry). The L1 copy is kept no longer than this. */
  readonly ttl: number;
}

/**
 * A shared second tier (L2) behind each process's in-memory cache. Keys are strings (a
 * `LoadingCache` passes a non-string key through `stableKey`).
 *
 * Every method must settle in bounded time (a store over the network bounds each call by a
 * timeout); a rejection is a tier failure: the cache counts it, reports it to `onError` and
 * carries on without the tier — it never reaches a caller of `get`.
 *
 * @example
 * ```ts
 * // an in-process L2, e.g. for tests
 * const data = new Map<string, unknown>();
 * const l2: L2Store<unknown> = {
 *   get: async (key) => (data.has(key) ? { value: data.get(key), ttl: Infinity } : undefined),
 *   set: async (key, value) => void data.set(key, value),
 *   delete: async (key) => void data.delete(key),
 *   clear: async () => data.clear(),
 * };
 * ```
 */
export interface L2Store<V> {
  /** The value under `key` and its remaining ttl, or `undefined` when absent or expired. */
  get(key: string): Promise<L2Entry<V> | undefined>;
  /**
   * Optional: the entries under `keys`, in their order (`undefined` for each absent or expired
   * one), in as few round trips as the store can (`redisStore`: one pipeline per Cluster node).
   * Without it, a bulk read calls `get` per key, concurrently.
   */
  getMany?(keys: readonly string[]): Promise<Array<L2Entry<V> | undefined>>;
  /**
   * Stores `value` for `ttl` ms (`Infinity`: no expiry). Rejects, storing nothing, when the
   * value cannot be serialized.
   */
  set(key: string, value: V, ttl: number): Promise<void>;
  /** Removes `key`. */
  delete(key: string): Promise<void>;
  /** Removes every key of this store (its own prefix only). */
  clear(): Promise<void>;
}

/**
 * What travels on an invalidation bus: keys (never values), or "clear everything", with the
 * id of the cache that sent it so that it ignores its own messages.
 *
 * @example
 * ```ts
 * const message: InvalidationMessage = { origin: 'a1b2c3', keys: ['user:42'] };
 * ```
 */
export interface InvalidationMessage {
  /** The sending cache's random id. */
  readonly origin: string;
  /** Keys whose L1 copies must be dropped. */
  readonly keys?: readonly string[];
  /** `true`: drop every L1 entry. */
  readonly clear?: boolean;
}

/**
 * What a cache listens for on a bus.
 *
 * @example
 * ```ts
 * const listener: BusListener = {
 *   message: (m) => console.log('invalidate', m.keys),
 *   reconnected: () => console.log('messages may have been lost'),
 * };
 * ```
 */
export interface BusListener {
  /** A message from any cache on the bus (including this one's own). */
  message(message: InvalidationMessage): void;
  /** The bus lost its subscription and has it again: messages may have been lost meanwhile. */
  reconnected(): void;
  /** Subscribing failed (the bus tries again when it reconnects); a tier failure to report. */
  error?(error: unknown): void;
}

/**
 * A publish/subscribe channel over which caches in different processes tell each other which
 * keys to drop. At-most-once: a message may be lost (the bus then calls `reconnected` when it
 * knows it may have missed some).
 *
 * @example
 * ```ts
 * const unsubscribe = bus.subscribe({ message: (m) => drop(m.keys), reconnected: () => dropAll() });
 * await bus.publish({ origin: myId, keys: ['42'] });
 * ```
 */
export interface InvalidationBus {
  /** Sends `message` to every subscriber. May reject (a tier failure: counted and reported). */
  publish(message: InvalidationMessage): Promise<void>;
  /** Starts delivering messages to `listener`; returns the function that stops it. */
  subscribe(listener: BusListener): () => void;
}

/**
 * Where a failure reported to `onError` happened: a tier call (`l2`, `bus`), or an `onEvict`
 * callback that threw on a background path (`l1`: a load completing, a bus message, a timer),
 * where no caller could receive the error.
 *
 * @example
 * ```ts
 * const onError = (error: unknown, { tier, operation, key }: ErrorContext) =>
 *   log.warn({ err: error, tier, operation, key }, 'cache failure');
 * ```
 */
export interface ErrorContext<K = unknown, V = unknown> {
  /**
   * `'l2'` (the shared store), `'bus'` (the invalidation bus), `'l1'` (this process's cache), or
   * `'store'` (the database behind `write`/`writeMany`: writes given up after every retry).
   */
  readonly tier: 'l1' | 'l2' | 'bus' | 'store';
  /**
   * The failed call: `get`, `getMany`, `set`, `delete`, `clear` on the store; `publish`,
   * `subscribe` on the bus; `onEvict` for a callback that threw in the background; `write`,
   * `writeMany` for a write-behind batch given up.
   */
  readonly operation:
    | 'get'
    | 'getMany'
    | 'set'
    | 'delete'
    | 'clear'
    | 'publish'
    | 'subscribe'
    | 'onEvict'
    | 'write'
    | 'writeMany';
  /** The key (as sent to the tier), when the call had one. */
  readonly key?: string;
  /** `tier: 'store'`: the entries that were not stored (see `WriteErrorContext`). */
  readonly entries?: ReadonlyArray<readonly [K, V]>;
  /** `tier: 'store'`: how many calls were tried. */
  readonly attempts?: number;
}

/**
 * The context of a tier failure (the name before background callback errors joined them).
 *
 * @example
 * ```ts
 * const onError = (error: unknown, context: TierErrorContext) => console.warn(context.tier, error);
 * ```
 */
export type TierErrorContext = ErrorContext;
