// Issue 11, "LoadingCache under failure": one regression test per bug seen (numbered as in the
// issue), each failing on the code before the fix. The rules are API.md §2, "Loads under failure".
// Vitest fails the run on any unhandled rejection or uncaught exception, so every test here also
// checks that nothing escapes.
import {
  type BusListener,
  cached,
  type InvalidationBus,
  type InvalidationMessage,
  LoadingCache,
  memoize,
  stableKey,
  TimeoutError,
} from 'lrukit';
import { ManualClock } from 'lrukit/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { flush, type ManualCall, manualLoader } from '../shared/loaders.js';
import { MemoryBus, MemoryStore } from '../shared/memory-tiers.js';

/** Whether `promise` has settled, without waiting for it. */
async function state(promise: Promise<unknown>): Promise<'pending' | 'resolved' | 'rejected'> {
  let result: 'pending' | 'resolved' | 'rejected' = 'pending';
  promise.then(
    () => {
      result = 'resolved';
    },
    () => {
      result = 'rejected';
    },
  );
  await flush();
  return result;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('1. no key stuck for good', () => {
  it('a load every caller has left (timeout) is detached: the next get calls the loader again', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { calls, load } = manualLoader<string>();
    const cache = new LoadingCache<string, string>({ load, maxEntries: 10, timeout: 50 });
    const first = cache.get('k');
    vi.advanceTimersByTime(50);
    await expect(first).rejects.toBeInstanceOf(TimeoutError);
    expect(calls[0]!.signal.aborted).toBe(true);
    expect(calls[0]!.signal.reason).toBeInstanceOf(TimeoutError);

    const second = cache.get('k');
    expect(load).toHaveBeenCalledTimes(2); // a fresh load, not the hung one
    calls[1]!.resolve('v');
    expect(await second).toBe('v');
    // the first loader settles late: dropped, it neither overwrites nor counts
    calls[0]!.resolve('late');
    await flush();
    expect(cache.peek('k')).toBe('v');
    expect(cache.stats).toMatchObject({ loads: 1, loadErrors: 1 });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a hung stale-while-revalidate refresh is detached after timeout; a later access refreshes again', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const clock = new ManualClock();
    const { calls, load } = manualLoader<string>();
    const cache = new LoadingCache<string, string>({
      load,
      maxEntries: 10,
      clock,
      ttl: 10,
      staleWhileRevalidate: 1_000,
      timeout: 50,
    });
    cache.set('k', 'old');
    clock.advance(10);
    expect(await cache.get('k')).toBe('old');
    expect(load).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(50);
    expect(calls[0]!.signal.aborted).toBe(true);
    expect(await cache.get('k')).toBe('old');
    expect(load).toHaveBeenCalledTimes(2); // refreshed again: the key is not wedged
    calls[1]!.resolve('new');
    await flush();
    expect(cache.peek('k')).toBe('new');
    calls[0]!.resolve('late');
    await flush();
    expect(cache.peek('k')).toBe('new');
    expect(cache.stats).toMatchObject({ refreshes: 2, loads: 1, loadErrors: 1 });
  });

  it('a hung refresh-ahead is detached after timeout too', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const clock = new ManualClock();
    const { calls, load } = manualLoader<string>();
    const cache = new LoadingCache<string, string>({
      load,
      maxEntries: 10,
      clock,
      ttl: 100,
      refreshAhead: 0.5,
      timeout: 50,
    });
    cache.set('k', 'v1');
    clock.advance(60);
    await cache.get('k');
    vi.advanceTimersByTime(50);
    expect(calls[0]!.signal.aborted).toBe(true);
    await cache.get('k');
    expect(load).toHaveBeenCalledTimes(2);
  });
});

