/**
 * Bad input: every constructor option and method argument is refused with the right error class
 * and a message naming the option and the value received, and a refused call changes nothing.
 *
 * Run over `LruCache` and `TinyLfuCache` (test/shared/caches.ts), which share these rules. A
 * message that names its class names the class it came from: the rows are written for `LruCache`
 * and `forClass` puts the other class's name in.
 */

import { ManualClock } from 'lrukit/testing';
import { describe, expect, it } from 'vitest';
import {
  CACHE_KINDS,
  type CacheKind,
  expectKeys,
  LRU,
  type SyncCache,
  TINY_LFU,
} from '../shared/caches.js';

type ErrorClass = new (...args: never[]) => Error;

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `lrukit: <subject> must be <anything>, got <got>`, anchored so `got -1` never matches `-10`. */
function named(subject: string, got: string): RegExp {
  return new RegExp(`^lrukit: ${escapeRegExp(subject)} must be .+, got ${escapeRegExp(got)}$`);
}

/** `lrukit: unknown option "<key>" in <where>` (the list of known options may follow). */
/** A load() table row: one entry `['k', { value: 1, [field]: value }]`, refused by its field. */
function badEntry(
  fixture: FixtureOf,
  field: 'ttl' | 'size',
  value: unknown,
  error: typeof TypeError | typeof RangeError,
  shown: string,
) {
  const entries = [['k', { value: 1, [field]: value }]];
  return [fixture, entries, error, named(`load() entry [0] "${field}"`, shown)] as const;
}

function unknownKey(key: string, where: string): RegExp {
  return new RegExp(
    `^lrukit: unknown option "${escapeRegExp(key)}" in ${escapeRegExp(where)}(;|$)`,
  );
}

const opt = (name: string): string => `option "${name}"`;

/** `message`, written for `LruCache`, with every mention of the class naming `kind` instead. */
function forClass(message: RegExp, kind: CacheKind): RegExp {
  return new RegExp(message.source.replaceAll('LruCache', kind.name), message.flags);
}

/** Calls `fn` once and checks it threw an instance of `error` whose message matches. */
function expectRefused(fn: () => unknown, error: ErrorClass, message: RegExp): void {
  let threw = false;
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    threw = true;
    thrown = e;
  }
  expect(threw, 'the call should have thrown').toBe(true);
  expect(thrown).toBeInstanceOf(error);
  expect((thrown as Error).message).toMatch(message);
}

describe('the message helpers', () => {
  it('match the value received exactly, not a prefix of it', () => {
    expect('lrukit: option "ttl" must be x, got -10').not.toMatch(named(opt('ttl'), '-1'));
    expect('lrukit: option "ttl" must be x, got -1').toMatch(named(opt('ttl'), '-1'));
    expect('lrukit: option "tt" must be x, got -1').not.toMatch(named(opt('ttl'), '-1'));
    expect('lrukit: unknown option "ttLx" in set() options').not.toMatch(
      unknownKey('ttL', 'set() options'),
    );
  });
});

// ---- constructor -------------------------------------------------------------------------------

interface CtorRow {
  name: string;
  options: unknown;
  error: ErrorClass;
  message: RegExp;
}

const fn = (): number => 1;
const nowOnly = { now: () => 0 };

