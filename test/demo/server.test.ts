// startDemo() in this process, over a small index, for what the child-process test cannot
// reach: time (a ManualClock makes results stale without waiting), a tiny memory bound, a
// failing backend, and no cache at all.
import { Agent, createServer, request } from 'node:http';
import { ManualClock } from 'lrukit/testing';
import { afterEach, describe, expect, it } from 'vitest';
import type { Document } from '../../demo/corpus.js';
import { type Searcher, SearchIndex } from '../../demo/search-index.js';
import { type Demo, type DemoOptions, startDemo } from '../../demo/server.js';
import { http } from './helpers.js';

const docs: Document[] = Array.from({ length: 40 }, (_, id) => ({
  id,
  title: `Document ${id}`,
  text: `alpha ${id % 2 ? 'beta' : 'gamma'} delta${id % 5} words and more words ${'pad '.repeat(id % 7)}`,
}));
const index = SearchIndex.build(docs);

let demo: Demo | undefined;
afterEach(async () => {
  await demo?.close();
  demo = undefined;
});

const start = async (options: DemoOptions) => {
  demo = await startDemo({ index, port: 0, ...options });
  return demo;
};
const search = (q: string) => http(`${demo!.url}/search?q=${encodeURIComponent(q)}`);

describe('startDemo', () => {
  it('serves an expired result at once while one refresh runs (stale-while-revalidate)', async () => {
    const clock = new ManualClock();
    await start({ clock, cache: { ttlMs: 1_000, staleWhileRevalidateMs: 500 } });
    expect((await search('alpha beta')).headers['x-cache']).toBe('miss');
    clock.advance(999);
    expect((await search('beta alpha')).headers['x-cache']).toBe('hit');
    clock.advance(1); // at ttl: stale, refreshed in the background
    expect((await search('alpha beta')).headers['x-cache']).toBe('stale');
    expect((await search('alpha beta')).headers['x-cache']).toBe('hit'); // refreshed
    clock.advance(1_500); // past ttl + staleWhileRevalidate: gone, searched again
    expect((await search('alpha beta')).headers['x-cache']).toBe('miss');
    const s = demo!.stats();
    expect(s).toMatchObject({ hits: 3, staleHits: 1, misses: 2, refreshes: 1, loads: 3 });
    expect(s.ttlMs).toBe(1_000);
    expect(s.staleWhileRevalidateMs).toBe(500);
  });

  it('keeps the cached JSON within maxSize, evicting the least recently used', async () => {
    const queries = ['alpha', 'beta', 'gamma', 'delta0', 'delta1', 'delta2', 'delta3', 'words'];
    // room for about three bodies (each is under 2,000 bytes here)
    const maxSize = 6_000;
    await start({ cache: { maxSize } });
    const sizes: number[] = [];
    for (const q of queries) {
      const reply = await search(q);
      expect(reply.headers['x-cache']).toBe('miss');
      sizes.push(Buffer.byteLength(reply.body));
    }
    expect(Math.max(...sizes)).toBeLessThan(2_000);
    const s = demo!.stats();
    expect(s.evictions).toBeGreaterThan(0);
    expect(s.entries + s.evictions).toBe(queries.length);
    // the survivors are the most recent queries, and totalSize is exactly their bodies
    const kept = sizes.slice(queries.length - s.entries);
    expect(s.totalSize).toBe(kept.reduce((a, b) => a + b, 0));
    expect(s.totalSize).toBeLessThanOrEqual(maxSize);
    expect((await search(queries.at(-1)!)).headers['x-cache']).toBe('hit');
    expect((await search(queries[0]!)).headers['x-cache']).toBe('miss');
  });

  it('bounds entries too with maxEntries', async () => {
    await start({ cache: { maxEntries: 2 } });
    for (const q of ['alpha', 'beta', 'gamma']) await search(q);
    expect(demo!.stats()).toMatchObject({ entries: 2, evictions: 1, maxEntries: 2 });
  });

  it.each([
    ['lru', 'miss', 2],
    ['tinylfu', 'hit', 1],
  ] as const)(
    'policy %s: after a scan of one-off queries the popular one is a %s',
    async (policy, state, hotSearches) => {
      let searches = 0;
      const counting: Searcher = {
        documentCount: index.documentCount,
        search: (terms, limit) => {
          if (terms.join(' ') === 'alpha') searches++;
          return index.search(terms, limit);
        },
      };
      demo = await startDemo({
        index: counting,
        port: 0,
        // room for about three bodies (each is under 2,000 bytes here)
        cache: { maxSize: 6_000, policy, ...(policy === 'tinylfu' ? { seed: 5 } : {}) },
      });
      for (let i = 0; i < 10; i++) await search('alpha');
      const scan = ['beta', 'gamma', 'words', 'more', 'pad', 'and'];
      for (let i = 0; i < 5; i++) scan.push(`delta${i}`, `alpha delta${i}`, `beta delta${i}`);
      for (const q of scan) expect((await search(q)).headers['x-cache']).toBe('miss');
      expect((await search('alpha')).headers['x-cache']).toBe(state);
      expect(searches).toBe(hotSearches);
      expect(demo.stats()).toMatchObject({
        policy,
        seed: policy === 'tinylfu' ? 5 : null,
      });
      expect(demo.stats().totalSize).toBeLessThanOrEqual(6_000);
      expect(demo.stats().searches).toBe(scan.length + hotSearches);
    },
  );

  it('answers 500 with a message when the search fails, and keeps serving', async () => {
    const failing: Searcher = {
      documentCount: index.documentCount,
      search: (terms, limit) => {
        if (terms.includes('boom')) throw new Error('disk on fire');
        return index.search(terms, limit);
      },
    };
    const logged: string[] = [];
    await start({ index: failing, log: (line) => logged.push(line) });
    for (let i = 0; i < 2; i++) {
      const reply = await search('boom');
      expect(reply.status).toBe(500);
      expect(reply.json()).toEqual({ status: 500, error: 'internal error: disk on fire' });
    }
    expect(logged).toHaveLength(2);
    expect(logged[0]).toMatch(/GET \/search\?q=boom failed: Error: disk on fire/);
    expect((await search('alpha')).status).toBe(200);
    expect((await http(`${demo!.url}/stats`)).status).toBe(200);
    const s = demo!.stats();
    expect(s.requests.serverErrors).toBe(2);
    expect(s.misses).toBe(3); // a failure is not cached: each "boom" searched again
    expect(s.entries).toBe(1);
  });

  it('without a cache, searches every time', async () => {
    await start({ cache: false });
    for (let i = 0; i < 3; i++) {
      const reply = await search('alpha beta');
      expect(reply.status).toBe(200);
      expect(reply.headers['x-cache']).toBe('off');
    }
    expect(demo!.stats()).toMatchObject({
      cache: 'off',
      hits: 0,
      misses: 0,
      entries: 0,
      maxSize: null,
      redis: null,
      requests: { search: 3 },
      searches: 3,
    });
  });

  it('DELETE answers whether a result was cached: fresh or stale yes, expired or never no', async () => {
    const clock = new ManualClock();
    await start({ clock, cache: { ttlMs: 1_000, staleWhileRevalidateMs: 500 } });
    const drop = async (q: string) => {
      const reply = await http(`${demo!.url}/search?q=${encodeURIComponent(q)}`, 'DELETE');
      expect(reply.status).toBe(200);
      return reply.json();
    };
    expect(await drop('alpha beta')).toEqual({ key: 'alpha beta', deleted: false });
    await search('alpha beta');
    expect(await drop('Beta, ALPHA')).toEqual({ key: 'alpha beta', deleted: true });
    expect(await drop('alpha beta')).toEqual({ key: 'alpha beta', deleted: false });
    await search('alpha beta');
    clock.advance(1_200); // past ttl, within the stale window: still cached (served stale)
    expect(await drop('alpha beta')).toEqual({ key: 'alpha beta', deleted: true });
    await search('alpha beta');
    clock.advance(1_500); // past ttl + staleWhileRevalidate: nothing left to drop
    expect(await drop('alpha beta')).toEqual({ key: 'alpha beta', deleted: false });
    expect(demo!.stats().entries).toBe(0);
  });

  it('DELETE without a cache: nothing was cached', async () => {
    await start({ cache: false });
    const reply = await http(`${demo!.url}/search?q=alpha`, 'DELETE');
    expect(reply.status).toBe(200);
    expect(reply.json()).toEqual({ key: 'alpha', deleted: false });
  });

  it('rejects with EADDRINUSE when the port is taken (main.ts says so and exits 1)', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const { port } = busy.address() as { port: number };
    try {
      await expect(startDemo({ index, port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
    } finally {
      await new Promise((resolve) => busy.close(resolve));
    }
  });

  it('closes with keep-alive connections still open', async () => {
    await start({});
    const agent = new Agent({ keepAlive: true });
    await new Promise<void>((resolve, reject) => {
      request(`${demo!.url}/stats`, { agent }, (res) => {
        res.resume();
        res.once('end', resolve);
      })
        .once('error', reject)
        .end();
    });
    await demo!.close();
    await demo!.close(); // twice is fine
    demo = undefined;
    agent.destroy();
  });
});
