/**
 * `redisStore`: an `L2Store` over Redis (standalone or Cluster). Each key lives at
 * `prefix + key` with Redis's own expiry; `get` reads value and remaining ttl in one round trip;
 * `clear` walks the prefix with SCAN (never KEYS) and unlinks in batches.
 */

import { checkOptionsObject, describeValue, option, rangeError, typeError } from '../errors.js';
import type { L2Entry, L2Store } from '../tiers.js';
import {
  bounded,
  checkClient,
  checkCommandTimeout,
  type RedisClientLike,
  TierUnavailableError,
} from './client.js';
import { jsonSerializer, SerializationError, type Serializer } from './serializer.js';
import { keySlot } from './slot.js';

/**
 * Options of {@link redisStore}.
 *
 * @example
 * ```ts
 * const options: RedisStoreOptions<User> = { client: new Redis(url), prefix: 'users:', commandTimeout: 200 };
 * ```
 */
export interface RedisStoreOptions<V> {
  /** An ioredis `Redis` or `Cluster` (or any client of the same shape). Not closed by the store. */
  client: RedisClientLike;
  /**
   * Prepended to every key (`'users:'` stores key `42` at `users:42`); required and non-empty,
   * since `clear()` deletes every key that starts with it.
   */
  prefix: string;
  /** How values become strings and back; default {@link jsonSerializer}. */
  serializer?: Serializer<V>;
  /**
   * Most ms to wait for each Redis command (a positive number up to 2^31 - 1; default 250). For
   * `clear()` it bounds each SCAN and UNLINK call, not the whole walk.
   */
  commandTimeout?: number;
}

const KNOWN = /* @__PURE__ */ new Set(['client', 'prefix', 'serializer', 'commandTimeout']);
const STORE_METHODS = ['get', 'set', 'pipeline', 'unlink', 'scan'] as const;
/** Keys asked of SCAN per call (a hint; Redis may return more or fewer). */
const SCAN_COUNT = 500;

/** Escapes SCAN MATCH's glob characters, so the prefix matches only itself. */
const escapeGlob = (text: string): string => text.replace(/[*?[\]\\]/g, '\\$&');

function checkString(name: string, value: unknown): string {
  if (typeof value !== 'string') typeError(option(name), 'a non-empty string', value);
  if (value === '') rangeError(option(name), 'a non-empty string', value);
  return value;
}

function checkSerializer<V>(value: unknown): Serializer<V> {
  if (value === undefined) return jsonSerializer;
  const s = value as Partial<Serializer<V>> | null;
  if (
    typeof s !== 'object' ||
    s === null ||
    typeof s.serialize !== 'function' ||
    typeof s.deserialize !== 'function'
  ) {
    typeError(option('serializer'), 'an object with serialize and deserialize functions', value);
  }
  return s as Serializer<V>;
}

/**
 * A shared second tier over Redis for a `LoadingCache` (its `l2` option). Values go through
 * `serializer` (JSON by default, refusing what JSON would corrupt); each key is stored at
 * `prefix + key` with a Redis expiry equal to the ttl. Every command is bounded by
 * `commandTimeout` and refused at once while the client is disconnected, so a slow or absent
 * Redis costs each call at most that long. The store never closes the client.
 *
 * @example
 * ```ts
 * import Redis from 'ioredis';
 * import { LoadingCache } from 'lrukit';
 * import { redisStore } from 'lrukit/redis';
 *
 * const l2 = redisStore<User>({ client: new Redis(process.env.REDIS_URL!), prefix: 'users:' });
 * const users = new LoadingCache<string, User>({ load: fetchUser, maxEntries: 10_000, ttl: 60_000, l2 });
 * ```
 */
