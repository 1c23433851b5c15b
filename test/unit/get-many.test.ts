// LoadingCache.getMany (issue 15, API.md §8): bulk reads without N+1. Hits from memory, one L2
// round trip for the rest, one loadMany for what is still missing; joined loads, per-key rules.
import { LoadingCache } from 'lrukit';
import { ManualClock } from 'lrukit/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { flush, manualLoader } from '../shared/loaders.js';
import { MemoryBus, MemoryStore } from '../shared/memory-tiers.js';

afterEach(() => {
  vi.useRealTimers();
});

/** A batch loader the test settles by hand: each call's keys, signal and settle functions. */
function manualBatch<V>() {
  const calls: Array<{
    keys: string[];
    signal: AbortSignal;
    resolve: (result: V[] | Map<string, V>) => void;
    reject: (error: unknown) => void;
  }> = [];
  const loadMany = vi.fn(
    (keys: string[], { signal }: { signal: AbortSignal }) =>
      new Promise<V[] | Map<string, V>>((resolve, reject) => {
        calls.push({ keys, signal, resolve, reject });
      }),
  );
  return { calls, loadMany };
}

/** A MemoryStore with a multi-get, counting its calls. */
class BulkStore<V> extends MemoryStore<V> {
  getManyCalls: string[][] = [];
  async getMany(keys: readonly string[]) {
    this.getManyCalls.push([...keys]);
    return Promise.all(keys.map((key) => this.get(key)));
  }
}

const upper = (keys: string[]) => keys.map((k) => k.toUpperCase());

describe('getMany: one batch for the misses', () => {
  it('returns values in the order asked; hits from memory, one loadMany for every miss', async () => {
    const load = vi.fn(async (k: string) => `load:${k}`);
    const loadMany = vi.fn(async (keys: string[]) => upper(keys));
    const cache = new LoadingCache<string, string>({ load, loadMany, maxEntries: 100 });
    cache.set('b', 'cached-b');
    expect(await cache.getMany(['a', 'b', 'c', 'a'])).toEqual(['A', 'cached-b', 'C', 'A']);
    expect(loadMany).toHaveBeenCalledTimes(1);
    expect(loadMany.mock.calls[0]![0]).toEqual(['a', 'c']); // a key asked twice is loaded once
    expect(load).not.toHaveBeenCalled();
    // now all cached: no loader at all
    expect(await cache.getMany(new Set(['c', 'a']))).toEqual(['C', 'A']);
    expect(loadMany).toHaveBeenCalledTimes(1);
    const stats = cache.stats;
    expect([stats.hits, stats.misses, stats.loads]).toEqual([3, 2, 2]);
  });

  it('takes a Map from loadMany; a key it does not return fails alone (AggregateError naming it)', async () => {
    const loadMany = vi.fn(
      async (keys: string[]) => new Map(keys.filter((k) => k !== 'x').map((k) => [k, k.length])),
    );
    const cache = new LoadingCache<string, number>({
      load: async () => 0,
      loadMany,
      maxEntries: 10,
    });
    const error = await cache.getMany(['aa', 'x', 'bbb']).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AggregateError);
    expect((error as AggregateError & { keys: string[] }).keys).toEqual(['x']);
    expect((error as Error).message).toMatch(/1 of 3 keys: "x"/);
    expect((error as AggregateError).errors[0]).toMatchObject({ code: 'ERR_LRUKIT_NO_VALUE' });
    // the others were stored
    expect(cache.peek('aa')).toBe(2);
    expect(cache.peek('bbb')).toBe(3);
    expect(await cache.getMany(['aa', 'x', 'bbb'], { partial: true })).toEqual([2, undefined, 3]);
  });

  it('an array of the wrong length fails every key of the batch with a TypeError', async () => {
    const cache = new LoadingCache<string, number>({
      load: async () => 0,
      loadMany: async () => [1],
      maxEntries: 10,
    });
    const error = (await cache.getMany(['a', 'b']).catch((e: unknown) => e)) as AggregateError;
    expect(error.errors).toHaveLength(2);
    expect(String(error.errors[0])).toMatch(/returned 1 values for 2 keys/);
    expect(cache.size).toBe(0);
  });

  it('without loadMany: load per key, at most 8 at a time', async () => {
    const { calls, load } = manualLoader<number>();
    const cache = new LoadingCache<string, number>({ load, maxEntries: 100 });
    const keys = Array.from({ length: 20 }, (_, i) => `k${i}`);
    const all = cache.getMany(keys);
    await flush();
    expect(calls).toHaveLength(8);
    let settled = 0;
    while (settled < 20) {
      const call = calls[settled]!;
      call.resolve(Number(call.key.slice(1)));
      settled++;
      await flush();
      expect(calls.length - settled).toBeLessThanOrEqual(8);
    }
    expect(await all).toEqual(keys.map((_, i) => i));
  });

  it('a loadMany that throws or rejects fails every key of its batch, with that error', async () => {
    const boom = new Error('db down');
    const cache = new LoadingCache<string, number>({
      load: async () => 0,
      loadMany: () => {
        throw boom;
      },
      maxEntries: 10,
    });
    cache.set('hit', 7);
    const error = (await cache
      .getMany(['hit', 'a', 'b'])
      .catch((e: unknown) => e)) as AggregateError;
    expect(error.errors).toEqual([boom, boom]);
    expect((error as AggregateError & { keys: string[] }).keys).toEqual(['a', 'b']);
    expect(await cache.getMany(['hit', 'a'], { partial: true })).toEqual([7, undefined]);
    expect(cache.stats.loadErrors).toBe(3); // a and b, then a again
  });
});

