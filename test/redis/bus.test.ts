// redisBus against a real redis-server: messages between processes (two client pairs stand in
// for two processes), what is ignored, unsubscribing, and reconnected() after a server restart.
import { type BusListener, type InvalidationMessage, redisBus } from 'lrukit/redis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, redisCommand, startRedis } from '../../scripts/redis-server.mjs';
import { closeClients, ready, redisClient, until } from './helpers.js';

let server: RedisServer;

beforeAll(async () => {
  server = await startRedis();
});

afterAll(async () => {
  await server?.stop();
});

afterEach(() => {
  closeClients();
});

/** A listener that records what it is told. */
function recorder() {
  const messages: InvalidationMessage[] = [];
  let reconnects = 0;
  const listener: BusListener = {
    message: (m) => messages.push(m),
    reconnected: () => {
      reconnects++;
    },
  };
  return {
    listener,
    messages,
    get reconnects() {
      return reconnects;
    },
  };
}

/** A "process": its own publisher and subscriber connections, and a bus over them. */
async function processOn(channel: string) {
  const publisher = redisClient(server.url);
  const subscriber = redisClient(server.url);
  await Promise.all([ready(publisher), ready(subscriber)]);
  return { publisher, subscriber, bus: redisBus({ publisher, subscriber, channel }) };
}

/** Subscribers the server counts on `channel` (PUBSUB NUMSUB). */
async function subscribers(channel: string): Promise<number> {
  const reply = (await redisCommand(server.port, ['PUBSUB', 'NUMSUB', channel])) as [
    string,
    number,
  ];
  return reply[1];
}

describe('publish and subscribe', () => {
  it('delivers keys and clear messages to every process, the sender included', async () => {
    const a = await processOn('users');
    const b = await processOn('users');
    const inA = recorder();
    const inB = recorder();
    a.bus.subscribe(inA.listener);
    b.bus.subscribe(inB.listener);
    await until(async () => expect(await subscribers('users')).toBe(2));

    await a.bus.publish({ origin: 'proc-a', keys: ['42', 'user:7'] });
    await b.bus.publish({ origin: 'proc-b', clear: true });

    const expected = [
      { origin: 'proc-a', keys: ['42', 'user:7'] },
      { origin: 'proc-b', clear: true },
    ];
    await until(() => expect(inB.messages).toEqual(expected));
    // the sender's own messages come back too: the cache filters them by origin, not the bus
    await until(() => expect(inA.messages).toEqual(expected));
    expect(inA.reconnects + inB.reconnects).toBe(0);
  });

  it('sends compact JSON on the channel', async () => {
    const a = await processOn('wire');
    const spy = redisClient(server.url);
    const seen: string[] = [];
    spy.on('message', (_channel: string, text: string) => seen.push(text));
    await spy.subscribe('wire');
    await a.bus.publish({ origin: 'o1', keys: ['k'] });
    await a.bus.publish({ origin: 'o1', clear: true });
    await until(() => expect(seen).toEqual(['{"o":"o1","k":["k"]}', '{"o":"o1","c":1}']));
  });

  it('ignores malformed messages and messages on other channels', async () => {
    const a = await processOn('strict');
    const other = redisBus({ publisher: a.publisher, subscriber: a.subscriber, channel: 'other' });
    const inA = recorder();
    const inOther = recorder();
    a.bus.subscribe(inA.listener);
    other.subscribe(inOther.listener);
    await until(async () => expect(await subscribers('strict')).toBe(1));
    await until(async () => expect(await subscribers('other')).toBe(1));

    const garbage = [
      'not json',
      '',
      'null',
      '[]',
      '"text"',
      '{}',
      '{"o":1,"k":["a"]}',
      '{"o":"x"}',
      '{"o":"x","k":"a"}',
      '{"o":"x","k":[1]}',
      '{"o":"x","c":true}',
      '{"o":"x","c":2}',
    ];
    for (const text of garbage) await a.publisher.publish('strict', text);
    await a.publisher.publish('strict', '{"o":"x","k":["last"]}');

    // pub/sub keeps order on a channel: once the last one is here, the garbage was seen
    await until(() => expect(inA.messages).toEqual([{ origin: 'x', keys: ['last'] }]));
    expect(inOther.messages).toEqual([]);
  });

  it('delivers frozen messages', async () => {
    const a = await processOn('frozen');
    const inA = recorder();
    a.bus.subscribe(inA.listener);
    await until(async () => expect(await subscribers('frozen')).toBe(1));
    await a.bus.publish({ origin: 'o', keys: ['k'] });
    await until(() => expect(inA.messages).toHaveLength(1));
    expect(Object.isFrozen(inA.messages[0])).toBe(true);
    expect(Object.isFrozen(inA.messages[0]!.keys)).toBe(true);
  });

  it('a publish with no keys and no clear sends nothing', async () => {
    const a = await processOn('empty');
    const inA = recorder();
    a.bus.subscribe(inA.listener);
    await until(async () => expect(await subscribers('empty')).toBe(1));
    await a.bus.publish({ origin: 'o', keys: [] });
    await a.bus.publish({ origin: 'o', keys: ['marker'] });
    await until(() => expect(inA.messages).toEqual([{ origin: 'o', keys: ['marker'] }]));
  });

  it('a bad message is refused before anything is sent', async () => {
    const a = await processOn('refuse');
    const bad: unknown[] = [
      undefined,
      'text',
      { keys: ['k'] },
      { origin: 1, keys: ['k'] },
      { origin: 'o', keys: 'k' },
      { origin: 'o', keys: [1] },
      { origin: 'o', clear: 1 },
    ];
    for (const message of bad) {
      await expect(a.bus.publish(message as InvalidationMessage)).rejects.toThrow(TypeError);
    }
  });
});

