/**
 * The migration guide's claims about lru-cache (docs/guide/migrating-from-lru-cache.md), checked
 * against the lru-cache 11 installed as a devDependency: where lrukit matches it, the two are run
 * side by side; where lrukit differs on purpose, the test pins both behaviours, so a change in
 * either one shows up here before the guide goes stale.
 */

import { LRUCache } from 'lru-cache';
import { LruCache } from 'lrukit';
import { ManualClock } from 'lrukit/testing';
import { describe, expect, it, vi } from 'vitest';

type Call = [key: string, value: number, reason: string];

describe('lrukit and lru-cache 11 side by side', () => {
  it('clear() calls onEvict in the order lru-cache calls dispose: least recently used first', () => {
    const theirs: Call[] = [];
    const ours: Call[] = [];
    const lru = new LRUCache<string, number>({
      max: 10,
      dispose: (value, key, reason) => theirs.push([key, value, reason]),
    });
    const cache = new LruCache<string, number>({
      maxEntries: 10,
      onEvict: (value, key, reason) => ours.push([key, value, reason]),
    });
    for (const c of [lru, cache]) {
      c.set('a', 1).set('b', 2).set('c', 3);
      c.get('a'); // recency, most recent first: a, c, b
      c.clear();
    }
    expect(theirs.map(([key]) => key)).toEqual(['b', 'c', 'a']);
    expect(ours.map(([key]) => key)).toEqual(['b', 'c', 'a']);
    // the reason differs: lru-cache says 'delete', lrukit 'clear'
    expect(new Set(theirs.map(([, , reason]) => reason))).toEqual(new Set(['delete']));
    expect(new Set(ours.map(([, , reason]) => reason))).toEqual(new Set(['clear']));
  });

  it("an expired entry evicted to make room: lru-cache says 'evict', lrukit 'expire'", () => {
    let now = 0;
    const theirs: Call[] = [];
    const ours: Call[] = [];
    const lru = new LRUCache<string, number>({
      max: 2,
      perf: { now: () => now },
      ttlResolution: 0,
      dispose: (value, key, reason) => theirs.push([key, value, reason]),
    });
    const clock = new ManualClock();
    const cache = new LruCache<string, number>({
      maxEntries: 2,
      clock,
      onEvict: (value, key, reason) => ours.push([key, value, reason]),
    });
    lru.set('old', 1, { ttl: 10 }).set('live', 2);
    cache.set('old', 1, { ttl: 10 }).set('live', 2);
    now = 20;
    clock.advance(20);
    lru.set('new', 3);
    cache.set('new', 3);
    expect(theirs).toEqual([['old', 1, 'evict']]);
    expect(ours).toEqual([['old', 1, 'expire']]);
    // lrukit counts it as an expiration: `evictions` counts only live entries pushed out
    expect(cache.stats).toMatchObject({ evictions: 0, expirations: 1 });
  });

  it('set(key, value, ttl) with a number: lru-cache throws, lrukit takes it as the ttl', () => {
    const lru = new LRUCache<string, number>({ max: 10 });
    const cache = new LruCache<string, number>({ maxEntries: 10 });
    expect(() => lru.set('a', 1, 500 as never)).toThrow(TypeError);
    cache.set('a', 1, 500);
    expect(cache.expiresIn('a')).toBeGreaterThan(0);
  });

  it('both take Date as their clock (lru-cache: perf: Date, lrukit: clock: Date)', () => {
    const spy = vi.spyOn(Date, 'now').mockReturnValue(1_000);
    try {
      const lru = new LRUCache<string, number>({ max: 10, ttl: 100, ttlResolution: 0, perf: Date });
      const cache = new LruCache<string, number>({ maxEntries: 10, ttl: 100, clock: Date });
      lru.set('a', 1);
      cache.set('a', 1);
      spy.mockReturnValue(1_099);
      expect([lru.get('a'), cache.get('a')]).toEqual([1, 1]);
      spy.mockReturnValue(1_101);
      expect([lru.get('a'), cache.get('a')]).toEqual([undefined, undefined]);
    } finally {
      spy.mockRestore();
    }
  });
});
