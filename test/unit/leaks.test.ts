/**
 * Memory: once an entry has left the cache (evicted, deleted, replaced, expired, cleared) the
 * cache holds no reference to its key or value; a dropped cache is collectable even with a purge
 * timer pending; churn does not grow the heap; a large `maxEntries` costs nothing up front.
 *
 * Needs a real `gc()`: vitest.config.ts runs the workers with `execArgv: ['--expose-gc']`.
 */

import {
  type EvictionReason,
  LoadingCache,
  LruCache,
  type LruCacheOptions,
  TimeoutError,
} from 'lrukit';
import { ManualClock } from 'lrukit/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';

const MB = 1024 * 1024;

function gc(): void {
  if (typeof globalThis.gc !== 'function') {
    throw new Error(
      'globalThis.gc is missing: vitest.config.ts needs test.execArgv: ["--expose-gc"] (pool "forks")',
    );
  }
  globalThis.gc();
  // ArrayBuffers freed by a collection are released by a sweeper that may still be running after
  // it; the next full collection finishes that sweep first, so memoryUsage() is then up to date
  globalThis.gc();
}

/**
 * Collects garbage, WeakRef targets included. A WeakRef target (made or deref'd in this job) stays
 * alive until the current job ends, so yield a macrotask before each gc (a yield, not a sleep).
 */
async function collect(): Promise<void> {
  for (let i = 0; i < 2; i++) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    gc();
  }
}

/**
 * Bytes held by the JS heap plus ArrayBuffer backing stores: typed arrays (the cache's recency
 * links and columns) live outside `heapUsed`, so `heapUsed` alone would miss a preallocation.
 */
function retained(): number {
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
}

interface Tracked {
  label: string;
  ref: WeakRef<object>;
}

type Key = { key: string };
type Value = { value: string; payload: number[] };

/** A fresh key and value; the value carries a little weight so a leak is not free. */
function entry(label: string): { key: Key; value: Value } {
  return {
    key: { key: label },
    value: { value: label, payload: new Array(64).fill(label.length) },
  };
}

function track(label: string, e: { key: object; value: object }): Tracked[] {
  return [
    { label: `${label} key`, ref: new WeakRef(e.key) },
    { label: `${label} value`, ref: new WeakRef(e.value) },
  ];
}

const alive = (tracked: Tracked[]): string[] =>
  tracked.filter((t) => t.ref.deref() !== undefined).map((t) => t.label);

interface Outcome {
  cache: LruCache<Key, Value>;
  /** What the cache must have let go of. */
  gone: Tracked[];
  /** What it still holds (control: these must survive the same gc). */
  kept: Tracked[];
  reasons: EvictionReason[];
}

/** A cache whose onEvict records only the reasons (recording keys or values would retain them). */
function build(options: Omit<LruCacheOptions<Key, Value>, 'onEvict'>) {
  const reasons: EvictionReason[] = [];
  const cache = new LruCache<Key, Value>({
    ...options,
    onEvict: (_value, _key, reason) => {
      reasons.push(reason);
    },
  } as LruCacheOptions<Key, Value>);
  return { cache, reasons };
}

/** Sets old, a, b in a cache with room for two: old is evicted, a and b are kept. */
function overflowByOne(options: Omit<LruCacheOptions<Key, Value>, 'onEvict'>): Outcome {
  const { cache, reasons } = build(options);
  const old = entry('old');
  const a = entry('a');
  const b = entry('b');
  cache.set(old.key, old.value).set(a.key, a.value).set(b.key, b.value);
  return { cache, reasons, gone: track('old', old), kept: [...track('a', a), ...track('b', b)] };
}

interface Scenario {
  name: string;
  reason: EvictionReason;
  /** Builds a cache and does the removal; creates every tracked object in its own scope. */
  run: () => Outcome;
}

