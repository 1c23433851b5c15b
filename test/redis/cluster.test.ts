// redisStore and redisBus over a three-master Redis Cluster: keys spread over slots (so over
// masters), clear() SCANs every master and deletes key by key, and pub/sub crosses nodes.

import fc from 'fast-check';
import type { Cluster } from 'ioredis';
import { LoadingCache } from 'lrukit';
import { type BusListener, type InvalidationMessage, redisBus, redisStore } from 'lrukit/redis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type RedisCluster, startCluster } from '../../scripts/redis-server.mjs';
import { keySlot } from '../../src/redis/slot.js';
import {
  closeClients,
  clusterClient,
  countingRoundTrips,
  keysPerMaster,
  ready,
  until,
} from './helpers.js';

// A cluster client makes a few round trips before it is ready: generous limits for a loaded CI box.
const SLOW = 20_000;

let cluster: RedisCluster;
let client: Cluster;

beforeAll(async () => {
  cluster = await startCluster();
  client = clusterClient(cluster.nodes);
  await ready(client, SLOW);
}, 40_000);

afterAll(async () => {
  closeClients();
  await cluster?.stop();
});

describe('redisStore on a Cluster', () => {
  it(
    'sets and gets keys in many slots, with their remaining ttl',
    async () => {
      const l2 = redisStore<{ n: number }>({ client, prefix: 'c1:' });
      for (let i = 0; i < 60; i++) await l2.set(`k${i}`, { n: i }, i % 2 ? 60_000 : Infinity);
      const perMaster = await keysPerMaster(client, 'c1:*');
      expect(perMaster).toHaveLength(3);
      expect(perMaster.reduce((a, b) => a + b)).toBe(60);
      expect(perMaster.filter((n) => n > 0).length).toBeGreaterThanOrEqual(2);

      for (let i = 0; i < 60; i++) {
        const entry = await l2.get(`k${i}`);
        expect(entry?.value).toEqual({ n: i });
        if (i % 2) expect(entry?.ttl).toBeGreaterThan(59_000);
        else expect(entry?.ttl).toBe(Infinity);
      }
      await l2.delete('k1');
      expect(await l2.get('k1')).toBeUndefined();
      expect(await l2.get('missing')).toBeUndefined();
    },
    SLOW,
  );

  it(
    'clear() empties its prefix on every master and leaves other keys',
    async () => {
      const a = redisStore({ client, prefix: 'c2:' });
      const b = redisStore({ client, prefix: 'c3:' });
      for (let i = 0; i < 120; i++) {
        await a.set(`k${i}`, i, 60_000);
        await b.set(`k${i}`, i, 60_000);
        await client.set(`c2-foreign-${i}`, 'x');
      }
      expect(
        (await keysPerMaster(client, 'c2:*')).filter((n) => n > 0).length,
      ).toBeGreaterThanOrEqual(2);

      await a.clear();

      expect(await keysPerMaster(client, 'c2:*')).toEqual([0, 0, 0]);
      expect((await keysPerMaster(client, 'c3:*')).reduce((x, y) => x + y)).toBe(120);
      expect((await keysPerMaster(client, 'c2-foreign-*')).reduce((x, y) => x + y)).toBe(120);
      expect((await b.get('k7'))?.value).toBe(7);
    },
    SLOW,
  );
});

describe('getMany on a Cluster', () => {
  it(
    'reads keys spread over every master in one pipeline per master, in order',
    async () => {
      const l2 = redisStore<number>({ client, prefix: 'gm:' });
      for (let i = 0; i < 100; i++) if (i % 3) await l2.set(`k${i}`, i, 60_000);
      const { client: counted, trips } = countingRoundTrips(client);
      const bulk = redisStore<number>({ client: counted, prefix: 'gm:' });
      const keys = Array.from({ length: 100 }, (_, i) => `k${i}`);
      const entries = await bulk.getMany(keys);
      expect(trips()).toBe(3); // 100 keys in ~100 slots on 3 masters: 3 pipelines, in parallel
      entries.forEach((entry, i) => {
        if (i % 3) expect(entry?.value).toBe(i);
        else expect(entry).toBeUndefined();
      });
    },
    SLOW,
  );

  it(
    'keys that share a hash tag are one MGET on one node',
    async () => {
      const { client: counted, trips } = countingRoundTrips(client);
      const l2 = redisStore<string>({ client: counted, prefix: 'gt:' });
      await Promise.all(['a', 'b', 'c'].map((k) => l2.set(`{user42}:${k}`, k, 60_000)));
      const before = trips();
      const entries = await l2.getMany(['{user42}:a', '{user42}:b', '{user42}:c', '{user42}:d']);
      expect(trips() - before).toBe(1);
      expect(entries.map((e) => e?.value)).toEqual(['a', 'b', 'c', undefined]);
    },
    SLOW,
  );

  it(
    "computes the same hash slot as the server's CLUSTER KEYSLOT",
    async () => {
      const key = fc.oneof(
        fc.string({ unit: 'grapheme', maxLength: 12 }),
        fc
          .tuple(
            fc.string({ maxLength: 4 }),
            fc.string({ maxLength: 4 }),
            fc.string({ maxLength: 4 }),
          )
          .map(([a, b, c]) => `${a}{${b}}${c}`),
      );
      await fc.assert(
        fc.asyncProperty(key, async (k) => {
          expect(keySlot(k)).toBe(await client.cluster('KEYSLOT', k));
        }),
        { numRuns: 200 },
      );
    },
    SLOW,
  );
});

