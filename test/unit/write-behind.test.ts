// Write-behind on LoadingCache (API.md §7): cached at once and queued; coalescing and per-key
// order; batches to writeMany, or write per key with bounded concurrency; retries with backoff on
// the cache's clock, then onError; backpressure; reads see queued writes; flush and close.
// Every delay and backoff runs on a ManualClock: nothing sleeps.
import {
  type ErrorContext,
  LoadingCache,
  type WriteBehindOptions,
  WriteError,
  type WriteErrorContext,
  type WriteOptions,
} from 'lrukit';
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

/** One `writeMany` call the test settles by hand. */
interface BatchCall {
  entries: Array<[string, number]>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** A `writeMany` whose calls the test settles by hand; `db` holds what was stored. */
function manualBatches() {
  const calls: BatchCall[] = [];
  const db = new Map<string, number>();
  const log: Array<[string, number]> = [];
  const writeMany = vi.fn(
    (entries: Array<[string, number]>) =>
      new Promise<void>((resolve, reject) => {
        calls.push({
          entries: entries.map(([k, v]): [string, number] => [k, v]),
          resolve: () => {
            for (const [k, v] of entries) {
              db.set(k, v);
              log.push([k, v]);
            }
            resolve();
          },
          reject,
        });
      }),
  );
  return { calls, db, log, writeMany };
}

/** A store that writes at once, or fails while `down` is set. */
function flakyStore() {
  const db = new Map<string, number>();
  const state = { down: undefined as unknown, calls: 0 };
  const writeMany = vi.fn((entries: Array<[string, number]>) => {
    state.calls++;
    if (state.down !== undefined) return Promise.reject(state.down);
    for (const [k, v] of entries) db.set(k, v);
    return Promise.resolve();
  });
  return { db, state, writeMany };
}

/** A write-behind cache on `clock`: the loader answers 0, ten entries, `store` and `writeBehind`. */
function behind(
  clock: ManualClock,
  store: WriteOptions<string, number>,
  writeBehind: WriteBehindOptions,
): LoadingCache<string, number> {
  return new LoadingCache<string, number>({
    load: () => 0,
    ...store,
    writeBehind,
    maxEntries: 10,
    clock,
  });
}

describe('write-behind: queued, coalesced, batched', () => {
  it('caches at once and writes after delay, in one writeMany call', async () => {
    const clock = new ManualClock();
    const { calls, db, writeMany } = manualBatches();
    const load = vi.fn(() => -1);
    const cache = new LoadingCache<string, number>({
      load,
      writeMany,
      writeBehind: { delay: 100 },
      maxEntries: 10,
      clock,
    });
    await cache.write('a', 1);
    await cache.write('b', 2);
    expect(await cache.get('a')).toBe(1);
    expect(load).not.toHaveBeenCalled();
    expect(cache.stats).toMatchObject({ queued: 2, batches: 0, writes: 0 });
    clock.advance(99);
    expect(writeMany).not.toHaveBeenCalled();
    clock.advance(1);
    expect(calls.map((c) => c.entries)).toEqual([
      [
        ['a', 1],
        ['b', 2],
      ],
    ]);
    expect(cache.stats).toMatchObject({ queued: 2, batches: 1 }); // in flight still counts
    calls[0]!.resolve();
    await flush();
    expect([...db]).toEqual([
      ['a', 1],
      ['b', 2],
    ]);
    expect(cache.stats).toMatchObject({ queued: 0, batches: 1, writes: 2, writeErrors: 0 });
  });

  it('coalesces writes to one key: the last wins, one entry reaches the store', async () => {
    const clock = new ManualClock();
    const { calls, writeMany } = manualBatches();
    const cache = behind(clock, { writeMany }, { delay: 100 });
    await cache.write('k', 1);
    await cache.write('k', 2);
    await cache.write('k', 3);
    expect(cache.stats.queued).toBe(1);
    clock.advance(100);
    expect(calls[0]!.entries).toEqual([['k', 3]]);
  });

  it('keeps per-key order: a write to a key in a store call waits for it, even on flush', async () => {
    const clock = new ManualClock();
    const { calls, log, writeMany } = manualBatches();
    const cache = behind(clock, { writeMany }, { delay: 10 });
    await cache.write('k', 1);
    clock.advance(10);
    expect(calls).toHaveLength(1);
    await cache.write('k', 2);
    await cache.write('other', 9);
    const flushed = cache.flush();
    expect(calls.map((c) => c.entries)).toEqual([[['k', 1]], [['other', 9]]]); // k=2 held back
    calls[0]!.resolve();
    await flush();
    expect(calls[2]!.entries).toEqual([['k', 2]]);
    calls[1]!.resolve();
    calls[2]!.resolve();
    await flushed;
    expect(log).toEqual([
      ['k', 1],
      ['other', 9],
      ['k', 2],
    ]);
    expect(cache.peek('k')).toBe(2);
  });

  it('sends batches of at most maxBatch, a full batch without waiting for delay', async () => {
    const clock = new ManualClock();
    const { calls, writeMany } = manualBatches();
    const cache = behind(clock, { writeMany }, { delay: 1_000, maxBatch: 2 });
    for (const [i, key] of ['a', 'b', 'c', 'd', 'e'].entries()) await cache.write(key, i);
    expect(calls.map((c) => c.entries.length)).toEqual([2, 2]); // full batches went at once
    clock.advance(1_000);
    expect(calls.map((c) => c.entries.length)).toEqual([2, 2, 1]);
    expect(cache.stats.batches).toBe(3);
  });

  it('without writeMany, calls write per key, at most `concurrency` at a time', async () => {
    const clock = new ManualClock();
    const pending: Array<() => void> = [];
    const stored: string[] = [];
    const write = vi.fn(
      (key: string) =>
        new Promise<void>((resolve) =>
          pending.push(() => {
            stored.push(key);
            resolve();
          }),
        ),
    );
    const cache = behind(clock, { write }, { delay: 0, concurrency: 2, maxBatch: 100 });
    for (const key of ['a', 'b', 'c', 'd', 'e']) await cache.write(key, 1);
    expect(write).toHaveBeenCalledTimes(2);
    const flushed = cache.flush();
    while (pending.length > 0) {
      pending.shift()!();
      await flush();
      expect(pending.length).toBeLessThanOrEqual(2);
    }
    await flushed;
    expect(stored).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(cache.stats).toMatchObject({ writes: 5, batches: 5, queued: 0 });
  });

  it('without writeMany, a single write still waits for delay (maxBatch ready writes go early)', async () => {
    const clock = new ManualClock();
    const write = vi.fn(() => Promise.resolve());
    const cache = behind(clock, { write }, { delay: 100, maxBatch: 3 });
    await cache.write('a', 1);
    await cache.write('b', 1);
    clock.advance(99);
    expect(write).not.toHaveBeenCalled();
    await cache.write('c', 1); // three ready: sending starts
    expect(write).toHaveBeenCalledTimes(1);
    clock.advance(1); // b is due
    await flush();
    expect(write).toHaveBeenCalledTimes(2);
    clock.advance(98);
    expect(write).toHaveBeenCalledTimes(2);
    clock.advance(1); // c is due (written at 99)
    expect(write).toHaveBeenCalledTimes(3);
  });

  it('a due write waits for a free call slot without spinning the clock (regression: a 0 ms timer re-armed forever)', async () => {
    const clock = new ManualClock();
    const { calls, writeMany } = manualBatches();
    const cache = behind(clock, { writeMany }, { delay: 10, concurrency: 1 });
    await cache.write('a', 1);
    clock.advance(10);
    await cache.write('b', 2);
    clock.advance(10); // b is due, the only slot is taken: this returned only after the fix
    expect(calls).toHaveLength(1);
    expect(clock.pendingTimers).toBe(0);
    calls[0]!.resolve();
    await flush();
    expect(calls[1]!.entries).toEqual([['b', 2]]);
  });

  it('a store that returns a plain value (not a Promise) has stored the batch', async () => {
    const db = new Map<string, number>();
    const cache = new LoadingCache<string, number>({
      load: () => 0,
      writeMany: (entries) => {
        for (const [k, v] of entries) db.set(k, v);
        return entries.length; // not a Promise
      },
      writeBehind: { delay: 10 },
      maxEntries: 10,
      clock: new ManualClock(),
    });
    await cache.write('a', 1);
    await cache.flush();
    expect(db.get('a')).toBe(1);
    expect(cache.stats).toMatchObject({ writes: 1, writeErrors: 0, queued: 0 });
  });

  it('delay 0 sends at once', async () => {
    const { calls, writeMany } = manualBatches();
    const cache = new LoadingCache<string, number>({
      load: () => 0,
      writeMany,
      writeBehind: { delay: 0 },
      maxEntries: 10,
      clock: new ManualClock(),
    });
    await cache.write('a', 1);
    expect(calls).toHaveLength(1);
  });
});

describe('write-behind: failures', () => {
  it('retries a failed batch with exponential backoff on the clock, then stores it', async () => {
    const clock = new ManualClock();
    const { db, state, writeMany } = flakyStore();
    const cache = behind(clock, { writeMany }, { delay: 10, retries: 3, retryDelay: 100 });
    state.down = new Error('down');
    await cache.write('a', 1);
    clock.advance(10);
    await flush();
    expect(state.calls).toBe(1);
    clock.advance(99);
    await flush();
    expect(state.calls).toBe(1);
    clock.advance(1); // 1st retry after 100 ms
    await flush();
    expect(state.calls).toBe(2);
    clock.advance(199);
    await flush();
    expect(state.calls).toBe(2);
    state.down = undefined;
    clock.advance(1); // 2nd retry after 200 more
    await flush();
    expect(state.calls).toBe(3);
    expect(db.get('a')).toBe(1);
    expect(cache.stats).toMatchObject({ writeErrors: 2, writes: 1, batches: 3, queued: 0 });
    expect(clock.pendingTimers).toBe(0);
  });

  it('after every retry, gives the entries to onError, drops the cached copy, and flush rejects with them', async () => {
    const clock = new ManualClock();
    const { state, writeMany } = flakyStore();
    const reports: Array<[unknown, ErrorContext | WriteErrorContext<string, number>]> = [];
    const load = vi.fn(() => 0);
    const cache = new LoadingCache<string, number>({
      load,
      writeMany,
      writeBehind: { delay: 10, retries: 2, retryDelay: 100 },
      maxEntries: 10,
      clock,
      onError: (error, context) => reports.push([error, context]),
    });
    const first = new Error('down 1');
    const last = new Error('down 3');
    state.down = first;
    await cache.write('a', 1);
    await cache.write('b', 2);
    const flushed = cache.flush();
    let outcome: unknown;
    flushed.catch((e: unknown) => (outcome = e));
    await flush();
    clock.advance(100);
    await flush();
    state.down = last;
    clock.advance(200);
    await flush();
    expect(state.calls).toBe(3);
    expect(outcome).toBeInstanceOf(WriteError);
    const error = outcome as WriteError<string, number>;
    expect(error.entries).toEqual([
      ['a', 1],
      ['b', 2],
    ]);
    expect(error.cause).toBe(last);
    expect(error.code).toBe('ERR_LRUKIT_WRITE');
    expect(reports).toEqual([
      [
        last,
        {
          tier: 'store',
          operation: 'writeMany',
          entries: [
            ['a', 1],
            ['b', 2],
          ],
          attempts: 3,
        },
      ],
    ]);
    // the cache no longer serves what the store never got
    expect(cache.peek('a')).toBeUndefined();
    expect(await cache.get('a')).toBe(0);
    expect(load).toHaveBeenCalledTimes(1);
    expect(cache.stats).toMatchObject({ writeErrors: 3, writes: 0, queued: 0 });
  });

  it('a throwing onError loses nothing: flush still rejects with the entries', async () => {
    const clock = new ManualClock();
    const cache = new LoadingCache<string, number>({
      load: () => 0,
      write: () => {
        throw new Error('sync throw');
      },
      writeBehind: { retries: 0 },
      maxEntries: 10,
      clock,
      onError: () => {
        throw new Error('onError throws');
      },
    });
    await cache.write('a', 1);
    const error = await cache.flush().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WriteError);
    expect((error as WriteError).entries).toEqual([['a', 1]]);
    expect(((error as WriteError).cause as Error).message).toBe('sync throw');
  });

  it('a write given up before flush() was called went to onError only: the flush resolves', async () => {
    const clock = new ManualClock();
    const reported: unknown[] = [];
    const cache = new LoadingCache<string, number>({
      load: () => 0,
      writeMany: () => Promise.reject(new Error('down')),
      writeBehind: { delay: 0, retries: 0 },
      maxEntries: 10,
      clock,
      onError: (_e, context) => reported.push(context),
    });
    await cache.write('a', 1);
    await flush();
    expect(reported).toHaveLength(1);
    await expect(cache.flush()).resolves.toBeUndefined();
  });

  it('retries use write per key when there is no writeMany; operation says which', async () => {
    const clock = new ManualClock();
    const contexts: unknown[] = [];
    const cache = new LoadingCache<string, number>({
      load: () => 0,
      write: () => Promise.reject(new Error('no')),
      writeBehind: { retries: 0 },
      maxEntries: 10,
      clock,
      onError: (_e, context) => contexts.push(context),
    });
    await cache.write('a', 1);
    await cache.flush().catch(() => {});
    expect(contexts).toEqual([
      { tier: 'store', operation: 'write', entries: [['a', 1]], attempts: 1 },
    ]);
  });

  it('a write to a key whose batch waits for a retry replaces the value that batch will send', async () => {
    const clock = new ManualClock();
    const { db, state, writeMany } = flakyStore();
    const cache = behind(clock, { writeMany }, { delay: 10, retries: 1, retryDelay: 100 });
    state.down = new Error('down');
    await cache.write('a', 1);
    clock.advance(10);
    await flush();
    await cache.write('a', 2);
    expect(cache.stats.queued).toBe(1);
    state.down = undefined;
    clock.advance(100);
    await flush();
    expect(writeMany.mock.calls.map((c) => c[0])).toEqual([[['a', 1]], [['a', 2]]]);
    expect(db.get('a')).toBe(2);
  });

  it('a hung store call holds its keys and flush, but not other keys; the queue bound holds', async () => {
    const clock = new ManualClock();
    const { calls, writeMany } = manualBatches();
    const cache = behind(clock, { writeMany }, { delay: 0, maxQueue: 2, concurrency: 2 });
    await cache.write('hung', 1);
    let flushed = false;
    cache.flush().then(() => (flushed = true));
    await cache.write('b', 2);
    calls[1]!.resolve();
    await flush();
    expect(cache.stats.writes).toBe(1);
    expect(flushed).toBe(false);
    await cache.write('c', 3); // room again: 'hung' + 'c'
    let admitted = false;
    cache.write('d', 4).then(() => (admitted = true));
    await flush();
    expect(admitted).toBe(false);
    expect(cache.stats.queued).toBe(2);
    calls[0]!.resolve();
    calls[2]!.resolve();
    await flush();
    expect(admitted).toBe(true);
    expect(flushed).toBe(true);
    calls[3]!.resolve();
    await cache.close();
  });
});