const ctorRows: CtorRow[] = [
  // maxEntries
  ...(
    [
      [0, '0'],
      [-0, '-0'],
      [-1, '-1'],
      [1.5, '1.5'],
      [Number.NaN, 'NaN'],
      [Infinity, 'Infinity'],
      [-Infinity, '-Infinity'],
      [0xffff_ffff, '4294967295'],
      [2 ** 53, '9007199254740992'],
    ] as const
  ).map(([value, got]) => ({
    name: `maxEntries: ${got}`,
    options: { maxEntries: value },
    error: RangeError,
    message: named(opt('maxEntries'), got),
  })),
  ...(
    [
      ['10', '"10"'],
      [10n, '10n'],
      [null, 'null'],
      [true, 'true'],
      [{}, 'an object'],
    ] as const
  ).map(([value, got]) => ({
    name: `maxEntries: ${got}`,
    options: { maxEntries: value },
    error: TypeError,
    message: named(opt('maxEntries'), got),
  })),
  // maxSize
  ...(
    [
      [0, '0'],
      [-1, '-1'],
      [Number.NaN, 'NaN'],
      [Infinity, 'Infinity'],
      [1.5, '1.5'],
      [Number.MIN_VALUE, '5e-324'],
      [2 ** 53, '9007199254740992'],
    ] as const
  ).map(([value, got]) => ({
    name: `maxSize: ${got}`,
    options: { maxSize: value },
    error: RangeError,
    message: named(opt('maxSize'), got),
  })),
  ...(
    [
      ['1', '"1"'],
      [null, 'null'],
      [1n, '1n'],
    ] as const
  ).map(([value, got]) => ({
    name: `maxSize: ${got}`,
    options: { maxSize: value },
    error: TypeError,
    message: named(opt('maxSize'), got),
  })),
  // sizeOf
  {
    name: 'sizeOf: "length"',
    options: { maxSize: 100, sizeOf: 'length' },
    error: TypeError,
    message: named(opt('sizeOf'), '"length"'),
  },
  {
    name: 'sizeOf: an object',
    options: { maxSize: 100, sizeOf: {} },
    error: TypeError,
    message: named(opt('sizeOf'), 'an object'),
  },
  {
    name: 'sizeOf: null',
    options: { maxSize: 100, sizeOf: null },
    error: TypeError,
    message: named(opt('sizeOf'), 'null'),
  },
  {
    name: 'sizeOf without maxSize',
    options: { maxEntries: 10, sizeOf: fn },
    error: TypeError,
    message: named(opt('sizeOf'), 'a function'),
  },
  // maxEntrySize
  ...(
    [
      [-1, '-1'],
      [Number.NaN, 'NaN'],
      [Infinity, 'Infinity'],
      [101, '101'],
      [100.5, '100.5'],
      [1.5, '1.5'],
      [2 ** 53, '9007199254740992'],
    ] as const
  ).map(([value, got]) => ({
    name: `maxEntrySize: ${got} with maxSize: 100`,
    options: { maxSize: 100, maxEntrySize: value },
    error: RangeError,
    message: named(opt('maxEntrySize'), got),
  })),
  {
    name: 'maxEntrySize: "10"',
    options: { maxSize: 100, maxEntrySize: '10' },
    error: TypeError,
    message: named(opt('maxEntrySize'), '"10"'),
  },
  {
    name: 'maxEntrySize without maxSize',
    options: { maxEntries: 10, maxEntrySize: 10 },
    error: TypeError,
    message: named(opt('maxEntrySize'), '10'),
  },
  // ttl
  ...(
    [
      [0, '0'],
      [-0, '-0'],
      [-1, '-1'],
      [Number.NaN, 'NaN'],
      [-Infinity, '-Infinity'],
    ] as const
  ).map(([value, got]) => ({
    name: `ttl: ${got}`,
    options: { maxEntries: 10, ttl: value },
    error: RangeError,
    message: named(opt('ttl'), got),
  })),
  ...(
    [
      ['1000', '"1000"'],
      [null, 'null'],
      [1000n, '1000n'],
    ] as const
  ).map(([value, got]) => ({
    name: `ttl: ${got}`,
    options: { maxEntries: 10, ttl: value },
    error: TypeError,
    message: named(opt('ttl'), got),
  })),
  // booleans
  ...(['updateAgeOnGet', 'autoPurge'] as const).flatMap((name) =>
    (
      [
        [1, '1'],
        [0, '0'],
        ['true', '"true"'],
        [null, 'null'],
      ] as const
    ).map(([value, got]) => ({
      name: `${name}: ${got}`,
      options: { maxEntries: 10, [name]: value },
      error: TypeError,
      message: named(opt(name), got),
    })),
  ),
  // onEvict
  ...(
    [
      ['log', '"log"'],
      [{}, 'an object'],
      [null, 'null'],
      [true, 'true'],
    ] as const
  ).map(([value, got]) => ({
    name: `onEvict: ${got}`,
    options: { maxEntries: 10, onEvict: value },
    error: TypeError,
    message: named(opt('onEvict'), got),
  })),
  // clock
  ...(
    [
      [{}, 'an object', 'without now'],
      [{ now: 5 }, 'an object', 'with a non-function now'],
      [null, 'null', 'null'],
      [() => 0, 'a function', 'a bare function'],
      [Date.now(), String(Date.now()), 'a number'],
      [{ ...nowOnly, setTimer: () => 1 }, 'an object', 'with setTimer but no clearTimer'],
      [{ ...nowOnly, clearTimer: () => {} }, 'an object', 'with clearTimer but no setTimer'],
      [{ ...nowOnly, setTimer: 1, clearTimer: () => {} }, 'an object', 'with setTimer: 1'],
      [{ ...nowOnly, setTimer: () => 1, clearTimer: null }, 'an object', 'with clearTimer: null'],
    ] as const
  ).map(([value, got, what]) => ({
    name: `clock ${what}`,
    options: { maxEntries: 10, clock: value },
    error: TypeError,
    message: named(opt('clock'), got),
  })),
  // unknown keys: a typo must not leave a cache silently unbounded or without ttl
  {
    name: 'unknown key maxEntry (typo of maxEntries)',
    options: { maxEntry: 10 },
    error: TypeError,
    message: unknownKey('maxEntry', 'LruCache options'),
  },
  {
    name: 'unknown key ttL next to a valid bound',
    options: { maxEntries: 10, ttL: 1000 },
    error: TypeError,
    message: unknownKey('ttL', 'LruCache options'),
  },
  {
    name: 'unknown key max (lru-cache v6 spelling)',
    options: { maxEntries: 10, max: 10 },
    error: TypeError,
    message: unknownKey('max', 'LruCache options'),
  },
  {
    name: 'unknown key with value undefined',
    options: { maxEntries: 10, stale: undefined },
    error: TypeError,
    message: unknownKey('stale', 'LruCache options'),
  },
  // the options object itself
  {
    name: 'options missing',
    options: undefined,
    error: TypeError,
    message: /^lrukit: LruCache needs options with "maxEntries" or "maxSize", got undefined$/,
  },
  {
    name: 'options null',
    options: null,
    error: TypeError,
    message: named('LruCache options', 'null'),
  },
  {
    name: 'options an array',
    options: [10],
    error: TypeError,
    message: named('LruCache options', 'an array'),
  },
  {
    name: 'options a number',
    options: 10,
    error: TypeError,
    message: named('LruCache options', '10'),
  },
  {
    name: 'options a string',
    options: 'maxEntries',
    error: TypeError,
    message: named('LruCache options', '"maxEntries"'),
  },
  ...(
    [
      [{}, '{}'],
      [{ ttl: 1000 }, '{ ttl: 1000 }'],
      [{ maxEntries: undefined, maxSize: undefined }, 'both bounds undefined'],
    ] as const
  ).map(([value, what]) => ({
    name: `neither bound: ${what}`,
    options: value,
    error: TypeError,
    // names both options and says why; there is no single received value to quote
    message:
      /^lrukit: LruCache needs option "maxEntries" or "maxSize" \(or both\), got neither.*unbounded/,
  })),
];

