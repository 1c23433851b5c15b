// `--redis URL`: two demo processes sharing one Redis through lrukit/redis. A query searched
// by one is found in Redis by the other, which does not search it again. Needs redis-server
// (skipped without it, except in CI, where it is installed and a missing one must fail).
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { DemoStats } from '../../demo/server.js';
import {
  haveRedis,
  type RedisServer,
  redisCommand,
  startRedis,
} from '../../scripts/redis-server.mjs';
import { http, killIfRunning, type MainProcess, runMain } from './helpers.js';

const inCi = process.env.CI === 'true' || process.env.CI === '1';

describe.skipIf(!haveRedis && !inCi)('two demo processes sharing Redis', () => {
  let redis: RedisServer;
  let a: MainProcess;
  let b: MainProcess;
  let urlA: string;
  let urlB: string;

  beforeAll(async () => {
    redis = await startRedis();
    a = runMain(['--port', '0', '--redis', redis.url]);
    b = runMain(['--port', '0', '--redis', redis.url]);
    [urlA, urlB] = await Promise.all([a.url, b.url]);
  }, 20_000);

  afterAll(async () => {
    killIfRunning(a?.child);
    killIfRunning(b?.child);
    await redis?.stop();
  });

  const stats = async (url: string) => (await http(`${url}/stats`)).json<DemoStats>();

  it('says it shares the cache through Redis', () => {
    expect(a.stdout()).toContain(`shared through Redis ${redis.url}`);
  });

  it('lets the second process use what the first one searched', async () => {
    const first = await http(`${urlA}/search?q=Gosgo+mon`);
    expect(first.headers['x-cache']).toBe('miss');
    expect((await stats(urlA)).redis).toMatchObject({ l2Misses: 1, l2Errors: 0 });

    // A writes Redis in the background after answering: wait until the entry is there
    await vi.waitFor(
      async () =>
        expect(await redisCommand(redis.port, ['EXISTS', 'lrukit-demo:search:gosgo mon'])).toBe(1),
      { timeout: 5_000, interval: 10 },
    );

    const second = await http(`${urlB}/search?q=${encodeURIComponent('MON, gosgo!')}`);
    expect(second.headers['x-cache']).toBe('miss'); // not in B's memory yet…
    expect(second.body).toBe(first.body); // …but found in Redis, not searched again
    const s = await stats(urlB);
    expect(s.searches).toBe(0);
    expect((await stats(urlA)).searches).toBe(1);
    expect(s.redis).toMatchObject({ url: redis.url, l2Hits: 1, l2Misses: 0, l2Errors: 0 });
    expect((await http(`${urlB}/search?q=gosgo+mon`)).headers['x-cache']).toBe('hit');
  });

  it('an invalidation in one process reaches the other over the bus', async () => {
    expect((await http(`${urlB}/search?q=gosgo+mon`)).headers['x-cache']).toBe('hit');
    expect((await http(`${urlA}/search?q=gosgo+mon`, 'DELETE')).status).toBe(200);
    expect(await redisCommand(redis.port, ['EXISTS', 'lrukit-demo:search:gosgo mon'])).toBe(0);
    await vi.waitFor(async () => expect((await stats(urlB)).redis?.busMessages).toBe(1));
    // B's copy is gone and Redis has none: B searches again
    expect((await http(`${urlB}/search?q=gosgo+mon`)).headers['x-cache']).toBe('miss');
    expect((await stats(urlB)).searches).toBe(1);
  });

  it('both stop cleanly on SIGTERM', async () => {
    a.child.kill('SIGTERM');
    b.child.kill('SIGTERM');
    expect(await a.exited).toBe(0);
    expect(await b.exited).toBe(0);
    expect(a.stderr() + b.stderr()).toBe('');
  });
});