describe('write-behind: backpressure', () => {
  it('a full queue makes write wait, uncached, until a write is stored; in-flight writes count', async () => {
    const clock = new ManualClock();
    const { calls, writeMany } = manualBatches();
    const cache = behind(clock, { writeMany }, { delay: 0, maxQueue: 2 });
    await cache.write('a', 1);
    await cache.write('b', 2);
    expect(calls).toHaveLength(2); // both in flight
    let third = false;
    const waiting = cache.write('c', 3).then(() => (third = true));
    await flush();
    expect(third).toBe(false);
    expect(cache.peek('c')).toBeUndefined();
    expect(cache.stats.queued).toBe(2);
    calls[0]!.resolve();
    await waiting;
    expect(cache.peek('c')).toBe(3);
    expect(cache.stats.queued).toBe(2);
  });

  it('waiting writes are admitted in order, and a write to a queued key coalesces without waiting', async () => {
    const clock = new ManualClock();
    const { calls, db, writeMany } = manualBatches();
    const cache = behind(clock, { writeMany }, { delay: 100, maxQueue: 2 });
    await cache.write('a', 1);
    await cache.write('b', 1);
    await cache.write('a', 2); // coalesces: no room needed
    const order: string[] = [];
    const c = cache.write('c', 1).then(() => order.push('c'));
    const d = cache.write('a', 3).then(() => order.push('a=3')); // behind c, though it would coalesce
    await flush();
    expect(order).toEqual([]);
    const flushed = cache.flush();
    calls[0]!.resolve();
    await Promise.all([c, d]);
    expect(order).toEqual(['c', 'a=3']);
    calls[1]!.resolve();
    await flush();
    calls[2]?.resolve();
    await flushed;
    expect(db.get('a')).toBe(3);
  });
});

