/**
 * Model-based property tests of `LruCache`: random command sequences run against the cache and
 * against a tiny reference model (an array of entries in recency order, most recent first), with
 * every return value, every `onEvict` call and the cache's invariants compared after each command.
 *
 * One model covers every feature (count bound, size bound, ttl); the three suites differ in the
 * options they build and the commands they draw. The model is written from API.md §1 and the
 * TSDoc of `LruCache`, not from its code:
 * - `get` makes an entry most recently used; a miss or an expired entry is a miss (the expired one
 *   is removed, reason `'expire'`); with `updateAgeOnGet` a hit restarts the entry's ttl.
 * - `peek`, `has`, `expiresIn` and iteration never change recency and treat expired as absent.
 * - an entry set at `t` with ttl `d` is fresh while `now < t + d`.
 * - `set` stores as most recently used, then evicts from the least recently used end until both
 *   bounds hold (reason `'expire'` for an already expired entry, else `'evict'`), never the entry
 *   just stored. Replacing a value by a different one calls `onEvict(old, key, 'set')`. An entry
 *   larger than `maxEntrySize` is not stored and removes the old entry under that key (reason
 *   `'set'`). Left at its default, `maxEntrySize` is the current `maxSize`, also after `resize`.
 * - `delete` of a fresh entry → `true` (reason `'delete'`); of an expired one → `false` (reason
 *   `'expire'`); `clear` → reason `'clear'` for every stored entry, least recently used first (as
 *   lru-cache disposes); `prune` removes the expired ones.
 * - `set(key, value, ttl)` with a number is `set(key, value, { ttl })`.
 * - `onEvict` runs after the operation has finished changing the cache.
 * - a cache in which no entry has a ttl never reads the clock.
 *
 * Each suite also runs over `TinyLfuCache` (fixed seed) with room for every key the commands use:
 * admission only decides anything once the cache is full, so the same model must predict every
 * return value, every `onEvict` call, `size`, `totalSize` and the stats; only the order of
 * iteration (and of the callbacks within one `clear` or `prune`) is its own, so those are compared
 * as sets. Under admission pressure, TinyLfuCache's invariants are checked by
 * tiny-lfu-cache.property.test.ts.
 */

import fc from 'fast-check';
import { ManualClock } from 'lrukit/testing';
import { describe, expect, it } from 'vitest';
import { CACHE_KINDS, type CacheKind, LRU, type SyncCache } from '../shared/caches.js';

// ---- domains: any Map key (SameValueZero), any value ----

const objectKey = { id: 'k' };
const twinKey = { id: 'k' }; // structurally equal to objectKey, a different key by identity
const KEYS: readonly unknown[] = [
  Number.NaN,
  '__proto__',
  0,
  -0, // the same key as 0 for a Map
  objectKey,
  twinKey,
  'constructor',
  null,
  undefined,
  'a',
];
const KEY_NAMES = [
  'NaN',
  '"__proto__"',
  '0',
  '-0',
  'objectKey',
  'twinKey',
  '"constructor"',
  'null',
  'undefined',
  '"a"',
];

const objectValue = { v: 1 };
const twinValue = { v: 1 };
const VALUES: readonly unknown[] = [undefined, null, 0, '', 'x', false, objectValue, twinValue];
const VALUE_NAMES = ['undefined', 'null', '0', '""', '"x"', 'false', 'objectValue', 'twinValue'];

const sameValueZero = (a: unknown, b: unknown): boolean =>
  a === b || (Number.isNaN(a) && Number.isNaN(b));

/** A key's name; 0 and -0 share one, as they share one Map entry. */
function keyName(key: unknown): string {
  const i = KEYS.findIndex((k) => sameValueZero(k, key));
  return i === -1 ? `<unknown key ${String(key)}>` : KEY_NAMES[i]!;
}