export function redisStore<V>(options: RedisStoreOptions<V>): Required<L2Store<V>> {
  const o = checkOptionsObject('redisStore options', options, KNOWN);
  if (o === undefined) typeError('redisStore options', 'an object', options);
  checkClient('client', o.client, STORE_METHODS);
  const client = o.client as RedisClientLike;
  const prefix = checkString('prefix', o.prefix);
  const serializer = checkSerializer<V>(o.serializer);
  const timeout = checkCommandTimeout(o.commandTimeout);
  if (client.isCluster === true && typeof client.nodes !== 'function') {
    typeError(option('client'), 'a Cluster with nodes()', client);
  }

  // ioredis prepends its own keyPrefix option to every key, except in SCAN's MATCH pattern and
  // in the keys SCAN returns: the pattern needs it, and the keys lose it before UNLINK.
  const keyPrefix = typeof client.options?.keyPrefix === 'string' ? client.options.keyPrefix : '';
  const pattern = `${escapeGlob(keyPrefix + prefix)}*`;

  const send = <T>(on: RedisClientLike, command: string, fn: () => PromiseLike<T>) =>
    bounded(on, timeout, command, fn);

  function serialize(key: string, value: V): string {
    let text: unknown;
    try {
      text = serializer.serialize(value);
    } catch (error) {
      if (error instanceof SerializationError) throw error;
      throw new SerializationError(
        `lrukit: the serializer refused the value for key ${JSON.stringify(key)}: ${String(error)}`,
        { cause: error },
      );
    }
    if (typeof text !== 'string') {
      throw new SerializationError(
        `lrukit: serializer.serialize must return a string, got ${describeValue(text)}`,
      );
    }
    return text;
  }

  function deserialize(redisKey: string, text: string): V {
    try {
      return serializer.deserialize(text);
    } catch (error) {
      throw new SerializationError(
        `lrukit: the value at ${JSON.stringify(redisKey)} could not be deserialized: ${String(error)}`,
        { cause: error },
      );
    }
  }

  /** An entry from a value and a PTTL reply (-2 absent, -1 no expiry, else ms left). */
  function entryOf(redisKey: string, text: unknown, pttl: unknown): L2Entry<V> | undefined {
    if (typeof text !== 'string' || typeof pttl !== 'number' || pttl === -2 || pttl === 0) {
      return undefined;
    }
    return { value: deserialize(redisKey, text), ttl: pttl === -1 ? Infinity : pttl };
  }

  /**
   * Splits key indices into groups that one pipeline may carry: everything on a standalone
   * server; per node group in a Cluster (ioredis routes a pipeline only when all its keys are
   * served by the same nodes), each group split again by slot, since one MGET must stay in one
   * slot. Slots are computed on the key as the server sees it (with ioredis's `keyPrefix`).
   */
  function groupsOf(redisKeys: readonly string[]): number[][][] {
    if (client.isCluster !== true) return [[redisKeys.map((_, i) => i)]];
    const byNode = new Map<string, Map<number, number[]>>();
    redisKeys.forEach((redisKey, i) => {
      const slot = keySlot(keyPrefix + redisKey);
      const node = client.slots?.[slot]?.join(';') ?? `slot ${slot}`;
      let slots = byNode.get(node);
      if (slots === undefined) {
        slots = new Map();
        byNode.set(node, slots);
      }
      const indices = slots.get(slot);
      if (indices === undefined) slots.set(slot, [i]);
      else indices.push(i);
    });
    return [...byNode.values()].map((slots) => [...slots.values()]);
  }

  /** One round trip: an MGET per slot, then a PTTL per key in the same order, in one pipeline. */
  async function readGroup(
    redisKeys: readonly string[],
    slots: number[][],
    out: Array<L2Entry<V> | undefined>,
  ): Promise<void> {
    const pipeline = client.pipeline();
    let count = 0;
    for (const indices of slots) {
      pipeline.mget(...indices.map((i) => redisKeys[i]!));
      count += indices.length;
    }
    for (const indices of slots) for (const i of indices) pipeline.pttl(redisKeys[i]!);
    const replies = await send(client, 'MGET+PTTL', () => pipeline.exec());
    if (replies?.length !== slots.length + count) {
      throw new Error(`lrukit: Redis pipeline MGET+PTTL returned ${describeValue(replies)}`);
    }
    for (const [error] of replies) if (error) throw error;
    let pttl = slots.length; // the PTTL replies follow the MGETs, key by key
    slots.forEach((indices, s) => {
      const texts = replies[s]![1];
      if (!Array.isArray(texts) || texts.length !== indices.length) {
        throw new Error(`lrukit: Redis MGET returned ${describeValue(texts)}`);
      }
      indices.forEach((i, k) => {
        out[i] = entryOf(redisKeys[i]!, texts[k], replies[pttl++]![1]);
      });
    });
  }

  /** Deletes `keys` (as the client names them): one UNLINK, or one per key in a Cluster. */
  async function unlink(keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    if (client.isCluster !== true) {
      await send(client, 'UNLINK', () => client.unlink(...keys));
      return;
    }
    await Promise.all(keys.map((key) => send(client, 'UNLINK', () => client.unlink(key))));
  }

  /** SCANs `node` for this store's keys, unlinking each batch as it comes. */
  async function clearNode(node: RedisClientLike): Promise<void> {
    let cursor = '0';
    do {
      const [next, keys] = await send(node, 'SCAN', () =>
        node.scan(cursor, 'MATCH', pattern, 'COUNT', SCAN_COUNT),
      );
      await unlink(keyPrefix === '' ? keys : keys.map((key) => key.slice(keyPrefix.length)));
      cursor = next;
    } while (cursor !== '0');
  }

  return {
    async get(key: string): Promise<L2Entry<V> | undefined> {
      if (typeof key !== 'string') typeError('redisStore get() key', 'a string', key);
      const redisKey = prefix + key;
      // one round trip; one key, so one slot in a Cluster
      const replies = await send(client, 'GET+PTTL', () =>
        client.pipeline().get(redisKey).pttl(redisKey).exec(),
      );
      if (replies?.length !== 2) {
        throw new Error(`lrukit: Redis pipeline GET+PTTL returned ${describeValue(replies)}`);
      }
      const [[getError, text], [pttlError, pttl]] = replies as [
        [Error | null, unknown],
        [Error | null, unknown],
      ];
      if (getError) throw getError;
      if (pttlError) throw pttlError;
      // PTTL: -2 absent (e.g. expired between the two commands), -1 no expiry, else ms left
      return entryOf(redisKey, text, pttl);
    },

    async getMany(keys: readonly string[]): Promise<Array<L2Entry<V> | undefined>> {
      if (!Array.isArray(keys)) typeError('redisStore getMany() keys', 'an array of strings', keys);
      for (const key of keys) {
        if (typeof key !== 'string') typeError('redisStore getMany() key', 'a string', key);
      }
      const redisKeys = keys.map((key) => prefix + key);
      const out = new Array<L2Entry<V> | undefined>(keys.length).fill(undefined);
      if (keys.length === 0) return out;
      // one pipeline per node group, all in flight at once
      await Promise.all(groupsOf(redisKeys).map((slots) => readGroup(redisKeys, slots, out)));
      return out;
    },

    async set(key: string, value: V, ttl: number): Promise<void> {
      if (typeof key !== 'string') typeError('redisStore set() key', 'a string', key);
      if (typeof ttl !== 'number')
        typeError('redisStore set() ttl', 'a positive number of ms or Infinity', ttl);
      if (!(ttl > 0))
        rangeError('redisStore set() ttl', 'a positive number of ms or Infinity', ttl);
      const text = serialize(key, value);
      const redisKey = prefix + key;
      if (ttl === Infinity) {
        await send(client, 'SET', () => client.set(redisKey, text));
      } else {
        // whole ms, at least 1; capped where Redis's expiry arithmetic would overflow
        const ms = Math.min(Math.max(1, Math.ceil(ttl)), Number.MAX_SAFE_INTEGER);
        await send(client, 'SET', () => client.set(redisKey, text, 'PX', ms));
      }
    },

    async delete(key: string): Promise<void> {
      if (typeof key !== 'string') typeError('redisStore delete() key', 'a string', key);
      await unlink([prefix + key]);
    },

    async clear(): Promise<void> {
      if (client.isCluster !== true) return clearNode(client);
      // before it is ready a Cluster may not know its masters yet: refuse rather than clear none
      if (client.status !== 'ready') throw new TierUnavailableError(client.status, 'SCAN');
      // every master holds its own slots' keys; SCAN each (replicas only hold copies)
      for (const node of client.nodes!('master')) await clearNode(node);
    },
  };
}
