/**
 * Property tests of `TinyLfuCache` under admission pressure: random operation sequences (set with
 * ttl and size, get, peek, has, delete, clear, resize, prune, load, clock advances; `onEvict`
 * sometimes throwing), with invariants checked after every step. Admission makes the contents
 * unpredictable, so there is no reference model of which key stays (test/property/
 * lru-cache.property.test.ts runs the LRU model over TinyLfuCache where nothing needs admitting).
 * Instead a ledger follows every value written (each one unique) and checks:
 * - nothing is lost silently: every value stored is either still the value of its key or was
 *   reported by `onEvict` exactly once, with a reason that fits (`'expire'` only once expired,
 *   `'evict'`, `'set'` and `'delete'` only while fresh, `'delete'` only from `delete`, `'clear'`
 *   only from `clear`); no value is reported that was not stored;
 * - the map and the segments agree: `size` is the number of entries the ledger holds, iteration
 *   yields each fresh one exactly once (and, after `prune`, `size` of them), `has`/`peek`/
 *   `expiresIn` agree with it, and a key iteration does not reach is not held;
 * - both bounds hold and `totalSize` is the exact sum of the held entries' sizes;
 * - a `set` that was admitted (the key is present after it) is followed by a `get` that hits;
 * - stats add up: hits + misses = gets; `sets` counts what was stored; evictions, expirations and
 *   deletes equal the `onEvict` calls of those reasons;
 * - a callback that throws does not stop the others; the operation rethrows the first error;
 * - `load(dump())` into an empty cache with room restores exactly the fresh entries, ttl left and
 *   sizes included.
 */

import fc from 'fast-check';
import type { EvictionReason, LruCacheEntry } from 'lrukit';
import { TinyLfuCache } from 'lrukit';
import { ManualClock } from 'lrukit/testing';
import { describe, expect, it } from 'vitest';

const objectKey = { id: 1 };
const KEYS: readonly unknown[] = [Number.NaN, 0, -0, '__proto__', objectKey, null, 'a', 1, 2, 3];
const keyOf = (i: number): unknown => (i < KEYS.length ? KEYS[i] : `k${i}`);
const sameKey = (a: unknown, b: unknown): boolean =>
  a === b || (Number.isNaN(a) && Number.isNaN(b));

interface Config {
  maxEntries?: number;
  maxSize?: number;
  maxEntrySize?: number;
  ttl?: number;
  updateAgeOnGet: boolean;
  autoPurge: boolean;
  /** onEvict throws for every value divisible by 3. */
  throwing: boolean;
  seed: number;
  /** Mostly zero-size entries, so a maxSize-only cache holds many keys (storage grows). */
  manySmall?: boolean;
}

interface Written {
  key: number;
  ttl?: number | null;
  size: number;
}

type Op =
  | { op: 'get' | 'peek' | 'has' | 'delete'; key: number }
  | { op: 'set'; key: number; size: number; ttl?: number; numeric: boolean }
  | { op: 'load'; entries: Written[] }
  | { op: 'reload' }
  | { op: 'advance'; ms: number }
  | { op: 'resize'; maxEntries?: number; maxSize?: number }
  | { op: 'clear' | 'prune' };

const keyIndex = fc.integer({ min: 0, max: 40 });
const anySize = fc.oneof(
  { weight: 2, arbitrary: fc.constant(0) },
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 12 }) },
);
/** Zero-size entries let a maxSize-only cache hold many keys (storage grows past 16 slots). */
const smallSize = fc.oneof(
  { weight: 6, arbitrary: fc.constant(0) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 12 }) },
);
const ttl = fc.option(fc.oneof(fc.integer({ min: 1, max: 50 }), fc.constant(Infinity)), {
  nil: undefined,
});

