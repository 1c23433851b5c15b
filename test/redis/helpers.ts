// Shared by the test/redis files: ioredis clients that are always closed, and waiting for a
// condition (never a fixed sleep).
import { Cluster, type ClusterNode, Redis, type RedisOptions } from 'ioredis';
import { expect, vi } from 'vitest';

const opened = new Set<Redis | Cluster>();
const ignore = (): void => {};

/** Fast reconnects, one retry per command: tests want failures quickly, not queued for long. */
const testOptions: RedisOptions = { retryStrategy: () => 20, maxRetriesPerRequest: 1 };

/** A Redis client on `url`, closed by `closeClients()`; connection errors are expected here. */
export function redisClient(url: string, options: RedisOptions = {}): Redis {
  const client = new Redis(url, { ...testOptions, ...options });
  client.on('error', ignore);
  opened.add(client);
  return client;
}

/** A Cluster client over `nodes`, closed by `closeClients()`. */
export function clusterClient(nodes: ReadonlyArray<ClusterNode>): Cluster {
  const client = new Cluster([...nodes], {
    clusterRetryStrategy: () => 20,
    redisOptions: { maxRetriesPerRequest: 1 },
  });
  client.on('error', ignore);
  client.on('node error', ignore);
  opened.add(client);
  return client;
}

/** Resolves once `client` is ready (or fails the test after `timeout` ms). */
export async function ready(client: Redis | Cluster, timeout = 5_000): Promise<void> {
  await until(() => expect(client.status).toBe('ready'), timeout);
}

/** Disconnects every client opened here (no reconnect timer is left behind). */
export function closeClients(): void {
  for (const client of opened) client.disconnect();
  opened.clear();
}

/** Retries `check` (throwing or rejecting means "not yet") until it passes, for at most `timeout` ms. */
export function until<T>(check: () => T | Promise<T>, timeout = 5_000): Promise<T> {
  return vi.waitFor(check, { timeout, interval: 10 });
}

/** How many real timers (Node `Timeout`s) are running. */
export const runningTimers = (): number =>
  process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

/** How many keys matching `pattern` each master holds. */
export async function keysPerMaster(client: Cluster, pattern: string): Promise<number[]> {
  const counts: number[] = [];
  for (const node of client.nodes('master')) {
    let cursor = '0';
    let count = 0;
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1_000);
      count += keys.length;
      cursor = next;
    } while (cursor !== '0');
    counts.push(count);
  }
  return counts;
}

/**
 * `client` seen through a proxy that counts round trips: each command method called on it, and
 * each pipeline's `exec()` (a pipeline is sent as one write and read back as one batch).
 */
export function countingRoundTrips<C extends Redis | Cluster>(
  client: C,
): { client: C; trips: () => number } {
  let trips = 0;
  const counted = ['get', 'set', 'pttl', 'mget', 'unlink', 'scan', 'publish'];
  const proxy = new Proxy(client, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (property === 'pipeline') {
        return () => {
          const pipeline = target.pipeline();
          const exec = pipeline.exec.bind(pipeline);
          pipeline.exec = (() => {
            trips++;
            return exec();
          }) as typeof pipeline.exec;
          return pipeline;
        };
      }
      if (
        typeof property === 'string' &&
        counted.includes(property) &&
        typeof value === 'function'
      ) {
        return (...args: unknown[]) => {
          trips++;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { client: proxy, trips: () => trips };
}