/** TinyLfuCache's one extra option: `seed`, an integer. */
const seedRows: CtorRow[] = (
  [
    ['x', TypeError, '"x"'],
    [null, TypeError, 'null'],
    [1n, TypeError, '1n'],
    [{}, TypeError, 'an object'],
    [1.5, RangeError, '1.5'],
    [Number.NaN, RangeError, 'NaN'],
    [Infinity, RangeError, 'Infinity'],
  ] as const
).map(([value, error, got]) => ({
  name: `seed: ${got}`,
  options: { maxEntries: 10, seed: value },
  error,
  message: named(opt('seed'), got),
}));

describe.each(CACHE_KINDS)('new $name(options) refuses bad options', (kind) => {
  const rows = kind === TINY_LFU ? [...ctorRows, ...seedRows] : ctorRows;
  // [name, row] pairs with '%s': a '$name' title would be cut at 40 characters
  it.each(rows.map((row) => [row.name, row] as const))(
    '%s',
    (_name, { options, error, message }) => {
      expectRefused(() => new kind.Class(options as never), error, forClass(message, kind));
    },
  );

  it('accepts the values just inside every limit', () => {
    const clock = { now: () => 0, setTimer: () => 1, clearTimer: () => {} };
    const accepted = [
      { maxEntries: 1 },
      { maxEntries: 0xffff_fffe },
      { maxSize: 1 },
      { maxSize: Number.MAX_SAFE_INTEGER },
      { maxSize: 100, maxEntrySize: 100 },
      { maxSize: 100, maxEntrySize: 0, sizeOf: fn },
      { maxSize: Number.MAX_SAFE_INTEGER, maxEntrySize: Number.MAX_SAFE_INTEGER },
      { maxEntries: 1, ttl: Infinity },
      { maxEntries: 1, ttl: Number.MIN_VALUE },
      { maxEntries: 1, updateAgeOnGet: false, autoPurge: true, onEvict: fn, clock },
      { maxEntries: 1, clock: nowOnly },
      // anything with a callable now(): lru-cache users pass `perf: Date` (a function)
      { maxEntries: 1, clock: Date },
      { maxEntries: 1, clock: performance },
      { maxEntries: 1, maxSize: undefined, ttl: undefined },
    ];
    for (const options of accepted) expect(() => new kind.Class(options as never)).not.toThrow();
  });

  it('an option LruCache does not know, seed, is refused by it and taken by TinyLfuCache', () => {
    const options = { maxEntries: 1, seed: 1 };
    if (kind === TINY_LFU) {
      expect(() => new kind.Class(options as never)).not.toThrow();
      expect(() => new kind.Class({ maxEntries: 1, seed: -(2 ** 31) } as never)).not.toThrow();
    } else {
      expectRefused(
        () => new kind.Class(options as never),
        TypeError,
        unknownKey('seed', 'LruCache options'),
      );
    }
  });
});

// ---- method arguments on a pre-filled cache ------------------------------------------------------

interface Fixture {
  cache: SyncCache<string, unknown>;
  clock: ManualClock;
  evictions: string[];
}

/** Everything observable about a cache (and its clock), read without changing either. */
function state({ cache, clock, evictions }: Fixture) {
  return {
    dump: cache.dump(),
    keys: [...cache.keys()],
    size: cache.size,
    totalSize: cache.totalSize,
    stats: cache.stats,
    maxEntries: cache.maxEntries,
    maxSize: cache.maxSize,
    expiresIn: ['a', 'b', 'c'].map((key) => cache.expiresIn(key)),
    now: clock.now(),
    pendingTimers: clock.pendingTimers,
    evictions: [...evictions],
  };
}

/** A test `sizeOf`: a function value is asked for its own size; anything else is its length. */
const sizeOf = (value: unknown): number =>
  typeof value === 'function' ? (value as () => number)() : String(value).length;

class SizeOfFailure extends Error {}
const failingSize = (): number => {
  throw new SizeOfFailure('sizeOf failed');
};

/**
 * Count-bounded, with a default ttl, per-entry ttls, autoPurge (a timer pending on the clock) and
 * onEvict. Recency, most recent first: a, c, b, so 'b' is the least recently used.
 */
function countCache(kind: CacheKind = LRU): Fixture {
  const clock = new ManualClock(1_000);
  const evictions: string[] = [];
  const cache = kind.create<string, unknown>({
    maxEntries: 5,
    ttl: 10_000,
    autoPurge: true,
    clock,
    onEvict: (_value, key, reason) => {
      evictions.push(`${key}:${reason}`);
    },
  });
  cache.set('a', 'A').set('b', { b: 2 }, { ttl: 500 }).set('c', null, { ttl: Infinity });
  cache.get('a');
  cache.get('missing');
  clock.advance(100);
  return { cache, clock, evictions };
}