const scenarios: Scenario[] = [
  {
    name: 'evicted for maxEntries',
    reason: 'evict',
    run() {
      return overflowByOne({ maxEntries: 2 });
    },
  },
  {
    name: 'evicted for maxSize',
    reason: 'evict',
    run() {
      return overflowByOne({ maxSize: 10, sizeOf: () => 4 });
    },
  },
  {
    name: 'evicted by resize()',
    reason: 'evict',
    run() {
      const { cache, reasons } = build({ maxEntries: 3, maxSize: 100, sizeOf: () => 1 });
      const x = entry('x');
      const y = entry('y');
      const a = entry('a');
      cache.set(x.key, x.value).set(y.key, y.value).set(a.key, a.value);
      cache.resize({ maxEntries: 1 });
      return { cache, reasons, gone: [...track('x', x), ...track('y', y)], kept: track('a', a) };
    },
  },
  {
    name: 'deleted',
    reason: 'delete',
    run() {
      const { cache, reasons } = build({ maxEntries: 10, ttl: 1_000, clock: new ManualClock() });
      const old = entry('old');
      const a = entry('a');
      cache.set(a.key, a.value).set(old.key, old.value);
      expect(cache.delete(old.key)).toBe(true);
      return { cache, reasons, gone: track('old', old), kept: track('a', a) };
    },
  },
  {
    name: 'replaced by set() with a new value',
    reason: 'set',
    run() {
      const { cache, reasons } = build({ maxEntries: 10, maxSize: 100, sizeOf: () => 1 });
      const old = entry('old');
      const fresh: Value = { value: 'fresh', payload: [] };
      cache.set(old.key, old.value).set(old.key, fresh);
      return {
        cache,
        reasons,
        gone: [{ label: 'old value', ref: new WeakRef(old.value) }],
        kept: [
          { label: 'key', ref: new WeakRef(old.key) },
          { label: 'new value', ref: new WeakRef(fresh) },
        ],
      };
    },
  },
  {
    name: 'dropped by set() with a value over maxEntrySize',
    reason: 'set',
    run() {
      const { cache, reasons } = build({ maxSize: 100, maxEntrySize: 10 });
      const old = entry('old');
      const huge: Value = { value: 'huge', payload: [] };
      const a = entry('a');
      cache.set(a.key, a.value, { size: 1 }).set(old.key, old.value, { size: 1 });
      cache.set(old.key, huge, { size: 11 });
      expect(cache.has(old.key)).toBe(false);
      return {
        cache,
        reasons,
        gone: [...track('old', old), { label: 'unstored value', ref: new WeakRef(huge) }],
        kept: track('a', a),
      };
    },
  },
  {
    name: 'expired, found by get()',
    reason: 'expire',
    run() {
      const clock = new ManualClock();
      const { cache, reasons } = build({ maxEntries: 10, ttl: 100, clock });
      const old = entry('old');
      const a = entry('a');
      cache.set(old.key, old.value).set(a.key, a.value, { ttl: Infinity });
      clock.advance(100);
      expect(cache.get(old.key)).toBeUndefined();
      return { cache, reasons, gone: track('old', old), kept: track('a', a) };
    },
  },
  {
    name: 'expired with updateAgeOnGet, found by get()',
    reason: 'expire',
    run() {
      const clock = new ManualClock();
      const { cache, reasons } = build({ maxEntries: 10, ttl: 100, updateAgeOnGet: true, clock });
      const old = entry('old');
      const a = entry('a');
      cache.set(old.key, old.value).set(a.key, a.value, { ttl: Infinity });
      clock.advance(50);
      cache.get(old.key);
      clock.advance(100);
      expect(cache.get(old.key)).toBeUndefined();
      return { cache, reasons, gone: track('old', old), kept: track('a', a) };
    },
  },
  {
    name: 'expired, removed by prune()',
    reason: 'expire',
    run() {
      const clock = new ManualClock();
      const { cache, reasons } = build({ maxSize: 100, sizeOf: () => 1, clock });
      const x = entry('x');
      const y = entry('y');
      const a = entry('a');
      cache.set(x.key, x.value, { ttl: 10 }).set(a.key, a.value).set(y.key, y.value, { ttl: 20 });
      clock.advance(20);
      expect(cache.prune()).toBe(2);
      return { cache, reasons, gone: [...track('x', x), ...track('y', y)], kept: track('a', a) };
    },
  },
  {
    name: 'expired, removed by the autoPurge timer',
    reason: 'expire',
    run() {
      const clock = new ManualClock();
      const { cache, reasons } = build({ maxEntries: 10, ttl: 100, autoPurge: true, clock });
      const old = entry('old');
      const a = entry('a');
      cache.set(old.key, old.value).set(a.key, a.value, { ttl: 1_000 });
      expect(clock.pendingTimers).toBe(1);
      clock.advance(100); // fires the timer: nothing reads the entry
      expect(cache.size).toBe(1);
      return { cache, reasons, gone: track('old', old), kept: track('a', a) };
    },
  },
  {
    name: 'expired, removed by delete()',
    reason: 'expire',
    run() {
      const clock = new ManualClock();
      const { cache, reasons } = build({ maxEntries: 10, ttl: 100, clock });
      const old = entry('old');
      const a = entry('a');
      cache.set(old.key, old.value).set(a.key, a.value, { ttl: Infinity });
      clock.advance(100);
      expect(cache.delete(old.key)).toBe(false);
      return { cache, reasons, gone: track('old', old), kept: track('a', a) };
    },
  },
  {
    name: 'expired, removed to make room',
    reason: 'expire',
    run() {
      const clock = new ManualClock();
      const { cache, reasons } = build({ maxEntries: 2, ttl: 100, clock });
      const old = entry('old');
      const a = entry('a');
      const b = entry('b');
      cache.set(old.key, old.value).set(a.key, a.value);
      clock.advance(100);
      cache.set(b.key, b.value);
      return {
        cache,
        reasons,
        gone: track('old', old),
        kept: [...track('a', a), ...track('b', b)],
      };
    },
  },
  {
    name: 'cleared',
    reason: 'clear',
    run() {
      const clock = new ManualClock();
      const { cache, reasons } = build({
        maxEntries: 100,
        maxSize: 1_000,
        sizeOf: () => 1,
        ttl: 100,
        updateAgeOnGet: true,
        autoPurge: true,
        clock,
      });
      const gone: Tracked[] = [];
      for (let i = 0; i < 40; i++) {
        const e = entry(`e${i}`);
        cache.set(e.key, e.value, i % 2 === 0 ? { ttl: Infinity } : undefined);
        gone.push(...track(`e${i}`, e));
      }
      cache.clear();
      expect(clock.pendingTimers).toBe(0);
      const a = entry('a');
      cache.set(a.key, a.value);
      return { cache, reasons, gone, kept: track('a', a) };
    },
  },
];