describe("2. one caller's abort never reaches another", () => {
  it('a caller without a signal arriving just after the only waiter aborted starts a fresh load', async () => {
    const { calls, load } = manualLoader<string>();
    const cache = new LoadingCache<string, string>({ load, maxEntries: 10, errorTtl: 1_000 });
    const controller = new AbortController();
    const reason = new Error('user left');
    const leaving = cache.get('k', { signal: controller.signal });
    controller.abort(reason);
    await expect(leaving).rejects.toBe(reason);
    // the loader honours its signal and rejects with its reason: that must reach nobody
    calls[0]!.reject(calls[0]!.signal.reason);
    const staying = cache.get('k');
    expect(load).toHaveBeenCalledTimes(2);
    calls[1]!.resolve('v');
    expect(await staying).toBe('v');
    expect(cache.stats.loadErrors).toBe(0); // an abort is not a load error
  });

  it('errorTtl never remembers an abort reason', async () => {
    const { calls, load } = manualLoader<string>();
    const cache = new LoadingCache<string, string>({ load, maxEntries: 10, errorTtl: 1_000 });
    const controller = new AbortController();
    const leaving = cache.get('k', { signal: controller.signal });
    controller.abort(new Error('mine'));
    await expect(leaving).rejects.toThrow('mine');
    calls[0]!.reject(new Error('mine')); // a loader that rethrows what it saw
    await flush();
    const later = cache.get('k');
    calls[1]!.resolve('ok');
    expect(await later).toBe('ok');
  });

  it("refresh() is a waiter: a caller's abort does not cancel it", async () => {
    const { calls, load } = manualLoader<string>();
    const cache = new LoadingCache<string, string>({ load, maxEntries: 10 });
    const refreshing = cache.refresh('k');
    const controller = new AbortController();
    const caller = cache.get('k', { signal: controller.signal });
    controller.abort('gone');
    await expect(caller).rejects.toBe('gone');
    expect(calls[0]!.signal.aborted).toBe(false);
    calls[0]!.resolve('v');
    expect(await refreshing).toBe('v');
    expect(cache.peek('k')).toBe('v');
  });

  it('a background refresh is a waiter: a caller joining it and aborting does not cancel it', async () => {
    const clock = new ManualClock();
    const { calls, load } = manualLoader<string>();
    const cache = new LoadingCache<string, string>({
      load,
      maxEntries: 10,
      clock,
      ttl: 10,
      refreshAhead: 0.5,
    });
    cache.set('k', 'v1');
    clock.advance(6);
    await cache.get('k'); // starts a refresh-ahead
    cache.invalidate('other');
    clock.advance(10); // expired now: a caller waits on the refresh in flight
    const controller = new AbortController();
    const caller = cache.get('k', { signal: controller.signal });
    controller.abort('gone');
    await expect(caller).rejects.toBe('gone');
    expect(calls[0]!.signal.aborted).toBe(false);
    calls[0]!.resolve('v2');
    await flush();
    expect(cache.peek('k')).toBe('v2');
  });

  it('a storm of 1,000 callers with random aborts: each gets a value or its own reason', async () => {
    // a loader that honours its signal the way fetch does: it rejects with the signal's reason
    const calls: Array<ManualCall<number>> = [];
    const load = (key: string, { signal }: { signal: AbortSignal }) =>
      new Promise<number>((resolve, reject) => {
        calls.push({ key, signal, stale: undefined, resolve, reject });
        signal.addEventListener('abort', () => reject(signal.reason), { once: true });
      });
    const cache = new LoadingCache<string, number>({ load, maxEntries: 10 });
    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const callers: Array<{
      promise: Promise<number>;
      controller?: AbortController;
      reason: object;
    }> = [];
    const live: Array<(typeof callers)[number]> = [];
    for (let i = 0; callers.length < 1_000; i++) {
      const dice = random();
      if (dice < 0.5 || live.length === 0) {
        // a caller with a signal joins (or starts) the load
        const controller = new AbortController();
        const caller = {
          promise: cache.get('k', { signal: controller.signal }),
          controller,
          reason: { caller: i },
        };
        callers.push(caller);
        live.push(caller);
      } else if (dice < 0.85) {
        // one leaves: when it was the last, the next caller must not inherit its reason
        const [victim] = live.splice(Math.floor(random() * live.length), 1);
        victim!.controller!.abort(victim!.reason);
      } else if (dice < 0.9) {
        // a caller without a signal arrives just after, then the load finishes
        callers.push({ promise: cache.get('k'), reason: { caller: i } });
        calls.at(-1)!.resolve(i);
        cache.invalidate('k');
        live.length = 0;
        await flush();
      } else {
        calls.at(-1)!.resolve(i);
        cache.invalidate('k');
        live.length = 0;
        await flush();
      }
    }
    for (const call of calls) call.resolve(-1);
    const results = await Promise.allSettled(callers.map((c) => c.promise));
    results.forEach((result, i) => {
      if (result.status === 'rejected') expect(result.reason).toBe(callers[i]!.reason);
    });
    expect(results.some((r) => r.status === 'rejected')).toBe(true);
    expect(cache.stats.loadErrors).toBe(0);
  });
});

