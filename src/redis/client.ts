/**
 * The slice of an ioredis client that `lrukit/redis` uses, and the one way it sends a command:
 * refused at once while the connection is down, else raced against `commandTimeout`.
 *
 * The client is typed structurally (no import of ioredis, not even of its types), so any
 * ioredis-compatible `Redis` or `Cluster` fits, and so does a test double.
 */

import { checkTimerMs, option, typeError } from '../errors.js';

/**
 * The commands of an ioredis pipeline that `redisStore` queues (GET and PTTL of one key).
 *
 * @example
 * ```ts
 * const [[, text], [, pttl]] = (await client.pipeline().get('k').pttl('k').exec())!;
 * ```
 */
export interface RedisPipelineLike {
  get(key: string): RedisPipelineLike;
  mget(...keys: string[]): RedisPipelineLike;
  pttl(key: string): RedisPipelineLike;
  /** One `[error, reply]` pair per queued command, in order. */
  exec(): Promise<Array<[error: Error | null, reply: unknown]> | null>;
}

/**
 * What `lrukit/redis` needs of a Redis connection: ioredis's `Redis` and `Cluster` both fit
 * (and so does any client with the same method shapes). Nothing of ioredis is imported.
 *
 * @example
 * ```ts
 * import Redis from 'ioredis';
 * const client: RedisClientLike = new Redis('redis://127.0.0.1:6379');
 * ```
 */
export interface RedisClientLike {
  /**
   * ioredis's connection state. Commands are sent only while it is `'ready'` (or `'wait'`: a
   * `lazyConnect` client that the command itself connects); any other state fails at once.
   */
  readonly status: string;
  /** `true` for an ioredis `Cluster`. */
  readonly isCluster?: boolean;
  /** ioredis's options; `keyPrefix` is prepended to keys by the client (but not to SCAN patterns). */
  readonly options?: { readonly keyPrefix?: string | undefined };
  get(key: string): Promise<string | null>;
  set(key: string, value: string): Promise<unknown>;
  set(key: string, value: string, millisecondsToken: 'PX', milliseconds: number): Promise<unknown>;
  pttl(key: string): Promise<number>;
  pipeline(): RedisPipelineLike;
  unlink(...keys: string[]): Promise<number>;
  scan(
    cursor: string,
    matchToken: 'MATCH',
    pattern: string,
    countToken: 'COUNT',
    count: number,
  ): Promise<[cursor: string, keys: string[]]>;
  publish(channel: string, message: string): Promise<number>;
  subscribe(...channels: string[]): Promise<unknown>;
  unsubscribe(...channels: string[]): Promise<unknown>;
  // biome-ignore lint/suspicious/noExplicitAny: EventEmitter's listener type
  on(event: string, listener: (...args: any[]) => void): unknown;
  // biome-ignore lint/suspicious/noExplicitAny: EventEmitter's listener type
  off(event: string, listener: (...args: any[]) => void): unknown;
  /**
   * A Cluster's slot table as ioredis keeps it: for each hash slot, the addresses of the nodes
   * serving it (master first). A pipeline may span the slots of one such group.
   */
  readonly slots?: ReadonlyArray<ReadonlyArray<string> | undefined>;
  /** A Cluster's connections to its masters (ioredis `Cluster#nodes('master')`). */
  nodes?(role: 'master'): RedisClientLike[];
}

/**
 * The rejection of a Redis call that got no answer within `commandTimeout` ms. The command
 * itself may still complete later; lrukit no longer waits for it.
 *
 * @example
 * ```ts
 * const users = new LoadingCache({ load, maxEntries: 1_000, l2,
 *   onError: (error) => { if (error instanceof TierTimeoutError) metrics.increment('redis.slow'); } });
 * ```
 */
export class TierTimeoutError extends Error {
  override readonly name = 'TierTimeoutError';
  /** `'ERR_LRUKIT_TIER_TIMEOUT'`. */
  readonly code = 'ERR_LRUKIT_TIER_TIMEOUT';
}

/**
 * The rejection of a Redis call made while the client is not connected (its `status` is
 * neither `'ready'` nor `'wait'`): nothing was sent, so a Redis outage costs no waiting.
 *
 * @example
 * ```ts
 * const onError = (error: unknown) => {
 *   if (error instanceof TierUnavailableError) console.warn(`redis is ${error.status}`);
 * };
 * ```
 */
export class TierUnavailableError extends Error {
  override readonly name = 'TierUnavailableError';
  /** `'ERR_LRUKIT_TIER_UNAVAILABLE'`. */
  readonly code = 'ERR_LRUKIT_TIER_UNAVAILABLE';
  /** The client's `status` when the call was refused, e.g. `'reconnecting'`. */
  readonly status: string;

  /**
   * @param status - the client's `status` at the time of the call
   * @param command - the command that was not sent
   */
  constructor(status: string, command: string) {
    super(`lrukit: Redis ${command} not sent: the connection is "${status}", not "ready"`);
    this.status = status;
  }
}

/** Default `commandTimeout`, ms: well inside the contract's 500 ms. */
export const DEFAULT_COMMAND_TIMEOUT = 250;

/**
 * Checks the `commandTimeout` option: a positive number of ms up to `2^31 - 1` (default 250). It
 * becomes a `setTimeout`, which Node runs after 1 ms when longer; `Infinity` is refused too.
 */
export function checkCommandTimeout(value: unknown): number {
  return checkTimerMs(option('commandTimeout'), value, DEFAULT_COMMAND_TIMEOUT, false);
}

/** Checks that `value` is an object with each of `methods` as a function. */
export function checkClient(name: string, value: unknown, methods: readonly string[]): void {
  const expected = `an ioredis-compatible client (Redis or Cluster) with ${methods.join(', ')}`;
  if (typeof value !== 'object' || value === null) typeError(option(name), expected, value);
  const client = value as Record<string, unknown>;
  const missing = methods.filter((m) => typeof client[m] !== 'function');
  if (missing.length > 0 || typeof client.status !== 'string') {
    typeError(option(name), expected, value);
  }
}

/**
 * Sends one command through `send` when `client` is connected, and settles with its reply or
 * a `TierTimeoutError` after `timeout` ms, whichever comes first. The timer is cleared when
 * the command settles, so nothing is left running.
 */
export function bounded<T>(
  client: RedisClientLike,
  timeout: number,
  command: string,
  send: () => PromiseLike<T>,
): Promise<T> {
  const status = client.status;
  // 'wait': a lazyConnect client that has never connected; the command is what connects it
  if (status !== 'ready' && status !== 'wait') {
    return Promise.reject(new TierUnavailableError(status, command));
  }
  return new Promise<T>((resolve, reject) => {
    let pending: Promise<T>;
    try {
      pending = Promise.resolve(send());
    } catch (error) {
      reject(error);
      return;
    }
    const timer = setTimeout(() => {
      reject(
        new TierTimeoutError(
          `lrukit: Redis ${command} got no answer within ${timeout} ms (option "commandTimeout")`,
        ),
      );
    }, timeout);
    // also handles a late failure after the timeout, so it is never an unhandled rejection
    pending.then(
      (reply) => {
        clearTimeout(timer);
        resolve(reply);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