describe('a removed entry is not retained by the cache', () => {
  it('the workers run with a real gc()', () => {
    expect(typeof globalThis.gc, 'vitest.config.ts: test.execArgv must include --expose-gc').toBe(
      'function',
    );
  });

  it.each(scenarios.map((s) => [s.name, s] as const))('%s', async (_name, { run, reason }) => {
    const outcome = run();
    expect(outcome.reasons).toContain(reason);
    await collect();
    expect(alive(outcome.gone), 'still reachable after leaving the cache').toEqual([]);
    expect(alive(outcome.kept), 'collected while still in the cache').toEqual(
      outcome.kept.map((t) => t.label),
    );
    // keeps the cache itself reachable until here, so `kept` was held by the cache alone
    expect(outcome.cache.size).toBeGreaterThan(0);
  });

  it('load() keeps the values, not the snapshot records around them', async () => {
    const { cache, records } = (() => {
      const c = new LruCache<string, Value>({ maxEntries: 10 });
      const snapshot: Array<[string, { value: Value; ttl?: number }]> = [
        ['a', { value: { value: 'a', payload: [] } }],
        ['b', { value: { value: 'b', payload: [] }, ttl: 5_000 }],
      ];
      c.load(snapshot);
      return {
        cache: c,
        records: snapshot.map(
          ([key, record]): Tracked => ({
            label: `${key} record`,
            ref: new WeakRef(record),
          }),
        ),
      };
    })();
    await collect();
    expect(alive(records)).toEqual([]);
    expect(cache.peek('a')?.value).toBe('a');
    expect(cache.peek('b')?.value).toBe('b');
  });

  it('an entry still stored is not collected (control for the gc helper)', async () => {
    const { cache, kept } = (() => {
      const c = new LruCache<Key, Value>({ maxEntries: 1 });
      const e = entry('e');
      c.set(e.key, e.value);
      return { cache: c, kept: track('e', e) };
    })();
    await collect();
    expect(alive(kept)).toEqual(['e key', 'e value']);
    expect(cache.size).toBe(1);
  });
});