describe('3. refresh() obeys timeout', () => {
  it('with a hung loader, refresh() rejects with TimeoutError and the load is detached', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { calls, load } = manualLoader<string>();
    const cache = new LoadingCache<string, string>({ load, maxEntries: 10, timeout: 100 });
    const refreshing = cache.refresh('k');
    vi.advanceTimersByTime(100);
    await expect(refreshing).rejects.toBeInstanceOf(TimeoutError);
    expect(calls[0]!.signal.aborted).toBe(true);
    const again = cache.refresh('k');
    expect(load).toHaveBeenCalledTimes(2);
    calls[1]!.resolve('v');
    expect(await again).toBe('v');
  });
});

describe('4. a throwing onEvict never leaves a half-done operation', () => {
  const boom = new Error('onEvict failed');
  function tiered() {
    const clock = new ManualClock();
    const store = new MemoryStore<string>(clock);
    const bus = new MemoryBus();
    const { calls, load } = manualLoader<string>();
    const errors: unknown[] = [];
    const cache = new LoadingCache<string, string>({
      load,
      maxEntries: 10,
      clock,
      ttl: 100,
      l2: store,
      bus,
      onEvict: () => {
        throw boom;
      },
      onError: (error) => errors.push(error),
    });
    return { clock, store, bus, calls, cache, errors };
  }

  it('invalidate: cancels the load in flight, deletes from L2, publishes, then throws', async () => {
    const { store, bus, calls, cache } = tiered();
    cache.set('k', 'v');
    await cache.flush();
    const loading = cache.refresh('k'); // refresh() asks the loader at once
    expect(() => cache.invalidate('k')).toThrow(boom);
    expect(calls[0]!.signal.aborted).toBe(true);
    calls[0]!.resolve('late');
    expect(await loading).toBe('late'); // its caller still gets what the loader produced
    await cache.flush();
    expect(cache.peek('k')).toBeUndefined(); // but it did not come back into the cache
    expect(store.data.has('k')).toBe(false);
    expect(bus.sent.at(-1)).toMatchObject({ keys: ['k'] });
  });

  it('set: replaces the value, writes L2, publishes, then throws', async () => {
    const { store, bus, cache } = tiered();
    cache.set('k', 'v1');
    expect(() => cache.set('k', 'v2')).toThrow(boom);
    await cache.flush();
    expect(cache.peek('k')).toBe('v2');
    expect(store.data.get('k')?.value).toBe('v2');
    expect(bus.sent.map((m) => m.keys)).toEqual([['k'], ['k']]);
  });

  it('clear: aborts loads, clears L2, publishes, then throws', async () => {
    const { store, bus, calls, cache } = tiered();
    cache.set('a', '1');
    cache.set('b', '2');
    const pending = cache.get('c');
    await flush();
    expect(() => cache.clear()).toThrow(boom);
    expect(calls[0]!.signal.aborted).toBe(true);
    await cache.flush();
    expect(cache.size).toBe(0);
    expect(store.data.size).toBe(0);
    expect(bus.sent.at(-1)).toMatchObject({ clear: true });
    calls[0]!.resolve('late');
    await pending;
    expect(cache.peek('c')).toBeUndefined();
  });

  it('get never throws synchronously: removing an expired entry whose onEvict throws rejects', async () => {
    const { clock, cache, calls } = tiered();
    cache.set('k', 'v');
    clock.advance(100);
    let result: Promise<string> | undefined;
    expect(() => {
      result = cache.get('k');
    }).not.toThrow();
    await expect(result).rejects.toBe(boom);
    expect(cache.size).toBe(0); // the expired entry is gone, the cache consistent
    const next = cache.get('k');
    await flush();
    calls.at(-1)!.resolve('fresh');
    expect(await next).toBe('fresh');
  });

  it("a load's completion that evicts with a throwing onEvict: the caller gets the value, onError the error", async () => {
    const errors: unknown[] = [];
    const cache = new LoadingCache<string, string>({
      load: async (k) => k,
      maxEntries: 1,
      onEvict: () => {
        throw boom;
      },
      onError: (error, context) => errors.push([error, context]),
    });
    expect(await cache.get('a')).toBe('a');
    expect(await cache.get('b')).toBe('b'); // evicts 'a'
    expect(errors).toEqual([[boom, { tier: 'l1', operation: 'onEvict' }]]);
    expect(cache.peek('b')).toBe('b');
  });
});