/** Size-bounded with `sizeOf` (and `maxEntrySize`, ttl, autoPurge); 'b' is least recently used. */
function sizedCache(kind: CacheKind = LRU): Fixture {
  const clock = new ManualClock(1_000);
  const evictions: string[] = [];
  const cache = kind.create<string, unknown>({
    maxSize: 100,
    maxEntries: 10,
    maxEntrySize: 40,
    sizeOf,
    ttl: 10_000,
    autoPurge: true,
    clock,
    onEvict: (_value, key, reason) => {
      evictions.push(`${key}:${reason}`);
    },
  });
  cache.set('a', 'aaaa').set('b', 'bb', { size: 30, ttl: 700 }).set('c', 'c');
  cache.get('a');
  cache.get('missing');
  clock.advance(100);
  return { cache, clock, evictions };
}

/** Size-bounded without `sizeOf`: every entry needs `{ size }`; 'b' is least recently used. */
function manualSizeCache(kind: CacheKind = LRU): Fixture {
  const clock = new ManualClock(1_000);
  const evictions: string[] = [];
  const cache = kind.create<string, unknown>({
    maxSize: 100,
    clock,
    onEvict: (_value, key, reason) => {
      evictions.push(`${key}:${reason}`);
    },
  });
  cache.set('b', 2, { size: 20, ttl: 300 }).set('a', 1, { size: 10 });
  clock.advance(100);
  return { cache, clock, evictions };
}

/** A fixture: a pre-filled cache of the given class (LruCache when not said). */
type FixtureOf = (kind?: CacheKind) => Fixture;

interface CallRow {
  name: string;
  fixture: FixtureOf;
  call: (f: Fixture) => unknown;
  error: ErrorClass;
  message: RegExp;
}

/** Each bad `set` is tried on the least recently used key ('b') and on a new key. */
function setRows(
  fixture: FixtureOf,
  what: string,
  value: unknown,
  options: unknown,
  error: ErrorClass,
  message: RegExp,
): CallRow[] {
  return ['b', 'new'].map((key) => ({
    name: `${fixture.name}: set('${key}', ${what})`,
    fixture,
    call: ({ cache }) => cache.set(key, value, options as never),
    error,
    message,
  }));
}

/**
 * A method called with an argument after the last one it takes: refused before it reads or
 * changes anything (stats and recency included). An extra `undefined` carries nothing and is let
 * through: see "an extra undefined argument is accepted" below.
 */
const ORDINAL = ['1st', '2nd', '3rd', '4th'];
const extraArgumentRows: CallRow[] = (
  [
    ['get', ['a', { allowStale: true }], 'get(key)', 1, 'an object'],
    ['get', ['a', null], 'get(key)', 1, 'null'],
    ['get', ['missing', 1], 'get(key)', 1, '1'],
    ['peek', ['b', { allowStale: true }], 'peek(key)', 1, 'an object'],
    ['has', ['a', { updateAgeOnHas: true }], 'has(key)', 1, 'an object'],
    ['delete', ['a', 'b'], 'delete(key)', 1, '"b"'],
    ['expiresIn', ['a', 0], 'expiresIn(key)', 1, '0'],
    [
      'set',
      ['a', 'v', { ttl: 5 }, { noDisposeOnSet: true }],
      'set(key, value, options?)',
      3,
      'an object',
    ],
    ['set', ['new', 'v', 5, 0], 'set(key, value, options?)', 3, '0'],
    ['set', ['new', 'v', undefined, false], 'set(key, value, options?)', 3, 'false'],
    ['clear', [{ silent: true }], 'clear()', 0, 'an object'],
    ['resize', [{ maxEntries: 1 }, { evict: false }], 'resize(options)', 1, 'an object'],
    ['prune', [true], 'prune()', 0, 'true'],
    ['resetStats', ['hits'], 'resetStats()', 0, '"hits"'],
    ['dump', [{ stale: true }], 'dump()', 0, 'an object'],
    ['load', [[['x', { value: 1 }]], { clear: true }], 'load(entries)', 1, 'an object'],
    ['keys', [{ allowStale: true }], 'keys()', 0, 'an object'],
    ['values', [1], 'values()', 0, '1'],
    ['entries', [1], 'entries()', 0, '1'],
    ['forEach', [() => {}, undefined, 'extra'], 'forEach(callback, thisArg?)', 2, '"extra"'],
  ] as const
).map(([method, args, signature, takes, got]) => ({
  name: `countCache: ${method}(${args.map(show).join(', ')}): an argument too many`,
  fixture: countCache,
  call: ({ cache }: Fixture) =>
    (cache[method] as (...a: unknown[]) => unknown).apply(cache, args as unknown as unknown[]),
  error: TypeError,
  message: new RegExp(
    `^lrukit: LruCache ${escapeRegExp(signature)} takes (no arguments|at most ${takes} arguments?), got a ${ORDINAL[takes]} argument: ${escapeRegExp(got)}$`,
  ),
}));