describe('a cache dropped by its owner can be collected', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('with autoPurge and a timer pending on a ManualClock', async () => {
    const clock = new ManualClock();
    const ref = (() => {
      const cache = new LruCache<string, Value>({
        maxEntries: 10,
        ttl: 1_000,
        autoPurge: true,
        clock,
      });
      cache.set('a', { value: 'a', payload: [] });
      return new WeakRef(cache);
    })();
    expect(clock.pendingTimers).toBe(1);
    await collect();
    expect(ref.deref()).toBeUndefined();
    // the timer outlived the cache (so it did not hold it), and firing it now is harmless
    expect(clock.pendingTimers).toBe(1);
    expect(() => clock.advance(1_000)).not.toThrow();
    expect(clock.pendingTimers).toBe(0);
  });

  it('while its owner keeps it, the same timer does purge it (control)', async () => {
    const clock = new ManualClock();
    const reasons: EvictionReason[] = [];
    const cache = new LruCache<string, Value>({
      maxEntries: 10,
      ttl: 1_000,
      autoPurge: true,
      clock,
      onEvict: (_v, _k, reason) => {
        reasons.push(reason);
      },
    });
    cache.set('a', { value: 'a', payload: [] });
    await collect();
    clock.advance(1_000);
    expect(reasons).toEqual(['expire']);
    expect(cache.size).toBe(0);
  });

  it('with autoPurge and a real (system clock) timer pending', async () => {
    const setTimeoutSpy = vi.spyOn(globalThis, 'setTimeout');
    const ref = (() => {
      const cache = new LruCache<string, Value>({
        maxEntries: 10,
        ttl: 3_600_000,
        autoPurge: true,
      });
      cache.set('a', { value: 'a', payload: [] });
      return new WeakRef(cache);
    })();
    const armed = setTimeoutSpy.mock.calls.findIndex(
      ([, ms]) => Math.abs((ms ?? 0) - 3_600_000) < 1,
    );
    expect(armed, 'the cache armed a one-hour purge timer').toBeGreaterThanOrEqual(0);
    const handle = setTimeoutSpy.mock.results[armed]!.value as ReturnType<typeof setTimeout>;
    setTimeoutSpy.mockRestore();
    try {
      await collect();
      expect(ref.deref()).toBeUndefined();
    } finally {
      clearTimeout(handle);
    }
  });

  it('a cache with entries, onEvict and every column, no timer', async () => {
    const ref = (() => {
      const cache = new LruCache<string, Value>({
        maxEntries: 100,
        maxSize: 1_000,
        sizeOf: () => 1,
        ttl: 1_000,
        updateAgeOnGet: true,
        onEvict: () => {},
      });
      for (let i = 0; i < 50; i++) cache.set(`k${i}`, { value: `v${i}`, payload: [] });
      return new WeakRef(cache);
    })();
    await collect();
    expect(ref.deref()).toBeUndefined();
  });
});