describe('5. a failed L2 write never leaves the superseded value behind', () => {
  it('set: when L2 refuses the new value, the old one is deleted before the bus message goes out', async () => {
    const clock = new ManualClock();
    const store = new MemoryStore<string>(clock);
    const bus = new MemoryBus();
    const make = (name: string) =>
      new LoadingCache<string, string>({
        load: async (k) => `${k}@${name}`,
        maxEntries: 10,
        clock,
        l2: store,
        bus,
      });
    const a = make('a');
    const b = make('b');
    a.set('k', 'old');
    await a.flush();
    expect(await b.get('k')).toBe('old');
    store.fail.set = new Error('value too large');
    const order: string[] = [];
    const publish = bus.publish.bind(bus);
    bus.publish = async (message) => {
      order.push(`publish ${store.data.has('k') ? 'with old value in L2' : 'after delete'}`);
      return publish(message);
    };
    a.set('k', 'new');
    await a.flush();
    expect(order).toEqual(['publish after delete']);
    expect(store.data.has('k')).toBe(false);
    // b was told to drop its copy: it reloads, it does not read 'old' back
    expect(b.peek('k')).toBeUndefined();
    expect(await b.get('k')).toBe('k@b');
  });
});

describe('6. timer durations above 2^31 - 1 ms are refused', () => {
  const load = async () => 1;
  it.each([2 ** 31, 1e10, Number.MAX_VALUE])('timeout: %d is a RangeError', (timeout) => {
    expect(() => new LoadingCache({ load, maxEntries: 1, timeout })).toThrow(RangeError);
    expect(() => new LoadingCache({ load, maxEntries: 1, timeout })).toThrow(
      /"timeout".*2147483647/,
    );
    expect(() => memoize(load, { timeout })).toThrow(RangeError);
  });
  it('2^31 - 1 and Infinity are accepted, and a long timeout does not fire early', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { calls, load: manual } = manualLoader<number>();
    expect(() => new LoadingCache({ load, maxEntries: 1, timeout: Infinity })).not.toThrow();
    const cache = new LoadingCache<string, number>({
      load: manual,
      maxEntries: 1,
      timeout: 2 ** 31 - 1,
    });
    const pending = cache.get('k');
    vi.advanceTimersByTime(1_000);
    expect(await state(pending)).toBe('pending');
    calls[0]!.resolve(5);
    expect(await pending).toBe(5);
  });
});