describe('unsubscribe', () => {
  it('the last unsubscribe UNSUBSCRIBEs and detaches every handler the bus attached', async () => {
    const a = await processOn('detach');
    const events = ['message', 'ready', 'close', 'end', 'reconnecting'] as const;
    const counts = () => events.map((e) => a.subscriber.listenerCount(e));
    const baseline = counts();

    const first = recorder();
    const second = recorder();
    const offFirst = a.bus.subscribe(first.listener);
    const offSecond = a.bus.subscribe(second.listener);
    await until(async () => expect(await subscribers('detach')).toBe(1));
    expect(counts()).not.toEqual(baseline);

    offFirst();
    offFirst(); // a second call does nothing
    await a.bus.publish({ origin: 'o', keys: ['one'] });
    await until(() => expect(second.messages).toHaveLength(1));
    expect(first.messages).toEqual([]);

    offSecond();
    expect(counts()).toEqual(baseline);
    await until(async () => expect(await subscribers('detach')).toBe(0));
    await a.bus.publish({ origin: 'o', keys: ['two'] });
    expect(second.messages).toHaveLength(1);
  });

  it('the same listener subscribed twice hears each message twice, until both are removed', async () => {
    const a = await processOn('twice');
    const inA = recorder();
    const off1 = a.bus.subscribe(inA.listener);
    const off2 = a.bus.subscribe(inA.listener);
    await until(async () => expect(await subscribers('twice')).toBe(1));
    await a.bus.publish({ origin: 'o', keys: ['k'] });
    await until(() => expect(inA.messages).toHaveLength(2));
    off1();
    await a.bus.publish({ origin: 'o', keys: ['k2'] });
    await until(() => expect(inA.messages).toHaveLength(3));
    off2();
  });

  it('subscribing again after the last unsubscribe works (UNSUBSCRIBE then SUBSCRIBE, in order)', async () => {
    const a = await processOn('again');
    const inA = recorder();
    a.bus.subscribe(inA.listener)();
    a.bus.subscribe(inA.listener);
    await until(async () => expect(await subscribers('again')).toBe(1));
    await a.bus.publish({ origin: 'o', keys: ['k'] });
    await until(() => expect(inA.messages).toEqual([{ origin: 'o', keys: ['k'] }]));
  });
});