const callRows: CallRow[] = [
  ...extraArgumentRows,
  {
    name: 'countCache: [Symbol.iterator](1): an argument too many',
    fixture: countCache,
    call: ({ cache }) => (cache[Symbol.iterator] as (x: unknown) => unknown).call(cache, 1),
    error: TypeError,
    message:
      /^lrukit: LruCache \[Symbol\.iterator\]\(\) takes no arguments, got a 1st argument: 1$/,
  },
  // set(): the options object, or a ttl in ms (the shorthand keyv and cache-manager use)
  ...setRows(countCache, "'v', null", 'v', null, TypeError, named('set() options', 'null')),
  ...setRows(countCache, "'v', []", 'v', [], TypeError, named('set() options', 'an array')),
  ...setRows(countCache, "'v', 'ttl'", 'v', 'ttl', TypeError, named('set() options', '"ttl"')),
  ...setRows(countCache, "'v', '500'", 'v', '500', TypeError, named('set() options', '"500"')),
  ...setRows(countCache, "'v', 5n", 'v', 5n, TypeError, named('set() options', '5n')),
  ...setRows(countCache, "'v', true", 'v', true, TypeError, named('set() options', 'true')),
  // set(): a ttl in ms, checked as { ttl } is
  ...(
    [
      [0, '0'],
      [-0, '-0'],
      [-1, '-1'],
      [Number.NaN, 'NaN'],
      [-Infinity, '-Infinity'],
    ] as const
  ).flatMap(([ttl, got]) =>
    setRows(countCache, `'v', ${got}`, 'v', ttl, RangeError, named('set() ttl', got)),
  ),
  ...setRows(
    countCache,
    "'v', { ttL: 5 }",
    'v',
    { ttL: 5 },
    TypeError,
    unknownKey('ttL', 'set() options'),
  ),
  ...setRows(
    countCache,
    "'v', { ttl: 5, maxAge: 5 }",
    'v',
    { ttl: 5, maxAge: 5 },
    TypeError,
    unknownKey('maxAge', 'set() options'),
  ),
  // set(): ttl
  ...(
    [
      [0, '0'],
      [-0, '-0'],
      [-1, '-1'],
      [Number.NaN, 'NaN'],
      [-Infinity, '-Infinity'],
    ] as const
  ).flatMap(([ttl, got]) =>
    setRows(
      countCache,
      `'v', { ttl: ${got} }`,
      'v',
      { ttl },
      RangeError,
      named('set() option "ttl"', got),
    ),
  ),
  ...(
    [
      ['x', '"x"'],
      ['1000', '"1000"'],
      [null, 'null'],
    ] as const
  ).flatMap(([ttl, got]) =>
    setRows(
      countCache,
      `'v', { ttl: ${got} }`,
      'v',
      { ttl },
      TypeError,
      named('set() option "ttl"', got),
    ),
  ),
  // set(): size
  ...setRows(
    countCache,
    "'v', { size: 3 } on a cache without maxSize",
    'v',
    { size: 3 },
    TypeError,
    named('set() option "size"', '3'),
  ),
  ...(
    [
      [-1, '-1'],
      [Number.NaN, 'NaN'],
      [Infinity, 'Infinity'],
      [-Infinity, '-Infinity'],
      [0.5, '0.5'],
      [2 ** 53, '9007199254740992'],
    ] as const
  ).flatMap(([size, got]) =>
    setRows(
      sizedCache,
      `'v', { size: ${got} }`,
      'v',
      { size },
      RangeError,
      named('set() option "size"', got),
    ),
  ),
  ...(
    [
      ['1', '"1"'],
      [null, 'null'],
      [1n, '1n'],
    ] as const
  ).flatMap(([size, got]) =>
    setRows(
      sizedCache,
      `'v', { size: ${got} }`,
      'v',
      { size },
      TypeError,
      named('set() option "size"', got),
    ),
  ),
  ...setRows(
    manualSizeCache,
    "'v', { size: -1 }",
    'v',
    { size: -1 },
    RangeError,
    named('set() option "size"', '-1'),
  ),
  // set(): a bad ttl is refused even next to a good size, and the other way round
  ...setRows(
    sizedCache,
    "'v', { size: 1, ttl: 0 }",
    'v',
    { size: 1, ttl: 0 },
    RangeError,
    named('set() option "ttl"', '0'),
  ),
  ...setRows(
    sizedCache,
    "'v', { size: -1, ttl: 5 }",
    'v',
    { size: -1, ttl: 5 },
    RangeError,
    named('set() option "size"', '-1'),
  ),
  // set(): what sizeOf returns
  ...(
    [
      [-1, '-1'],
      [Number.NaN, 'NaN'],
      [Infinity, 'Infinity'],
      [1.5, '1.5'],
      [1e308, '1e+308'],
      [Number.MAX_SAFE_INTEGER + 1, '9007199254740992'],
    ] as const
  ).flatMap(([size, got]) =>
    setRows(
      sizedCache,
      `value whose sizeOf is ${got}`,
      () => size,
      undefined,
      RangeError,
      named('the result of option "sizeOf"', got),
    ),
  ),
  ...(
    [
      ['3', '"3"'],
      [undefined, 'undefined'],
      [null, 'null'],
    ] as const
  ).flatMap(([size, got]) =>
    setRows(
      sizedCache,
      `value whose sizeOf is ${got}`,
      () => size,
      undefined,
      TypeError,
      named('the result of option "sizeOf"', got),
    ),
  ),
  ...setRows(
    sizedCache,
    'value whose sizeOf is -1, with { ttl: 5 }',
    () => -1,
    { ttl: 5 },
    RangeError,
    named('the result of option "sizeOf"', '-1'),
  ),
  // sizeOf throwing: its own error reaches the caller
  ...setRows(
    sizedCache,
    'value whose sizeOf throws',
    failingSize,
    undefined,
    SizeOfFailure,
    /^sizeOf failed$/,
  ),
  // a maxSize cache with neither sizeOf nor size
  ...(
    [
      [undefined, 'no options'],
      [{}, '{}'],
      [{ ttl: 50 }, '{ ttl: 50 }'],
    ] as const
  ).flatMap(([options, what]) =>
    setRows(
      manualSizeCache,
      `'v', ${what} without sizeOf`,
      'v',
      options,
      TypeError,
      /^lrukit: a cache with "maxSize" needs the "sizeOf" option or set\(key, value, \{ size \}\)$/,
    ),
  ),

  // resize()
  ...(
    [
      [countCache, {}, TypeError, named('resize() options', 'an object')],
      [countCache, undefined, TypeError, named('resize() options', 'undefined')],
      [countCache, null, TypeError, named('resize() options', 'null')],
      [countCache, 2, TypeError, named('resize() options', '2')],
      [countCache, { maxEntries: undefined }, TypeError, named('resize() options', 'an object')],
      [countCache, { maxEntry: 1 }, TypeError, unknownKey('maxEntry', 'resize() options')],
      [countCache, { maxEntries: 1, ttl: 5 }, TypeError, unknownKey('ttl', 'resize() options')],
      [countCache, { maxEntries: 0 }, RangeError, named('resize() option "maxEntries"', '0')],
      [countCache, { maxEntries: -1 }, RangeError, named('resize() option "maxEntries"', '-1')],
      [countCache, { maxEntries: 1.5 }, RangeError, named('resize() option "maxEntries"', '1.5')],
      [
        countCache,
        { maxEntries: Number.NaN },
        RangeError,
        named('resize() option "maxEntries"', 'NaN'),
      ],
      [
        countCache,
        { maxEntries: 0xffff_ffff },
        RangeError,
        named('resize() option "maxEntries"', '4294967295'),
      ],
      [countCache, { maxEntries: '2' }, TypeError, named('resize() option "maxEntries"', '"2"')],
      [countCache, { maxSize: 10 }, TypeError, named('resize() option "maxSize"', '10')],
      [
        countCache,
        { maxEntries: 1, maxSize: 10 },
        TypeError,
        named('resize() option "maxSize"', '10'),
      ],
      [sizedCache, { maxSize: -1 }, RangeError, named('resize() option "maxSize"', '-1')],
      [sizedCache, { maxSize: 0 }, RangeError, named('resize() option "maxSize"', '0')],
      [sizedCache, { maxSize: 99.5 }, RangeError, named('resize() option "maxSize"', '99.5')],
      [
        sizedCache,
        { maxSize: 2 ** 53 },
        RangeError,
        named('resize() option "maxSize"', '9007199254740992'),
      ],
      [
        sizedCache,
        { maxSize: Infinity },
        RangeError,
        named('resize() option "maxSize"', 'Infinity'),
      ],
      [sizedCache, { maxSize: '5' }, TypeError, named('resize() option "maxSize"', '"5"')],
      // the valid half of a refused resize must not be applied
      [
        sizedCache,
        { maxEntries: 1, maxSize: -1 },
        RangeError,
        named('resize() option "maxSize"', '-1'),
      ],
      [
        sizedCache,
        { maxEntries: 0, maxSize: 5 },
        RangeError,
        named('resize() option "maxEntries"', '0'),
      ],
    ] as const
  ).map(([fixture, options, error, message]) => ({
    name: `${fixture.name}: resize(${show(options)})`,
    fixture,
    call: ({ cache }: Fixture) => cache.resize(options as never),
    error,
    message,
  })),

  // load()
  ...(
    [
      [countCache, 5, TypeError, named('load() argument', '5')],
      [countCache, null, TypeError, named('load() argument', 'null')],
      [countCache, undefined, TypeError, named('load() argument', 'undefined')],
      [countCache, {}, TypeError, named('load() argument', 'an object')],
      [countCache, { a: { value: 1 } }, TypeError, named('load() argument', 'an object')],
      [countCache, 'ab', TypeError, named('load() entry [0]', '"a"')],
      [countCache, [['k']], TypeError, named('load() entry [0]', 'an array')],
      [countCache, [['k', { value: 1 }, 'x']], TypeError, named('load() entry [0]', 'an array')],
      [
        countCache,
        [{ 0: 'k', 1: { value: 1 } }],
        TypeError,
        named('load() entry [0]', 'an object'),
      ],
      [countCache, [['k', 1]], TypeError, named('load() entry [0]', '1')],
      [countCache, [['k', null]], TypeError, named('load() entry [0]', 'null')],
      [countCache, [['k', undefined]], TypeError, named('load() entry [0]', 'an array')],
      [
        countCache,
        [['k', { value: 1, expires: 5 }]],
        TypeError,
        unknownKey('expires', 'load() entry [0]'),
      ],
      badEntry(countCache, 'ttl', 0, RangeError, '0'),
      badEntry(countCache, 'ttl', -1, RangeError, '-1'),
      badEntry(countCache, 'ttl', Number.NaN, RangeError, 'NaN'),
      badEntry(countCache, 'ttl', '5', TypeError, '"5"'),
      badEntry(sizedCache, 'size', -1, RangeError, '-1'),
      badEntry(sizedCache, 'size', Number.NaN, RangeError, 'NaN'),
      badEntry(sizedCache, 'size', 2.5, RangeError, '2.5'),
      badEntry(sizedCache, 'size', 2 ** 60, RangeError, '1152921504606847000'),
      badEntry(sizedCache, 'size', '1', TypeError, '"1"'),
      // "a size is ignored by a cache without maxSize" (load's doc), but it is still checked:
      // set() refuses any size there, and the contract checks every argument when given
      badEntry(countCache, 'size', -1, RangeError, '-1'),
      badEntry(countCache, 'size', '1', TypeError, '"1"'),
      [
        sizedCache,
        [['k', { value: () => -1 }]],
        RangeError,
        named('the result of option "sizeOf"', '-1'),
      ],
      [
        manualSizeCache,
        [['k', { value: 1 }]],
        TypeError,
        /^lrukit: a cache with "maxSize" needs the "sizeOf" option or set\(key, value, \{ size \}\)$/,
      ],
      // the 3rd entry is bad: the message says which one, and none is stored (see also below)
      [
        countCache,
        [
          ['x', { value: 1 }],
          ['b', { value: 2 }],
          ['y', { value: 3, ttl: 0 }],
        ],
        RangeError,
        named('load() entry [2] "ttl"', '0'),
      ],
      [
        sizedCache,
        [
          ['x', { value: 'x', size: 1 }],
          ['b', { value: 'b' }],
          ['y', { value: 'y', size: -1 }],
        ],
        RangeError,
        named('load() entry [2] "size"', '-1'),
      ],
    ] as const
  ).map(([fixture, entries, error, message]) => ({
    name: `${fixture.name}: load(${show(entries)})`,
    fixture,
    call: ({ cache }: Fixture) => cache.load(entries as never),
    error,
    message,
  })),

  // forEach()
  ...(
    [
      ['log', '"log"'],
      [undefined, 'undefined'],
      [null, 'null'],
      [{}, 'an object'],
    ] as const
  ).map(([callback, got]) => ({
    name: `countCache: forEach(${got})`,
    fixture: countCache,
    call: ({ cache }: Fixture) => cache.forEach(callback as never),
    error: TypeError,
    message: named('forEach() callback', got),
  })),

  // ManualClock.advance(): the clock does not move and no timer fires
  ...(
    [
      [-1, RangeError, '-1'],
      [-Number.MIN_VALUE, RangeError, '-5e-324'],
      [Number.NaN, RangeError, 'NaN'],
      [Infinity, RangeError, 'Infinity'],
      ['1', TypeError, '"1"'],
      [undefined, TypeError, 'undefined'],
      [1000n, TypeError, '1000n'],
    ] as const
  ).map(([ms, error, got]) => ({
    name: `countCache: clock.advance(${got})`,
    fixture: countCache,
    call: ({ clock }: Fixture) => clock.advance(ms as never),
    error,
    message: named('ManualClock.advance() argument', got),
  })),
];

