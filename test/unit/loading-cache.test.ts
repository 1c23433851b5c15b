import { LoadingCache, TimeoutError } from 'lrukit';
import { ManualClock } from 'lrukit/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { flush, manualLoader, taskTurn } from '../shared/loaders.js';

// Unhandled rejections are watched in Node (process 'unhandledRejection') and in browsers
// (window 'unhandledrejection'). Node reports them before the next setImmediate; Chromium fires
// the event from a task it queues after the microtask checkpoint, so two task turns there.
const inNode = typeof process !== 'undefined' && typeof process.on === 'function';
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
const onUnhandledEvent = (event: PromiseRejectionEvent) => unhandled.push(event.reason);
/** Waits until rejections left unhandled so far have been reported. */
const rejectionsReported = async () => {
  if (inNode) return new Promise<void>((resolve) => setImmediate(resolve));
  await taskTurn();
  await taskTurn();
};
beforeEach(() => {
  unhandled.length = 0;
  if (inNode) process.on('unhandledRejection', onUnhandled);
  else globalThis.addEventListener('unhandledrejection', onUnhandledEvent);
});
afterEach(async () => {
  await rejectionsReported();
  if (inNode) process.off('unhandledRejection', onUnhandled);
  else globalThis.removeEventListener('unhandledrejection', onUnhandledEvent);
  expect(unhandled, 'unhandled rejections during the test').toEqual([]);
  vi.useRealTimers();
});

describe('LoadingCache: loading and coalescing', () => {
  it('runs the loader once for 10,000 concurrent gets of one key', async () => {
    const { calls, load } = manualLoader<number>();
    const cache = new LoadingCache<string, number>({ load, maxEntries: 10 });
    const waiting = Array.from({ length: 10_000 }, () => cache.get('a'));
    expect(load).toHaveBeenCalledTimes(1);
    calls[0]!.resolve(42);
    expect(new Set(await Promise.all(waiting))).toEqual(new Set([42]));
    expect(await cache.get('a')).toBe(42);
    expect(load).toHaveBeenCalledTimes(1);
    expect(cache.stats).toMatchObject({ loads: 1, hits: 1, misses: 10_000, sets: 1 });
    cache.invalidate('a');
    expect(cache.stats.deletes).toBe(1);
  });

  it('every waiter gets the same error object, which is not cached', async () => {
    const { calls, load } = manualLoader<number>();
    const cache = new LoadingCache<string, number>({ load, maxEntries: 10 });
    const a = cache.get('k');
    const b = cache.get('k');
    const error = new Error('backend down');
    calls[0]!.reject(error);
    await expect(a).rejects.toBe(error);
    await expect(b).rejects.toBe(error);
    const c = cache.get('k');
    expect(load).toHaveBeenCalledTimes(2);
    calls[1]!.resolve(1);
    expect(await c).toBe(1);
    expect(cache.stats.loadErrors).toBe(1);
  });

  it('accepts a loader that returns a plain value or throws synchronously', async () => {
    const error = new Error('sync');
    const cache = new LoadingCache<string, string>({
      maxEntries: 10,
      load: (key) => {
        if (key === 'bad') throw error;
        return key.toUpperCase();
      },
    });
    expect(await cache.get('x')).toBe('X');
    await expect(cache.get('bad')).rejects.toBe(error);
    expect(cache.peek('x')).toBe('X');
  });

  it('shouldCache: false returns the value without storing it', async () => {
    let n = 0;
    const cache = new LoadingCache<string, number>({
      maxEntries: 10,
      load: () => ++n,
      shouldCache: (value) => value > 1,
    });
    expect(await cache.get('a')).toBe(1);
    expect(cache.peek('a')).toBeUndefined();
    expect(await cache.get('a')).toBe(2);
    expect(await cache.get('a')).toBe(2);
  });
});