function valueName(value: unknown): string {
  const i = VALUES.findIndex((v) => Object.is(v, value));
  return i === -1 ? `<unknown value ${String(value)}>` : VALUE_NAMES[i]!;
}

/** Deterministic, depends on both value and key (suite 2's `sizeOf`). */
function sizeOfFn(value: unknown, key: unknown): number {
  const vi = VALUES.findIndex((v) => Object.is(v, value));
  const ki = KEYS.findIndex((k) => sameValueZero(k, key));
  return (vi * 3 + ki) % 9;
}

// ---- the reference model ----

type Reason = 'evict' | 'expire' | 'delete' | 'set' | 'clear';

interface ModelEntry {
  key: unknown;
  value: unknown;
  size: number;
  expiresAt: number;
  ttl: number;
}

interface Config {
  maxEntries?: number;
  maxSize?: number;
  maxEntrySize?: number;
  useSizeOf?: boolean;
  ttl?: number;
  updateAgeOnGet?: boolean;
  /** Start time of the ManualClock; absent: a clock that throws when read (no ttl anywhere). */
  clockStart?: number;
  /**
   * `false`: no onEvict option, so the cache may take its plain fast paths (no ttl, no maxSize,
   * no onEvict); the model's expected callbacks are then not compared.
   */
  observe?: boolean;
}

interface Stats {
  hits: number;
  misses: number;
  sets: number;
  deletes: number;
  evictions: number;
  expirations: number;
}

class Model {
  /** Most recently used first; includes expired entries not removed yet. */
  entries: ModelEntry[] = [];
  now: number;
  maxEntries: number;
  maxSize: number;
  readonly maxEntrySizeOption: number | undefined;
  readonly sized: boolean;
  readonly defaultTtl: number;
  readonly updateAgeOnGet: boolean;
  readonly useSizeOf: boolean;
  stats: Stats = { hits: 0, misses: 0, sets: 0, deletes: 0, evictions: 0, expirations: 0 };
  sizeOfCalls = 0;
  /** onEvict calls expected from the current command, as [value, key, reason]. */
  events: Array<[unknown, unknown, Reason]> = [];

  constructor(c: Config) {
    this.now = c.clockStart ?? 0;
    this.maxEntries = c.maxEntries ?? Number.POSITIVE_INFINITY;
    this.maxSize = c.maxSize ?? Number.POSITIVE_INFINITY;
    this.maxEntrySizeOption = c.maxEntrySize;
    this.sized = c.maxSize !== undefined;
    this.defaultTtl = c.ttl ?? Number.POSITIVE_INFINITY;
    this.updateAgeOnGet = c.updateAgeOnGet ?? false;
    this.useSizeOf = c.useSizeOf ?? false;
  }

  /** Larger entries are not stored; default `maxSize` (the current one), never above it. */
  get maxEntrySize(): number {
    return Math.min(this.maxEntrySizeOption ?? this.maxSize, this.maxSize);
  }

  get totalSize(): number {
    return this.entries.reduce((sum, e) => sum + e.size, 0);
  }

  expired(e: ModelEntry): boolean {
    return this.now >= e.expiresAt;
  }

  live(): ModelEntry[] {
    return this.entries.filter((e) => !this.expired(e));
  }

  index(key: unknown): number {
    return this.entries.findIndex((e) => sameValueZero(e.key, key));
  }

  removeAt(i: number, reason: Reason): void {
    const [e] = this.entries.splice(i, 1);
    if (reason === 'evict') this.stats.evictions++;
    else if (reason === 'expire') this.stats.expirations++;
    else if (reason === 'delete') this.stats.deletes++;
    this.events.push([e!.value, e!.key, reason]);
  }

  /** Evicts from the least recently used end until both bounds hold, sparing `keep`. */
  makeRoom(keep?: ModelEntry): void {
    while (this.entries.length > this.maxEntries || this.totalSize > this.maxSize) {
      const i = this.entries.length - 1;
      const tail = this.entries[i]!;
      if (tail === keep) break;
      this.removeAt(i, this.expired(tail) ? 'expire' : 'evict');
    }
  }