/** A short description of a test argument for the test's name. */
function show(value: unknown): string {
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'function') return 'a function';
  return (
    JSON.stringify(value, (_key, v) =>
      typeof v === 'number' && !Number.isFinite(v) ? String(v) : v,
    ) ?? String(value)
  );
}

/**
 * What the cache does next under pressure (new keys and repeated hits, past both bounds): the keys
 * it then holds, in order, its stats and evictions. Two caches with the same observable state
 * differ here when a call changed something hidden, such as TinyLfuCache's frequency sketch.
 */
function afterwards(f: Fixture) {
  const { cache } = f;
  const sized = cache.maxSize !== Infinity;
  for (let i = 0; i < 60; i++) {
    const key = `p${(i * 7) % 23}`;
    if (cache.get(key) === undefined) cache.set(key, 'v', sized ? { size: 1 + (i % 9) } : {});
    cache.get(['a', 'b', 'c'][i % 3]!);
  }
  return state(f);
}

describe.each(CACHE_KINDS)('$name: a refused method call throws and changes nothing', (kind) => {
  it.each(callRows.map((row) => [row.name, row] as const))('%s', (_name, row) => {
    const { fixture, call, error, message } = row;
    const f = fixture(kind);
    const before = state(f);
    expect(before.size).toBeGreaterThan(0);
    expectRefused(() => call(f), error, forClass(message, kind));
    expect(state(f)).toStrictEqual(before);
    // nothing hidden changed either: the same pressure gives the same outcome as on a twin
    expect(afterwards(f)).toStrictEqual(afterwards(fixture(kind)));
  });

  it('state() sees every change a wrongly accepted call could make', () => {
    const changes: Array<(f: Fixture) => unknown> = [
      ({ cache }) => cache.set('new', 'v'),
      ({ cache }) => cache.set('b', { b: 2 }), // same value shape, new object, new recency
      ({ cache }) => cache.set('b', cache.peek('b')), // same value: recency and ttl move
      ({ cache }) => cache.get('b'),
      ({ cache }) => cache.get('nothing'),
      ({ cache }) => cache.delete('c'),
      ({ cache }) => cache.resize({ maxEntries: 4 }), // evicts nothing: only the bound moves
      ({ cache }) => cache.load([['b', { value: { b: 2 }, ttl: 400 }]]),
      ({ cache }) => cache.resetStats(),
      ({ clock }) => clock.advance(1),
      ({ clock }) => clock.setTimer(() => {}, 1),
    ];
    for (const change of changes) {
      const f = countCache(kind);
      const before = state(f);
      change(f);
      expect(state(f), String(change)).not.toStrictEqual(before);
    }
    const sized = sizedCache(kind);
    const before = state(sized);
    sized.cache.set('b', 'bb', { size: 31, ttl: 600 }); // only the size changes
    expect(state(sized)).not.toStrictEqual(before);
  });
});