describe('getMany: joining loads', () => {
  it('keys already loading are joined, not loaded again', async () => {
    const { calls, load } = manualLoader<string>();
    const { calls: batches, loadMany } = manualBatch<string>();
    const cache = new LoadingCache<string, string>({ load, loadMany, maxEntries: 10 });
    const single = cache.get('a');
    const many = cache.getMany(['a', 'b']);
    await flush();
    expect(batches.map((b) => b.keys)).toEqual([['b']]);
    calls[0]!.resolve('A');
    batches[0]!.resolve(['B']);
    expect(await many).toEqual(['A', 'B']);
    expect(await single).toBe('A');
  });

  it('a get of a key the batch is loading joins the batch', async () => {
    const { load } = manualLoader<string>();
    const { calls: batches, loadMany } = manualBatch<string>();
    const cache = new LoadingCache<string, string>({ load, loadMany, maxEntries: 10 });
    const many = cache.getMany(['a', 'b']);
    const single = cache.get('b');
    await flush();
    expect(load).not.toHaveBeenCalled();
    batches[0]!.resolve(['A', 'B']);
    expect(await single).toBe('B');
    expect(await many).toEqual(['A', 'B']);
    expect(cache.stats.loads).toBe(2);
  });

  it("a caller's abort rejects that caller only; the batch's signal aborts when every key is left", async () => {
    const { load } = manualLoader<string>();
    const { calls: batches, loadMany } = manualBatch<string>();
    const cache = new LoadingCache<string, string>({ load, loadMany, maxEntries: 10 });
    const controller = new AbortController();
    const many = cache.getMany(['a', 'b'], { signal: controller.signal });
    const other = cache.get('a'); // waits on the batch's load of 'a'
    await flush();
    controller.abort(new Error('user left'));
    await expect(many).rejects.toThrow('user left');
    expect(batches[0]!.signal.aborted).toBe(false); // 'a' still has a caller
    batches[0]!.resolve(['A', 'B']);
    expect(await other).toBe('A');
    expect(cache.peek('a')).toBe('A');
    expect(cache.peek('b')).toBeUndefined(); // abandoned: dropped

    const alone = new AbortController();
    const left = cache.getMany(['x', 'y'], { signal: alone.signal });
    await flush();
    alone.abort();
    await expect(left).rejects.toThrow();
    expect(batches[1]!.signal.aborted).toBe(true);
  });

  it('a key invalidated while its batch loads gets the value but does not store it', async () => {
    const { load } = manualLoader<string>();
    const { calls: batches, loadMany } = manualBatch<string>();
    const cache = new LoadingCache<string, string>({ load, loadMany, maxEntries: 10 });
    const many = cache.getMany(['a', 'b']);
    await flush();
    cache.invalidate('a');
    batches[0]!.resolve(['A', 'B']);
    expect(await many).toEqual(['A', 'B']);
    expect(cache.peek('a')).toBeUndefined();
    expect(cache.peek('b')).toBe('B');
  });

  it('per-caller timeout: a hung batch rejects its callers with TimeoutError, per key', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { load } = manualLoader<string>();
    const { calls: batches, loadMany } = manualBatch<string>();
    const cache = new LoadingCache<string, string>({ load, loadMany, maxEntries: 10, timeout: 50 });
    const many = cache.getMany(['a', 'b'], { partial: true });
    await flush();
    vi.advanceTimersByTime(50);
    expect(await many).toEqual([undefined, undefined]);
    expect(batches[0]!.signal.aborted).toBe(true);
    expect(cache.stats.loadErrors).toBe(2);
  });
});

