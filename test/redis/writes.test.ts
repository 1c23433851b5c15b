// Write strategies over a real Redis (API.md §7 with §5): write-through reaches the shared tier
// and the bus drops the other caches' copies; a failed write changes nothing there; write-behind
// reaches Redis and the bus only once the store has the value. Two caches, one redis-server.
import type { Redis } from 'ioredis';
import { LoadingCache } from 'lrukit';
import { redisBus, redisStore } from 'lrukit/redis';
import { ManualClock } from 'lrukit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, redisCommand, startRedis } from '../../scripts/redis-server.mjs';
import { closeClients, ready, redisClient, until } from './helpers.js';

let server: RedisServer;
let client: Redis;
const caches: Array<LoadingCache<string, Account>> = [];

interface Account {
  id: string;
  balance: number;
}

/** The database both processes share: a Map, with a switch to make writes fail. */
const db = new Map<string, Account>();
const dbState = { down: undefined as Error | undefined, reads: 0 };
const save = async (id: string, account: Account) => {
  if (dbState.down !== undefined) throw dbState.down;
  db.set(id, account);
};

/** One "process": its own cache and bus subscriber over the shared server. */
function process_(extra: Record<string, unknown> = {}): LoadingCache<string, Account> {
  const cache = new LoadingCache<string, Account>({
    load: async (id: string) => {
      dbState.reads++;
      const account = db.get(id);
      if (account === undefined) throw new Error(`no account ${id}`);
      return account;
    },
    write: save,
    maxEntries: 100,
    ttl: 60_000,
    l2: redisStore({ client, prefix: 'wr:' }),
    bus: redisBus({ publisher: client, subscriber: redisClient(server.url), channel: 'wr' }),
    ...extra,
  } as never);
  caches.push(cache);
  return cache;
}

const subscribers = async (count: number) =>
  until(async () => {
    const reply = (await redisCommand(server.port, ['PUBSUB', 'NUMSUB', 'wr'])) as unknown[];
    expect(Number(reply[1])).toBe(count);
  });

const inRedis = async (id: string) => {
  const raw = await client.get(`wr:${id}`);
  return raw === null ? undefined : (JSON.parse(raw) as Account);
};

beforeAll(async () => {
  server = await startRedis();
  client = redisClient(server.url);
  await ready(client);
}, 30_000);

afterAll(async () => {
  for (const cache of caches) await cache.close().catch(() => {});
  closeClients();
  await server?.stop();
});

describe('write-through over Redis', () => {
  it('reaches L2, and the bus drops the other cache’s copy: it reads the written value from Redis', async () => {
    db.set('1', { id: '1', balance: 10 });
    const a = process_();
    const b = process_();
    await subscribers(2);
    expect(await b.get('1')).toEqual({ id: '1', balance: 10 });
    await b.flush();
    expect(await inRedis('1')).toEqual({ id: '1', balance: 10 });

    await a.write('1', { id: '1', balance: 25 });
    expect(db.get('1')).toEqual({ id: '1', balance: 25 });
    await a.flush();
    expect(await inRedis('1')).toEqual({ id: '1', balance: 25 });
    expect(Number(await client.pttl('wr:1'))).toBeGreaterThan(59_000); // the full ttl
    await until(() => expect(b.peek('1')).toBeUndefined());
    const reads = dbState.reads;
    expect(await b.get('1')).toEqual({ id: '1', balance: 25 });
    expect(dbState.reads).toBe(reads); // from L2, not the database
    expect(b.stats.l2Hits).toBeGreaterThanOrEqual(1);
    expect(a.stats.writes).toBe(1);
  });

  it('a failed write changes nothing: not the database, not Redis, not the other cache', async () => {
    db.set('2', { id: '2', balance: 5 });
    const a = process_();
    const b = process_();
    await subscribers(4);
    expect(await b.get('2')).toEqual({ id: '2', balance: 5 });
    await b.flush();
    const error = new Error('database down');
    dbState.down = error;
    try {
      await expect(a.write('2', { id: '2', balance: 99 })).rejects.toBe(error);
    } finally {
      dbState.down = undefined;
    }
    await a.flush();
    expect(await inRedis('2')).toEqual({ id: '2', balance: 5 });
    // bus messages arrive in order: once b has dropped a later key, no message about '2' came
    b.set('marker', { id: 'marker', balance: 0 });
    a.invalidate('marker');
    await until(() => expect(b.peek('marker')).toBeUndefined());
    expect(b.peek('2')).toEqual({ id: '2', balance: 5 });
    expect(a.stats.writeErrors).toBe(1);
  });
});

describe('write-behind over Redis', () => {
  it('Redis and the other caches hear of a write only once the database has it', async () => {
    db.set('3', { id: '3', balance: 1 });
    const clock = new ManualClock();
    const a = process_({ clock, writeBehind: { delay: 1_000 } });
    const b = process_();
    await subscribers(6);
    expect(await b.get('3')).toEqual({ id: '3', balance: 1 });
    await b.flush();

    await a.write('3', { id: '3', balance: 2 });
    expect(await a.get('3')).toEqual({ id: '3', balance: 2 }); // cached at once
    expect(db.get('3')).toEqual({ id: '3', balance: 1 }); // queued
    expect(await inRedis('3')).toEqual({ id: '3', balance: 1 });
    expect(b.peek('3')).toEqual({ id: '3', balance: 1 });

    await a.flush(); // sends at once, then waits for Redis and the bus
    expect(db.get('3')).toEqual({ id: '3', balance: 2 });
    expect(await inRedis('3')).toEqual({ id: '3', balance: 2 });
    await until(() => expect(b.peek('3')).toBeUndefined());
    expect(await b.get('3')).toEqual({ id: '3', balance: 2 });
    expect(a.stats).toMatchObject({ writes: 1, batches: 1, queued: 0 });
  });
});
