// `--redis URL`: two demo processes sharing one Redis through lrukit/redis. A query searched
// by one is found in Redis by the other, which does not search it again and says so
// (`X-Cache: l2`). Needs redis-server (skipped without it, with the reason in the closing
// summary, except in CI, where it is installed and a missing one must fail).
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { DemoStats } from '../../demo/server.js';
import {
  haveRedis,
  type RedisServer,
  redisCommand,
  startRedis,
} from '../../scripts/redis-server.mjs';
import { skipWith } from '../shared/skip.js';
import { http, killIfRunning, type MainProcess, rawRequest, runMain } from './helpers.js';

const inCi = process.env.CI === 'true' || process.env.CI === '1';

const skip = !haveRedis && !inCi && 'no redis-server on PATH (apt-get install redis-server)';

describe('two demo processes sharing Redis', skipWith(skip), () => {
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
    expect(second.headers['x-cache']).toBe('l2'); // not in B's memory yet, found in Redis…
    expect(second.body).toBe(first.body); // …and not searched again
    const s = await stats(urlB);
    expect(s.searches).toBe(0);
    expect((await stats(urlA)).searches).toBe(1);
    expect(s.redis).toMatchObject({ url: redis.url, l2Hits: 1, l2Misses: 0, l2Errors: 0 });
    expect((await http(`${urlB}/search?q=gosgo+mon`)).headers['x-cache']).toBe('hit');
  });

  it('misses that join one load from Redis all answer l2', async () => {
    expect((await http(`${urlA}/search?q=alpha+mon`)).headers['x-cache']).toBe('miss');
    await vi.waitFor(
      async () =>
        expect(await redisCommand(redis.port, ['EXISTS', 'lrukit-demo:search:alpha mon'])).toBe(1),
      { timeout: 5_000, interval: 10 },
    );
    const before = await stats(urlB);
    // three pipelined requests in one write: B reads them in one go, so the second and third
    // ask while the first one's Redis lookup is running, and join it
    const requests = ['alpha+mon', 'mon+alpha', 'MON+ALPHA'].map(
      (q, i) =>
        `GET /search?q=${q} HTTP/1.1\r\nHost: b\r\n${i === 2 ? 'Connection: close\r\n' : ''}\r\n`,
    );
    const answer = await rawRequest(urlB, requests.join(''));
    expect([...answer.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => m[1])).toEqual([
      '200',
      '200',
      '200',
    ]);
    expect([...answer.matchAll(/^x-cache: (\w+)/gim)].map((m) => m[1])).toEqual(['l2', 'l2', 'l2']);
    const after = await stats(urlB);
    expect(after.misses - before.misses).toBe(3);
    expect(after.redis!.l2Hits - before.redis!.l2Hits).toBe(1);
    expect(after.searches).toBe(before.searches);
  });

  it('an invalidation in one process reaches the other over the bus', async () => {
    expect((await http(`${urlB}/search?q=gosgo+mon`)).headers['x-cache']).toBe('hit');
    const deleted = await http(`${urlA}/search?q=gosgo+mon`, 'DELETE');
    expect(deleted.status).toBe(200);
    expect(deleted.json()).toEqual({ key: 'gosgo mon', deleted: true });
    expect(await redisCommand(redis.port, ['EXISTS', 'lrukit-demo:search:gosgo mon'])).toBe(0);
    await vi.waitFor(async () => expect((await stats(urlB)).redis?.busMessages).toBe(1));
    // B's copy is gone and Redis has none: B searches again
    expect((await http(`${urlB}/search?q=gosgo+mon`)).headers['x-cache']).toBe('miss');
    expect((await stats(urlB)).searches).toBe(1);
  });

  it('DELETE says whether a result was cached: in this memory, only in Redis, or nowhere', async () => {
    // "gosgo mon" is in B's memory and in Redis (B searched it above); A holds none in memory
    await vi.waitFor(
      async () =>
        expect(await redisCommand(redis.port, ['EXISTS', 'lrukit-demo:search:gosgo mon'])).toBe(1),
      { timeout: 5_000, interval: 10 },
    );
    const onlyInRedis = await http(`${urlA}/search?q=gosgo+mon`, 'DELETE');
    expect(onlyInRedis.json()).toEqual({ key: 'gosgo mon', deleted: true });
    await vi.waitFor(async () => expect((await stats(urlB)).redis?.busMessages).toBe(2));
    // gone from Redis and from B's memory: nothing left to delete anywhere
    expect((await http(`${urlB}/search?q=gosgo+mon`, 'DELETE')).json()).toEqual({
      key: 'gosgo mon',
      deleted: false,
    });
    expect((await http(`${urlA}/search?q=never+searched`, 'DELETE')).json()).toEqual({
      key: 'never searched',
      deleted: false,
    });
  });

  it('both stop cleanly on SIGTERM', async () => {
    a.child.kill('SIGTERM');
    b.child.kill('SIGTERM');
    expect(await a.exited).toBe(0);
    expect(await b.exited).toBe(0);
    expect(a.stderr() + b.stderr()).toBe('');
  });
});