  set(key: unknown, value: unknown, opts: { ttl?: number; size?: number }): void {
    const ttl = opts.ttl ?? this.defaultTtl;
    let size = 0;
    if (this.sized) {
      if (opts.size !== undefined) size = opts.size;
      else {
        this.sizeOfCalls++;
        size = sizeOfFn(value, key);
      }
    }
    const i = this.index(key);
    if (size > this.maxEntrySize) {
      if (i !== -1) this.removeAt(i, this.expired(this.entries[i]!) ? 'expire' : 'set');
      return;
    }
    let storedKey = key;
    if (i !== -1) {
      const [old] = this.entries.splice(i, 1);
      storedKey = old!.key;
      if (old!.value !== value) {
        // a replaced value that had already expired left by expiry
        if (this.expired(old!)) this.stats.expirations++;
        this.events.push([old!.value, key, this.expired(old!) ? 'expire' : 'set']);
      }
    }
    const entry: ModelEntry = {
      key: storedKey,
      value,
      size,
      ttl,
      expiresAt: ttl === Number.POSITIVE_INFINITY ? ttl : this.now + ttl,
    };
    this.entries.unshift(entry);
    this.stats.sets++;
    this.makeRoom(entry);
  }

  get(key: unknown): unknown {
    const i = this.index(key);
    if (i === -1) {
      this.stats.misses++;
      return undefined;
    }
    const e = this.entries[i]!;
    if (this.expired(e)) {
      this.stats.misses++;
      this.removeAt(i, 'expire');
      return undefined;
    }
    this.stats.hits++;
    if (this.updateAgeOnGet && e.expiresAt !== Number.POSITIVE_INFINITY) {
      e.expiresAt = this.now + e.ttl;
    }
    this.entries.splice(i, 1);
    this.entries.unshift(e);
    return e.value;
  }

  peek(key: unknown): unknown {
    const e = this.entries[this.index(key)];
    return e === undefined || this.expired(e) ? undefined : e.value;
  }

  has(key: unknown): boolean {
    const e = this.entries[this.index(key)];
    return e !== undefined && !this.expired(e);
  }

  delete(key: unknown): boolean {
    const i = this.index(key);
    if (i === -1) return false;
    const fresh = !this.expired(this.entries[i]!);
    this.removeAt(i, fresh ? 'delete' : 'expire');
    return fresh;
  }

  clear(): void {
    for (const e of [...this.entries].reverse()) this.events.push([e.value, e.key, 'clear']);
    this.entries = [];
  }

  resize(bounds: { maxEntries?: number; maxSize?: number }): void {
    if (bounds.maxEntries !== undefined) this.maxEntries = bounds.maxEntries;
    if (bounds.maxSize !== undefined) this.maxSize = bounds.maxSize;
    this.makeRoom();
  }

  expiresIn(key: unknown): number | undefined {
    const e = this.entries[this.index(key)];
    if (e === undefined || this.expired(e)) return undefined;
    return e.expiresAt === Number.POSITIVE_INFINITY ? e.expiresAt : e.expiresAt - this.now;
  }

  prune(): number {
    let removed = 0;
    for (let i = this.entries.length - 1; i >= 0; i--) {
      if (this.expired(this.entries[i]!)) {
        this.removeAt(i, 'expire');
        removed++;
      }
    }
    return removed;
  }
}

// ---- the real cache, and the bridge between the two ----

interface Real {
  cache: SyncCache<unknown, unknown>;
  /** Exact LRU order expected (LruCache); false: iteration and `clear`/`prune` callbacks as sets. */
  ordered: boolean;
  clock: ManualClock | undefined;
  /** onEvict calls of the current command, with the cache's size seen inside the callback. */
  events: Array<{ value: unknown; key: unknown; reason: Reason; sizeInside: number }>;
  sizeOfCalls: number;
  observed: boolean;
}