describe('getMany: per-key freshness rules', () => {
  it('ttl per key; a stale-while-revalidate hit is served and refreshed with load, not waited for', async () => {
    const clock = new ManualClock();
    const load = vi.fn(async (k: string) => `fresh-${k}`);
    const loadMany = vi.fn(async (keys: string[]) => upper(keys));
    const cache = new LoadingCache<string, string>({
      load,
      loadMany,
      maxEntries: 10,
      ttl: 100,
      staleWhileRevalidate: 100,
      clock,
    });
    expect(await cache.getMany(['a', 'b'])).toEqual(['A', 'B']);
    clock.advance(150); // stale, within swr
    expect(await cache.getMany(['a', 'b'])).toEqual(['A', 'B']);
    await flush();
    expect(load).toHaveBeenCalledTimes(2); // background refreshes
    expect(cache.peek('a')).toBe('fresh-a');
    clock.advance(250); // past ttl + swr: a miss again, batched
    expect(await cache.getMany(['a', 'b'])).toEqual(['A', 'B']);
    expect(loadMany).toHaveBeenCalledTimes(2);
  });

  it('staleIfError: a failed batch serves each key its stale value', async () => {
    const clock = new ManualClock();
    let fail = false;
    const cache = new LoadingCache<string, string>({
      load: async (k) => k,
      loadMany: async (keys) => {
        if (fail) throw new Error('down');
        return upper(keys);
      },
      maxEntries: 10,
      ttl: 100,
      staleIfError: 1_000,
      clock,
    });
    await cache.getMany(['a']);
    clock.advance(200);
    fail = true;
    expect(await cache.getMany(['a', 'b'], { partial: true })).toEqual(['A', undefined]);
    expect(cache.stats.staleHits).toBe(1);
  });

  it('errorTtl remembers a failed key; shouldCache keeps a value out, per key', async () => {
    const clock = new ManualClock();
    const loadMany = vi.fn(
      async (keys: string[]) =>
        new Map(keys.filter((k) => k !== 'gone').map((k) => [k, k === 'tmp' ? 'TMP' : k])),
    );
    const cache = new LoadingCache<string, string>({
      load: async (k) => k,
      loadMany,
      maxEntries: 10,
      errorTtl: 1_000,
      shouldCache: (value) => value !== 'TMP',
      clock,
    });
    expect(await cache.getMany(['ok', 'gone', 'tmp'], { partial: true })).toEqual([
      'ok',
      undefined,
      'TMP',
    ]);
    expect(await cache.getMany(['ok', 'gone', 'tmp'], { partial: true })).toEqual([
      'ok',
      undefined,
      'TMP',
    ]);
    // 'gone' was remembered (errorTtl), 'tmp' was not cached: only 'tmp' loaded again
    expect(loadMany.mock.calls.map((c) => c[0])).toEqual([['ok', 'gone', 'tmp'], ['tmp']]);
  });
});

