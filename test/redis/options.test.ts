// Bad options are refused when given, with a TypeError (wrong type, unknown or missing option)
// or a RangeError (right type, value out of range) naming the option and the value. The clients
// here never connect (lazyConnect), so no server is needed.
import { Redis } from 'ioredis';
import { redisBus, redisStore } from 'lrukit/redis';
import { afterAll, describe, expect, it } from 'vitest';

const client = new Redis({ lazyConnect: true });
const other = new Redis({ lazyConnect: true });
afterAll(() => {
  client.disconnect();
  other.disconnect();
});

const serializer = { serialize: JSON.stringify, deserialize: JSON.parse };

type Row = [
  what: string,
  options: unknown,
  error: typeof TypeError | typeof RangeError,
  message: RegExp,
];

const storeCases: Row[] = [
  ['no options', undefined, TypeError, /redisStore options must be an object, got undefined/],
  ['null options', null, TypeError, /redisStore options must be an object, got null/],
  ['an array', [], TypeError, /redisStore options must be an object, got an array/],
  [
    'an unknown option',
    { client, prefix: 'p:', ttl: 5 },
    TypeError,
    /unknown option "ttl" in redisStore options; known options: client, prefix, serializer, commandTimeout/,
  ],
  [
    'missing client',
    { prefix: 'p:' },
    TypeError,
    /option "client" must be an ioredis-compatible client.*got undefined/,
  ],
  [
    'a URL as client',
    { client: 'redis://x', prefix: 'p:' },
    TypeError,
    /option "client" must be .*got "redis:\/\/x"/,
  ],
  [
    'a client without scan',
    { client: { status: 'ready', get() {}, set() {}, pipeline() {}, unlink() {} }, prefix: 'p:' },
    TypeError,
    /option "client" must be .*scan/,
  ],
  [
    'missing prefix',
    { client },
    TypeError,
    /option "prefix" must be a non-empty string, got undefined/,
  ],
  [
    'a number prefix',
    { client, prefix: 1 },
    TypeError,
    /option "prefix" must be a non-empty string, got 1/,
  ],
  [
    'an empty prefix',
    { client, prefix: '' },
    RangeError,
    /option "prefix" must be a non-empty string, got ""/,
  ],
  [
    'a function serializer',
    { client, prefix: 'p:', serializer: JSON.stringify },
    TypeError,
    /option "serializer" must be an object with serialize and deserialize functions, got a function/,
  ],
  [
    'a serializer without deserialize',
    { client, prefix: 'p:', serializer: { serialize: String } },
    TypeError,
    /option "serializer" must be .*got an object/,
  ],
  [
    'a string commandTimeout',
    { client, prefix: 'p:', commandTimeout: '100' },
    TypeError,
    /option "commandTimeout" must be a positive number of ms up to 2147483647 \(2\^31 - 1\), got "100"/,
  ],
  [
    'commandTimeout 0',
    { client, prefix: 'p:', commandTimeout: 0 },
    RangeError,
    /option "commandTimeout" must be a positive number of ms up to 2147483647 \(2\^31 - 1\), got 0/,
  ],
  ['a negative commandTimeout', { client, prefix: 'p:', commandTimeout: -1 }, RangeError, /got -1/],
  [
    'commandTimeout NaN',
    { client, prefix: 'p:', commandTimeout: Number.NaN },
    RangeError,
    /got NaN/,
  ],
  [
    'commandTimeout Infinity',
    { client, prefix: 'p:', commandTimeout: Infinity },
    RangeError,
    /got Infinity/,
  ],
  // Node runs a timer longer than 2^31 - 1 ms after 1 ms: every command would time out (issue 11)
  [
    'commandTimeout 2^31',
    { client, prefix: 'p:', commandTimeout: 2 ** 31 },
    RangeError,
    /^lrukit: option "commandTimeout" must be a positive number of ms up to 2147483647 \(2\^31 - 1\), got 2147483648$/,
  ],
  [
    'commandTimeout 1e10',
    { client, prefix: 'p:', commandTimeout: 1e10 },
    RangeError,
    /option "commandTimeout" .* got 10000000000$/,
  ],
];