/** A clock for caches that must never read it (no ttl anywhere). */
const forbiddenClock = {
  now(): number {
    throw new Error('the clock was read by a cache in which no entry has a ttl');
  },
};

function build(c: Config, kind: CacheKind): { model: Model; real: Real } {
  const clock = c.clockStart === undefined ? undefined : new ManualClock(c.clockStart);
  const observed = c.observe !== false;
  const real = {
    clock,
    events: [],
    sizeOfCalls: 0,
    observed,
    ordered: kind.lru,
  } as unknown as Real;
  const options: Record<string, unknown> = { clock: clock ?? forbiddenClock };
  if (observed) {
    options.onEvict = (value: unknown, key: unknown, reason: Reason) => {
      real.events.push({ value, key, reason, sizeInside: real.cache.size });
    };
  }
  if (c.maxEntries !== undefined) options.maxEntries = c.maxEntries;
  if (c.maxSize !== undefined) options.maxSize = c.maxSize;
  if (c.maxEntrySize !== undefined) options.maxEntrySize = c.maxEntrySize;
  if (c.useSizeOf) {
    options.sizeOf = (value: unknown, key: unknown) => {
      real.sizeOfCalls++;
      return sizeOfFn(value, key);
    };
  }
  if (c.ttl !== undefined) options.ttl = c.ttl;
  if (c.updateAgeOnGet !== undefined) options.updateAgeOnGet = c.updateAgeOnGet;
  real.cache = kind.create<unknown, unknown>(options as never);
  return { model: new Model(c), real };
}

const describeEvent = (value: unknown, key: unknown, reason: string): string =>
  `${reason}(${keyName(key)} → ${valueName(value)})`;

/**
 * Asserts `actual` equals `expected` (primitives by `Object.is`, arrays of them element-wise),
 * calling `expect` only on a mismatch: it gives the diff, and is too slow to run on every step.
 */
function same(actual: unknown, expected: unknown, what: string): void {
  const equal =
    Array.isArray(actual) && Array.isArray(expected)
      ? actual.length === expected.length && actual.every((a, i) => Object.is(a, expected[i]))
      : Object.is(actual, expected);
  if (!equal) expect(actual, what).toEqual(expected);
}

/**
 * TinyLfuCache removes an entry that has already expired when it leaves the admission window,
 * before anything touches it (reason `'expire'`, counted in `expirations`), where LruCache keeps
 * it stored until it is read, pruned or needed for room. The contract allows both ("`size`:
 * stored entries, including expired ones not yet removed"). This is the one difference tolerated:
 * each `'expire'` call the model did not expect must be for an entry the model holds, expired,
 * with that value; the model then removes it the same way.
 */
function earlyExpirations(m: Model, r: Real): void {
  const expected = m.events.map(([value, key, reason]) => describeEvent(value, key, reason));
  for (const e of r.events) {
    const name = describeEvent(e.value, e.key, e.reason);
    const at = expected.indexOf(name);
    if (at !== -1) {
      expected.splice(at, 1);
      continue;
    }
    const i = m.index(e.key);
    const entry = m.entries[i];
    if (e.reason !== 'expire' || entry === undefined || !m.expired(entry)) continue;
    if (!Object.is(entry.value, e.value)) continue;
    m.removeAt(i, 'expire');
  }
}

/** `names` as compared: in order when the real cache is an exact LRU, else sorted (a multiset). */
const inOrder = (r: Real, names: string[]): string[] => (r.ordered ? names : [...names].sort());