function ops(c: Config): fc.Arbitrary<Op[]> {
  const sized = c.maxSize !== undefined;
  const size = c.manySmall === true ? smallSize : anySize;
  const written: fc.Arbitrary<Written> = fc.record(
    {
      key: keyIndex,
      ttl: fc.option(fc.oneof(fc.integer({ min: 1, max: 50 }), fc.constant(null)), {
        nil: undefined,
      }),
      size,
    },
    { requiredKeys: ['key', 'size'] },
  );
  const op: fc.Arbitrary<Op> = fc.oneof(
    {
      weight: 6,
      arbitrary: fc.record({ op: fc.constantFrom('get' as const, 'peek', 'has'), key: keyIndex }),
    },
    {
      weight: 8,
      arbitrary: fc.record(
        { op: fc.constant('set' as const), key: keyIndex, size, ttl, numeric: fc.boolean() },
        { requiredKeys: ['op', 'key', 'size', 'numeric'] },
      ),
    },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('delete' as const), key: keyIndex }) },
    {
      weight: 1,
      arbitrary: fc.record({
        op: fc.constant('load' as const),
        entries: fc.array(written, { maxLength: 4 }),
      }),
    },
    { weight: 1, arbitrary: fc.constant({ op: 'reload' as const }) },
    {
      weight: 2,
      arbitrary: fc.record({
        op: fc.constant('advance' as const),
        ms: fc.integer({ min: 0, max: 30 }),
      }),
    },
    {
      weight: 1,
      arbitrary: sized
        ? fc.record(
            {
              op: fc.constant('resize' as const),
              maxEntries: fc.integer({ min: 1, max: 24 }),
              maxSize: fc.integer({ min: 1, max: 60 }),
            },
            { requiredKeys: ['op'] },
          )
        : fc.record({
            op: fc.constant('resize' as const),
            maxEntries: fc.integer({ min: 1, max: 24 }),
          }),
    },
    { weight: 1, arbitrary: fc.constantFrom({ op: 'clear' as const }, { op: 'prune' as const }) },
  );
  return fc.array(op, { maxLength: 100, size: 'max' });
}

const configs: fc.Arbitrary<Config> = fc
  .record({
    sized: fc.boolean(),
    maxEntries: fc.option(fc.integer({ min: 1, max: 24 }), { nil: undefined, freq: 2 }),
    maxSize: fc.integer({ min: 1, max: 40 }),
    entryFraction: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }),
    ttl: fc.option(fc.integer({ min: 1, max: 50 }), { nil: undefined }),
    updateAgeOnGet: fc.boolean(),
    autoPurge: fc.boolean(),
    throwing: fc.boolean(),
    seed: fc.integer(),
  })
  .map(({ sized, maxEntries, maxSize, entryFraction, ...rest }) => {
    const c: Config = { ...rest };
    // a throwing onEvict inside a timer has no caller to reach: autoPurge runs without it
    if (c.throwing) c.autoPurge = false;
    if (c.ttl === undefined) delete c.ttl;
    if (sized) {
      c.maxSize = maxSize;
      if (maxEntries !== undefined) c.maxEntries = maxEntries;
      if (entryFraction !== undefined) c.maxEntrySize = Math.round(entryFraction * maxSize);
    } else {
      c.maxEntries = maxEntries ?? 8;
    }
    return c;
  });

/** maxSize-only caches of mostly zero-size entries: many keys held, storage grows and shrinks. */
const manySmallConfigs: fc.Arbitrary<Config> = configs.chain((c) =>
  fc.integer({ min: 20, max: 40 }).map((maxSize): Config => {
    const { maxEntries: _ignored, maxEntrySize: _default, ...rest } = c;
    return { ...rest, maxSize, manySmall: true };
  }),
);

/** What the ledger knows of one value written (values are unique numbers). */
interface Held {
  key: unknown;
  size: number;
  /** `Infinity` for never. */
  expiresAt: number;
  ttl: number;
}

/**
 * Asserts `actual` is `expected` (`Object.is`), calling `expect` only on a mismatch: it gives the
 * message and diff, and is too slow to run on every check of every step.
 */
function eq(actual: unknown, expected: unknown, what: string): void {
  if (!Object.is(actual, expected)) expect(actual, what).toBe(expected);
}

function eqList(actual: unknown[], expected: unknown[], what: string): void {
  if (actual.length !== expected.length || actual.some((a, i) => !Object.is(a, expected[i]))) {
    expect(actual, what).toEqual(expected);
  }
}