describe('heap', () => {
  const variants: Array<[string, () => LruCacheOptions<number, Value>]> = [
    ['maxEntries only', () => ({ maxEntries: 1_000 })],
    [
      'maxEntries, maxSize, ttl, updateAgeOnGet, autoPurge and onEvict',
      () => ({
        maxEntries: 1_000,
        maxSize: 1e9,
        sizeOf: () => 1,
        ttl: 60_000,
        updateAgeOnGet: true,
        autoPurge: true,
        clock: new ManualClock(),
        onEvict: () => {},
      }),
    ],
  ];

  it.each(variants)(
    'a million set/evict cycles in a maxEntries: 1000 cache (%s) do not grow it',
    (_name, options) => {
      const cache = new LruCache<number, Value>(options());
      const churn = (from: number, to: number): void => {
        for (let i = from; i < to; i++) cache.set(i, { value: 'v', payload: [] });
      };
      churn(0, 50_000); // fills the cache and warms up the code before measuring
      gc();
      const before = retained();
      churn(50_000, 1_050_000);
      gc();
      const growth = retained() - before;
      expect(cache.size).toBe(1_000);
      expect(cache.stats.evictions).toBe(1_049_000);
      expect(growth).toBeLessThan(5 * MB);
    },
  );

  it('retained() sees both heap objects and typed-array storage (control)', () => {
    gc();
    const before = retained();
    const held = {
      links: new Uint32Array(2 * MB),
      objects: Array.from({ length: 100_000 }, () => ({})),
    };
    gc();
    expect(retained() - before).toBeGreaterThan(8 * MB);
    expect(held.links.length + held.objects.length).toBeGreaterThan(0);
  });

  const bigBound: Array<[string, () => LruCacheOptions<number, Value>]> = [
    ['maxEntries only', () => ({ maxEntries: 10_000_000 })],
    [
      'with maxSize, ttl and updateAgeOnGet',
      () => ({
        maxEntries: 10_000_000,
        maxSize: 1e12,
        sizeOf: () => 1,
        ttl: 60_000,
        updateAgeOnGet: true,
        clock: new ManualClock(),
      }),
    ],
    ['maxSize only', () => ({ maxSize: 1e12, sizeOf: () => 1 })],
  ];

  it.each(bigBound)(
    'a cache allowed ten million entries that holds ten retains little memory (%s)',
    (_name, options) => {
      const fill = (cache: LruCache<number, Value>): void => {
        for (let i = 0; i < 10; i++) cache.set(i, { value: 'v', payload: [] });
      };
      // warm-up: compiles the code paths so the measurement is of data only
      const warm = new LruCache<number, Value>(options());
      fill(warm);
      warm.delete(9);
      warm.clear();
      gc();
      const before = retained();

      const cache = new LruCache<number, Value>(options());
      fill(cache);
      gc();
      expect(cache.size).toBe(10);
      expect(retained() - before, 'after construction and ten sets').toBeLessThan(1 * MB);

      for (let i = 0; i < 9; i++) cache.delete(i);
      expect(cache.delete(9)).toBe(true); // the last entry
      gc();
      expect(cache.size).toBe(0);
      expect(retained() - before, 'after deleting the last entry').toBeLessThan(1 * MB);

      fill(cache);
      cache.clear();
      gc();
      expect(cache.size).toBe(0);
      expect(retained() - before, 'after clear()').toBeLessThan(1 * MB);

      fill(cache);
      gc();
      expect(cache.size).toBe(10);
      expect(retained() - before, 'after refilling a cleared cache').toBeLessThan(1 * MB);
    },
  );

  it('clear() releases the storage a cache grew to', () => {
    gc();
    const before = retained();
    const cache = new LruCache<number, Value>({
      maxEntries: 1_000_000,
      maxSize: 1e12,
      sizeOf: () => 1,
      ttl: 60_000,
      clock: new ManualClock(),
    });
    for (let i = 0; i < 200_000; i++) cache.set(i, { value: 'v', payload: [] });
    gc();
    expect(retained() - before, 'while holding 200k entries (control)').toBeGreaterThan(10 * MB);
    cache.clear();
    gc();
    expect(retained() - before, 'after clear()').toBeLessThan(1 * MB);
    expect(cache.size).toBe(0);
  });
});