/** Everything observable about the cache, checked after every command. */
function checkInvariants(m: Model, r: Real): void {
  const { cache } = r;
  const live = m.live();
  const entries = [...cache.entries()];
  same(
    inOrder(
      r,
      entries.map(([k, v]) => `${keyName(k)} → ${valueName(v)}`),
    ),
    inOrder(
      r,
      live.map((e) => `${keyName(e.key)} → ${valueName(e.value)}`),
    ),
    'entries(), most to least recent, expired skipped',
  );
  // keys() and values() walk the same entries, in the same order, as entries()
  same(
    [...cache.keys()].map(keyName),
    entries.map(([k]) => keyName(k)),
    'keys()',
  );
  same(
    [...cache.values()].map(valueName),
    entries.map(([, v]) => valueName(v)),
    'values()',
  );
  same(cache.size, m.entries.length, 'size (stored entries, expired included)');
  same(cache.totalSize, m.totalSize, 'totalSize');
  same(cache.maxEntries, m.maxEntries, 'maxEntries');
  same(cache.maxSize, m.maxSize, 'maxSize');
  if (!(cache.size <= cache.maxEntries)) expect(cache.size).toBeLessThanOrEqual(cache.maxEntries);
  if (!(cache.totalSize <= cache.maxSize))
    expect(cache.totalSize).toBeLessThanOrEqual(cache.maxSize);
  const stats = cache.stats;
  for (const name of Object.keys(m.stats) as Array<keyof Stats>) {
    same(stats[name], m.stats[name], `stats.${name}`);
  }
  const lookups = m.stats.hits + m.stats.misses;
  same(stats.hitRatio, lookups === 0 ? 0 : m.stats.hits / lookups, 'stats.hitRatio');
  same(r.sizeOfCalls, m.sizeOfCalls, 'sizeOf calls (once per set without a size)');
  if (r.clock !== undefined) same(r.clock.now(), m.now, 'clock');
}

type Op =
  | { t: 'set'; k: number; v: number; ttl?: number; size?: number; numeric?: boolean }
  | { t: 'get' | 'peek' | 'has' | 'delete' | 'expiresIn'; k: number }
  | { t: 'clear' | 'prune' }
  | { t: 'resize'; maxEntries?: number; maxSize?: number }
  | { t: 'advance'; ms: number };

/** One command: runs `op` on the model and the cache, compares results, events and invariants. */
class OpCommand implements fc.Command<Model, Real> {
  /** Set when `set` ran on a cache without `maxSize`, so the drawn size was not passed. */
  #sizeIgnored = false;

  constructor(readonly op: Op) {}

  check(m: Readonly<Model>): boolean {
    // resize({ maxSize }) is only for caches built with maxSize
    return !(this.op.t === 'resize' && this.op.maxSize !== undefined && !m.sized);
  }

  run(m: Model, r: Real): void {
    m.events = [];
    r.events = [];
    const { expected, actual } = this.apply(m, r);
    same(actual, expected, `result of ${this}`);
    if (!r.ordered) earlyExpirations(m, r);
    if (!r.observed) m.events = [];
    // without exact LRU order, the callbacks of one command (clear, prune) are compared as a set
    const byName = <T>(events: T[], name: (e: T) => string): T[] =>
      r.ordered ? events : [...events].sort((a, b) => (name(a) < name(b) ? -1 : 1));
    const realEvents = byName(r.events, (e) => describeEvent(e.value, e.key, e.reason));
    const modelEvents = byName(m.events, ([value, key, reason]) =>
      describeEvent(value, key, reason),
    );
    same(
      realEvents.map((e) => describeEvent(e.value, e.key, e.reason)),
      modelEvents.map(([value, key, reason]) => describeEvent(value, key, reason)),
      `onEvict calls of ${this}`,
    );
    realEvents.forEach((e, i) => {
      // identity, not just names: the callback gets the very key and value (0 and -0 aside)
      const [value, key] = modelEvents[i]!;
      same(Object.is(e.value, value) && sameValueZero(e.key, key), true, 'onEvict identity');
      // onEvict runs once the operation has finished changing the cache
      same(e.sizeInside, r.cache.size, `cache.size inside onEvict during ${this}`);
    });
    checkInvariants(m, r);
  }

