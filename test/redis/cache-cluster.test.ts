// Two LoadingCaches sharing a three-master Redis Cluster as L2 and bus: values loaded by one are
// L2 hits in the other whichever master holds them, invalidation crosses nodes, and clear()
// empties the cache's prefix on every master.
import type { Cluster } from 'ioredis';
import { LoadingCache } from 'lrukit';
import { redisBus, redisStore } from 'lrukit/redis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type RedisCluster, startCluster } from '../../scripts/redis-server.mjs';
import { closeClients, clusterClient, keysPerMaster, ready, until } from './helpers.js';

let cluster: RedisCluster;
let admin: Cluster;

beforeAll(async () => {
  cluster = await startCluster();
  admin = clusterClient(cluster.nodes);
  await ready(admin, 10_000);
}, 30_000);

afterAll(async () => {
  closeClients();
  await cluster?.stop();
});

async function makeCache(name: string) {
  const [client, publisher, subscriber] = [0, 1, 2].map(() => clusterClient(cluster.nodes));
  await Promise.all([client, publisher, subscriber].map((c) => ready(c!, 10_000)));
  const load = vi.fn(async (key: string) => `${key}@${name}`);
  const cache = new LoadingCache<string, string>({
    load,
    maxEntries: 1_000,
    ttl: 60_000,
    l2: redisStore({ client: client!, prefix: 'cc:' }),
    bus: redisBus({ publisher: publisher!, subscriber: subscriber!, channel: 'cc' }),
  });
  return { cache, load };
}

describe('LoadingCache over a Redis Cluster', () => {
  it('shares values across slots, invalidates across nodes, clears every master', async () => {
    const a = await makeCache('a');
    const b = await makeCache('b');
    // both subscribed (classic pub/sub: any node delivers to its subscribers)
    await until(async () => {
      a.cache.set('ping', 'p');
      await a.cache.flush();
      expect(b.cache.stats.busMessages).toBeGreaterThan(0);
    }, 10_000);

    const keys = Array.from({ length: 60 }, (_, i) => `query ${i}`);
    await Promise.all(keys.map((k) => a.cache.get(k)));
    await a.cache.flush();
    const perMaster = await keysPerMaster(admin, 'cc:query*');
    expect(perMaster.reduce((x, y) => x + y)).toBe(60);
    expect(perMaster.filter((n) => n > 0).length).toBeGreaterThanOrEqual(2);

    expect(await Promise.all(keys.map((k) => b.cache.get(k)))).toEqual(keys.map((k) => `${k}@a`));
    expect(b.load).not.toHaveBeenCalled();
    expect(b.cache.stats.l2Hits).toBe(60);

    a.cache.invalidate('query 7');
    await a.cache.flush();
    await until(() => expect(b.cache.peek('query 7')).toBeUndefined());
    expect(await b.cache.get('query 7')).toBe('query 7@b');

    a.cache.clear();
    await a.cache.flush();
    expect(await keysPerMaster(admin, 'cc:*')).toEqual([0, 0, 0]);
    await until(() => expect(b.cache.size).toBe(0));
    expect(a.cache.stats.l2Errors + b.cache.stats.l2Errors).toBe(0);
    await Promise.all([a.cache.close(), b.cache.close()]);
  }, 30_000);
});
