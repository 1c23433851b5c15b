// redisStore against a real redis-server: values and remaining ttl, prefixes, clear() by SCAN.
// The server runs with KEYS renamed away, so a clear() that used KEYS would fail here.
import type { Redis } from 'ioredis';
import { LoadingCache } from 'lrukit';
import { jsonSerializer, redisStore, SerializationError, type Serializer } from 'lrukit/redis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type RedisServer, startRedis } from '../../scripts/redis-server.mjs';
import {
  closeClients,
  countingRoundTrips,
  ready,
  redisClient,
  runningTimers,
  until,
} from './helpers.js';

let server: RedisServer;
let client: Redis;
/** A second connection for looking at what the store did, behind its back. */
let admin: Redis;

beforeAll(async () => {
  server = await startRedis({ args: ['--rename-command', 'KEYS', ''] });
  client = redisClient(server.url);
  admin = redisClient(server.url);
  await Promise.all([ready(client), ready(admin)]);
});

afterAll(async () => {
  closeClients();
  await server?.stop();
});

/** A store on a prefix of its own, so tests do not see each other's keys. */
let n = 0;
function store<V = unknown>(options: { serializer?: Serializer<V>; prefix?: string } = {}) {
  const prefix = options.prefix ?? `t${++n}:`;
  return { prefix, l2: redisStore<V>({ client, prefix, ...options }) };
}

describe('get and set', () => {
  it('stores JSON at prefix + key and reads the value back with its remaining ttl', async () => {
    const { prefix, l2 } = store<{ id: number; tags: string[] }>();
    await l2.set('42', { id: 42, tags: ['a'] }, 60_000);
    expect(await admin.get(`${prefix}42`)).toBe('{"id":42,"tags":["a"]}');
    const entry = await l2.get('42');
    expect(entry?.value).toEqual({ id: 42, tags: ['a'] });
    expect(entry?.ttl).toBeGreaterThan(59_000);
    expect(entry?.ttl).toBeLessThanOrEqual(60_000);
    expect(Number.isInteger(entry?.ttl)).toBe(true);
  });

  it('propagates the remaining ttl, not the original one', async () => {
    const { prefix, l2 } = store();
    await admin.set(`${prefix}k`, '"v"', 'PX', 5_000);
    expect((await l2.get('k'))?.ttl).toBeLessThanOrEqual(5_000);
    await admin.pexpire(`${prefix}k`, 1_234);
    const entry = await l2.get('k');
    expect(entry?.ttl).toBeLessThanOrEqual(1_234);
    expect(entry?.ttl).toBeGreaterThan(1_000);
  });

  it('stores ttl Infinity without expiry and reads it back as Infinity', async () => {
    const { prefix, l2 } = store();
    await l2.set('forever', 1, Infinity);
    expect(await admin.pttl(`${prefix}forever`)).toBe(-1);
    expect(await l2.get('forever')).toEqual({ value: 1, ttl: Infinity });
  });

  it('a set without ttl after one with ttl removes the expiry', async () => {
    const { prefix, l2 } = store();
    await l2.set('k', 1, 10_000);
    await l2.set('k', 2, Infinity);
    expect(await admin.pttl(`${prefix}k`)).toBe(-1);
  });

  it('rounds a fractional ttl up to whole ms, at least 1 (Redis refuses PX 0)', async () => {
    const { prefix, l2 } = store();
    await l2.set('tiny', 'x', 0.25);
    await l2.set('frac', 'x', 60_000.5);
    expect(await admin.pttl(`${prefix}frac`)).toBeGreaterThan(59_000);
    await until(async () => expect(await l2.get('tiny')).toBeUndefined());
  });

  it('an absent key and an expired key read as undefined', async () => {
    const { l2 } = store();
    expect(await l2.get('missing')).toBeUndefined();
    await l2.set('short', 'x', 20);
    await until(async () => expect(await l2.get('short')).toBeUndefined());
  });

  it('stores the values JSON gives back unchanged: null, strings, nested plain data', async () => {
    const { l2 } = store();
    const values = [
      null,
      '',
      'text',
      0,
      -1.5,
      true,
      [],
      {},
      [1, [2, { a: null }]],
      { 'a-b': { c: [] } },
    ];
    for (const [i, value] of values.entries()) {
      await l2.set(String(i), value, 10_000);
      expect((await l2.get(String(i)))?.value).toEqual(value);
    }
  });

  it('delete removes the key and only that key', async () => {
    const { prefix, l2 } = store();
    await l2.set('a', 1, 10_000);
    await l2.set('b', 2, 10_000);
    await l2.delete('a');
    await l2.delete('never-there');
    expect(await l2.get('a')).toBeUndefined();
    expect(await admin.exists(`${prefix}a`, `${prefix}b`)).toBe(1);
  });

  it('refuses a ttl that is not a positive number, sending nothing', async () => {
    const { prefix, l2 } = store();
    const set = vi.spyOn(client, 'set');
    try {
      for (const ttl of [0, -1, Number.NaN]) {
        await expect(l2.set('k', 1, ttl)).rejects.toThrow(RangeError);
      }
      await expect(l2.set('k', 1, '1000' as unknown as number)).rejects.toThrow(TypeError);
      expect(set).not.toHaveBeenCalled();
      expect(await admin.exists(`${prefix}k`)).toBe(0);
    } finally {
      set.mockRestore();
    }
  });

  it('leaves no timer running after its calls settle', async () => {
    const { l2 } = store();
    const before = runningTimers();
    await Promise.all([l2.set('a', 1, 10_000), l2.get('a'), l2.delete('b'), l2.clear()]);
    expect(runningTimers()).toBeLessThanOrEqual(before);
  });
});