describe('getMany: write-behind', () => {
  it('a key evicted from memory while its write is queued is served from the queue, not loaded', async () => {
    const clock = new ManualClock();
    const loadMany = vi.fn(async (keys: string[]) => keys.map((k) => `stale-${k}`));
    const write = vi.fn(async () => {});
    const cache = new LoadingCache<string, string>({
      load: async (k) => `stale-${k}`,
      loadMany,
      write,
      writeBehind: { delay: 1_000 },
      maxEntries: 1,
      clock,
    });
    await cache.write('a', 'new-a');
    await cache.write('b', 'new-b'); // evicts 'a' from memory; its write is still queued
    expect(cache.size).toBe(1); // only 'b' is in memory
    expect(await cache.getMany(['a', 'b', 'c'])).toEqual(['new-a', 'new-b', 'stale-c']);
    expect(loadMany.mock.calls.map((c) => c[0])).toEqual([['c']]);
    await cache.close();
  });
});

describe('getMany: tiers', () => {
  it('one L2 getMany for the misses; L2 hits never reach loadMany; loaded values written to L2', async () => {
    const clock = new ManualClock();
    const l2 = new BulkStore<string>(clock);
    await l2.set('b', 'from-l2', 5_000);
    const loadMany = vi.fn(async (keys: string[]) => upper(keys));
    const cache = new LoadingCache<string, string>({
      load: async (k) => k,
      loadMany,
      maxEntries: 10,
      ttl: 60_000,
      l2,
      clock,
    });
    cache.set('c', 'local');
    await cache.flush();
    l2.calls.length = 0;
    expect(await cache.getMany(['a', 'b', 'c'])).toEqual(['A', 'from-l2', 'local']);
    expect(l2.getManyCalls).toEqual([['a', 'b']]);
    expect(loadMany.mock.calls.map((c) => c[0])).toEqual([['a']]);
    await cache.flush();
    expect(l2.calls).toContain('set a');
    expect(l2.calls).not.toContain('set b'); // from L2: not written back
    expect(cache.expiresIn('b')).toBe(5_000); // kept no longer than it lives in L2
  });

  it('a store without getMany is read with one get per key; a failing L2 reads as misses', async () => {
    const clock = new ManualClock();
    const l2 = new MemoryStore<string>(clock);
    const errors: string[] = [];
    const cache = new LoadingCache<string, string>({
      load: async (k) => k,
      loadMany: async (keys) => upper(keys),
      maxEntries: 10,
      l2,
      clock,
      onError: (_e, context) => errors.push(`${context.tier}:${context.operation}`),
    });
    expect(await cache.getMany(['a', 'b'])).toEqual(['A', 'B']);
    expect(l2.calls.filter((c) => c.startsWith('get'))).toEqual(['get a', 'get b']);

    const failing = new BulkStore<string>(clock);
    failing.getMany = async () => {
      throw new Error('redis down');
    };
    const other = new LoadingCache<string, string>({
      load: async (k) => k,
      loadMany: async (keys) => upper(keys),
      maxEntries: 10,
      l2: failing,
      clock,
      onError: (_e, context) => errors.push(`${context.tier}:${context.operation}`),
    });
    expect(await other.getMany(['x', 'y'])).toEqual(['X', 'Y']);
    expect(errors).toContain('l2:getMany');
  });

  it('with a bus, keys a tier cannot take refuse the whole call before anything starts', async () => {
    const clock = new ManualClock();
    const loadMany = vi.fn(async (keys: unknown[]) => keys.map(() => 1));
    const cache = new LoadingCache<unknown, number>({
      load: async () => 1,
      loadMany,
      maxEntries: 10,
      bus: new MemoryBus(),
      clock,
    });
    await expect(cache.getMany(['a', { id: 1 }])).rejects.toThrow(TypeError);
    expect(loadMany).not.toHaveBeenCalled();
    expect(cache.stats.misses).toBe(0);
  });
});

