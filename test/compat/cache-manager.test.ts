/**
 * cache-manager 7 (pinned as a devDependency) over `new Keyv({ store: new LruCache(...) })`: the
 * store cache-manager users reach for. cache-manager calls `store.set(key, value, ttl)` with a
 * number through keyv, and keyv swallows a store's error: before `set` took a ttl in ms, every
 * call here "succeeded" and nothing was ever cached.
 *
 * keyv dates its own expiry with `Date.now()`, and LruCache's default clock reads
 * `performance.now()`: fake timers move both, so every step in time is exact and nothing sleeps.
 */

import { createCache } from 'cache-manager';
import Keyv from 'keyv';
import { LruCache } from 'lrukit';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** The cache as the guide builds it, with the LruCache kept to look inside. */
function build(options: { maxEntries?: number; ttl?: number } = {}) {
  const lru = new LruCache<string, unknown>({ maxEntries: options.maxEntries ?? 1_000 });
  const cache = createCache({
    stores: [new Keyv({ store: lru })],
    ...(options.ttl === undefined ? {} : { ttl: options.ttl }),
  });
  return { lru, cache };
}

/** keyv's key for `key` in its default namespace. */
const stored = (key: string) => `keyv:${key}`;

describe('cache-manager 7 with a Keyv(LruCache) store', () => {
  it('set(key, value, ttl): the value comes back, and is gone once the ttl has passed', async () => {
    const { lru, cache } = build();
    await cache.set('user:1', { name: 'Ada' }, 10_000);
    expect(lru.expiresIn(stored('user:1'))).toBe(10_000);
    expect(await cache.get('user:1')).toEqual({ name: 'Ada' });
    vi.advanceTimersByTime(9_999);
    expect(await cache.get('user:1')).toEqual({ name: 'Ada' });
    vi.advanceTimersByTime(1);
    expect(lru.has(stored('user:1'))).toBe(false); // the LruCache expired it by itself
    expect(await cache.get('user:1')).toBeUndefined();
  });

  it('the default ttl of createCache reaches the LruCache', async () => {
    const { lru, cache } = build({ ttl: 5_000 });
    await cache.set('k', 'v');
    expect(lru.expiresIn(stored('k'))).toBe(5_000);
    vi.advanceTimersByTime(5_000);
    expect(await cache.get('k')).toBeUndefined();
  });

  it('wrap(key, fn, ttl) calls fn once while the value is fresh, and again after the ttl', async () => {
    const { cache } = build();
    let calls = 0;
    const fetchUser = async () => ({ id: 1, version: ++calls });
    expect(await cache.wrap('user:1', fetchUser, 1_000)).toEqual({ id: 1, version: 1 });
    expect(await cache.wrap('user:1', fetchUser, 1_000)).toEqual({ id: 1, version: 1 });
    expect(calls).toBe(1);
    vi.advanceTimersByTime(1_000);
    expect(await cache.wrap('user:1', fetchUser, 1_000)).toEqual({ id: 1, version: 2 });
    expect(calls).toBe(2);
  });

  it('wrap coalesces concurrent callers into one call of fn', async () => {
    const { cache } = build({ ttl: 1_000 });
    let calls = 0;
    const slow = async () => {
      calls++;
      return 'value';
    };
    const all = await Promise.all([
      cache.wrap('k', slow),
      cache.wrap('k', slow),
      cache.wrap('k', slow),
    ]);
    expect(all).toEqual(['value', 'value', 'value']);
    expect(calls).toBe(1);
  });

  it('mget returns the stored values, undefined for the missing and the expired', async () => {
    const { cache } = build();
    await cache.set('a', 1, 1_000);
    await cache.set('b', 2, 5_000);
    expect(await cache.mget(['a', 'b', 'c'])).toEqual([1, 2, undefined]);
    vi.advanceTimersByTime(1_000);
    expect(await cache.mget(['a', 'b', 'c'])).toEqual([undefined, 2, undefined]);
  });

  it('ttl(key) gives the expiry time (Date.now() based), undefined once expired', async () => {
    const { cache } = build();
    const start = Date.now();
    await cache.set('k', 'v', 2_000);
    expect(await cache.ttl('k')).toBe(start + 2_000);
    vi.advanceTimersByTime(2_000);
    expect(await cache.ttl('k')).toBeUndefined();
  });

  it('del and clear remove from the LruCache', async () => {
    const { lru, cache } = build();
    await cache.set('a', 1, 1_000);
    await cache.set('b', 2, 1_000);
    await cache.del('a');
    expect(lru.has(stored('a'))).toBe(false);
    expect(await cache.get('a')).toBeUndefined();
    expect(await cache.get('b')).toBe(2);
    await cache.clear();
    expect(lru.size).toBe(0);
    expect(await cache.get('b')).toBeUndefined();
  });

  it('stays bounded: the least recently used key is evicted', async () => {
    const { lru, cache } = build({ maxEntries: 2, ttl: 60_000 });
    await cache.set('a', 1);
    await cache.set('b', 2);
    await cache.get('a');
    await cache.set('c', 3);
    expect(lru.size).toBe(2);
    expect(await cache.mget(['a', 'b', 'c'])).toEqual([1, undefined, 3]);
  });
});