describe('redisBus on a Cluster', () => {
  it(
    'delivers messages between two processes over the cluster',
    async () => {
      const processes = [0, 1].map(() => {
        const publisher = clusterClient(cluster.nodes);
        const subscriber = clusterClient(cluster.nodes);
        return { publisher, subscriber, bus: redisBus({ publisher, subscriber, channel: 'cl' }) };
      });
      await Promise.all(
        processes.flatMap((p) => [ready(p.publisher, SLOW), ready(p.subscriber, SLOW)]),
      );
      const heard: InvalidationMessage[][] = [[], []];
      processes.forEach((p, i) => {
        const listener: BusListener = { message: (m) => heard[i]!.push(m), reconnected: () => {} };
        p.bus.subscribe(listener);
      });
      // subscribed when a probe from each side reaches the other
      await until(async () => {
        await processes[0]!.bus.publish({ origin: 'probe', keys: ['p'] });
        await processes[1]!.bus.publish({ origin: 'probe', keys: ['p'] });
        expect(heard[0]!.length).toBeGreaterThan(0);
        expect(heard[1]!.length).toBeGreaterThan(0);
      }, SLOW);

      await processes[0]!.bus.publish({ origin: 'p0', keys: ['user:1'] });
      await processes[1]!.bus.publish({ origin: 'p1', clear: true });
      for (const messages of heard) {
        await until(() => {
          // sent to different nodes, relayed over the cluster bus: order across senders may vary
          const real = messages.filter((m) => m.origin !== 'probe');
          expect(real).toHaveLength(2);
          expect(real).toEqual(
            expect.arrayContaining([
              { origin: 'p0', keys: ['user:1'] },
              { origin: 'p1', clear: true },
            ]),
          );
        }, SLOW);
      }
    },
    3 * SLOW,
  );

  // ioredis's Cluster reports its own state like Redis does ('close', 'reconnecting', 'ready'):
  // after the whole cluster went down and came back, the bus re-subscribes and tells listeners.
  it(
    'calls reconnected() after the whole cluster restarts, and delivers again',
    async () => {
      const publisher = clusterClient(cluster.nodes);
      const subscriber = clusterClient(cluster.nodes);
      await Promise.all([ready(publisher, SLOW), ready(subscriber, SLOW)]);
      const bus = redisBus({ publisher, subscriber, channel: 'cl-restart' });
      const messages: InvalidationMessage[] = [];
      let reconnects = 0;
      bus.subscribe({ message: (m) => messages.push(m), reconnected: () => reconnects++ });
      await until(async () => {
        await bus.publish({ origin: 'probe', keys: ['p'] });
        expect(messages.length).toBeGreaterThan(0);
      }, SLOW);
      expect(reconnects).toBe(0);

      await cluster.restart();

      await until(() => expect(reconnects).toBe(1), SLOW);
      await ready(publisher, SLOW);
      messages.length = 0;
      await until(async () => {
        await bus.publish({ origin: 'after', keys: ['k'] });
        expect(messages.some((m) => m.origin === 'after')).toBe(true);
      }, SLOW);
      expect(reconnects).toBe(1);
    },
    4 * SLOW,
  );
});

describe('LoadingCache.getMany on a Cluster', () => {
  it(
    '100 keys warm in the Cluster: one pipeline per master, no load',
    async () => {
      const ids = Array.from({ length: 100 }, (_, i) => `u${i}`);
      const seed = redisStore<string>({ client, prefix: 'lgm:' });
      await Promise.all(ids.map((id) => seed.set(id, `user ${id}`, 60_000)));
      const { client: counted, trips } = countingRoundTrips(client);
      const loadMany = vi.fn(async (keys: string[]) => keys.map(() => 'loaded'));
      const cache = new LoadingCache<string, string>({
        load: async () => 'loaded',
        loadMany,
        maxEntries: 1_000,
        l2: redisStore({ client: counted, prefix: 'lgm:' }),
      });
      expect(await cache.getMany(ids)).toEqual(ids.map((id) => `user ${id}`));
      expect(trips()).toBe(3);
      expect(loadMany).not.toHaveBeenCalled();
    },
    SLOW,
  );
});
