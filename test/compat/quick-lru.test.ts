/**
 * The migration guide's claims about quick-lru (docs/guide/migrating-from-quick-lru.md), checked
 * against the quick-lru 7 installed as a devDependency: each test pins quick-lru's behaviour and
 * lrukit's side by side, so a change in either shows up before the guide goes stale.
 */

import { LruCache } from 'lrukit';
import QuickLRU from 'quick-lru';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

beforeEach(() => {
  vi.useFakeTimers(); // quick-lru reads Date.now(), lrukit performance.now(): both move together
});
afterEach(() => {
  vi.useRealTimers();
});

describe('quick-lru 7 and lrukit side by side', () => {
  it("quick-lru's maxSize is an entry count it may exceed (up to twice); maxEntries is a bound", () => {
    const quick = new QuickLRU<string, number>({ maxSize: 3 });
    const ours = new LruCache<string, number>({ maxEntries: 3 });
    for (const [i, key] of ['a', 'b', 'c', 'd', 'e'].entries()) {
      quick.set(key, i);
      ours.set(key, i);
    }
    expect([...quick.keys()]).toHaveLength(5);
    expect(quick.size).toBe(3); // its size is capped while it holds more
    expect([...ours.keys()]).toEqual(['e', 'd', 'c']);
    expect(ours.size).toBe(3);
  });

  it('a maxSize carried over as it is asks for sizeOf at the first set', () => {
    const cache = new LruCache<string, number>({ maxSize: 3 });
    expect(() => cache.set('a', 1)).toThrow(/needs the "sizeOf" option/);
  });

  it('entries() and forEach() run oldest first in quick-lru, newest first in lrukit', () => {
    const quick = new QuickLRU<string, number>({ maxSize: 10 });
    const ours = new LruCache<string, number>({ maxEntries: 10 });
    for (const c of [quick, ours]) c.set('a', 1).set('b', 2).set('c', 3);
    expect([...quick.entries()].map(([key]) => key)).toEqual(['a', 'b', 'c']);
    const quickEach: string[] = [];
    quick.forEach((_value, key) => {
      quickEach.push(key);
    });
    expect(quickEach).toEqual(['a', 'b', 'c']);
    expect([...quick.entriesDescending()].map(([key]) => key)).toEqual(['c', 'b', 'a']);
    expect([...ours.entries()].map(([key]) => key)).toEqual(['c', 'b', 'a']);
    expect(ours.dump().map(([key]) => key)).toEqual(['a', 'b', 'c']); // oldest first
  });

  it('a get moves the entry to the front in lrukit; in quick-lru only from the older half', () => {
    const quick = new QuickLRU<string, number>({ maxSize: 10 });
    const ours = new LruCache<string, number>({ maxEntries: 10 });
    for (const c of [quick, ours]) {
      c.set('a', 1).set('b', 2).set('c', 3);
      c.get('a');
    }
    expect([...quick.entriesDescending()].map(([key]) => key)).toEqual(['c', 'b', 'a']);
    expect([...ours.entries()].map(([key]) => key)).toEqual(['a', 'c', 'b']);
  });

  it('expiresIn after expiry: <= 0 in quick-lru, undefined in lrukit; both expire at t + ttl', () => {
    const quick = new QuickLRU<string, number>({ maxSize: 10, maxAge: 100 });
    const ours = new LruCache<string, number>({ maxEntries: 10, ttl: 100 });
    quick.set('a', 1);
    ours.set('a', 1);
    quick.set('b', 2, { maxAge: 50 });
    ours.set('b', 2, { ttl: 50 });
    vi.advanceTimersByTime(99);
    expect([quick.get('a'), ours.get('a')]).toEqual([1, 1]);
    vi.advanceTimersByTime(1);
    expect(quick.expiresIn('b')).toBeLessThanOrEqual(0);
    expect(ours.expiresIn('b')).toBeUndefined();
    expect([quick.get('a'), ours.get('a')]).toEqual([undefined, undefined]);
  });

  it('onEviction(key, value) misses delete and clear; onEvict(value, key, reason) sees all', () => {
    const theirs: string[] = [];
    const ours: string[] = [];
    const quick = new QuickLRU<string, number>({
      maxSize: 10,
      maxAge: 100,
      onEviction: (key, value) => theirs.push(`${key}=${value}`),
    });
    const cache = new LruCache<string, number>({
      maxEntries: 10,
      ttl: 100,
      onEvict: (value, key, reason) => ours.push(`${key}=${value}:${reason}`),
    });
    for (const c of [quick, cache]) {
      c.set('gone', 1).set('kept', 2);
      c.delete('gone');
    }
    vi.advanceTimersByTime(100);
    expect([quick.get('kept'), cache.get('kept')]).toEqual([undefined, undefined]);
    for (const c of [quick, cache]) c.set('last', 3).clear();
    expect(theirs).toEqual(['kept=2']);
    expect(ours).toEqual(['gone=1:delete', 'kept=2:expire', 'last=3:clear']);
  });

  it('has() of an expired entry removes it in quick-lru, leaves it (absent) in lrukit', () => {
    const quick = new QuickLRU<string, number>({ maxSize: 10, maxAge: 100 });
    const ours = new LruCache<string, number>({ maxEntries: 10, ttl: 100 });
    quick.set('a', 1);
    ours.set('a', 1);
    vi.advanceTimersByTime(100);
    expect([quick.has('a'), ours.has('a')]).toEqual([false, false]);
    expect(quick.expiresIn('a')).toBeUndefined(); // removed
    expect(ours.size).toBe(1); // still stored, until get, prune, autoPurge or eviction
    expect(ours.prune()).toBe(1);
  });

  it('set options: { maxAge } is refused by lrukit, { ttl } and a number are its spelling', () => {
    const cache = new LruCache<string, number>({ maxEntries: 10 });
    expect(() => cache.set('a', 1, { maxAge: 5 } as never)).toThrow(/unknown option "maxAge"/);
    cache.set('a', 1, { ttl: 5_000 }).set('b', 2, 5_000);
    expect([cache.expiresIn('a'), cache.expiresIn('b')]).toEqual([5_000, 5_000]);
  });

  it('a QuickLRU is a Map, an LruCache is not', () => {
    expect(new QuickLRU({ maxSize: 1 })).toBeInstanceOf(Map);
    expect(new LruCache({ maxEntries: 1 })).not.toBeInstanceOf(Map);
  });
});
