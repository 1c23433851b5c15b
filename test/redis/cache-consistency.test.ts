// Issue 11 over a real Redis: no process reads back a value that `set` replaced (a failed L2
// write deletes the old value before the bus message goes out), each distinct key has its own
// Redis key, and a throwing onEvict in a process told by the bus goes to onError.
import type { Redis } from 'ioredis';
import { type ErrorContext, LoadingCache } from 'lrukit';
import { redisBus, redisStore, SerializationError } from 'lrukit/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, redisCommand, startRedis } from '../../scripts/redis-server.mjs';
import { closeClients, ready, redisClient, until } from './helpers.js';

let server: RedisServer;
let client: Redis;
const caches: Array<LoadingCache<unknown, unknown>> = [];

/** One "process": its own cache, store and bus over the shared server. */
function process_(
  name: string,
  extra: { onEvict?: () => void; onError?: (e: unknown, c: ErrorContext) => void } = {},
) {
  let loads = 0;
  const cache = new LoadingCache<unknown, unknown>({
    load: async (key) => ({ key: String(key), from: name, load: ++loads }),
    maxEntries: 100,
    ttl: 60_000,
    l2: redisStore({ client, prefix: 'cc:' }),
    bus: redisBus({
      publisher: client,
      subscriber: redisClient(server.url),
      channel: 'cc',
    }),
    ...extra,
  });
  caches.push(cache);
  return cache;
}

beforeAll(async () => {
  server = await startRedis();
  client = redisClient(server.url);
  await ready(client);
}, 30_000);

afterAll(async () => {
  for (const cache of caches) await cache.close();
  closeClients();
  await server?.stop();
});

const subscribers = async (count: number) =>
  until(async () => {
    const reply = (await redisCommand(server.port, ['PUBSUB', 'NUMSUB', 'cc'])) as unknown[];
    expect(Number(reply[1])).toBe(count);
  });

describe('LoadingCache over Redis: consistency under failure', () => {
  it('a set whose value Redis cannot take deletes the old value there before telling the others', async () => {
    const errors: Array<[unknown, ErrorContext]> = [];
    const a = process_('a', { onError: (e, c) => errors.push([e, c]) });
    const b = process_('b');
    await subscribers(2);
    a.set('k', { v: 'old' });
    await a.flush();
    expect(await b.get('k')).toEqual({ v: 'old' }); // b reads it from Redis
    expect(b.stats.l2Hits).toBe(1);

    // JSON cannot carry a Map: the default serializer refuses the new value
    a.set('k', { v: 'new', tags: new Map([['x', 1]]) });
    await a.flush();
    expect(errors.map(([e, c]) => [e instanceof SerializationError, c.operation])).toEqual([
      [true, 'set'],
    ]);
    expect(await client.exists('cc:k')).toBe(0); // the superseded value is gone from Redis
    await until(() => expect(b.peek('k')).toBeUndefined()); // b was told to drop its copy
    // b reloads: it never serves the value a replaced
    expect(await b.get('k')).toMatchObject({ from: 'b' });
  });

  it('1 and "1" (and 1n, true, "true") are distinct Redis keys; plain strings stay readable', async () => {
    const a = process_('a2');
    for (const key of [1, '1', 1n, true, 'true'])
      a.set(key, { key: String(key), type: typeof key });
    await a.flush();
    const keys = (await client.keys('cc:*')).filter((k) => /^cc:(~?1n?|~?true)$/.test(k)).sort();
    expect(keys).toEqual(['cc:1', 'cc:true', 'cc:~1', 'cc:~1n', 'cc:~true']);
    const b = process_('b2');
    expect(await b.get(1)).toEqual({ key: '1', type: 'number' });
    expect(await b.get('1')).toEqual({ key: '1', type: 'string' });
    expect(await b.get(1n)).toEqual({ key: '1', type: 'bigint' });
  });

  it("a throwing onEvict in a process told by the bus goes to that process's onError", async () => {
    const errors: Array<[unknown, ErrorContext]> = [];
    const boom = new Error('onEvict failed');
    const receiver = process_('r', {
      onEvict: () => {
        throw boom;
      },
      onError: (e, c) => errors.push([e, c]),
    });
    const sender = process_('s');
    await subscribers(caches.length);
    await receiver.get('x');
    sender.invalidate('x');
    await sender.flush();
    await until(() => expect(receiver.peek('x')).toBeUndefined());
    expect(errors).toEqual([[boom, { tier: 'l1', operation: 'onEvict' }]]);
    expect(await receiver.get('x')).toMatchObject({ from: 'r' }); // and it keeps working
  });
});