/**
 * A stand-in for the platform's setTimeout/clearTimeout for many timers of one delay: a queue
 * fired all at once by `fire()`. vitest's fake timers scan every pending timer for each one they
 * fire (and capture a stack per timer), which makes 100,000 of them take minutes.
 */
function queueTimers() {
  const real = { setTimeout: globalThis.setTimeout, clearTimeout: globalThis.clearTimeout };
  let queue = new Map<number, () => void>();
  let next = 1;
  globalThis.setTimeout = ((callback: () => void) => {
    queue.set(next, callback);
    return next++;
  }) as never;
  globalThis.clearTimeout = ((handle: number) => {
    queue.delete(handle);
  }) as never;
  return {
    /** Fires every timer pending now (all are due: one delay). */
    fire() {
      const due = queue;
      queue = new Map();
      for (const callback of due.values()) callback();
    },
    get pending() {
      return queue.size;
    },
    restore() {
      globalThis.setTimeout = real.setTimeout;
      globalThis.clearTimeout = real.clearTimeout;
    },
  };
}

describe('LoadingCache: abandoned loads are not retained (issue 11)', () => {
  let timers: ReturnType<typeof queueTimers> | undefined;
  afterEach(() => {
    timers?.restore();
    timers = undefined;
  });

  /**
   * 100,000 keys whose loaders never settle, each given up by its caller after `timeout`. Each
   * loader keeps a listener on its signal holding 1 KB, as a real request would (fetch keeps
   * its request reachable from the signal): nothing of it may stay reachable from the cache.
   */
  async function hungLoads(
    keys: number,
    withSignal: boolean,
  ): Promise<{ growth: number; aborted: number; loadErrors: number }> {
    const clock = queueTimers();
    timers = clock;
    let aborted = 0;
    const cache = new LoadingCache<number, number>({
      load: (_key, { signal }) => {
        const request = new Array(128).fill(1); // ~1 KB
        signal.addEventListener('abort', () => {
          aborted += request.length > 0 ? 1 : 0;
        });
        return new Promise<number>(() => {});
      },
      maxEntries: 1_000,
      timeout: 50,
    });
    const batch = async (from: number, to: number) => {
      const waits: Array<Promise<unknown>> = [];
      for (let key = from; key < to; key++) {
        const controller = withSignal ? new AbortController() : undefined;
        waits.push(cache.get(key, { signal: controller?.signal }).catch((error: unknown) => error));
      }
      clock.fire(); // the timeout of every caller of this batch
      const errors = await Promise.all(waits);
      expect(errors.every((e) => e instanceof TimeoutError)).toBe(true);
    };
    await batch(0, 5_000); // warms up the code before measuring
    // collect() yields with setImmediate, which the stand-in leaves alone
    await collect();
    const before = retained();
    for (let from = 5_000; from < 5_000 + keys; from += 10_000) await batch(from, from + 10_000);
    expect(clock.pending).toBe(0);
    await collect();
    const growth = retained() - before;
    // a get after all that calls the loader again: nothing is wedged
    const next = cache.get(0);
    next.catch(() => {});
    clock.fire();
    await expect(next).rejects.toBeInstanceOf(TimeoutError);
    return { growth, aborted, loadErrors: cache.stats.loadErrors };
  }

  it('100,000 timed-out loads that never settle: the heap returns to where it started', async () => {
    const { growth, aborted, loadErrors } = await hungLoads(100_000, false);
    expect(growth).toBeLessThan(4 * MB); // about 230 MB before the fix
    expect(aborted).toBe(105_001); // every loader was told to stop
    expect(loadErrors).toBe(105_001); // each timed-out load counted once as failed
  }, 60_000);

  it('30,000 more with a signal per caller (each caller listens on its own signal too)', async () => {
    const { growth } = await hungLoads(30_000, true);
    expect(growth).toBeLessThan(2 * MB); // about 70 MB before the fix
  }, 60_000);
});