describe('clear', () => {
  it('removes every key of its prefix and nothing else (two stores, foreign keys)', async () => {
    const a = store({ prefix: 'users:' });
    const b = store({ prefix: 'posts:' });
    await a.l2.set('1', 'u1', 10_000);
    await a.l2.set('2', 'u2', Infinity);
    await b.l2.set('1', 'p1', 10_000);
    await admin.set('users', 'foreign: the prefix without its colon');
    await admin.set('user:1', 'foreign');
    await admin.set('xusers:1', 'foreign: the prefix, not at the start');

    await a.l2.clear();

    expect(await a.l2.get('1')).toBeUndefined();
    expect(await a.l2.get('2')).toBeUndefined();
    expect((await b.l2.get('1'))?.value).toBe('p1');
    expect(await admin.exists('users', 'user:1', 'xusers:1')).toBe(3);
  });

  it('treats glob characters in the prefix literally', async () => {
    const odd = store({ prefix: 'we*ird?[x]\\:' });
    await odd.l2.set('1', 1, 10_000);
    // each would match the prefix taken as an unescaped SCAN pattern
    const lookalikes = ['weXXird?[x]\\:1', 'we*irdZ[x]\\:1', 'we*ird?x\\:1', 'we*ird?[x]Q:1'];
    for (const key of lookalikes) await admin.set(key, 'foreign');
    await odd.l2.clear();
    expect(await odd.l2.get('1')).toBeUndefined();
    expect(await admin.exists(...lookalikes)).toBe(lookalikes.length);
  });

  it('walks many keys with SCAN in batches, never KEYS', async () => {
    const { prefix, l2 } = store();
    const pipeline = admin.pipeline();
    for (let i = 0; i < 1_500; i++) pipeline.set(`${prefix}${i}`, '1');
    for (let i = 0; i < 300; i++) pipeline.set(`other:${prefix}${i}`, '1');
    await pipeline.exec();
    const scansBefore = await scanCalls();

    await l2.clear();

    const [, left] = await admin.scan('0', 'MATCH', `${prefix}*`, 'COUNT', 10_000);
    expect(left).toEqual([]);
    expect(await admin.exists(`other:${prefix}0`, `other:${prefix}299`)).toBe(2);
    // the keyspace is small, so SCAN with COUNT 500 needs a few calls: batches, not one sweep
    expect((await scanCalls()) - scansBefore).toBeGreaterThan(1);
    // KEYS is renamed away on this server: it would have failed the clear
    await expect(admin.call('KEYS', '*')).rejects.toThrow(/unknown command/);
  });

  it("honours the client's ioredis keyPrefix (which SCAN patterns do not get)", async () => {
    const prefixed = redisClient(server.url, { keyPrefix: 'app:' });
    await ready(prefixed);
    const l2 = redisStore({ client: prefixed, prefix: 'kp:' });
    for (let i = 0; i < 3; i++) await l2.set(String(i), i, 10_000);
    await admin.set('kp:0', 'foreign: the store prefix without the client prefix');
    expect(await admin.exists('app:kp:0', 'app:kp:1', 'app:kp:2')).toBe(3);
    await l2.clear();
    expect(await admin.exists('app:kp:0', 'app:kp:1', 'app:kp:2')).toBe(0);
    expect(await admin.get('kp:0')).toMatch(/^foreign/);
  });

  it('resolves at once on an empty prefix', async () => {
    const { l2 } = store();
    await expect(l2.clear()).resolves.toBeUndefined();
  });
});