function run(c: Config, steps: Op[]): void {
  const clock = new ManualClock();
  const sized = c.maxSize !== undefined;
  let maxEntries = c.maxEntries ?? Infinity;
  let maxSize = c.maxSize ?? Infinity;
  const maxEntrySizeOption = c.maxEntrySize;
  const maxEntrySize = () => Math.min(maxEntrySizeOption ?? maxSize, maxSize);
  const defaultTtl = c.ttl ?? Infinity;

  /** value → what is held; exactly the values the cache stores, expired ones included. */
  const held = new Map<number, Held>();
  const valueOfKey = (key: unknown): number | undefined => {
    for (const [value, h] of held) if (sameKey(h.key, key)) return value;
    return undefined;
  };
  const expired = (h: Held): boolean => clock.now() >= h.expiresAt;
  let nextValue = 1;
  let current = '';
  let gets = 0;
  let sets = 0;
  const reasons: Record<EvictionReason, number> = {
    evict: 0,
    expire: 0,
    delete: 0,
    set: 0,
    clear: 0,
  };
  const thrown: Error[] = [];

  const onEvict = (value: number, key: unknown, reason: EvictionReason): void => {
    const h = held.get(value);
    if (h === undefined) {
      throw new Error(
        `${current}: onEvict(${value}, ${String(key)}, '${reason}') of a value not held`,
      );
    }
    if (!sameKey(h.key, key)) eq(key, h.key, `${current}: onEvict key of value ${value}`);
    if (reason === 'expire') eq(expired(h), true, `${current}: '${reason}' of a fresh entry`);
    if (reason === 'evict' || reason === 'set' || reason === 'delete') {
      eq(expired(h), false, `${current}: '${reason}' of an expired entry`);
    }
    if (reason === 'delete') eq(current.startsWith('delete'), true, `'delete' during ${current}`);
    if (reason === 'clear') eq(current, 'clear', 'current');
    if (reason === 'evict') {
      eq(/^(set|load|reload|resize)/.test(current), true, `'evict' during ${current}`);
    }
    held.delete(value);
    reasons[reason]++;
    if (c.throwing && value % 3 === 0) {
      const error = new Error(`onEvict ${value}`);
      thrown.push(error);
      throw error;
    }
  };

  const options: Record<string, unknown> = { seed: c.seed, clock, onEvict };
  for (const name of [
    'maxEntries',
    'maxSize',
    'maxEntrySize',
    'ttl',
    'updateAgeOnGet',
    'autoPurge',
  ] as const) {
    if (c[name] !== undefined) options[name] = c[name];
  }
  const cache = new TinyLfuCache<unknown, number>(options as never);

  /** Records a write the cache is about to make: `value` under `key` (unless oversize). */
  const write = (key: unknown, value: number, size: number, ttl: number): void => {
    if (size > maxEntrySize()) return; // not stored; the old value is reported ('set'/'expire')
    // a new value: the old one under `key`, if any, is reported by onEvict ('set' or 'expire');
    // the same value again (reload): it stays held, with the new ttl and size
    held.set(value, { key, size, ttl, expiresAt: ttl === Infinity ? ttl : clock.now() + ttl });
    sets++;
  };

  /** Runs `fn`; the first error a callback threw must be what the operation threw. */
  const guarded = <T>(fn: () => T): T | undefined => {
    thrown.length = 0;
    let result: T | undefined;
    let caught: unknown;
    let threw = false;
    try {
      result = fn();
    } catch (e) {
      threw = true;
      caught = e;
    }
    if (thrown.length > 0) {
      eq(threw, true, `${current}: a callback threw, the operation did not`);
      eq(caught, thrown[0], `${current}: the first callback error is rethrown`);
    } else if (threw) {
      throw caught;
    }
    return result;
  };

  const check = (): void => {
    const now = clock.now();
    // the values held with their key, each key once
    const byKey = new Map<unknown, number>();
    for (const [value, h] of held) {
      eq(byKey.has(h.key), false, `${current}: two values held for one key`);
      byKey.set(h.key, value);
    }
    eq(cache.size, held.size, `${current}: size = entries held (the map and the segments agree)`);
    eq(cache.size <= maxEntries, true, 'size <= maxEntries');
    eq(cache.maxEntries, maxEntries, 'cache.maxEntries');
    eq(cache.maxSize, maxSize, 'cache.maxSize');
    if (sized) {
      let sum = 0;
      for (const h of held.values()) sum += h.size;
      eq(cache.totalSize, sum, `${current}: totalSize is the exact sum`);
      eq(cache.totalSize <= maxSize, true, 'totalSize <= maxSize');
    } else {
      eq(cache.totalSize, 0, 'cache.totalSize');
    }
    // iteration yields every fresh entry held, each once, and nothing else
    const entries = [...cache.entries()];
    const fresh = [...held].filter(([, h]) => now < h.expiresAt);
    eq(entries.length, fresh.length, `${current}: entries() yields each fresh entry once`);
    for (const [key, value] of entries) {
      const h = held.get(value);
      eq(
        h !== undefined && sameKey(h.key, key),
        true,
        `${current}: iterated ${String(key)} → ${value}`,
      );
    }
    eqList(
      [...cache.keys()],
      entries.map(([k]) => k),
      'keys() walks as entries()',
    );
    eqList(
      [...cache.values()],
      entries.map(([, v]) => v),
      'values() walks as entries()',
    );
    for (const [value, h] of held) {
      const isFresh = now < h.expiresAt;
      eq(cache.has(h.key), isFresh, `${current}: has(${String(h.key)})`);
      eq(cache.peek(h.key), isFresh ? value : undefined, `${current}: peek(${String(h.key)})`);
      eq(
        cache.expiresIn(h.key),
        !isFresh ? undefined : h.expiresAt === Infinity ? Infinity : h.expiresAt - now,
        'cache.expiresIn(h.key)',
      );
    }
    // stats add up
    const stats = cache.stats;
    eq(stats.hits + stats.misses, gets, `${current}: hits + misses = gets`);
    eq(stats.sets, sets, `${current}: sets`);
    eq(stats.evictions, reasons.evict, 'stats.evictions');
    eq(stats.expirations, reasons.expire, 'stats.expirations');
    eq(stats.deletes, reasons.delete, 'stats.deletes');
    // dump/load round-trips the fresh entries into a cache with room
    const dump = cache.dump();
    eq(dump.length, fresh.length, 'dump.length');
    const copy = new TinyLfuCache<unknown, number>({
      maxEntries: 64,
      ...(sized ? { maxSize: 1_000 } : {}),
      ...(c.ttl === undefined ? {} : { ttl: c.ttl }),
      seed: 1,
      clock,
    });
    copy.load(dump);
    const copied = new Map(copy.entries());
    eq(copied.size, entries.length, 'load(dump()) restores every fresh entry');
    for (const [key, value] of entries)
      eq(copied.get(key), value, 'load(dump()) restores each value');
    eq(
      copy.totalSize,
      dump.reduce((s, [, e]) => s + (e.size ?? 0), 0),
      'copy.totalSize',
    );
    for (const [key] of entries)
      eq(copy.expiresIn(key), cache.expiresIn(key), 'copy.expiresIn(key)');
  };

  for (const step of steps) {
    current = step.op;
    switch (step.op) {
      case 'get': {
        const key = keyOf(step.key);
        const value = valueOfKey(key);
        const h = value === undefined ? undefined : held.get(value)!;
        gets++;
        const result = guarded(() => cache.get(key));
        if (h !== undefined && !expired(h)) {
          eq(result, value, 'result');
          if (c.updateAgeOnGet && h.expiresAt !== Infinity) h.expiresAt = clock.now() + h.ttl;
        } else {
          eq(result, undefined, `${current}: get result`);
        }
        break;
      }
      case 'peek':
        cache.peek(keyOf(step.key));
        break;
      case 'has':
        cache.has(keyOf(step.key));
        break;
      case 'delete': {
        const key = keyOf(step.key);
        const value = valueOfKey(key);
        const wasFresh = value !== undefined && !expired(held.get(value)!);
        current = `delete ${String(key)}`;
        const result = guarded(() => cache.delete(key));
        if (result !== undefined) eq(result, wasFresh, 'result');
        eq(valueOfKey(key), undefined, `${current}: deleted, and reported`);
        break;
      }
      case 'set': {
        const key = keyOf(step.key);
        const value = nextValue++;
        current = `set ${String(key)} → ${value}`;
        write(key, value, sized ? step.size : 0, step.ttl ?? defaultTtl);
        const opts = {
          ...(sized ? { size: step.size } : {}),
          ...(step.ttl === undefined ? {} : { ttl: step.ttl }),
        };
        guarded(() =>
          step.numeric && !sized && step.ttl !== undefined
            ? cache.set(key, value, step.ttl)
            : cache.set(key, value, opts),
        );
        // admitted: the next get hits; refused: onEvict reported it ('evict')
        if (cache.has(key)) {
          gets++;
          eq(
            guarded(() => cache.get(key)),
            value,
            'guarded(() => cache.get(key))',
          );
          const h = held.get(value)!;
          if (c.updateAgeOnGet && h.expiresAt !== Infinity) h.expiresAt = clock.now() + h.ttl;
        } else {
          eq(held.has(value), false, `${current}: not held, yet not reported`);
        }
        break;
      }
      case 'load': {
        current = 'load';
        const entries: Array<[unknown, LruCacheEntry<number>]> = step.entries.map((w) => {
          const value = nextValue++;
          const entry: LruCacheEntry<number> = { value, size: w.size };
          if (w.ttl !== undefined) entry.ttl = w.ttl;
          return [keyOf(w.key), entry];
        });
        for (const [key, e] of entries) {
          const t = e.ttl === undefined ? defaultTtl : e.ttl === null ? Infinity : e.ttl;
          write(key, e.value, sized ? e.size! : 0, t);
        }
        guarded(() => cache.load(entries));
        break;
      }
      case 'reload': {
        current = 'reload';
        const dump = cache.dump();
        for (const [key, e] of dump) {
          const t = e.ttl === undefined ? defaultTtl : e.ttl === null ? Infinity : e.ttl;
          write(key, e.value, sized ? e.size! : 0, t);
        }
        guarded(() => cache.load(dump));
        break;
      }
      case 'advance':
        current = 'advance';
        clock.advance(step.ms);
        break;
      case 'resize': {
        current = 'resize';
        const bounds: { maxEntries?: number; maxSize?: number } = {};
        if (step.maxEntries !== undefined) bounds.maxEntries = maxEntries = step.maxEntries;
        if (step.maxSize !== undefined) bounds.maxSize = maxSize = step.maxSize;
        if (Object.keys(bounds).length === 0) break;
        guarded(() => cache.resize(bounds));
        break;
      }
      case 'clear':
        guarded(() => cache.clear());
        eq(held.size, 0, 'clear reports every entry');
        break;
      case 'prune': {
        const expiredCount = [...held.values()].filter(expired).length;
        const removed = guarded(() => cache.prune());
        if (removed !== undefined) eq(removed, expiredCount, 'removed'); // else a callback threw
        for (const h of held.values()) eq(expired(h), false, 'an expired entry left by prune');
        eq(cache.size, [...cache.keys()].length, 'after prune(), size = the keys iteration yields');
        break;
      }
    }
    check();
  }
}

describe('TinyLfuCache (property): invariants after every step, under admission', () => {
  it('nothing lost, map and segments agree, bounds, stats, get after an admitted set, dump/load', () => {
    fc.assert(
      fc.property(
        configs.chain((c) => fc.tuple(fc.constant(c), ops(c))),
        ([c, steps]) => run(c, steps),
      ),
      { numRuns: 200 },
    );
  });

  it('the same, with many small entries in a maxSize-only cache (storage grows past 16 slots)', () => {
    fc.assert(
      fc.property(
        manySmallConfigs.chain((c) => fc.tuple(fc.constant(c), ops(c))),
        ([c, steps]) => run(c, steps),
      ),
      { numRuns: 60 },
    );
  });
});