  apply(m: Model, r: Real): { expected: unknown; actual: unknown } {
    const op = this.op;
    const { cache } = r;
    switch (op.t) {
      case 'set': {
        const key = KEYS[op.k];
        const value = VALUES[op.v];
        const opts: { ttl?: number; size?: number } = {};
        if (op.ttl !== undefined) opts.ttl = op.ttl;
        if (op.size !== undefined && m.sized) opts.size = op.size;
        this.#sizeIgnored = !m.sized;
        m.set(key, value, opts);
        // `numeric`: a ttl alone is passed as a number, the shorthand keyv and cache-manager use
        const shorthand = op.numeric === true && opts.ttl !== undefined && opts.size === undefined;
        const returned = shorthand
          ? cache.set(key, value, opts.ttl!)
          : Object.keys(opts).length === 0
            ? cache.set(key, value)
            : cache.set(key, value, opts);
        return { expected: true, actual: returned === cache };
      }
      case 'get':
        return { expected: valueName(m.get(KEYS[op.k])), actual: valueName(cache.get(KEYS[op.k])) };
      case 'peek':
        return {
          expected: valueName(m.peek(KEYS[op.k])),
          actual: valueName(cache.peek(KEYS[op.k])),
        };
      case 'has':
        return { expected: m.has(KEYS[op.k]), actual: cache.has(KEYS[op.k]) };
      case 'delete':
        return { expected: m.delete(KEYS[op.k]), actual: cache.delete(KEYS[op.k]) };
      case 'expiresIn':
        return { expected: m.expiresIn(KEYS[op.k]), actual: cache.expiresIn(KEYS[op.k]) };
      case 'clear':
        m.clear();
        return { expected: undefined, actual: cache.clear() };
      case 'prune':
        return { expected: m.prune(), actual: cache.prune() };
      case 'resize': {
        const bounds: { maxEntries?: number; maxSize?: number } = {};
        if (op.maxEntries !== undefined) bounds.maxEntries = op.maxEntries;
        if (op.maxSize !== undefined) bounds.maxSize = op.maxSize;
        m.resize(bounds);
        return { expected: true, actual: cache.resize(bounds) === cache };
      }
      case 'advance':
        m.now += op.ms;
        r.clock!.advance(op.ms);
        return { expected: undefined, actual: undefined };
    }
  }

  toString(): string {
    const op = this.op;
    switch (op.t) {
      case 'set': {
        const extra = [
          op.ttl === undefined ? '' : `ttl: ${op.ttl}`,
          op.size === undefined || this.#sizeIgnored ? '' : `size: ${op.size}`,
        ].filter(Boolean);
        const numeric = op.numeric === true && op.ttl !== undefined && extra.length === 1;
        const opts = numeric
          ? `, ${op.ttl}`
          : extra.length === 0
            ? ''
            : `, { ${extra.join(', ')} }`;
        return `set(${KEY_NAMES[op.k]}, ${VALUE_NAMES[op.v]}${opts})`;
      }
      case 'get':
      case 'peek':
      case 'has':
      case 'delete':
      case 'expiresIn':
        return `${op.t}(${KEY_NAMES[op.k]})`;
      case 'clear':
      case 'prune':
        return `${op.t}()`;
      case 'resize':
        return `resize(${JSON.stringify({ maxEntries: op.maxEntries, maxSize: op.maxSize })})`;
      case 'advance':
        return `advance(${op.ms})`;
    }
  }
}

// ---- command arbitraries ----

const key = fc.nat(KEYS.length - 1);
/** The first six keys (NaN, '__proto__', 0, -0, two object keys): more hits on entries with a ttl. */
const fewKeys = fc.nat(5);
const value = fc.nat(VALUES.length - 1);
const cmd = (arb: fc.Arbitrary<Op>): fc.Arbitrary<fc.Command<Model, Real>> =>
  arb.map((op) => new OpCommand(op));
