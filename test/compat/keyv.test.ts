/**
 * keyv's own published test suite (@keyv/test-suite, pinned as a devDependency) with an `LruCache`
 * as the Keyv store, beside the same suite over a `Map` (keyv's default store) as the reference.
 *
 * An LruCache must pass everything a Map passes, except what keyv itself refuses to any store that
 * is not a Map: iteration. `keyv.iterator` exists only for a `Map` or for keyv's own database
 * adapters (an `opts.dialect` such as "sqlite" or "redis"), so keyv's four iterator tests fail for
 * every other store, lru-cache's `LRUCache` included. Both lists of expected failures are exact:
 * a test listed there that passes fails the run (`it.fails`), so a change in keyv shows up here.
 *
 * The suite sleeps twice (30 ms and 250 ms of setTimeout); here every test runs on fake timers that
 * jump to the next timer whenever the test is waiting, so nothing sleeps (see `onFakeTime`).
 */

import {
  keyvApiTests,
  keyvIteratorTests,
  keyvNamespaceTest,
  keyvValueTests,
} from '@keyv/test-suite';
import Keyv from 'keyv';
import { LruCache } from 'lrukit';
import * as vitest from 'vitest';
import { describe, expect, it, vi } from 'vitest';

type Suite = typeof keyvApiTests;
type TestBody = (context: vitest.TestContext) => unknown;

/** The suites keyvTestSuite runs, plus the iterator tests it leaves to stores that can iterate. */
const SUITES: Array<[string, Suite]> = [
  ['api', keyvApiTests],
  ['values', keyvValueTests],
  ['namespace', keyvNamespaceTest],
  ['iterator', keyvIteratorTests],
];

/**
 * Fails for a Map as for any store: the test writes `store().opts.deserialize`, and only keyv's
 * adapter classes have `opts` (a Map, an LRUCache or an LruCache has none).
 */
const NEEDS_OPTS = 'the test sets store().opts, which only keyv adapters have';

/** Refused by keyv for every store that is not a Map (or one of its iterable adapters). */
const NO_ITERATOR = 'keyv builds keyv.iterator only for a Map store';

const MAP_FAILS = new Map([
  ['value can be BigInt using other serializer/deserializer', NEEDS_OPTS],
]);

const LRUKIT_FAILS = new Map([
  ...MAP_FAILS,
  ['.iterator() returns an asyncIterator', NO_ITERATOR],
  ['iterator() iterates over all values', NO_ITERATOR],
  ["iterator() doesn't yield values from other namespaces", NO_ITERATOR],
  ["iterator() doesn't yield expired values, and deletes them", NO_ITERATOR],
]);

/**
 * Runs `body` on fake timers (Date, performance and setTimeout), advancing time to the next
 * timer each time the test is idle: a `setTimeout(resolve, 250)` resolves at once, 250 fake ms
 * later, so time-dependent tests keep their meaning without sleeping. The idle check is a real
 * `setImmediate` (not faked): every pending promise job has run by then.
 */
function onFakeTime(body: TestBody): TestBody {
  return async (context) => {
    const RealDate = globalThis.Date;
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
    try {
      let settled = false;
      let failure: { error: unknown } | undefined;
      // handled at once, so a failing test is a failure and never an unhandled rejection
      const run = (async () => body(context))().then(
        () => {
          settled = true;
        },
        (error: unknown) => {
          settled = true;
          failure = { error };
        },
      );
      while (!settled) {
        await new Promise((resolve) => setImmediate(resolve));
        if (!settled) vi.advanceTimersToNextTimer();
      }
      await run;
      if (failure !== undefined) throw failure.error;
    } finally {
      vi.useRealTimers();
      // The suite's ttl test swaps Date itself (timekeeper) while the fake one is installed, and
      // the fake timers then delete the global Date when uninstalled: put the real one back.
      globalThis.Date = RealDate;
    }
  };
}

/**
 * The `test` object the suites take (they call `test.it` and `test.beforeEach`), with `it`
 * marking the expected failures as `it.fails` and running every test on fake time.
 */
