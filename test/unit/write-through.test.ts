// Write-through on LoadingCache (API.md §7): the store first, then the cache, L2 and the bus;
// a failed store call changes nothing cached; writes to one key are serialized; a load in flight
// never overwrites a written value. Time comes from a ManualClock; nothing sleeps.
import { cached, type ErrorContext, LoadingCache, memoize } from 'lrukit';
import { ManualClock } from 'lrukit/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { flush, manualLoader } from '../shared/loaders.js';
import { MemoryBus, MemoryStore } from '../shared/memory-tiers.js';

const inNode = typeof process !== 'undefined' && typeof process.on === 'function';
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
const onUnhandledEvent = (event: PromiseRejectionEvent) => unhandled.push(event.reason);
beforeEach(() => {
  unhandled.length = 0;
  if (inNode) process.on('unhandledRejection', onUnhandled);
  else globalThis.addEventListener('unhandledrejection', onUnhandledEvent);
});
afterEach(async () => {
  if (inNode) await new Promise<void>((resolve) => setImmediate(resolve));
  if (inNode) process.off('unhandledRejection', onUnhandled);
  else globalThis.removeEventListener('unhandledrejection', onUnhandledEvent);
  expect(unhandled, 'unhandled rejections during the test').toEqual([]);
});

/** One store call the test settles by hand. */
interface StoreCall<V> {
  key: string;
  value: V;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** A `write` whose calls the test settles by hand; `db` holds what was stored. */
function manualStore<V>() {
  const calls: Array<StoreCall<V>> = [];
  const db = new Map<string, V>();
  const write = vi.fn(
    (key: string, value: V) =>
      new Promise<void>((resolve, reject) => {
        calls.push({
          key,
          value,
          resolve: () => {
            db.set(key, value);
            resolve();
          },
          reject,
        });
      }),
  );
  return { calls, db, write };
}

describe('write-through: the store first', () => {
  it('calls the store, and caches the value only once the store has it', async () => {
    const clock = new ManualClock();
    const { calls, db, write } = manualStore<number>();
    const load = vi.fn((key: string) => db.get(key) ?? 0);
    const cache = new LoadingCache<string, number>({ load, write, maxEntries: 10, clock });
    cache.set('a', 1);
    const done = cache.write('a', 2);
    expect(write).toHaveBeenCalledWith('a', 2);
    await flush();
    expect(cache.peek('a')).toBe(1); // not before the store has it
    calls[0]!.resolve();
    await expect(done).resolves.toBeUndefined();
    expect(cache.peek('a')).toBe(2);
    expect(await cache.get('a')).toBe(2);
    expect(load).not.toHaveBeenCalled();
    expect(cache.stats).toMatchObject({ writes: 1, writeErrors: 0, queued: 0, batches: 0 });
  });

  it('on failure the caller gets the store error itself and nothing cached changes (L1, L2, bus)', async () => {
    const clock = new ManualClock();
    const l2 = new MemoryStore<number>(clock);
    const bus = new MemoryBus();
    const { calls, write } = manualStore<number>();
    const cache = new LoadingCache<string, number>({
      load: () => 0,
      write,
      maxEntries: 10,
      ttl: 1_000,
      clock,
      l2,
      bus,
    });
    cache.set('a', 1);
    await cache.flush();
    const l2Calls = l2.calls.length;
    const sent = bus.sent.length;
    clock.advance(400);
    const error = new Error('database down');
    const done = cache.write('a', 2);
    calls[0]!.reject(error);
    await expect(done).rejects.toBe(error);
    await cache.flush();
    expect(cache.peek('a')).toBe(1);
    expect(cache.expiresIn('a')).toBe(600); // not even refreshed
    expect(l2.data.get('a')?.value).toBe(1);
    expect(l2.calls.length).toBe(l2Calls);
    expect(bus.sent.length).toBe(sent);
    expect(cache.stats).toMatchObject({ writes: 0, writeErrors: 1 });
  });

  it('a store that throws synchronously, or returns a rejecting thenable, fails the write the same way', async () => {
    const error = new Error('sync');
    const cache = new LoadingCache<string, number>({
      load: () => 0,
      write: (key) => {
        if (key === 'sync') throw error;
        // biome-ignore lint/suspicious/noThenProperty: a thenable that is not a Promise, on purpose
        return { then: (_ok: unknown, fail: (e: unknown) => void) => fail(error) };
      },
      maxEntries: 10,
    });
    await expect(cache.write('sync', 1)).rejects.toBe(error);
    await expect(cache.write('thenable', 1)).rejects.toBe(error);
    expect(cache.has('sync')).toBe(false);
    expect(cache.has('thenable')).toBe(false);
    expect(cache.stats.writeErrors).toBe(2);
  });

  it('a store that returns a plain value (not a Promise) has succeeded', async () => {
    const db = new Map<string, number>();
    const cache = new LoadingCache<string, number>({
      load: () => 0,
      write: (key, value) => db.set(key, value), // returns the Map: not a Promise
      maxEntries: 10,
    });
    await cache.write('a', 7);
    expect(db.get('a')).toBe(7);
    expect(cache.peek('a')).toBe(7);
  });

  it('caches the written value as freshly loaded: full ttl, fresh window, refresh-ahead from now', async () => {
    const clock = new ManualClock();
    const { load, calls } = manualLoader<number>();
    const cache = new LoadingCache<string, number>({
      load,
      write: () => undefined,
      maxEntries: 10,
      ttl: 1_000,
      refreshAhead: 0.5,
      clock,
    });
    cache.set('a', 1);
    clock.advance(900);
    await cache.write('a', 2);
    expect(cache.expiresIn('a')).toBe(1_000);
    clock.advance(499);
    expect(await cache.get('a')).toBe(2);
    expect(calls).toHaveLength(0); // not yet at 50% of its ttl
    clock.advance(1);
    expect(await cache.get('a')).toBe(2);
    expect(calls).toHaveLength(1); // refresh-ahead counts from the write
  });

  it('uses writeMany with one entry when there is no write', async () => {
    const writeMany = vi.fn((_entries: Array<[string, number]>) => Promise.resolve());
    const cache = new LoadingCache<string, number>({ load: () => 0, writeMany, maxEntries: 10 });
    await cache.write('a', 1);
    expect(writeMany).toHaveBeenCalledWith([['a', 1]]);
    expect(cache.peek('a')).toBe(1);
  });

  it('a hung store call keeps its caller waiting (writes have no timeout) but blocks no other key', async () => {
    const { calls, write } = manualStore<number>();
    const cache = new LoadingCache<string, number>({
      load: () => 0,
      write,
      maxEntries: 10,
      timeout: 50, // for loads only
    });
    let settled = false;
    cache.write('hung', 1).then(
      () => (settled = true),
      () => (settled = true),
    );
    const other = cache.write('b', 2);
    calls[1]!.resolve();
    await other;
    expect(cache.peek('b')).toBe(2);
    await flush();
    expect(settled).toBe(false);
    expect(cache.has('hung')).toBe(false);
    calls[0]!.resolve(); // let it finish: nothing left pending
    await flush();
    expect(settled).toBe(true);
  });
});

describe('write-through: ordering and loads', () => {
  it('two writes to one key run one after the other: the later value ends up stored and cached', async () => {
    const { calls, db, write } = manualStore<number>();
    const cache = new LoadingCache<string, number>({ load: () => 0, write, maxEntries: 10 });
    const first = cache.write('k', 1);
    const second = cache.write('k', 2);
    await flush();
    expect(calls).toHaveLength(1); // the second waits for the first
    calls[0]!.resolve();
    await first;
    await flush();
    expect(calls).toHaveLength(2);
    expect(cache.peek('k')).toBe(1);
    calls[1]!.resolve();
    await second;
    expect(db.get('k')).toBe(2);
    expect(cache.peek('k')).toBe(2);
  });

  it('a failed earlier write does not stop the next one to the same key', async () => {
    const { calls, db, write } = manualStore<number>();
    const cache = new LoadingCache<string, number>({ load: () => 0, write, maxEntries: 10 });
    const first = cache.write('k', 1);
    const second = cache.write('k', 2);
    calls[0]!.reject(new Error('conflict'));
    await expect(first).rejects.toThrow('conflict');
    await flush();
    calls[1]!.resolve();
    await second;
    expect(db.get('k')).toBe(2);
    expect(cache.peek('k')).toBe(2);
  });

  it('a load in flight never overwrites the written value; its earlier callers still get what it loaded', async () => {
    const { calls: loads, load } = manualLoader<number>();
    const { calls: stores, write } = manualStore<number>();
    const cache = new LoadingCache<string, number>({ load, write, maxEntries: 10 });
    const before = cache.get('k'); // a load starts (reads the old value from the store)
    const written = cache.write('k', 2);
    stores[0]!.resolve();
    await written;
    loads[0]!.resolve(1); // the old value arrives after the write
    expect(await before).toBe(1); // asked before the write resolved
    expect(cache.peek('k')).toBe(2);
    expect(await cache.get('k')).toBe(2); // a read after the write sees the write
    expect(loads).toHaveLength(1);
  });

  it('a load that completes while the store call runs is replaced when the write lands', async () => {
    const { calls: loads, load } = manualLoader<number>();
    const { calls: stores, write } = manualStore<number>();
    const cache = new LoadingCache<string, number>({ load, write, maxEntries: 10 });
    const before = cache.get('k');
    const written = cache.write('k', 2);
    loads[0]!.resolve(1);
    expect(await before).toBe(1);
    expect(cache.peek('k')).toBe(1);
    stores[0]!.resolve();
    await written;
    expect(cache.peek('k')).toBe(2);
  });
});

describe('write-through: shared tier and bus', () => {
  it('writes the value to L2 and announces it: another cache on the bus drops its copy', async () => {
    const clock = new ManualClock();
    const l2 = new MemoryStore<number>(clock);
    const bus = new MemoryBus();
    const db = new Map<string, number>([['k', 1]]);
    const load = vi.fn((key: string) => db.get(key)!);
    const options = { load, maxEntries: 10, ttl: 1_000, clock, l2, bus };
    const writer = new LoadingCache<string, number>({
      ...options,
      write: (key, value) => void db.set(key, value),
    });
    const reader = new LoadingCache<string, number>(options);
    expect(await reader.get('k')).toBe(1);
    await reader.flush();
    await writer.write('k', 2);
    await writer.flush();
    await flush();
    expect(l2.data.get('k')).toMatchObject({ value: 2, expires: 1_000 });
    expect(bus.sent.at(-1)).toMatchObject({ keys: ['k'] });
    expect(reader.peek('k')).toBeUndefined(); // dropped by the bus message
    expect(await reader.get('k')).toBe(2); // from L2
    await writer.close();
    await reader.close();
  });

  it('a key the tiers cannot take is refused before the store is called', async () => {
    const write = vi.fn();
    const cache = new LoadingCache<object, number>({
      load: () => 0,
      write,
      maxEntries: 10,
      bus: new MemoryBus(),
    });
    await expect(cache.write({}, 1)).rejects.toThrow(TypeError);
    expect(write).not.toHaveBeenCalled();
    await cache.close();
  });
});

describe('write-through: callbacks that throw', () => {
  it('a ttl function that throws refuses the write before the store is called', async () => {
    const write = vi.fn();
    const error = new Error('bad ttl');
    const cache = new LoadingCache<string, number>({
      load: () => 0,
      write,
      maxEntries: 10,
      ttl: (value) => {
        if (value < 0) throw error;
        return 1_000;
      },
    });
    cache.set('a', 1);
    await expect(cache.write('a', -1)).rejects.toBe(error);
    expect(write).not.toHaveBeenCalled();
    expect(cache.peek('a')).toBe(1);
  });

  it('a sizeOf that throws after the store took the value: the superseded copy is dropped everywhere, the caller gets the error', async () => {
    const clock = new ManualClock();
    const l2 = new MemoryStore<number>(clock);
    const bus = new MemoryBus();
    const db = new Map<string, number>();
    const error = new Error('sizeOf');
    const cache = new LoadingCache<string, number>({
      load: (key) => db.get(key) ?? 0,
      write: (key, value) => void db.set(key, value),
      maxSize: 100,
      sizeOf: (value) => {
        if (value < 0) throw error;
        return 1;
      },
      clock,
      l2,
      bus,
    });
    cache.set('a', 1);
    await cache.flush();
    await expect(cache.write('a', -1)).rejects.toBe(error);
    await cache.flush();
    expect(db.get('a')).toBe(-1); // the store has it
    expect(cache.peek('a')).toBeUndefined(); // the old value is not served
    expect(l2.data.has('a')).toBe(false);
    expect(bus.sent.at(-1)).toMatchObject({ keys: ['a'] });
    await cache.close();
  });

  it('an onEvict that throws while the written value is cached goes to onError; the write resolves', async () => {
    const errors: Array<[unknown, ErrorContext]> = [];
    const error = new Error('onEvict');
    const cache = new LoadingCache<string, number>({
      load: () => 0,
      write: () => undefined,
      maxEntries: 1,
      onEvict: () => {
        throw error;
      },
      onError: (e, context) => errors.push([e, context]),
    });
    cache.set('a', 1);
    await expect(cache.write('b', 2)).resolves.toBeUndefined();
    expect(cache.peek('b')).toBe(2);
    expect(errors).toEqual([[error, { tier: 'l1', operation: 'onEvict' }]]);
  });
});

describe('write-through: flush', () => {
  it('waits for the writes made before it, not for later ones', async () => {
    const { calls, write } = manualStore<number>();
    const cache = new LoadingCache<string, number>({ load: () => 0, write, maxEntries: 10 });
    const before = cache.write('a', 1);
    let flushed = false;
    const flushing = cache.flush().then(() => (flushed = true));
    cache.write('b', 2).catch(() => {}); // after the flush: never settled here
    await flush();
    expect(flushed).toBe(false);
    calls[0]!.reject(new Error('failed')); // a failed write still settles the flush
    await expect(before).rejects.toThrow('failed');
    await flushing;
    expect(flushed).toBe(true);
  });
});

describe('write(): refusals and close', () => {
  it('is refused with a TypeError on a cache without write or writeMany', async () => {
    const cache = new LoadingCache<string, number>({ load: () => 0, maxEntries: 10 });
    await expect(cache.write('a', 1)).rejects.toThrow(TypeError);
    await expect(cache.write('a', 1)).rejects.toThrow(/needs option "write"/);
    expect(cache.has('a')).toBe(false);
  });

  it('refuses an extra argument', async () => {
    const write = vi.fn();
    const cache = new LoadingCache<string, number>({ load: () => 0, write, maxEntries: 10 });
    // @ts-expect-error write takes two arguments
    await expect(cache.write('a', 1, { ttl: 5 })).rejects.toThrow(/at most 2 arguments/);
    expect(write).not.toHaveBeenCalled();
  });

  it('memoize and @cached take no write options', () => {
    const fn = async (x: number) => x;
    // @ts-expect-error memoize has no writes
    expect(() => memoize(fn, { write: () => undefined })).toThrow(/unknown option "write"/);
    // @ts-expect-error memoize has no writes
    expect(() => memoize(fn, { writeBehind: {} })).toThrow(/unknown option "writeBehind"/);
    expect(() => {
      class Bad {
        // @ts-expect-error @cached has no writes
        @cached({ writeMany: () => undefined })
        async m() {}
      }
      return Bad;
    }).toThrow(/unknown option "writeMany"/);
  });

  it('close() waits for write-through calls in flight, then refuses writes; twice is the same promise', async () => {
    const { calls, write } = manualStore<number>();
    const cache = new LoadingCache<string, number>({ load: () => 0, write, maxEntries: 10 });
    const inFlight = cache.write('a', 1);
    const closing = cache.close();
    expect(cache.close()).toBe(closing);
    let closed = false;
    closing.then(() => (closed = true));
    await flush();
    expect(closed).toBe(false);
    calls[0]!.resolve();
    await inFlight;
    await closing;
    expect(cache.peek('a')).toBe(1);
    await expect(cache.write('a', 2)).rejects.toThrow(/after close\(\)/);
    expect(write).toHaveBeenCalledTimes(1);
    expect(await cache.get('a')).toBe(1); // reads still work
  });
});

describe('write options: bad input names the option and the value', () => {
  const base = { load: () => 0, maxEntries: 10 };
  const rows: Array<[string, Record<string, unknown>, ErrorConstructor, RegExp]> = [
    [
      'write not a function',
      { write: 'db' },
      TypeError,
      /option "write" must be a function, got "db"/,
    ],
    [
      'writeMany not a function',
      { writeMany: 1 },
      TypeError,
      /option "writeMany" must be a function, got 1/,
    ],
    [
      'writeBehind not an object',
      { write: () => 0, writeBehind: true },
      TypeError,
      /option "writeBehind" must be an object, got true/,
    ],
    [
      'writeBehind null',
      { write: () => 0, writeBehind: null },
      TypeError,
      /option "writeBehind" must be an object, got null/,
    ],
    [
      'writeBehind without a store',
      { writeBehind: {} },
      TypeError,
      /option "writeBehind" needs option "write" or "writeMany"/,
    ],
    [
      'unknown writeBehind key',
      { write: () => 0, writeBehind: { batchSize: 5 } },
      TypeError,
      /unknown option "batchSize" in option "writeBehind"/,
    ],
    [
      'negative delay',
      { write: () => 0, writeBehind: { delay: -1 } },
      RangeError,
      /option "writeBehind.delay" must be .*, got -1/,
    ],
    [
      'delay too long for a timer',
      { write: () => 0, writeBehind: { delay: 2 ** 31 } },
      RangeError,
      /"writeBehind.delay".*got 2147483648/,
    ],
    [
      'delay Infinity',
      { write: () => 0, writeBehind: { delay: Infinity } },
      RangeError,
      /"writeBehind.delay".*got Infinity/,
    ],
    [
      'maxBatch 0',
      { write: () => 0, writeBehind: { maxBatch: 0 } },
      RangeError,
      /option "writeBehind.maxBatch" must be an integer >= 1, got 0/,
    ],
    [
      'maxQueue 1.5',
      { write: () => 0, writeBehind: { maxQueue: 1.5 } },
      RangeError,
      /option "writeBehind.maxQueue" must be an integer >= 1, got 1.5/,
    ],
    [
      'maxQueue a string',
      { write: () => 0, writeBehind: { maxQueue: '10' } },
      TypeError,
      /"writeBehind.maxQueue" must be an integer >= 1, got "10"/,
    ],
    [
      'retries -1',
      { write: () => 0, writeBehind: { retries: -1 } },
      RangeError,
      /option "writeBehind.retries" must be an integer >= 0, got -1/,
    ],
    [
      'retryDelay 0',
      { write: () => 0, writeBehind: { retryDelay: 0 } },
      RangeError,
      /option "writeBehind.retryDelay" must be .*, got 0/,
    ],
    [
      'concurrency NaN',
      { write: () => 0, writeBehind: { concurrency: Number.NaN } },
      RangeError,
      /option "writeBehind.concurrency" must be an integer >= 1, got NaN/,
    ],
  ];
  it.each(rows)('%s', (_name, extra, type, message) => {
    let error: unknown;
    try {
      new LoadingCache<string, number>({ ...base, ...extra } as never);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(type);
    expect((error as Error).message).toMatch(message);
  });

  it('accepts writeBehind: {} (every default) and delay 0', () => {
    expect(() => new LoadingCache({ ...base, write: () => 0, writeBehind: {} })).not.toThrow();
    expect(
      () => new LoadingCache({ ...base, writeMany: () => 0, writeBehind: { delay: 0 } }),
    ).not.toThrow();
  });
});