const keyed = (t: 'get' | 'peek' | 'has' | 'delete' | 'expiresIn', keys = key) =>
  cmd(keys.map((k) => ({ t, k })));
/** Sequences of ~30 commands on average (fast-check's default size would stop at 10). */
const SEQUENCES = { maxCommands: 60, size: 'medium' } as const;
const clear = cmd(fc.constant({ t: 'clear' as const }));

function runModel(
  config: Config,
  commands: Iterable<fc.Command<Model, Real>>,
  kind: CacheKind = LRU,
): void {
  fc.modelRun(() => {
    const { model, real } = build(config, kind);
    return { model, real };
  }, commands);
}

/**
 * The bounds a suite draws: any for LruCache; for TinyLfuCache, room for every key the commands use
 * (at most 9 distinct keys, each of size at most 12), so admission never has to choose.
 */
function bounds(
  kind: CacheKind,
  lru: { min: number; max: number },
  roomy: { min: number; max: number },
) {
  return fc.integer(kind.lru ? lru : roomy);
}

// ---- suites ----

/** Per property; the whole file stays well under 5 s. */
const NUM_RUNS = 800;

describe.each(CACHE_KINDS)('$name (property): entry-count bound', (kind) => {
  const entryBound = bounds(kind, { min: 1, max: 8 }, { min: 9, max: 16 });
  const commands = fc.commands(
    [
      cmd(fc.record({ t: fc.constant('set' as const), k: key, v: value })),
      cmd(fc.record({ t: fc.constant('set' as const), k: key, v: value })),
      keyed('get'),
      keyed('get'),
      keyed('peek'),
      keyed('has'),
      keyed('delete'),
      clear,
      cmd(
        fc.record({
          t: fc.constant('resize' as const),
          maxEntries: entryBound,
        }),
      ),
    ],
    SEQUENCES,
  );

  it('matches the model: order, hits, evictions, onEvict, never reads the clock', () => {
    fc.assert(
      fc.property(entryBound, fc.boolean(), commands, (maxEntries, observe, cmds) => {
        runModel({ maxEntries, observe }, cmds, kind);
      }),
      { numRuns: NUM_RUNS },
    );
  });
});

