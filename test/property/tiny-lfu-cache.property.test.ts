/**
 * Property tests of `TinyLfuCache`: random operation sequences, with invariants checked after
 * every step. Admission makes exact contents unpredictable (no reference model), so the checks are:
 * - both bounds hold; `totalSize` is the exact sum of the stored entries' sizes;
 * - the keys reached by walking the segments are exactly the keys the cache holds (the map and the
 *   segments agree), each once, and match the keys a tracker built from `set` and `onEvict` expects;
 * - a `set` whose key is present afterwards (admitted) is followed by a `get` that hits that value;
 * - stats add up: hits + misses = gets, and evictions, expirations and deletes equal the `onEvict`
 *   calls of those reasons.
 */

import fc from 'fast-check';
import { TinyLfuCache } from 'lrukit';
import { ManualClock } from 'lrukit/testing';
import { describe, expect, it } from 'vitest';
import type { EvictionReason } from '../../src/options.js';

const objectKey = { id: 1 };
const KEYS: readonly unknown[] = [Number.NaN, 0, -0, '__proto__', objectKey, null, 'a', 1, 2, 3];

type Op =
  | { op: 'get' | 'delete' | 'peek'; key: number }
  | { op: 'set'; key: number; value: number; size: number; ttl: number | undefined }
  | { op: 'advance'; ms: number }
  | { op: 'resize'; maxEntries: number }
  | { op: 'clear' | 'prune' };

const keyIndex = fc.integer({ min: 0, max: 40 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ op: fc.constant('get' as const), key: keyIndex }) },
  {
    weight: 5,
    arbitrary: fc.record({
      op: fc.constant('set' as const),
      key: keyIndex,
      value: fc.integer({ min: 0, max: 5 }),
      size: fc.integer({ min: 0, max: 12 }),
      ttl: fc.option(fc.integer({ min: 1, max: 50 }), { nil: undefined }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('delete' as const), key: keyIndex }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('peek' as const), key: keyIndex }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('advance' as const),
      ms: fc.integer({ min: 1, max: 30 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('resize' as const),
      maxEntries: fc.integer({ min: 1, max: 12 }),
    }),
  },
  { weight: 1, arbitrary: fc.constantFrom({ op: 'clear' as const }, { op: 'prune' as const }) },
);

const keyOf = (i: number): unknown => (i < KEYS.length ? KEYS[i] : `k${i}`);

function run(ops: Op[], sized: boolean, withTtl: boolean, seed: number): void {
  const clock = new ManualClock();
  const tracked = new Map<unknown, number>(); // key → size, as set() and onEvict say
  const reasons: Record<EvictionReason, number> = {
    evict: 0,
    expire: 0,
    delete: 0,
    set: 0,
    clear: 0,
  };
  let gets = 0;
  const onEvict = (_value: number, key: unknown, reason: EvictionReason): void => {
    reasons[reason]++;
    // callbacks run after the operation: a replaced value (reason 'set', or 'expire' when it had
    // expired) leaves its key in the cache
    if (!cache.has(key)) tracked.delete(key);
  };
  const cache: TinyLfuCache<unknown, number> = sized
    ? new TinyLfuCache({ maxEntries: 12, maxSize: 40, seed, clock, onEvict })
    : new TinyLfuCache({ maxEntries: 8, seed, clock, onEvict });
  let maxEntries = sized ? 12 : 8;

  const check = (): void => {
    expect(cache.size).toBeLessThanOrEqual(maxEntries);
    if (sized) expect(cache.totalSize).toBeLessThanOrEqual(40);
    expect(cache.size).toBe(tracked.size);
    if (sized) expect(cache.totalSize).toBe([...tracked.values()].reduce((a, b) => a + b, 0));
    const walked = [...cache.keys()];
    expect(new Set(walked).size).toBe(walked.length);
    for (const key of walked) expect(tracked.has(key)).toBe(true);
    if (!withTtl) expect(walked.length).toBe(cache.size);
    const stats = cache.stats;
    expect(stats.hits + stats.misses).toBe(gets);
    expect(stats.evictions).toBe(reasons.evict);
    expect(stats.expirations).toBe(reasons.expire);
    expect(stats.deletes).toBe(reasons.delete);
  };

  for (const o of ops) {
    switch (o.op) {
      case 'get':
        gets++;
        cache.get(keyOf(o.key));
        break;
      case 'peek':
        cache.peek(keyOf(o.key));
        break;
      case 'delete':
        cache.delete(keyOf(o.key));
        break;
      case 'set': {
        const key = keyOf(o.key);
        const options = { ...(sized ? { size: o.size } : {}), ...(withTtl ? { ttl: o.ttl } : {}) };
        tracked.set(key, sized ? o.size : 0);
        cache.set(key, o.value, options);
        // admitted: the next get hits; not admitted: onEvict told the tracker ('evict')
        if (cache.has(key)) {
          gets++;
          expect(cache.get(key)).toBe(o.value);
        }
        break;
      }
      case 'advance':
        if (withTtl) clock.advance(o.ms);
        break;
      case 'resize':
        maxEntries = o.maxEntries;
        cache.resize({ maxEntries });
        break;
      case 'clear':
        cache.clear();
        break;
      case 'prune':
        cache.prune();
        break;
    }
    check();
  }
}

describe('TinyLfuCache: invariants after every step', () => {
  for (const [name, sized, withTtl] of [
    ['count bound', false, false],
    ['count and size bounds', true, false],
    ['count bound with ttl', false, true],
    ['size bound with ttl', true, true],
  ] as const) {
    it(name, () => {
      fc.assert(
        fc.property(fc.array(opArb, { maxLength: 200 }), fc.integer(), (ops, seed) =>
          run(ops, sized, withTtl, seed),
        ),
        { numRuns: 150 },
      );
    });
  }
});
