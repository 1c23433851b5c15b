/**
 * p-memoize (pinned as a devDependency) with an `LruCache` as its `cache` option: p-memoize
 * coalesces concurrent calls and keeps results in any Map-like cache (`has`, `get`, `set`,
 * `delete`, `clear`); an LruCache bounds it and gives it a ttl.
 */

import { LruCache } from 'lrukit';
import { ManualClock } from 'lrukit/testing';
import pMemoize, { pMemoizeClear } from 'p-memoize';
import { describe, expect, it } from 'vitest';

/** An async function that counts its calls. */
function counted() {
  const calls: string[] = [];
  const fn = async (id: string) => {
    calls.push(id);
    return `user ${id}`;
  };
  return { fn, calls };
}

describe('p-memoize with an LruCache as cache', () => {
  it('keeps results in the LruCache and calls the function once per key', async () => {
    const cache = new LruCache<string, string>({ maxEntries: 100 });
    const { fn, calls } = counted();
    const getUser = pMemoize(fn, { cache });
    expect(await Promise.all([getUser('1'), getUser('1'), getUser('2')])).toEqual([
      'user 1',
      'user 1',
      'user 2',
    ]);
    expect(await getUser('1')).toBe('user 1');
    expect(calls).toEqual(['1', '2']);
    expect(cache.get('1')).toBe('user 1');
  });

  it('is bounded: an evicted key calls the function again', async () => {
    const cache = new LruCache<string, string>({ maxEntries: 2 });
    const { fn, calls } = counted();
    const getUser = pMemoize(fn, { cache });
    await getUser('1');
    await getUser('2');
    await getUser('3'); // evicts '1'
    expect(cache.size).toBe(2);
    await getUser('2');
    await getUser('1');
    expect(calls).toEqual(['1', '2', '3', '1']);
  });

  it("expires results after the LruCache's ttl", async () => {
    const clock = new ManualClock();
    const cache = new LruCache<string, string>({ maxEntries: 10, ttl: 60_000, clock });
    const { fn, calls } = counted();
    const getUser = pMemoize(fn, { cache });
    await getUser('1');
    clock.advance(59_999);
    await getUser('1');
    expect(calls).toEqual(['1']);
    clock.advance(1);
    await getUser('1');
    expect(calls).toEqual(['1', '1']);
  });

  it('pMemoizeClear clears the LruCache; shouldCache false leaves it alone', async () => {
    const cache = new LruCache<string, string>({ maxEntries: 10 });
    const { fn, calls } = counted();
    const getUser = pMemoize(fn, { cache, shouldCache: (_value, { key }) => key !== 'guest' });
    await getUser('1');
    await getUser('guest');
    expect([...cache.keys()]).toEqual(['1']);
    pMemoizeClear(getUser);
    expect(cache.size).toBe(0);
    await getUser('1');
    expect(calls).toEqual(['1', 'guest', '1']);
  });
});