describe.each(CACHE_KINDS)('$name: an extra undefined argument is accepted', (kind) => {
  it('changes nothing a call without it would not', () => {
    const calls: Array<(cache: SyncCache<string, unknown>) => unknown> = [
      (c) => c.get('a'),
      (c) => c.peek('a'),
      (c) => c.has('a'),
      (c) => c.expiresIn('a'),
      (c) => c.delete('c'),
      (c) => c.set('new', 1),
      (c) => [...c.keys()],
      (c) => c.dump(),
    ];
    for (const call of calls) {
      const plain = countCache(kind);
      const padded = countCache(kind);
      const expected = call(plain.cache);
      // the same call with one more argument, undefined
      const withUndefined = new Proxy(padded.cache, {
        get: (target, name) => {
          const member = Reflect.get(target, name, target);
          return typeof member === 'function'
            ? (...args: unknown[]) => member.call(target, ...args, undefined)
            : member;
        },
      });
      expect(call(withUndefined)).toStrictEqual(expected);
      expect(state(padded)).toStrictEqual(state(plain));
    }
  });
});

describe.each(CACHE_KINDS)('$name: load() checks every entry before storing any', (kind) => {
  const bad: Array<[what: string, third: readonly unknown[]]> = [
    ['ttl 0', ['z', { value: 3, ttl: 0 }]],
    ['an unknown key', ['z', { value: 3, expires: 1 }]],
    ['not a pair', ['z']],
    ['no record', ['z', undefined]],
    ['size -1', ['z', { value: 'zz', size: -1 }]],
    ['a value whose sizeOf throws', ['z', { value: failingSize }]],
  ];

  it.each(bad)('the 3rd entry has %s: none of the three is stored', (_what, third) => {
    const f = sizedCache(kind);
    const before = state(f);
    const entries = [['x', { value: 'xx' }], ['b', { value: 'new b', ttl: 50 }], third];
    expect(() => f.cache.load(entries as never)).toThrow();
    expect(f.cache.has('x')).toBe(false);
    expect(f.cache.peek('b')).toBe('bb');
    expect(state(f)).toStrictEqual(before);
  });

  it('an iterable that throws on its 3rd entry stores none of the first two', () => {
    const f = countCache(kind);
    const before = state(f);
    function* entries(): Generator<[string, { value: unknown }]> {
      yield ['x', { value: 1 }];
      yield ['b', { value: 2 }];
      throw new SizeOfFailure('source failed');
    }
    expect(() => f.cache.load(entries())).toThrow(SizeOfFailure);
    expect(state(f)).toStrictEqual(before);
  });

  it('the same entries without the bad one are all stored (control)', () => {
    const f = sizedCache(kind);
    f.cache.load([
      ['x', { value: 'xx' }],
      ['b', { value: 'new b', ttl: 50 }],
    ]);
    // the cache has room for all four: no admission decides anything
    expectKeys(kind, f.cache, ['b', 'x', 'a', 'c']);
    expect(f.cache.peek('b')).toBe('new b');
  });
});