describe.each(CACHE_KINDS)('$name (property): size-weighted bound', (kind) => {
  const sizeBound = bounds(kind, { min: 1, max: 16 }, { min: 132, max: 200 });
  const entryBound = bounds(kind, { min: 1, max: 8 }, { min: 9, max: 16 });
  const config: fc.Arbitrary<Config> = fc
    .record({
      maxSize: sizeBound,
      maxEntries: fc.option(entryBound, { nil: undefined }),
      useSizeOf: fc.boolean(),
      entryFraction: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }),
    })
    .map(({ maxSize, maxEntries, useSizeOf, entryFraction }) => {
      const c: Config = { maxSize, useSizeOf };
      if (maxEntries !== undefined) c.maxEntries = maxEntries;
      if (entryFraction !== undefined)
        // TinyLfuCache: a fraction of the largest drawn size, so oversize entries still occur
        c.maxEntrySize = Math.max(1, Math.round(entryFraction * (kind.lru ? maxSize : 14)));
      return c;
    });
  const size = fc.integer({ min: 0, max: 12 });
  // without sizeOf, the runner drops nothing: every set of this suite then passes a size
  const set = cmd(
    fc.record({
      t: fc.constant('set' as const),
      k: key,
      v: value,
      size: fc.option(size, { nil: undefined, freq: 3 }),
    }),
  );
  const commands = (useSizeOf: boolean) =>
    fc.commands(
      [
        useSizeOf
          ? set
          : cmd(fc.record({ t: fc.constant('set' as const), k: key, v: value, size })),
        useSizeOf
          ? set
          : cmd(fc.record({ t: fc.constant('set' as const), k: key, v: value, size })),
        keyed('get'),
        keyed('peek'),
        keyed('has'),
        keyed('delete'),
        clear,
        cmd(
          fc.record({
            t: fc.constant('resize' as const),
            maxSize: sizeBound,
          }),
        ),
        cmd(
          fc.record({
            t: fc.constant('resize' as const),
            maxEntries: entryBound,
          }),
        ),
        cmd(
          fc.record({
            t: fc.constant('resize' as const),
            maxEntries: entryBound,
            maxSize: sizeBound,
          }),
        ),
      ],
      SEQUENCES,
    );

  // The smallest case the property below shrinks to. API.md: "maxEntrySize: larger entries are
  // not stored (default: maxSize)"; after resize({ maxSize }) the default follows the new maxSize.
  it('maxEntrySize left at its default follows maxSize through resize', () => {
    const cache = kind.create<string, number>({ maxSize: 10 });
    cache.resize({ maxSize: 20 });
    cache.set('a', 1, { size: 15 });
    expect(cache.has('a')).toBe(true);
    expect(cache.totalSize).toBe(15);
  });

  it('matches the model: totalSize, oversize entries, both bounds, resize', () => {
    fc.assert(
      fc.property(
        config.chain((c) => fc.tuple(fc.constant(c), commands(c.useSizeOf === true))),
        ([c, cmds]) => {
          runModel(c, cmds, kind);
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });
});

describe.each(CACHE_KINDS)('$name (property): ttl, with and without updateAgeOnGet', (kind) => {
  // TinyLfuCache: room for the five distinct keys these commands use, of size at most 6 each
  const entryBound = bounds(kind, { min: 1, max: 6 }, { min: 6, max: 10 });
  const config: fc.Arbitrary<Config> = fc
    .record({
      maxEntries: entryBound,
      sized: fc.boolean(),
      ttl: fc.option(
        fc.oneof(fc.integer({ min: 1, max: 8 }), fc.constant(Number.POSITIVE_INFINITY)),
        {
          nil: undefined,
        },
      ),
      updateAgeOnGet: fc.boolean(),
      clockStart: fc.oneof(fc.constant(0), fc.integer({ min: -1_000, max: 1_000_000 })),
    })
    .map(({ sized, ...rest }) => {
      const c: Config = { ...rest };
      if (c.ttl === undefined) delete c.ttl;
      if (sized) c.maxSize = kind.lru ? 10 : 40;
      return c;
    });
  const ttl = fc.option(
    fc.oneof(
      { weight: 4, arbitrary: fc.integer({ min: 1, max: 8 }) },
      { weight: 1, arbitrary: fc.constant(Number.POSITIVE_INFINITY) },
    ),
    { nil: undefined, freq: 3 },
  );
  const set = cmd(
    fc.record({
      t: fc.constant('set' as const),
      k: fewKeys,
      v: value,
      ttl,
      size: fc.integer({ min: 0, max: 6 }),
      numeric: fc.boolean(),
    }),
  );
  const commands = fc.commands(
    [
      set,
      set,
      cmd(fc.record({ t: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 4 }) })),
      cmd(fc.record({ t: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 4 }) })),
      keyed('get', fewKeys),
      keyed('get', fewKeys),
      keyed('peek', fewKeys),
      keyed('has', fewKeys),
      keyed('expiresIn', fewKeys),
      keyed('delete', fewKeys),
      cmd(fc.constant({ t: 'prune' as const })),
      clear,
      cmd(
        fc.record({
          t: fc.constant('resize' as const),
          maxEntries: entryBound,
        }),
      ),
    ],
    SEQUENCES,
  );

  it('matches the model: expiry, sliding ttl, expiresIn, prune, stats', () => {
    fc.assert(
      fc.property(config, commands, (c, cmds) => {
        runModel(c, cmds, kind);
      }),
      { numRuns: NUM_RUNS },
    );
  });
});