describe('write-behind: reads see queued writes', () => {
  it('a queued key evicted from memory is served from the queue, never reloaded from the store', async () => {
    const clock = new ManualClock();
    const { calls, writeMany } = manualBatches();
    const db = new Map([['a', 0]]);
    const load = vi.fn((key: string) => db.get(key) ?? -1);
    const cache = new LoadingCache<string, number>({
      load,
      writeMany: (entries) =>
        writeMany(entries).then(() => {
          for (const [k, v] of entries) db.set(k, v);
        }),
      writeBehind: { delay: 100 },
      maxEntries: 1,
      clock,
    });
    await cache.write('a', 1);
    await cache.write('b', 2); // evicts a
    expect(cache.size).toBe(1);
    expect(await cache.get('a')).toBe(1);
    expect(cache.peek('a')).toBe(1);
    expect(cache.has('a')).toBe(true);
    expect(load).not.toHaveBeenCalled();
    clock.advance(100);
    expect(await cache.get('a')).toBe(1); // in flight: still served from the queue
    expect(load).not.toHaveBeenCalled();
    calls[0]!.resolve();
    await flush();
    expect(cache.peek('a')).toBeUndefined(); // stored: the store is the truth again
    expect(await cache.get('a')).toBe(1);
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('invalidate and clear drop the cached copy, not the queued write: it is still stored, and read meanwhile', async () => {
    const clock = new ManualClock();
    const { db, writeMany } = flakyStore();
    const load = vi.fn(() => -1);
    const cache = new LoadingCache<string, number>({
      load,
      writeMany,
      writeBehind: { delay: 100 },
      maxEntries: 10,
      clock,
    });
    await cache.write('a', 1);
    await cache.write('b', 2);
    cache.invalidate('a');
    expect(await cache.get('a')).toBe(1);
    cache.clear();
    expect(await cache.get('b')).toBe(2);
    expect(load).not.toHaveBeenCalled();
    await cache.flush();
    expect([...db]).toEqual([
      ['a', 1],
      ['b', 2],
    ]);
  });

  it('a refresh that read the store before the queued write reached it does not replace the write', async () => {
    const clock = new ManualClock();
    const { calls: loads, load } = manualLoader<number>();
    const { writeMany } = manualBatches();
    const cache = new LoadingCache<string, number>({
      load,
      writeMany,
      writeBehind: { delay: 10_000 },
      maxEntries: 10,
      ttl: 1_000,
      refreshAhead: 0.5,
      clock,
    });
    await cache.write('a', 1);
    clock.advance(600);
    expect(await cache.get('a')).toBe(1); // starts a refresh-ahead
    const refreshed = cache.refresh('a');
    loads[0]!.resolve(0); // the store's old value
    expect(await refreshed).toBe(1); // the queued write is newer
    expect(cache.peek('a')).toBe(1);
    clock.advance(2_000); // past ttl: the stale entry is gone, the write is still queued
    expect(await cache.get('a')).toBe(1);
  });

  it('a failed refresh of a queued key is not remembered (errorTtl) over the queued write', async () => {
    const clock = new ManualClock();
    const { calls: loads, load } = manualLoader<number>();
    const cache = new LoadingCache<string, number>({
      load,
      writeMany: () => new Promise(() => {}),
      writeBehind: { delay: 0 },
      maxEntries: 10,
      ttl: 100,
      errorTtl: 10_000,
      clock,
    });
    await cache.write('a', 1);
    clock.advance(100);
    const refreshed = cache.refresh('a');
    loads[0]!.reject(new Error('store slow'));
    await expect(refreshed).rejects.toThrow('store slow');
    expect(await cache.get('a')).toBe(1);
  });
});

describe('write-behind: shared tier and bus after the store', () => {
  it('writes L2 and announces only once the store has the value', async () => {
    const clock = new ManualClock();
    const l2 = new MemoryStore<number>(clock);
    const bus = new MemoryBus();
    const { calls, writeMany } = manualBatches();
    const cache = new LoadingCache<string, number>({
      load: () => 0,
      writeMany,
      writeBehind: { delay: 10 },
      maxEntries: 10,
      ttl: 1_000,
      clock,
      l2,
      bus,
    });
    await cache.write('a', 1);
    clock.advance(10);
    await flush();
    expect(l2.data.has('a')).toBe(false);
    expect(bus.sent).toEqual([]);
    calls[0]!.resolve();
    await cache.flush();
    expect(l2.data.get('a')?.value).toBe(1);
    expect(bus.sent).toMatchObject([{ keys: ['a'] }]);
    await cache.close();
  });

  it('a given-up write never reaches L2 or the bus', async () => {
    const clock = new ManualClock();
    const l2 = new MemoryStore<number>(clock);
    const bus = new MemoryBus();
    const cache = new LoadingCache<string, number>({
      load: () => 0,
      writeMany: () => Promise.reject(new Error('down')),
      writeBehind: { retries: 0 },
      maxEntries: 10,
      clock,
      l2,
      bus,
    });
    await cache.write('a', 1);
    await expect(cache.close()).rejects.toBeInstanceOf(WriteError);
    expect(l2.calls.filter((c) => c.startsWith('set'))).toEqual([]);
    expect(bus.sent).toEqual([]);
    expect(bus.listeners.size).toBe(0); // closed all the same
  });
});

describe('write-behind: flush and close', () => {
  it('flush sends at once, without waiting for delay, and resolves once stored', async () => {
    const clock = new ManualClock();
    const { calls, writeMany } = manualBatches();
    const cache = behind(clock, { writeMany }, { delay: 60_000 });
    await cache.write('a', 1);
    let done = false;
    const flushed = cache.flush().then(() => (done = true));
    expect(calls).toHaveLength(1);
    await flush();
    expect(done).toBe(false);
    calls[0]!.resolve();
    await flushed;
    expect(done).toBe(true);
  });

  it('flush waits for what was written before it, not for what comes after', async () => {
    const clock = new ManualClock();
    const { calls, writeMany } = manualBatches();
    const cache = behind(clock, { writeMany }, { delay: 10 });
    await cache.write('a', 1);
    const flushed = cache.flush();
    await cache.write('b', 2);
    calls[0]!.resolve(); // only 'a' was sent by the flush
    await flushed;
    expect(cache.stats.queued).toBe(1);
  });

  it('flush with nothing queued resolves at once', async () => {
    const cache = new LoadingCache<string, number>({
      load: () => 0,
      writeMany: () => undefined,
      writeBehind: {},
      maxEntries: 10,
      clock: new ManualClock(),
    });
    await expect(cache.flush()).resolves.toBeUndefined();
  });

  it('close flushes, releases every timer, refuses later writes; a second close is the same promise', async () => {
    const clock = new ManualClock();
    const { db, writeMany } = flakyStore();
    const bus = new MemoryBus();
    const cache = new LoadingCache<string, number>({
      load: () => 0,
      writeMany,
      writeBehind: { delay: 1_000 },
      maxEntries: 10,
      clock,
      bus,
    });
    await cache.write('a', 1);
    expect(clock.pendingTimers).toBe(1);
    const closing = cache.close();
    expect(cache.close()).toBe(closing);
    await expect(cache.write('b', 2)).rejects.toThrow(/after close/);
    await closing;
    expect(db.get('a')).toBe(1);
    expect(clock.pendingTimers).toBe(0);
    expect(bus.listeners.size).toBe(0);
    expect(await cache.get('a')).toBe(1);
  });

  it('close waits for writes that were waiting for room', async () => {
    const clock = new ManualClock();
    const { db, writeMany } = flakyStore();
    const cache = behind(clock, { writeMany }, { delay: 1_000, maxQueue: 1 });
    await cache.write('a', 1);
    const waiting = cache.write('b', 2);
    await cache.close();
    await waiting;
    expect([...db]).toEqual([
      ['a', 1],
      ['b', 2],
    ]);
  });
});

describe('write-behind: hostile callbacks', () => {
  it('a write refused by the cache (sizeOf throws) is not queued', async () => {
    const writeMany = vi.fn();
    const error = new Error('sizeOf');
    const cache = new LoadingCache<string, number>({
      load: () => 0,
      writeMany,
      writeBehind: { delay: 0 },
      maxSize: 100,
      sizeOf: () => {
        throw error;
      },
      clock: new ManualClock(),
    });
    await expect(cache.write('a', 1)).rejects.toBe(error);
    expect(cache.stats.queued).toBe(0);
    await cache.flush();
    expect(writeMany).not.toHaveBeenCalled();
  });

  it('an onEvict that throws while a written value evicts another goes to onError; the write is queued', async () => {
    const errors: unknown[] = [];
    const error = new Error('onEvict');
    const { db, writeMany } = flakyStore();
    const cache = new LoadingCache<string, number>({
      load: () => 0,
      writeMany,
      writeBehind: { delay: 0 },
      maxEntries: 1,
      onEvict: () => {
        throw error;
      },
      onError: (e) => errors.push(e),
      clock: new ManualClock(),
    });
    await cache.write('a', 1);
    await cache.write('b', 2);
    await cache.flush();
    expect(errors).toEqual([error]);
    expect(db.get('b')).toBe(2);
  });
});