describe('LoadingCache: the freshness timeline', () => {
  it('fresh → refresh-ahead → stale-while-revalidate → stale-if-error → gone', async () => {
    const clock = new ManualClock();
    const { calls, load } = manualLoader<string>();
    const cache = new LoadingCache<string, string>({
      load,
      maxEntries: 10,
      clock,
      ttl: 100,
      refreshAhead: 0.8,
      staleWhileRevalidate: 50,
      staleIfError: 200,
    });
    const first = cache.get('k');
    calls[0]!.resolve('v1');
    expect(await first).toBe('v1');

    clock.advance(79); // fresh, before refresh-ahead
    expect(await cache.get('k')).toBe('v1');
    expect(calls).toHaveLength(1);

    clock.advance(1); // 80 % of ttl: a hit starts a background refresh, the caller does not wait
    expect(await cache.get('k')).toBe('v1');
    expect(calls).toHaveLength(2);
    expect(calls[1]!.stale).toBe('v1');
    calls[1]!.resolve('v2'); // fresh again from t=80 until t=180
    await flush();
    expect(await cache.get('k')).toBe('v2');

    clock.advance(110); // t=190: stale, inside staleWhileRevalidate (180..230)
    expect(await cache.get('k')).toBe('v2');
    expect(calls).toHaveLength(3);
    expect(await cache.get('k')).toBe('v2'); // one refresh at a time
    expect(calls).toHaveLength(3);
    calls[2]!.reject(new Error('refresh failed')); // failed background refresh: old value kept
    await flush();
    expect(cache.peek('k')).toBe('v2');

    clock.advance(50); // t=240: past revalidation, inside staleIfError (until 380): the caller waits
    const waiting = cache.get('k');
    expect(calls).toHaveLength(4);
    calls[3]!.reject(new Error('still down'));
    expect(await waiting).toBe('v2'); // the stale value instead of the error

    clock.advance(140); // t=380: every window closed
    const gone = cache.get('k');
    const error = new Error('down for good');
    calls[4]!.reject(error);
    await expect(gone).rejects.toBe(error);
    expect(cache.stats).toMatchObject({ loadErrors: 3, refreshes: 2 });
    expect(cache.stats.staleHits).toBeGreaterThanOrEqual(3);
  });

  it('ttl may be a function of the loaded value', async () => {
    const clock = new ManualClock();
    const cache = new LoadingCache<string, { maxAge: number }>({
      maxEntries: 10,
      clock,
      load: (key) => ({ maxAge: key === 'short' ? 10 : 1_000 }),
      ttl: (value) => value.maxAge,
    });
    await cache.get('short');
    await cache.get('long');
    clock.advance(10);
    expect(cache.peek('short')).toBeUndefined();
    expect(cache.peek('long')).toEqual({ maxAge: 1_000 });
  });

  it('a ttl function that throws or returns nonsense fails the load for its waiters', async () => {
    const broken = new Error('bad header');
    const cache = new LoadingCache<string, number>({
      maxEntries: 10,
      load: (key) => key.length,
      ttl: (value) => {
        if (value === 1) throw broken;
        return -5;
      },
    });
    await expect(cache.get('a')).rejects.toBe(broken);
    await expect(cache.get('bb')).rejects.toThrow(/the result of option "ttl" must be .*, got -5/);
    expect(cache.size).toBe(0);
  });

  it('jitter shortens each ttl by up to the given fraction', async () => {
    const clock = new ManualClock();
    const random = vi.spyOn(Math, 'random').mockReturnValue(0.5);
    try {
      const cache = new LoadingCache<string, number>({
        maxEntries: 10,
        clock,
        ttl: 1_000,
        jitter: 0.1,
        load: () => 1,
      });
      await cache.get('a'); // ttl 1000 × (1 − 0.5 × 0.1) = 950
      clock.advance(949);
      expect(cache.peek('a')).toBe(1);
      clock.advance(1);
      expect(cache.peek('a')).toBeUndefined();
    } finally {
      random.mockRestore();
    }
  });

  it('errorTtl remembers a failure for that long; 0 (default) never', async () => {
    const clock = new ManualClock();
    const error = new Error('nope');
    const load = vi.fn(() => Promise.reject(error));
    const cache = new LoadingCache<string, number>({ maxEntries: 10, clock, load, errorTtl: 30 });
    await expect(cache.get('a')).rejects.toBe(error);
    await expect(cache.get('a')).rejects.toBe(error);
    expect(load).toHaveBeenCalledTimes(1);
    clock.advance(30);
    await expect(cache.get('a')).rejects.toBe(error);
    expect(load).toHaveBeenCalledTimes(2);
  });
});