/** How many SCAN commands the server has run (INFO commandstats). */
async function scanCalls(): Promise<number> {
  const info = await admin.info('commandstats');
  return Number(/cmdstat_scan:calls=(\d+)/.exec(info)?.[1] ?? 0);
}

describe('serializers', () => {
  it('jsonSerializer, given explicitly, fits a store of any value type', async () => {
    const { l2 } = store<{ id: number }>({ serializer: jsonSerializer });
    await l2.set('j', { id: 1 }, 10_000);
    const entry = await l2.get('j');
    expect(entry?.value.id).toBe(1);
  });

  it('a custom serializer carries what JSON cannot (here a Date)', async () => {
    const dates: Serializer<Date> = {
      serialize: (date) => `D${date.toISOString()}`,
      deserialize: (text) => new Date(text.slice(1)),
    };
    const { prefix, l2 } = store({ serializer: dates });
    const at = new Date('2024-05-06T07:08:09.010Z');
    await l2.set('d', at, 10_000);
    expect(await admin.get(`${prefix}d`)).toBe('D2024-05-06T07:08:09.010Z');
    const entry = await l2.get('d');
    expect(entry?.value).toBeInstanceOf(Date);
    expect(entry?.value.getTime()).toBe(at.getTime());
  });

  it('a serializer that throws: set rejects with SerializationError (cause kept), nothing sent', async () => {
    const boom = new Error('boom');
    const { prefix, l2 } = store<number>({
      serializer: {
        serialize: () => {
          throw boom;
        },
        deserialize: Number,
      },
    });
    const set = vi.spyOn(client, 'set');
    try {
      const error = await l2.set('k', 1, 10_000).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SerializationError);
      expect(error).toBeInstanceOf(TypeError);
      expect((error as SerializationError).code).toBe('ERR_LRUKIT_SERIALIZE');
      expect((error as SerializationError).cause).toBe(boom);
      expect((error as Error).message).toMatch(/"k".*boom/);
      expect(set).not.toHaveBeenCalled();
    } finally {
      set.mockRestore();
    }
    expect(await admin.exists(`${prefix}k`)).toBe(0);
  });

  it('a serializer that returns a non-string: set rejects with SerializationError', async () => {
    const { prefix, l2 } = store<number>({
      serializer: { serialize: (v) => v as unknown as string, deserialize: Number },
    });
    await expect(l2.set('k', 7, 10_000)).rejects.toThrow(
      /serializer.serialize must return a string, got 7/,
    );
    expect(await admin.exists(`${prefix}k`)).toBe(0);
  });

  it('stored text the deserializer refuses: get rejects with SerializationError', async () => {
    const { prefix, l2 } = store();
    await admin.set(`${prefix}bad`, '{not json');
    const error = await l2.get('bad').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SerializationError);
    expect((error as Error).message).toContain(`"${prefix}bad" could not be deserialized`);
    expect((error as Error).cause).toBeInstanceOf(SyntaxError);
  });

  it('a custom deserializer that throws: get rejects with its error as cause', async () => {
    const refuse = new RangeError('version 1 is no longer read');
    const { prefix, l2 } = store<string>({
      serializer: {
        serialize: String,
        deserialize: () => {
          throw refuse;
        },
      },
    });
    await admin.set(`${prefix}old`, 'v1');
    await expect(l2.get('old')).rejects.toMatchObject({
      name: 'SerializationError',
      cause: refuse,
    });
  });
});