describe('7. background paths never crash the process', () => {
  it('an onEvict that throws while a bus message is handled goes to onError', async () => {
    const clock = new ManualClock();
    const bus = new MemoryBus();
    const boom = new Error('onEvict failed');
    const errors: unknown[] = [];
    const receiver = new LoadingCache<string, string>({
      load: async (k) => k,
      maxEntries: 10,
      clock,
      bus,
      onEvict: () => {
        throw boom;
      },
      onError: (error, context) => errors.push([error, context]),
    });
    const sender = new LoadingCache<string, string>({ load: async (k) => k, maxEntries: 10, bus });
    await receiver.get('k');
    sender.invalidate('k');
    await sender.flush();
    expect(receiver.peek('k')).toBeUndefined();
    await receiver.get('k');
    sender.clear();
    await sender.flush();
    expect(receiver.size).toBe(0);
    expect(errors).toEqual([
      [boom, { tier: 'l1', operation: 'onEvict' }],
      [boom, { tier: 'l1', operation: 'onEvict' }],
    ]);
  });

  it('without onError, such an error is dropped, never thrown into the bus (which would rethrow it uncaught)', async () => {
    // delivers like redisBus: outside publish, where a listener's throw becomes uncaught
    const listeners = new Set<BusListener>();
    const bus: InvalidationBus = {
      publish: async (message) => {
        const copy = JSON.parse(JSON.stringify(message)) as InvalidationMessage;
        queueMicrotask(() => {
          for (const listener of listeners) listener.message(copy);
        });
      },
      subscribe: (listener) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    };
    const receiver = new LoadingCache<string, string>({
      load: async (k) => k,
      maxEntries: 10,
      bus,
      onEvict: () => {
        throw new Error('onEvict failed');
      },
    });
    const sender = new LoadingCache<string, string>({ load: async (k) => k, maxEntries: 10, bus });
    await receiver.get('k');
    sender.invalidate('k');
    await sender.flush();
    await flush();
    expect(receiver.size).toBe(0);
    expect(receiver.stats.busMessages).toBe(1);
  });
});

describe('8. smaller ones', () => {
  it('with a bus, a key the tiers cannot take never breaks gets of other keys', async () => {
    const bus = new MemoryBus();
    const cache = new LoadingCache<unknown, string>({
      load: async (k) => String(k),
      maxEntries: 4,
      bus,
    });
    await expect(cache.get({ id: 1 })).rejects.toThrow(TypeError);
    for (let i = 0; i < 200; i++) expect(await cache.get(i)).toBe(String(i));
  });

  it('a refused set() keeps the load in flight', async () => {
    const { calls, load } = manualLoader<number>();
    const cache = new LoadingCache<string, number>({
      load,
      maxEntries: 10,
      ttl: (value) => (value < 0 ? Number.NaN : 1_000),
    });
    const pending = cache.get('k');
    expect(() => cache.set('k', -1)).toThrow(RangeError);
    calls[0]!.resolve(5);
    expect(await pending).toBe(5);
    expect(cache.peek('k')).toBe(5); // the load was still the current one
    expect(cache.stats.sets).toBe(1);
  });

  it('a ttl function that throws fails the load, counted as a load error, not a load', async () => {
    const boom = new Error('bad max-age');
    const cache = new LoadingCache<string, number>({
      load: async () => 1,
      maxEntries: 10,
      ttl: () => {
        throw boom;
      },
    });
    await expect(cache.get('k')).rejects.toBe(boom);
    expect(cache.stats).toMatchObject({ loads: 0, loadErrors: 1 });
    expect(cache.size).toBe(0);
  });

  it('memoize refuses options that are not an object, naming memoize()', () => {
    const fn = async (x: number) => x;
    expect(() => memoize(fn, 5 as never)).toThrow(/memoize\(\) options must be an object, got 5/);
    expect(() => memoize(fn, null as never)).toThrow(
      /memoize\(\) options must be an object, got null/,
    );
  });

  it('memoize takes { maxEntries: undefined } as no bound given: the default 1,000 applies', async () => {
    const fn = async (x: number) => x;
    const m = memoize(fn, { maxEntries: undefined });
    for (let i = 0; i < 1_001; i++) await m(i);
    expect(m.cache.size).toBe(1_000);
    expect(m.peek(0)).toBeUndefined();
  });

  it('errors from memoize and @cached name that API and list the options it takes', () => {
    const fn = async (x: number) => x;
    const unknown = () => memoize(fn, { bogus: 1 } as never);
    expect(unknown).toThrow(/unknown option "bogus" in memoize\(\) options; known options: ttl,/);
    expect(unknown).toThrow(/, key$/); // its own option, and not "load", which it does not take
    expect(unknown).not.toThrow(/LoadingCache|\bload,/);
    expect(() => memoize(fn, { load: fn } as never)).toThrow(/"load" is not taken by memoize\(\)/);
    expect(() => memoize(fn, { updateAgeOnGet: true } as never)).toThrow(
      /not supported by memoize\(\)/,
    );
    const decorate = (options: object) =>
      cached(options as never)(async function method() {}, {
        kind: 'method',
        name: 'method',
        static: false,
        private: false,
        addInitializer() {},
      } as never);
    expect(() => decorate({ bogus: 1 })).toThrow(
      /unknown option "bogus" in @cached\(\) options; known options: .*, key, scope$/,
    );
    expect(() => decorate({ updateAgeOnGet: true })).toThrow(/not supported by @cached\(\)/);
  });
});