describe.each(CACHE_KINDS)('$name: a throwing sizeOf', (kind) => {
  it('reaches the caller as the very same error, with nothing stored', () => {
    const error = new SizeOfFailure('sizeOf failed');
    const f = sizedCache(kind);
    const before = state(f);
    let caught: unknown;
    try {
      f.cache.set('b', () => {
        throw error;
      });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBe(error);
    expect(state(f)).toStrictEqual(before);
  });
});

// ---- ManualClock --------------------------------------------------------------------------------

describe('new ManualClock(start) refuses a bad start', () => {
  it.each([
    ['NaN', Number.NaN, RangeError],
    ['Infinity', Infinity, RangeError],
    ['-Infinity', -Infinity, RangeError],
    ['"0"', '0', TypeError],
    ['null', null, TypeError],
    ['0n', 0n, TypeError],
  ] as const)('new ManualClock(%s)', (got, start, error) => {
    expectRefused(() => new ManualClock(start as never), error, named('ManualClock start', got));
  });

  it('accepts any finite start, negative included, and defaults to 0', () => {
    expect(new ManualClock().now()).toBe(0);
    expect(new ManualClock(-5).now()).toBe(-5);
    expect(new ManualClock(1.5).now()).toBe(1.5);
  });

  it('advance(0) is accepted and changes nothing (control)', () => {
    const f = countCache();
    const before = state(f);
    f.clock.advance(0);
    expect(state(f)).toStrictEqual(before);
  });
});