describe('getMany (bulk reads)', () => {
  it('reads many keys in one round trip, in order, with their ttl; undefined where absent', async () => {
    const prefix = `gm${++n}:`;
    const { client: counted, trips } = countingRoundTrips(client);
    const l2 = redisStore<number>({ client: counted, prefix });
    for (let i = 0; i < 100; i += 2) await admin.set(`${prefix}k${i}`, String(i), 'PX', 60_000);
    await admin.set(`${prefix}forever`, '"f"');
    const keys = [...Array.from({ length: 100 }, (_, i) => `k${i}`), 'forever', 'k0'];
    const before = trips();
    const entries = await l2.getMany(keys);
    expect(trips() - before).toBe(1); // 102 keys: one pipeline (MGET + PTTLs)
    expect(entries).toHaveLength(102);
    for (let i = 0; i < 100; i++) {
      if (i % 2) expect(entries[i]).toBeUndefined();
      else {
        expect(entries[i]?.value).toBe(i);
        expect(entries[i]?.ttl).toBeGreaterThan(59_000);
      }
    }
    expect(entries[100]).toEqual({ value: 'f', ttl: Infinity });
    expect(entries[101]?.value).toBe(0); // a key asked twice is answered twice
    // the same through get: one round trip per key
    const one = trips();
    await Promise.all(keys.map((key) => l2.get(key)));
    expect(trips() - one).toBe(102);
  });

  it('asks nothing for no keys, refuses non-strings, honours keyPrefix', async () => {
    const { client: counted, trips } = countingRoundTrips(client);
    const l2 = redisStore({ client: counted, prefix: `gm${++n}:` });
    expect(await l2.getMany([])).toEqual([]);
    expect(trips()).toBe(0);
    await expect(l2.getMany(['a', 1 as never])).rejects.toThrow(/getMany\(\) key.*1/);
    await expect(l2.getMany('ab' as never)).rejects.toThrow(TypeError);

    const prefixed = redisClient(server.url, { keyPrefix: 'app:' });
    await ready(prefixed);
    const p = redisStore<string>({ client: prefixed, prefix: 'gmp:' });
    await admin.set('app:gmp:x', '"X"');
    expect(await p.getMany(['x', 'y'])).toEqual([{ value: 'X', ttl: Infinity }, undefined]);
  });

  it('a value that cannot be deserialized rejects the whole read, naming the key', async () => {
    const prefix = `gm${++n}:`;
    const l2 = redisStore({ client, prefix });
    await admin.set(`${prefix}ok`, '1');
    await admin.set(`${prefix}bad`, '{not json');
    await expect(l2.getMany(['ok', 'bad'])).rejects.toThrow(SerializationError);
    await expect(l2.getMany(['ok', 'bad'])).rejects.toThrow(`${prefix}bad`);
  });
});

describe('LoadingCache.getMany over redisStore', () => {
  it('100 keys warm in Redis: one round trip and no load; cold: one loadMany, then 100 writes', async () => {
    const prefix = `lgm${++n}:`;
    const { client: counted, trips } = countingRoundTrips(client);
    const loadMany = vi.fn(async (ids: string[]) => ids.map((id) => ({ id })));
    const load = vi.fn(async (id: string) => ({ id }));
    const build = () =>
      new LoadingCache<string, { id: string }>({
        load,
        loadMany,
        maxEntries: 1_000,
        ttl: 60_000,
        l2: redisStore({ client: counted, prefix }),
      });
    const ids = Array.from({ length: 100 }, (_, i) => String(i));

    const cold = build();
    expect(await cold.getMany(ids)).toEqual(ids.map((id) => ({ id })));
    await cold.flush();
    expect(loadMany).toHaveBeenCalledTimes(1);
    expect(trips()).toBe(1 + 100); // one MGET pipeline, then one SET per loaded key

    const warm = build(); // another process's L1: empty, Redis warm
    const before = trips();
    expect(await warm.getMany(ids)).toEqual(ids.map((id) => ({ id })));
    expect(trips() - before).toBe(1);
    expect(loadMany).toHaveBeenCalledTimes(1);
    expect(load).not.toHaveBeenCalled();
    expect(warm.stats.l2Hits).toBe(100);
  });
});