describe('the same rules through memoize and @cached', () => {
  it('memoize: a call whose fn hangs times out, and the next call runs fn again', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const settle: Array<(v: string) => void> = [];
    const fn = vi.fn(
      (q: string) => new Promise<string>((resolve) => settle.push(() => resolve(q))),
    );
    const search = memoize(fn, { timeout: 50 });
    const first = search('rust');
    vi.advanceTimersByTime(50);
    await expect(first).rejects.toBeInstanceOf(TimeoutError);
    const second = search('rust');
    expect(fn).toHaveBeenCalledTimes(2);
    settle[1]!('x');
    expect(await second).toBe('rust');
    settle[0]!('late'); // the abandoned call finishes: dropped
    await flush();
    expect(search.cache.stats).toMatchObject({ loads: 1, loadErrors: 1 });
  });

  it('memoize: refresh() obeys timeout; invalidate with a throwing onEvict still cancels', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const boom = new Error('onEvict failed');
    const fn = vi.fn((_q: string) => new Promise<string>(() => {}));
    const search = memoize(fn, {
      timeout: 50,
      onEvict: () => {
        throw boom;
      },
    });
    const refreshing = search.refresh('q');
    vi.advanceTimersByTime(50);
    await expect(refreshing).rejects.toBeInstanceOf(TimeoutError);
    search.cache.set(stableKey(['q']), 'v');
    expect(() => search.invalidate('q')).toThrow(boom);
    expect(search.peek('q')).toBeUndefined();
  });

  it('@cached: a hung method call times out and the next call runs it again', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let calls = 0;
    const method = async function (this: unknown, _id: string): Promise<string> {
      calls++;
      return new Promise<string>(() => {});
    };
    const replaced = cached({ timeout: 50, scope: 'class' })(method, {
      kind: 'method',
      name: 'byId',
      static: false,
      private: false,
      addInitializer() {},
    } as never) as (this: unknown, id: string) => Promise<string>;
    const self = {};
    const first = replaced.call(self, '1');
    vi.advanceTimersByTime(50);
    await expect(first).rejects.toBeInstanceOf(TimeoutError);
    const second = replaced.call(self, '1');
    second.catch(() => {});
    expect(calls).toBe(2);
    vi.advanceTimersByTime(50);
    await expect(second).rejects.toBeInstanceOf(TimeoutError);
  });
});

describe('found in review', () => {
  it('a clock that throws while a failed load falls back on stale values: no caller is left hanging', async () => {
    let broken = false;
    let now = 0;
    const clock = {
      now: () => {
        if (broken) throw new Error('clock broke');
        return now;
      },
    };
    const { calls, load } = manualLoader<string>();
    const cache = new LoadingCache<string, string>({
      load,
      maxEntries: 10,
      ttl: 10,
      staleIfError: 1_000,
      clock,
    });
    cache.set('k', 'old');
    now = 20; // stale: callers wait on a load, with the stale value as their fallback
    const waiters = [cache.get('k'), cache.get('k'), cache.get('k')];
    broken = true;
    const failure = new Error('backend down');
    calls[0]!.reject(failure);
    await flush();
    const states = await Promise.all(waiters.map(state));
    expect(states).toEqual(['rejected', 'rejected', 'rejected']);
    // the bookkeeping read the clock too: each caller gets the load's failure or the clock's
    for (const r of await Promise.allSettled(waiters)) {
      expect([failure.message, 'clock broke']).toContain(
        (r as PromiseRejectedResult).reason.message,
      );
    }
  });
});
