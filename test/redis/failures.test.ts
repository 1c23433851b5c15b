// Redis slow or gone: every call settles within about commandTimeout (a paused server), or at
// once (a dead one), and the store works again when Redis is back. Elapsed time is measured,
// never slept.
import type { Redis } from 'ioredis';
import {
  type InvalidationBus,
  type L2Store,
  redisBus,
  redisStore,
  TierTimeoutError,
  TierUnavailableError,
} from 'lrukit/redis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, redisCommand, startRedis } from '../../scripts/redis-server.mjs';
import { closeClients, ready, redisClient, runningTimers, until } from './helpers.js';

const COMMAND_TIMEOUT = 100;
/** How long the CLIENT PAUSE lasts: well past the timeout, so only the timer can settle a call. */
const PAUSE_MS = 500;

let server: RedisServer;
let client: Redis;
let publisher: Redis;
let l2: L2Store<unknown>;
let bus: InvalidationBus;

beforeAll(async () => {
  server = await startRedis();
  client = redisClient(server.url);
  publisher = redisClient(server.url);
  await Promise.all([ready(client), ready(publisher)]);
  l2 = redisStore({ client, prefix: 'f:', commandTimeout: COMMAND_TIMEOUT });
  bus = redisBus({
    publisher,
    subscriber: redisClient(server.url),
    channel: 'f',
    commandTimeout: COMMAND_TIMEOUT,
  });
});

afterAll(async () => {
  closeClients();
  await server?.stop();
});

const calls: Array<[string, () => Promise<unknown>]> = [
  ['get', () => l2.get('k')],
  ['set', () => l2.set('k', 1, 10_000)],
  ['set without expiry', () => l2.set('k', 1, Infinity)],
  ['delete', () => l2.delete('k')],
  ['clear', () => l2.clear()],
  ['publish', () => bus.publish({ origin: 'me', keys: ['k'] })],
];

// No wall-clock assertions: the server cannot answer (stopped or paused), so a settled call can
// only have been settled by lrukit's own commandTimeout timer, which the error type proves.
async function expectTimeout(call: () => Promise<unknown>): Promise<void> {
  const before = runningTimers();
  const error = await call().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TierTimeoutError);
  expect(error).toMatchObject({
    name: 'TierTimeoutError',
    code: 'ERR_LRUKIT_TIER_TIMEOUT',
    message: expect.stringContaining(`within ${COMMAND_TIMEOUT} ms`),
  });
  expect(runningTimers()).toBeLessThanOrEqual(before); // the timer fired; nothing left armed
}

// SIGSTOP: the process hangs with its sockets open, like a server stuck in a slow command.
describe('a hung server (SIGSTOP)', () => {
  afterEach(async () => {
    await server.kill('SIGCONT');
  });

  it.each(calls)('%s rejects with TierTimeoutError after about commandTimeout', async (_, call) => {
    await server.kill('SIGSTOP');
    await expectTimeout(call);
  });

  it('the store answers again once the server runs again', async () => {
    await server.kill('SIGSTOP');
    await expect(l2.set('after', 1, 10_000)).rejects.toThrow(TierTimeoutError);
    await server.kill('SIGCONT');
    await l2.set('after', 2, 10_000);
    expect((await l2.get('after'))?.value).toBe(2);
  });
});

// CLIENT PAUSE ALL holds every client's commands, new connections' included (CLIENT UNPAUSE
// too, in Redis 7.0), so the pause is short and the test waits until PING answers again.
describe('a paused server (CLIENT PAUSE ALL)', () => {
  it('get rejects with TierTimeoutError after about commandTimeout', async () => {
    await redisCommand(server.port, ['CLIENT', 'PAUSE', String(PAUSE_MS), 'ALL']);
    await expectTimeout(() => l2.get('k'));
    await until(async () => expect(await redisCommand(server.port, ['PING'])).toBe('PONG'), 5_000);
    await l2.get('k'); // answered again
  });
});

describe('a killed server', () => {
  it('calls fail fast, and the store recovers when the server is back', async () => {
    await l2.set('k', 'before', 60_000);
    await server.kill('SIGKILL');

    // right after the kill the client may not have seen the close yet: the call fails (refused,
    // ioredis's own error, or the commandTimeout timer), it never hangs
    await expect(l2.get('k')).rejects.toBeInstanceOf(Error);

    await until(() => expect(client.status).not.toBe('ready'));
    for (const call of [
      () => l2.get('k'),
      () => l2.set('k', 1, 1_000),
      () => l2.delete('k'),
      () => l2.clear(),
      () => bus.publish({ origin: 'me', clear: true }),
    ]) {
      // refused before anything is sent: the error type says so, no clock needed
      const error = await call().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(TierUnavailableError);
      expect(error).toMatchObject({ code: 'ERR_LRUKIT_TIER_UNAVAILABLE' });
      expect((error as TierUnavailableError).status).not.toBe('ready');
    }

    await server.restart();
    await ready(client);
    await ready(publisher);
    expect(await l2.get('k')).toBeUndefined(); // a fresh server (no persistence)
    await l2.set('k', 'after', 60_000);
    expect((await l2.get('k'))?.value).toBe('after');
    await expect(bus.publish({ origin: 'me', keys: ['k'] })).resolves.toBeUndefined();
  });
});