describe('LoadingCache: cancellation and timeouts', () => {
  it("a caller's signal rejects only that caller, with the signal's reason", async () => {
    const { calls, load } = manualLoader<number>();
    const cache = new LoadingCache<string, number>({ load, maxEntries: 10 });
    const controller = new AbortController();
    const leaving = cache.get('a', { signal: controller.signal });
    const staying = cache.get('a');
    const reason = new Error('user navigated away');
    controller.abort(reason);
    await expect(leaving).rejects.toBe(reason);
    expect(calls[0]!.signal.aborted).toBe(false); // someone still waits
    calls[0]!.resolve(7);
    expect(await staying).toBe(7);
  });

  it("the loader's signal aborts when every waiter has gone", async () => {
    const { calls, load } = manualLoader<number>();
    const cache = new LoadingCache<string, number>({ load, maxEntries: 10 });
    const a = new AbortController();
    const b = new AbortController();
    const pa = cache.get('k', { signal: a.signal });
    const pb = cache.get('k', { signal: b.signal });
    a.abort('a left');
    expect(calls[0]!.signal.aborted).toBe(false);
    b.abort('b left');
    expect(calls[0]!.signal.aborted).toBe(true);
    await expect(pa).rejects.toBe('a left');
    await expect(pb).rejects.toBe('b left');
  });

  it('an already aborted signal rejects at once without loading', async () => {
    const { load } = manualLoader<number>();
    const cache = new LoadingCache<string, number>({ load, maxEntries: 10 });
    await expect(cache.get('k', { signal: AbortSignal.abort('gone') })).rejects.toBe('gone');
    expect(load).not.toHaveBeenCalled();
  });

  it('timeout: TimeoutError, or the stale value when staleIfError allows it', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const clock = new ManualClock();
    const { calls, load } = manualLoader<string>();
    const cache = new LoadingCache<string, string>({
      load,
      maxEntries: 10,
      clock,
      ttl: 10,
      staleIfError: 100,
      timeout: 500,
    });
    const slow = cache.get('fresh-miss');
    vi.advanceTimersByTime(500);
    await expect(slow).rejects.toBeInstanceOf(TimeoutError);
    expect(calls[0]!.signal.aborted).toBe(true); // its only waiter gave up

    cache.set('k', 'old');
    clock.advance(20); // stale, within staleIfError
    const waiting = cache.get('k');
    vi.advanceTimersByTime(500);
    expect(await waiting).toBe('old');
    expect(vi.getTimerCount()).toBe(0); // no timer left running
  });

  it('a background refresh that hangs is aborted after timeout, and leaves no timer', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const clock = new ManualClock();
    const { calls, load } = manualLoader<string>();
    const cache = new LoadingCache<string, string>({
      load,
      maxEntries: 10,
      clock,
      ttl: 10,
      staleWhileRevalidate: 100,
      timeout: 50,
    });
    cache.set('k', 'v');
    clock.advance(10);
    expect(await cache.get('k')).toBe('v'); // stale: a refresh starts in the background
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(50);
    expect(calls[0]!.signal.aborted).toBe(true);
    expect(calls[0]!.signal.reason).toBeInstanceOf(TimeoutError);
    calls[0]!.reject(calls[0]!.signal.reason);
    await flush();
    expect(vi.getTimerCount()).toBe(0);
    expect(cache.peek('k')).toBe('v'); // the failed refresh kept the old value
  });
});

describe('LoadingCache: races', () => {
  it('a load that finishes after invalidate never overwrites, and its signal is aborted', async () => {
    const { calls, load } = manualLoader<string>();
    const cache = new LoadingCache<string, string>({ load, maxEntries: 10 });
    const pending = cache.get('k');
    cache.invalidate('k');
    expect(calls[0]!.signal.aborted).toBe(true);
    calls[0]!.resolve('late');
    expect(await pending).toBe('late'); // its waiter still gets what the loader produced
    expect(cache.peek('k')).toBeUndefined();
  });

  it('a load that finishes after set() never overwrites the newer value', async () => {
    const { calls, load } = manualLoader<string>();
    const cache = new LoadingCache<string, string>({ load, maxEntries: 10 });
    const pending = cache.get('k');
    cache.set('k', 'newer');
    calls[0]!.resolve('older');
    await pending;
    expect(cache.peek('k')).toBe('newer');
  });

  it('clear() during loads leaves nothing behind', async () => {
    const { calls, load } = manualLoader<string>();
    const cache = new LoadingCache<string, string>({ load, maxEntries: 10 });
    const pending = [cache.get('a'), cache.get('b')];
    cache.clear();
    expect(calls.every((c) => c.signal.aborted)).toBe(true);
    for (const c of calls) c.resolve(c.key);
    await Promise.all(pending);
    expect(cache.size).toBe(0);
    expect(cache.peek('a')).toBeUndefined();
    const again = cache.get('a'); // nothing in flight is left either: a new load starts
    expect(load).toHaveBeenCalledTimes(3);
    calls[2]!.resolve('x');
    expect(await again).toBe('x');
  });

  it('refresh() loads again and resolves with the new value; failed refreshes are never unhandled', async () => {
    const { calls, load } = manualLoader<number>();
    const cache = new LoadingCache<string, number>({ load, maxEntries: 10 });
    cache.set('k', 1);
    const refreshed = cache.refresh('k');
    expect(calls[0]!.stale).toBe(1);
    expect(await cache.get('k')).toBe(1); // still served meanwhile
    calls[0]!.resolve(2);
    expect(await refreshed).toBe(2);
    expect(cache.peek('k')).toBe(2);
    void cache.refresh('k').catch(() => {});
    calls[1]!.reject(new Error('refresh failed'));
    await flush();
    expect(cache.peek('k')).toBe(2);
  });
});