function suiteApi(expectedFailures: ReadonlyMap<string, string>, seen: Set<string>) {
  const register = (name: string, body: TestBody) => {
    seen.add(name);
    const why = expectedFailures.get(name);
    if (why === undefined) it(name, onFakeTime(body));
    else it.fails(`${name} (fails: ${why})`, onFakeTime(body));
  };
  return { ...vitest, it: register } as unknown as typeof vitest;
}

function runSuites(
  store: () => unknown,
  expectedFailures: ReadonlyMap<string, string>,
): Set<string> {
  const seen = new Set<string>();
  const test = suiteApi(expectedFailures, seen);
  for (const [name, suite] of SUITES) {
    describe(name, () => suite(test, Keyv, store));
  }
  return seen;
}

describe('@keyv/test-suite with a Map store (the reference)', () => {
  const seen = runSuites(() => new Map(), MAP_FAILS);
  it('ran every test named in its list of expected failures', () => {
    expect([...MAP_FAILS.keys()].filter((name) => !seen.has(name))).toEqual([]);
  });
});

describe('@keyv/test-suite with an LruCache store', () => {
  const seen = runSuites(() => new LruCache<string, unknown>({ maxEntries: 1_000 }), LRUKIT_FAILS);
  it('ran every test named in its list of expected failures', () => {
    expect([...LRUKIT_FAILS.keys()].filter((name) => !seen.has(name))).toEqual([]);
  });
});

describe('what keyv does with an LruCache store, beyond its suite', () => {
  it('gives a Map store an iterator and an LruCache store none (so the iterator tests fail)', () => {
    expect(typeof new Keyv({ store: new Map() }).iterator).toBe('function');
    expect(new Keyv({ store: new LruCache({ maxEntries: 10 }) }).iterator).toBeUndefined();
  });

  it('passes its ttl to the store: the LruCache itself expires the entry', async () => {
    vi.useFakeTimers();
    try {
      const lru = new LruCache<string, unknown>({ maxEntries: 10 });
      const keyv = new Keyv({ store: lru });
      expect(await keyv.set('session', 'token', 1_000)).toBe(true);
      expect(lru.expiresIn('keyv:session')).toBe(1_000);
      expect(await keyv.has('session')).toBe(true);
      vi.advanceTimersByTime(1_000);
      // keyv.has() asks a store that is not a Map directly, without keyv's own expiry check
      expect(lru.has('keyv:session')).toBe(false);
      expect(await keyv.has('session')).toBe(false);
      expect(await keyv.get('session')).toBeUndefined();
    } finally {
      vi.useRealTimers();
    }
  });

  it('stores without a ttl when keyv has none (keyv passes ttl undefined)', async () => {
    const lru = new LruCache<string, unknown>({ maxEntries: 10 });
    const keyv = new Keyv({ store: lru });
    await keyv.set('forever', 1);
    expect(lru.expiresIn('keyv:forever')).toBe(Infinity);
    expect(await keyv.get('forever')).toBe(1);
  });

  it('bounds what it holds: the least recently used key is evicted', async () => {
    const keyv = new Keyv({ store: new LruCache<string, unknown>({ maxEntries: 2 }) });
    await keyv.set('a', 1);
    await keyv.set('b', 2);
    expect(await keyv.get('a')).toBe(1); // 'b' is now the least recently used
    await keyv.set('c', 3);
    expect(await keyv.get('b')).toBeUndefined();
    expect(await keyv.get('a')).toBe(1);
    expect(await keyv.get('c')).toBe(3);
  });

  it('clears every namespace sharing the store, as with a Map store', async () => {
    for (const store of [new Map(), new LruCache<string, unknown>({ maxEntries: 10 })]) {
      const users = new Keyv({ store, namespace: 'users' });
      const posts = new Keyv({ store, namespace: 'posts' });
      await users.set('1', 'ada');
      await posts.set('1', 'hello');
      await users.clear();
      expect(await posts.get('1')).toBeUndefined();
    }
  });
});
