// jsonSerializer refuses, naming the path, every value JSON would not give back unchanged; the
// store then rejects the set and sends nothing to Redis.
import type { Redis } from 'ioredis';
import { jsonSerializer, redisStore, SerializationError } from 'lrukit/redis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type RedisServer, startRedis } from '../../scripts/redis-server.mjs';
import { closeClients, ready, redisClient } from './helpers.js';

class User {
  constructor(readonly name: string) {}
}
const cycle: Record<string, unknown> = { a: { b: {} } };
(cycle.a as { b: { back?: unknown } }).b.back = cycle.a;
const selfArray: unknown[] = [1];
selfArray.push(selfArray);
// biome-ignore lint/suspicious/noSparseArray: a hole is what this case is about
const holey = [1, , 3];

// [what, value, path in the message, reason in the message]
const refused: Array<[string, unknown, string, RegExp]> = [
  ['undefined at the top', undefined, 'value', /is undefined/],
  ['a function at the top', () => 1, 'value', /is a function/],
  ['a function property', { save() {} }, 'value.save', /is a function/],
  ['a symbol', { s: Symbol('x') }, 'value.s', /is a symbol/],
  ['a bigint', { n: 1n }, 'value.n', /is a bigint/],
  ['NaN', { x: Number.NaN }, 'value.x', /is NaN: JSON would turn it into null/],
  ['Infinity', [Infinity], 'value[0]', /is Infinity/],
  ['-Infinity', { deep: { v: -Infinity } }, 'value.deep.v', /is -Infinity/],
  [
    'a Date',
    { user: { createdAt: new Date(0) } },
    'value.user.createdAt',
    /is a Date: JSON would turn it into a string/,
  ],
  ['a Map', { m: new Map([[1, 2]]) }, 'value.m', /is a Map/],
  ['a Set', { s: new Set([1]) }, 'value.s', /is a Set/],
  ['a RegExp', { r: /x/ }, 'value.r', /is a RegExp/],
  ['a Uint8Array', { bytes: new Uint8Array(2) }, 'value.bytes', /is a Uint8Array/],
  ['a Float64Array at the top', new Float64Array(1), 'value', /is a Float64Array/],
  ['an ArrayBuffer', { b: new ArrayBuffer(1) }, 'value.b', /is an ArrayBuffer/],
  ['a DataView', { d: new DataView(new ArrayBuffer(1)) }, 'value.d', /is a DataView/],
  [
    'a class instance',
    { owner: new User('ann') },
    'value.owner',
    /is an instance of User: JSON would drop its prototype/,
  ],
  ['an Error', { e: new Error('x') }, 'value.e', /is an instance of Error/],
  ['a boxed string', { s: new String('x') }, 'value.s', /is an instance of String/],
  ['undefined in an array', { items: [1, undefined] }, 'value.items[1]', /undefined.*null/],
  ['a hole in an array', holey, 'value[1]', /is undefined/],
  ['a cycle through objects', cycle, 'value.a.b.back', /refers back to value\.a \(a cycle\)/],
  ['a cycle through arrays', selfArray, 'value[1]', /refers back to value \(a cycle\)/],
  ['a symbol key', { [Symbol('k')]: 1 }, 'value', /symbol keys/],
  ['an odd property name', { 'a-b': { c: Number.NaN } }, 'value["a-b"].c', /is NaN/],
];

describe('jsonSerializer', () => {
  it.each(refused)('refuses %s, naming its path', (_, value, path, reason) => {
    let error: unknown;
    try {
      jsonSerializer.serialize(value);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SerializationError);
    expect(error).toBeInstanceOf(TypeError);
    const e = error as SerializationError;
    expect(e.name).toBe('SerializationError');
    expect(e.code).toBe('ERR_LRUKIT_SERIALIZE');
    expect(e.path).toBe(path);
    expect(e.message.startsWith(`lrukit: ${path} `)).toBe(true);
    expect(e.message).toMatch(reason);
  });

  it('allows properties set to undefined (JSON drops them; they read back as undefined)', () => {
    const text = jsonSerializer.serialize({ a: 1, gone: undefined });
    expect(text).toBe('{"a":1}');
    expect((jsonSerializer.deserialize(text) as { gone?: unknown }).gone).toBeUndefined();
  });

  it('allows shared (non-cyclic) references and null-prototype objects', () => {
    const shared = { x: 1 };
    expect(jsonSerializer.serialize({ a: shared, b: [shared, shared] })).toBe(
      '{"a":{"x":1},"b":[{"x":1},{"x":1}]}',
    );
    const bare = Object.assign(Object.create(null) as object, { k: 'v' });
    expect(jsonSerializer.serialize(bare)).toBe('{"k":"v"}');
  });

  it('round-trips plain data', () => {
    const value = { s: 'x', n: -1.5, b: false, z: null, list: [1, 'two', [3]], o: { '': 0 } };
    expect(jsonSerializer.deserialize(jsonSerializer.serialize(value))).toEqual(value);
  });
});

describe('a store refusing a value', () => {
  let server: RedisServer;
  let client: Redis;

  beforeAll(async () => {
    server = await startRedis();
    client = redisClient(server.url);
    await ready(client);
  });

  afterAll(async () => {
    closeClients();
    await server?.stop();
  });

  it.each(refused)('%s: set rejects, nothing reaches Redis', async (_, value, path) => {
    const l2 = redisStore({ client, prefix: 'refused:' });
    const set = vi.spyOn(client, 'set');
    try {
      const error = await l2.set('k', value, 10_000).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SerializationError);
      expect((error as SerializationError).path).toBe(path);
      expect(set).not.toHaveBeenCalled();
    } finally {
      set.mockRestore();
    }
    expect(await client.exists('refused:k')).toBe(0);
  });
});