describe('LoadingCache: the LruCache options it passes through', () => {
  it('maxEntries evicts, onEvict sees values (not remembered failures), stats count evictions', async () => {
    const evicted: Array<[string, number, string]> = [];
    const cache = new LoadingCache<string, number>({
      maxEntries: 2,
      errorTtl: 1_000,
      load: (key) => (key === 'bad' ? Promise.reject(new Error('x')) : key.length),
      onEvict: (value, key, reason) => evicted.push([key, value, reason]),
    });
    await cache.get('a');
    await expect(cache.get('bad')).rejects.toThrow('x');
    await cache.get('ccc'); // evicts 'a'
    await cache.get('dddd'); // evicts the remembered failure: no callback for it
    expect(evicted).toEqual([['a', 1, 'evict']]);
    expect(cache.stats.evictions).toBe(2);
    expect(cache.size).toBe(2);
  });

  it('maxSize with sizeOf measures loaded values', async () => {
    const cache = new LoadingCache<string, string>({
      maxSize: 10,
      sizeOf: (value) => value.length,
      load: (key) => key.repeat(4),
    });
    await cache.get('a');
    await cache.get('b');
    await cache.get('c'); // 12 > 10: 'a' goes
    expect(cache.peek('a')).toBeUndefined();
    expect(cache.peek('c')).toBe('cccc');
  });

  it('autoPurge removes entries whose last stale window closed, on the clock’s timers', async () => {
    const clock = new ManualClock();
    const cache = new LoadingCache<string, number>({
      maxEntries: 10,
      clock,
      ttl: 10,
      staleWhileRevalidate: 5,
      autoPurge: true,
      load: () => 1,
    });
    await cache.get('a');
    expect(clock.pendingTimers).toBe(1);
    clock.advance(15);
    expect(cache.size).toBe(0);
    expect(clock.pendingTimers).toBe(0);
  });
});

describe('LoadingCache: bad input', () => {
  const load = () => 1;
  it.each([
    [{ maxEntries: 1 }, TypeError, /option "load" must be a function, got undefined/],
    [{ load: 'x', maxEntries: 1 }, TypeError, /option "load" must be a function, got "x"/],
    [{ load }, TypeError, /needs option "maxEntries" or "maxSize"/],
    [{ load, maxEntries: 1, ttl: 0 }, RangeError, /option "ttl" must be .*, got 0/],
    [
      { load, maxEntries: 1, staleWhileRevalidate: -1 },
      RangeError,
      /"staleWhileRevalidate".*got -1/,
    ],
    [{ load, maxEntries: 1, staleIfError: '1' }, TypeError, /"staleIfError".*got "1"/],
    [{ load, maxEntries: 1, refreshAhead: 1 }, RangeError, /"refreshAhead".*got 1/],
    [{ load, maxEntries: 1, refreshAhead: 0 }, RangeError, /"refreshAhead".*got 0/],
    [{ load, maxEntries: 1, jitter: -0.1 }, RangeError, /"jitter".*got -0.1/],
    [{ load, maxEntries: 1, errorTtl: Number.NaN }, RangeError, /"errorTtl".*got NaN/],
    [{ load, maxEntries: 1, timeout: 0 }, RangeError, /"timeout".*got 0/],
    [{ load, maxEntries: 1, shouldCache: true }, TypeError, /"shouldCache".*got true/],
    [
      { load, maxEntries: 1, staleWhileRevalidat: 5 },
      TypeError,
      /unknown option "staleWhileRevalidat"/,
    ],
    [{ load, maxEntries: 0 }, RangeError, /option "maxEntries" must be a positive integer, got 0/],
    [
      { load, maxEntries: 1, updateAgeOnGet: true },
      TypeError,
      /option "updateAgeOnGet" is not supported by LoadingCache/,
    ],
    [
      { load, maxEntries: 1, l2: {} },
      TypeError,
      /option "l2" must be an object with methods get, set, delete, clear, got an object/,
    ],
    [
      { load, maxEntries: 1, l2: 'redis://x' },
      TypeError,
      /option "l2" must be .*got "redis:\/\/x"/,
    ],
    [
      { load, maxEntries: 1, bus: { publish() {} } },
      TypeError,
      /option "bus" must be an object with methods publish, subscribe/,
    ],
    [
      { load, maxEntries: 1, onError: 'log' },
      TypeError,
      /option "onError" must be a function, got "log"/,
    ],
  ])('refuses %o', (options, error, message) => {
    expect(() => new LoadingCache(options as never)).toThrow(error);
    expect(() => new LoadingCache(options as never)).toThrow(message);
  });

  it('refuses a bad get() signal without loading, as a rejected Promise (get never throws)', async () => {
    const spy = vi.fn(load);
    const cache = new LoadingCache<string, number>({ load: spy, maxEntries: 1 });
    await expect(cache.get('a', { signal: 'no' as never })).rejects.toThrow(/option "signal"/);
    expect(spy).not.toHaveBeenCalled();
  });
});