describe('subscribing before the connection is ready', () => {
  it('subscribes on the first ready, without calling reconnected()', async () => {
    const publisher = redisClient(server.url);
    const subscriber = redisClient(server.url, { lazyConnect: true });
    const bus = redisBus({ publisher, subscriber, channel: 'late' });
    const inA = recorder();
    expect(subscriber.status).toBe('wait');
    bus.subscribe(inA.listener); // the SUBSCRIBE connects the lazy client
    await ready(publisher);
    await until(async () => expect(await subscribers('late')).toBe(1));
    await bus.publish({ origin: 'o', keys: ['k'] });
    await until(() => expect(inA.messages).toHaveLength(1));
    expect(inA.reconnects).toBe(0);
  });

  it('a subscriber still connecting subscribes once it is ready', async () => {
    const publisher = redisClient(server.url);
    const subscriber = redisClient(server.url);
    expect(subscriber.status).toBe('connecting');
    const bus = redisBus({ publisher, subscriber, channel: 'connecting' });
    const inA = recorder();
    bus.subscribe(inA.listener);
    await until(async () => expect(await subscribers('connecting')).toBe(1));
    await ready(publisher);
    await bus.publish({ origin: 'o', keys: ['k'] });
    await until(() => expect(inA.messages).toHaveLength(1));
    expect(inA.reconnects).toBe(0);
  });
});

describe('reconnect', () => {
  it('calls reconnected() once the subscription is back after a server restart', async () => {
    const a = await processOn('restart');
    const inA = recorder();
    const inA2 = recorder();
    a.bus.subscribe(inA.listener);
    a.bus.subscribe(inA2.listener);
    await until(async () => expect(await subscribers('restart')).toBe(1));

    await server.restart();

    await until(() => expect(inA.reconnects).toBe(1));
    expect(inA2.reconnects).toBe(1);
    // reconnected() came after the SUBSCRIBE was answered: the server counts the subscriber now
    expect(await subscribers('restart')).toBe(1);
    await ready(a.publisher);
    await a.bus.publish({ origin: 'o', keys: ['after'] });
    await until(() => expect(inA.messages).toEqual([{ origin: 'o', keys: ['after'] }]));
    expect(inA.reconnects).toBe(1);
  });

  it('calls reconnected() again for each later reconnect, not after unsubscribing', async () => {
    const a = await processOn('restart2');
    const inA = recorder();
    const off = a.bus.subscribe(inA.listener);
    await until(async () => expect(await subscribers('restart2')).toBe(1));
    await server.restart();
    await until(() => expect(inA.reconnects).toBe(1));
    await server.restart();
    await until(() => expect(inA.reconnects).toBe(2));

    off();
    await server.restart();
    await ready(a.subscriber);
    await ready(a.publisher);
    // the next message is heard by nobody; a fresh listener proves the subscriber is back
    const later = recorder();
    a.bus.subscribe(later.listener);
    await until(async () => expect(await subscribers('restart2')).toBe(1));
    expect(inA.reconnects).toBe(2);
    expect(later.reconnects).toBe(0);
  });
});

describe('a failed SUBSCRIBE', () => {
  it('is reported to the listeners (a LoadingCache counts it and passes it to onError)', async () => {
    const refused = new Error('NOPERM this user has no permissions to access the channel');
    const publisher = redisClient(server.url);
    const subscriber = redisClient(server.url);
    await Promise.all([ready(publisher), ready(subscriber)]);
    // the real client, but its SUBSCRIBE is refused as Redis ACLs would refuse it
    subscriber.subscribe = (() => Promise.reject(refused)) as typeof subscriber.subscribe;
    const bus = redisBus({ publisher, subscriber, channel: 'acl' });
    const errors: unknown[] = [];
    const unsubscribe = bus.subscribe({
      message: () => {},
      reconnected: () => {},
      error: (error) => errors.push(error),
    });
    await until(() => expect(errors).toEqual([refused]));
    unsubscribe();
  });
});