describe('getMany: hostile callbacks and tiers', () => {
  it('an onEvict that throws while a batch stores its values goes to onError; callers get values', async () => {
    const clock = new ManualClock();
    const reported: unknown[] = [];
    const boom = new Error('onEvict failed');
    const cache = new LoadingCache<string, string>({
      load: async (k) => k,
      loadMany: async (keys) => upper(keys),
      maxEntries: 2,
      clock,
      onEvict: () => {
        throw boom;
      },
      onError: (error, context) => reported.push([error, context.tier, context.operation]),
    });
    cache.set('x', 'X');
    cache.set('y', 'Y');
    // storing a and b evicts x and y: onEvict throws on a background path (the batch settling)
    expect(await cache.getMany(['a', 'b'])).toEqual(['A', 'B']);
    expect(reported).toEqual([
      [boom, 'l1', 'onEvict'],
      [boom, 'l1', 'onEvict'],
    ]);
    expect(cache.peek('a')).toBe('A');
    expect(cache.peek('b')).toBe('B');
  });

  it('an L2 that refuses the writes: values still returned and cached in L1, failures reported', async () => {
    const clock = new ManualClock();
    const l2 = new BulkStore<string>(clock);
    const refused = new Error('READONLY');
    l2.fail.set = refused;
    const reported: unknown[] = [];
    const cache = new LoadingCache<string, string>({
      load: async (k) => k,
      loadMany: async (keys) => upper(keys),
      maxEntries: 10,
      l2,
      clock,
      onError: (error, context) => reported.push([error, context.operation, context.key]),
    });
    expect(await cache.getMany(['a', 'b'])).toEqual(['A', 'B']);
    await cache.flush();
    expect(reported).toEqual(
      expect.arrayContaining([
        [refused, 'set', 'a'],
        [refused, 'set', 'b'],
      ]),
    );
    expect(cache.peek('a')).toBe('A');
    expect(cache.stats.l2Errors).toBeGreaterThanOrEqual(2);
  });
});

describe('getMany: bad input', () => {
  const cache = new LoadingCache<string, number>({ load: async () => 1, maxEntries: 10 });
  it.each([
    ['a string', () => cache.getMany('ab' as never), /getMany\(\) keys.*not a string.*"ab"/],
    ['a non-iterable', () => cache.getMany(5 as never), /getMany\(\) keys/],
    [
      'an unknown option',
      () => cache.getMany(['a'], { signl: 1 } as never),
      /unknown option "signl"/,
    ],
    ['a bad partial', () => cache.getMany(['a'], { partial: 1 } as never), /"partial".*1/],
    ['a bad signal', () => cache.getMany(['a'], { signal: {} } as never), /"signal"/],
    [
      'an extra argument',
      () => (cache.getMany as (...a: unknown[]) => unknown)(['a'], {}, 3),
      /getMany/,
    ],
  ])('refuses %s (a rejected Promise, nothing loaded)', async (_, call, message) => {
    await expect(call()).rejects.toThrow(message);
    expect(cache.stats.misses).toBe(0);
  });

  it('refuses loadMany that is not a function, naming the option', () => {
    expect(
      () =>
        new LoadingCache<string, number>({
          load: async () => 1,
          loadMany: 3 as never,
          maxEntries: 1,
        }),
    ).toThrow(/"loadMany".*3/);
  });

  it('an already aborted signal rejects at once with its reason', async () => {
    const reason = new Error('gone');
    await expect(cache.getMany(['a'], { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
  });
});