const busCases: Row[] = [
  ['no options', undefined, TypeError, /redisBus options must be an object, got undefined/],
  [
    'an unknown option',
    { publisher: client, subscriber: other, channel: 'c', prefix: 'p:' },
    TypeError,
    /unknown option "prefix" in redisBus options; known options: publisher, subscriber, channel, commandTimeout/,
  ],
  [
    'missing publisher',
    { subscriber: other, channel: 'c' },
    TypeError,
    /option "publisher" must be .*got undefined/,
  ],
  [
    'missing subscriber',
    { publisher: client, channel: 'c' },
    TypeError,
    /option "subscriber" must be .*got undefined/,
  ],
  [
    'a subscriber without on/off',
    {
      publisher: client,
      subscriber: { status: 'ready', subscribe() {}, unsubscribe() {} },
      channel: 'c',
    },
    TypeError,
    /option "subscriber" must be .*on, off/,
  ],
  [
    'the same publisher and subscriber',
    { publisher: client, subscriber: client, channel: 'c' },
    TypeError,
    /option "subscriber" must be a connection of its own, not the same client as "publisher"/,
  ],
  [
    'missing channel',
    { publisher: client, subscriber: other },
    TypeError,
    /option "channel" must be a non-empty string, got undefined/,
  ],
  [
    'a symbol channel',
    { publisher: client, subscriber: other, channel: Symbol('c') },
    TypeError,
    /option "channel" must be a non-empty string, got Symbol\(c\)/,
  ],
  [
    'an empty channel',
    { publisher: client, subscriber: other, channel: '' },
    RangeError,
    /option "channel" must be a non-empty string, got ""/,
  ],
  [
    'a string commandTimeout',
    { publisher: client, subscriber: other, channel: 'c', commandTimeout: '5' },
    TypeError,
    /option "commandTimeout" must be a positive number of ms up to 2147483647 \(2\^31 - 1\), got "5"/,
  ],
  [
    'commandTimeout 0',
    { publisher: client, subscriber: other, channel: 'c', commandTimeout: 0 },
    RangeError,
    /option "commandTimeout" .* got 0/,
  ],
  [
    'commandTimeout Infinity',
    { publisher: client, subscriber: other, channel: 'c', commandTimeout: Infinity },
    RangeError,
    /option "commandTimeout" .* got Infinity$/,
  ],
  // Node runs a timer longer than 2^31 - 1 ms after 1 ms: every PUBLISH would time out (issue 11)
  [
    'commandTimeout 2^31',
    { publisher: client, subscriber: other, channel: 'c', commandTimeout: 2 ** 31 },
    RangeError,
    /^lrukit: option "commandTimeout" must be a positive number of ms up to 2147483647 \(2\^31 - 1\), got 2147483648$/,
  ],
];

describe('redisStore options', () => {
  it.each(storeCases)('%s', (_, options, error, message) => {
    const call = () => redisStore(options as Parameters<typeof redisStore>[0]);
    expect(call).toThrow(error);
    expect(call).toThrow(message);
    expect(call).toThrow(/^lrukit: /);
  });

  it('accepts every option at its edge', () => {
    expect(() =>
      redisStore({ client, prefix: 'p', serializer, commandTimeout: 0.5 }),
    ).not.toThrow();
    expect(() => redisStore({ client, prefix: 'p', commandTimeout: 500 })).not.toThrow();
    expect(() => redisStore({ client, prefix: 'p', commandTimeout: 2 ** 31 - 1 })).not.toThrow();
  });

  it('refuses a bad key or ttl per call, as a rejection', async () => {
    const l2 = redisStore({ client, prefix: 'p:' });
    await expect(l2.get(1 as unknown as string)).rejects.toThrow(
      /redisStore get\(\) key must be a string, got 1/,
    );
    await expect(l2.set('k', 1, 0)).rejects.toThrow(RangeError);
    await expect(l2.set('k', 1, Number.NaN)).rejects.toThrow(
      /redisStore set\(\) ttl must be a positive number of ms or Infinity, got NaN/,
    );
    await expect(l2.delete(undefined as unknown as string)).rejects.toThrow(TypeError);
  });
});

describe('redisBus options', () => {
  it.each(busCases)('%s', (_, options, error, message) => {
    const call = () => redisBus(options as Parameters<typeof redisBus>[0]);
    expect(call).toThrow(error);
    expect(call).toThrow(message);
    expect(call).toThrow(/^lrukit: /);
  });

  it('accepts commandTimeout up to 2^31 - 1 ms', () => {
    for (const commandTimeout of [0.5, 2 ** 31 - 1]) {
      expect(() =>
        redisBus({ publisher: client, subscriber: other, channel: 'c', commandTimeout }),
      ).not.toThrow();
    }
  });

  it('refuses a listener without message and reconnected functions', () => {
    const bus = redisBus({ publisher: client, subscriber: other, channel: 'c' });
    for (const listener of [undefined, () => {}, { message() {} }]) {
      expect(() => bus.subscribe(listener as never)).toThrow(
        /redisBus subscribe\(\) listener must be an object with message and reconnected functions/,
      );
    }
  });
});
