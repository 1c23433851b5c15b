/**
 * The demo's optional Redis tier (`--redis URL`): lrukit's `redisStore` as a second tier shared
 * by every demo process, and `redisBus` so that an invalidation in one reaches the others.
 * ioredis is loaded only here, and only when asked for (it is an optional peer dependency of
 * lrukit, a devDependency of this repository).
 */

import type { InvalidationBus, L2Store } from 'lrukit';

/** The cache options that put Redis behind the cache, and how to let go of it. */
export interface RedisTier {
  readonly url: string;
  /** Cached results, under `lrukit-demo:search:<key>`. */
  readonly l2: L2Store<string>;
  /** Invalidations, on channel `lrukit-demo:search`. */
  readonly bus: InvalidationBus;
  /** Tier failures (counted by the cache in its stats; the first few are logged). */
  readonly onError: (error: unknown) => void;
  /** Closes both connections (call after the cache's own `close()`). */
  close(): Promise<void>;
}

/**
 * Connects to Redis at `url` for the result cache's shared tier and invalidation bus (two
 * ioredis connections: commands, and a subscriber). Never fails: lrukit fails open — while
 * Redis is unreachable every tier call fails fast and the cache goes on without it — so this
 * only waits up to 2 s for the first connection, to start with it when it is there.
 *
 * @example
 * ```ts
 * const tier = await connectRedisTier('redis://127.0.0.1:6379', console.error);
 * const cache = new LoadingCache({ load, maxEntries: 1_000, l2: tier.l2, bus: tier.bus, onError: tier.onError });
 * // …
 * await cache.close();
 * await tier.close();
 * ```
 */
export async function connectRedisTier(
  url: string,
  log: (message: string) => void,
): Promise<RedisTier> {
  // loaded only when asked for: ioredis is an optional peer dependency of lrukit
  const [{ Redis: RedisClient }, { redisBus, redisStore }] = await Promise.all([
    import('ioredis'),
    import('lrukit/redis'),
  ]);
  const client = new RedisClient(url, { maxRetriesPerRequest: 1 });
  const subscriber = new RedisClient(url, { maxRetriesPerRequest: 1 });
  // without a listener an unreachable Redis would be an uncaught 'error' event; report a
  // failure once, until the connection is back
  let down = false;
  for (const connection of [client, subscriber]) {
    connection.on('error', (error: Error) => {
      if (!down) log(`lrukit demo: redis ${url}: ${error.message} (serving without it)`);
      down = true;
    });
    connection.on('ready', () => {
      if (down) log(`lrukit demo: redis ${url}: connected again`);
      down = false;
    });
  }
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 2_000);
    client.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  let reported = 0;
  return {
    url,
    async close() {
      // quit() waits for replies; with Redis gone it could wait for a reconnection
      await Promise.all(
        [client, subscriber].map((connection) =>
          connection.status === 'ready'
            ? connection.quit().catch(() => connection.disconnect())
            : connection.disconnect(),
        ),
      );
    },
    l2: redisStore<string>({ client, prefix: 'lrukit-demo:search:' }),
    bus: redisBus({ publisher: client, subscriber, channel: 'lrukit-demo:search' }),
    onError: (error) => {
      // counted in /stats; logged a few times, not once per request
      if (reported++ < 5) {
        log(`lrukit demo: redis tier: ${error instanceof Error ? error.message : String(error)}`);
      }
    },
  };
}
