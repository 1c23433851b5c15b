/**
 * DataLoader (pinned as a devDependency) with an `LruCache` as its `cacheMap`: a bounded
 * DataLoader, the reason people ask for one. DataLoader's default cache is a `Map` that keeps every
 * key it ever loaded; an LruCache keeps the most recently used ones, and a key evicted from it is
 * loaded again, in the next batch.
 */

import DataLoader from 'dataloader';
import { LruCache } from 'lrukit';
import { ManualClock } from 'lrukit/testing';
import { describe, expect, it } from 'vitest';

/** A loader whose batch function records every batch it is asked for. */
function build(cacheMap: LruCache<string, Promise<string>>) {
  const batches: string[][] = [];
  const loader = new DataLoader<string, string>(
    async (keys) => {
      batches.push([...keys]);
      return keys.map((key) => key.toUpperCase());
    },
    { cacheMap },
  );
  return { loader, batches };
}

describe('DataLoader with an LruCache as cacheMap', () => {
  it('batches, caches, and loads a key again (in a new batch) once it was evicted', async () => {
    const cacheMap = new LruCache<string, Promise<string>>({ maxEntries: 2 });
    const { loader, batches } = build(cacheMap);
    expect(await loader.loadMany(['a', 'b', 'c'])).toEqual(['A', 'B', 'C']);
    expect(batches).toEqual([['a', 'b', 'c']]);
    expect([...cacheMap.keys()]).toEqual(['c', 'b']); // 'a' was evicted

    expect(await loader.load('b')).toBe('B'); // cached: no batch
    expect(batches).toHaveLength(1);

    const [a, d] = await Promise.all([loader.load('a'), loader.load('d')]);
    expect([a, d]).toEqual(['A', 'D']);
    expect(batches).toEqual([
      ['a', 'b', 'c'],
      ['a', 'd'],
    ]);
  });

  it('holds at most maxEntries promises however many keys go through it', async () => {
    const cacheMap = new LruCache<string, Promise<string>>({ maxEntries: 100 });
    const { loader, batches } = build(cacheMap);
    for (let round = 0; round < 50; round++) {
      const keys = Array.from({ length: 200 }, (_, i) => `k${round * 200 + i}`);
      await loader.loadMany(keys);
      expect(cacheMap.size).toBeLessThanOrEqual(100);
    }
    expect(batches).toHaveLength(50);
    expect(cacheMap.size).toBe(100);
    expect(cacheMap.stats.evictions).toBe(50 * 200 - 100);
  });

  it('clear, clearAll and prime go through to the LruCache', async () => {
    const cacheMap = new LruCache<string, Promise<string>>({ maxEntries: 10 });
    const { loader, batches } = build(cacheMap);
    await loader.loadMany(['a', 'b']);
    loader.clear('a');
    expect(cacheMap.has('a')).toBe(false);
    loader.prime('z', 'primed');
    expect(await loader.load('z')).toBe('primed');
    loader.clearAll();
    expect(cacheMap.size).toBe(0);
    expect(await loader.load('b')).toBe('B');
    expect(batches).toEqual([['a', 'b'], ['b']]);
  });

  it('an Error returned for one key stays cached until the ttl; a failed batch is not', async () => {
    const clock = new ManualClock();
    const cacheMap = new LruCache<string, Promise<string>>({ maxEntries: 10, ttl: 1_000, clock });
    let calls = 0;
    let failWhole = false;
    const loader = new DataLoader<string, string>(
      async (keys) => {
        calls++;
        if (failWhole) throw new Error('backend down');
        return keys.map((key) => (key === 'bad' ? new Error(`no ${key}`) : key));
      },
      { cacheMap },
    );
    await expect(loader.load('bad')).rejects.toThrow('no bad');
    await expect(loader.load('bad')).rejects.toThrow('no bad'); // the rejection is cached
    expect(calls).toBe(1);
    clock.advance(1_000);
    await expect(loader.load('bad')).rejects.toThrow('no bad');
    expect(calls).toBe(2);
    failWhole = true;
    await expect(loader.load('other')).rejects.toThrow('backend down');
    expect(cacheMap.has('other')).toBe(false);
  });

  it('with a ttl, a key is batched again once its entry has expired', async () => {
    const clock = new ManualClock();
    const cacheMap = new LruCache<string, Promise<string>>({ maxEntries: 10, ttl: 1_000, clock });
    const { loader, batches } = build(cacheMap);
    await loader.load('a');
    clock.advance(999);
    await loader.load('a');
    expect(batches).toEqual([['a']]);
    clock.advance(1);
    await loader.load('a');
    expect(batches).toEqual([['a'], ['a']]);
  });
});
