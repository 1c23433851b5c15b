/**
 * Property tests of `stableKey` against an independent reference, `equalUnderRules`: a recursive
 * structural comparison written from the rules in the TSDoc of `stableKey`, not from its code:
 * - primitives equal when of the same type and value, except that `-0` equals `0` and `NaN`
 *   equals `NaN`;
 * - arrays by length and elements in order (a hole reads as `undefined`);
 * - plain objects by own enumerable string keys, in any order (`{ a: undefined }` ≠ `{}`);
 * - Maps and Sets as multisets of entries / elements compared by these rules, in any order;
 * - Dates by time value (all invalid Dates alike), RegExps by source and flags;
 * - typed arrays, DataViews and ArrayBuffers by type name and the bytes they cover.
 *
 * Pairs are drawn as a value and a variant of it: an equal clone built afresh (keys shuffled,
 * Maps and Sets re-filled in another order, `0` ↔ `-0`, views over a wider buffer, holes for
 * `undefined`) with, half of the time, near-miss changes sprinkled in (`1` → `"1"`, a key set to
 * `undefined` or dropped, `Int8Array` → `Uint8Array`, one more ms on a Date, …).
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stableKey } from '../../src/key.js';

// ---- the reference ----

type Binary = ArrayBuffer | ArrayBufferView;

const tag = (value: object): string => Object.prototype.toString.call(value).slice(8, -1);

function isPlain(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function bytesOf(value: Binary): Uint8Array {
  return ArrayBuffer.isView(value)
    ? new Uint8Array(value.buffer, value.byteOffset, value.byteLength)
    : new Uint8Array(value);
}

/** Multiset equality of two lists under `equal` (an equivalence, so greedy matching is exact). */
function sameMultiset<T>(a: T[], b: T[], equal: (x: T, y: T) => boolean): boolean {
  if (a.length !== b.length) return false;
  const used = new Array<boolean>(b.length).fill(false);
  return a.every((x) => {
    const j = b.findIndex((y, k) => !used[k] && equal(x, y));
    if (j === -1) return false;
    used[j] = true;
    return true;
  });
}

function equalUnderRules(a: unknown, b: unknown): boolean {
  if (typeof a !== typeof b) return false;
  if (typeof a === 'number') return a === b || (Number.isNaN(a) && Number.isNaN(b));
  if (typeof a !== 'object' || a === null || b === null) return a === b;
  const x = a as object;
  const y = b as object;
  if (Array.isArray(x) || Array.isArray(y)) {
    if (!Array.isArray(x) || !Array.isArray(y) || x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!equalUnderRules(x[i], y[i])) return false;
    return true;
  }
  if (isPlain(x) || isPlain(y)) {
    if (!isPlain(x) || !isPlain(y)) return false;
    const keys = Object.keys(x);
    if (keys.length !== Object.keys(y).length) return false;
    return keys.every(
      (k) =>
        Object.hasOwn(y, k) &&
        equalUnderRules((x as Record<string, unknown>)[k], (y as Record<string, unknown>)[k]),
    );
  }
  if (tag(x) !== tag(y)) return false;
  if (x instanceof Map && y instanceof Map) {
    return sameMultiset(
      [...x],
      [...y],
      ([k1, v1], [k2, v2]) => equalUnderRules(k1, k2) && equalUnderRules(v1, v2),
    );
  }
  if (x instanceof Set && y instanceof Set) return sameMultiset([...x], [...y], equalUnderRules);
  if (x instanceof Date && y instanceof Date) return equalUnderRules(x.getTime(), y.getTime());
  if (x instanceof RegExp && y instanceof RegExp) {
    return x.source === y.source && x.flags === y.flags;
  }
  const p = bytesOf(x as Binary);
  const q = bytesOf(y as Binary);
  return p.length === q.length && p.every((byte, i) => byte === q[i]);
}

// ---- generated values ----

/** Characters that would break a naive encoding: quotes, separators, brackets, surrogates. */
const trickyChar = fc.oneof(
  fc.constantFrom(...'"\\,:[](){}n1-.eu '.split(''), 'Map(', 'Set(', '\ud800', '\udc00', '\0'),
  fc.constantFrom('é', 'e\u0301', '😀', '\u2028'),
  fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
);
const trickyString = fc.string({ unit: trickyChar, maxLength: 6 });

const TYPED = [
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
] as const;
type Typed = InstanceType<(typeof TYPED)[number]>;
type TypedCtor = new (buffer: ArrayBufferLike, offset?: number, length?: number) => Typed;

const bytes = fc.uint8Array({ maxLength: 16 });

/** A typed array of a random type over `raw` (trimmed to a whole number of elements). */
const typedArray = fc.tuple(fc.constantFrom(...TYPED), bytes).map(([Ctor, raw]) => {
  const length = Math.floor(raw.length / Ctor.BYTES_PER_ELEMENT);
  return new (Ctor as unknown as TypedCtor)(raw.slice().buffer, 0, length);
});

const primitive = fc.oneof(
  fc.constantFrom<unknown>(0, -0, Number.NaN, 1, '1', 1n, true, 'true', undefined, null, ''),
  fc.integer({ min: -3, max: 3 }),
  fc.double(),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }),
  fc.boolean(),
  trickyString,
);

const leaf = fc.oneof(
  { weight: 6, arbitrary: primitive },
  { weight: 1, arbitrary: fc.date() },
  { weight: 1, arbitrary: fc.constantFrom(/a/, /a/g, /a/gi, /b/g, /,/, /"/) },
  { weight: 1, arbitrary: typedArray },
  { weight: 1, arbitrary: bytes.map((b) => b.slice().buffer) },
  { weight: 1, arbitrary: bytes.map((b) => new DataView(b.slice().buffer)) },
);

const { value } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', maxDepth: 4, withCrossShrink: true },
    { weight: 3, arbitrary: leaf },
    { weight: 1, arbitrary: fc.array(tie('value'), { maxLength: 4 }) },
    {
      weight: 1,
      arbitrary: fc.dictionary(
        fc.oneof(trickyString, fc.constantFrom('__proto__', 'a', 'b')),
        tie('value'),
        {
          maxKeys: 4,
        },
      ),
    },
    {
      weight: 1,
      arbitrary: fc
        .array(fc.tuple(tie('value'), tie('value')), { maxLength: 3 })
        .map((entries) => new Map(entries)),
    },
    {
      weight: 1,
      arbitrary: fc.array(tie('value'), { maxLength: 3 }).map((items) => new Set(items)),
    },
  ),
}));

/**
 * Values from a tiny universe: strings over the characters an encoding uses as syntax, so that two
 * independently drawn values often coincide, and would often collide under a naive encoding.
 */
const syntaxString = fc.oneof(
  fc.string({
    unit: fc.constantFrom('a', '1', 'n', ',', ':', '"', '\\', '(', ')', '[', ']', '{', '}'),
    maxLength: 5,
  }),
  // fragments that read like the encoding of neighbouring keys, values or elements
  fc.constantFrom('a', 'b', 'a:1,b', 'a":1,"b', 'a,b', 'a","b', '1,1', 'a:1', '"a":1,"b'),
);
const tinyLeaf = fc.oneof(syntaxString, fc.constantFrom<unknown>(1, 11, 1n, undefined, null));
const { tiny } = fc.letrec((tie) => ({
  tiny: fc.oneof(
    { depthSize: 'small', maxDepth: 3 },
    { weight: 3, arbitrary: tinyLeaf },
    { weight: 1, arbitrary: fc.array(tie('tiny'), { maxLength: 3 }) },
    { weight: 1, arbitrary: fc.dictionary(syntaxString, tie('tiny'), { maxKeys: 3 }) },
    {
      weight: 1,
      arbitrary: fc
        .array(fc.tuple(tie('tiny'), tie('tiny')), { maxLength: 2 })
        .map((entries) => new Map(entries)),
    },
    {
      weight: 1,
      arbitrary: fc.array(tie('tiny'), { maxLength: 2 }).map((items) => new Set(items)),
    },
  ),
}));

// ---- variants: equal clones, sometimes with near misses ----

/** Defines an own enumerable property (plain assignment of `__proto__` would set the prototype). */
function define(target: object, key: string, item: unknown): void {
  Object.defineProperty(target, key, {
    value: item,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

function bytesCopyAt(source: Uint8Array, offset: number): ArrayBuffer {
  // a wider buffer with junk around the copy, so views must key only the bytes they cover
  const wide = new Uint8Array(source.length + offset * 2).fill(0xab);
  wide.set(source, offset);
  return wide.buffer;
}

/** A fresh value equal to `v` under the rules, built with every freedom the rules allow. */
function equalClone(v: unknown, tweak: number): fc.Arbitrary<unknown> {
  if (typeof v === 'number') return v === 0 ? fc.constantFrom(0, -0) : fc.constant(v);
  if (typeof v !== 'object' || v === null) return fc.constant(v);
  if (Array.isArray(v)) {
    return fc
      .tuple(
        fc.tuple(...v.map((item) => variant(item, tweak))),
        fc.array(fc.boolean(), { minLength: v.length, maxLength: v.length }),
      )
      .map(([items, holes]) => {
        const copy = [...items];
        // a hole keys like undefined
        items.forEach((item, i) => {
          if (item === undefined && holes[i]) delete copy[i];
        });
        return copy;
      });
  }
  if (v instanceof Map) {
    const entries = [...v].map(([k, item]) => fc.tuple(variant(k, tweak), variant(item, tweak)));
    return fc
      .tuple(...entries)
      .chain((list) => fc.shuffledSubarray(list, { minLength: list.length }))
      .map((list) => new Map(list));
  }
  if (v instanceof Set) {
    return fc
      .tuple(...[...v].map((item) => variant(item, tweak)))
      .chain((list) => fc.shuffledSubarray(list, { minLength: list.length }))
      .map((list) => new Set(list));
  }
  if (v instanceof Date) return fc.constant(new Date(v.getTime()));
  if (v instanceof RegExp) return fc.constant(new RegExp(v.source, v.flags));
  if (v instanceof ArrayBuffer) return fc.constant(v.slice(0));
  if (v instanceof DataView) {
    return fc
      .nat(3)
      .map((offset) => new DataView(bytesCopyAt(bytesOf(v), offset), offset, v.byteLength));
  }
  if (ArrayBuffer.isView(v)) {
    const typed = v as Typed;
    const Ctor = typed.constructor as TypedCtor & { BYTES_PER_ELEMENT: number };
    return fc.nat(2).map((n) => {
      const offset = n * Ctor.BYTES_PER_ELEMENT;
      return new Ctor(bytesCopyAt(bytesOf(typed), offset), offset, typed.length);
    });
  }
  // a plain object: shuffled key order, any prototype of the two plain ones
  const keys = Object.keys(v);
  return fc
    .tuple(
      fc.tuple(...keys.map((k) => variant((v as Record<string, unknown>)[k], tweak))),
      fc.shuffledSubarray(
        keys.map((_, i) => i),
        { minLength: keys.length },
      ),
      fc.boolean(),
    )
    .map(([items, order, bare]) => {
      const copy: object = bare ? Object.create(null) : {};
      for (const i of order) define(copy, keys[i]!, items[i]);
      return copy;
    });
}

/** A near miss of `v`: often different under the rules, sometimes not (the reference decides). */
function nearMiss(v: unknown): fc.Arbitrary<unknown> {
  const misses: unknown[] = [undefined, null, [v]];
  if (typeof v !== 'object' || v === null) misses.push(String(v));
  if (typeof v === 'number' && Number.isFinite(v)) misses.push(v + 1, -v);
  if (typeof v === 'number' && Number.isInteger(v)) misses.push(BigInt(v));
  if (typeof v === 'bigint') misses.push(Number(v), v + 1n);
  if (typeof v === 'string') misses.push(`${v}x`, v.slice(1), Number(v));
  if (Array.isArray(v)) misses.push(v.slice(1), [...v, undefined], { ...v }, new Set(v));
  if (v instanceof Map) misses.push([...v], new Map([...v].slice(1)), new Set(v.keys()));
  if (v instanceof Set) misses.push([...v], new Set([...v].slice(1)), new Set([...v, undefined]));
  if (v instanceof Date) misses.push(new Date(v.getTime() + 1), new Date(Number.NaN), v.getTime());
  if (v instanceof RegExp) misses.push(new RegExp(v.source, `${v.flags}m`), v.source);
  if (v instanceof ArrayBuffer) misses.push(new Uint8Array(v), v.slice(1));
  if (ArrayBuffer.isView(v)) {
    const raw = bytesOf(v).slice();
    misses.push(raw.buffer, new Int8Array(raw.buffer), new Uint8Array(raw.buffer));
    if (raw.length > 0) {
      const flipped = raw.slice();
      flipped[0] = flipped[0]! ^ 1;
      misses.push(new DataView(flipped.buffer));
    }
  }
  if (typeof v === 'object' && v !== null && isPlain(v)) {
    const keys = Object.keys(v);
    const undefinedAt = Object.assign(Object.create(null), v);
    define(undefinedAt, keys[0] ?? 'a', undefined);
    misses.push(undefinedAt, [v]);
    if (keys.length > 0) {
      const dropped = Object.assign(Object.create(null), v);
      delete dropped[keys[0]!];
      misses.push(dropped);
    }
  }
  return fc.noBias(fc.constantFrom(...misses));
}

/** `tweak` is the weight of a near miss at each node, against 12 for an equal clone (0: never). */
function variant(v: unknown, tweak: number): fc.Arbitrary<unknown> {
  if (tweak === 0) return equalClone(v, 0);
  // unbiased: a biased integer leans to its minimum, which would hide most near misses
  return fc
    .noBias(fc.integer({ min: 1, max: 12 + tweak }))
    .chain((roll) => (roll > 12 ? nearMiss(v) : equalClone(v, tweak)));
}

const pair = fc
  .tuple(value, fc.noBias(fc.constantFrom(0, 6, 24)))
  .chain(([v, tweak]) => fc.tuple(fc.constant(v), variant(v, tweak), fc.constant(tweak)));

// ---- the properties ----

describe('stableKey: properties', () => {
  it('keys two values equally exactly when they are equal under the rules', () => {
    let equal = 0;
    let unequal = 0;
    fc.assert(
      fc.property(pair, ([a, b, tweak]) => {
        const same = equalUnderRules(a, b);
        if (tweak === 0) expect(same, 'an equal clone must be equal').toBe(true);
        if (same) equal++;
        else unequal++;
        expect(stableKey(a) === stableKey(b)).toBe(same);
      }),
      { numRuns: 1500 },
    );
    // the generator must exercise both sides of "exactly when"
    expect(equal).toBeGreaterThan(250);
    expect(unequal).toBeGreaterThan(250);
  });

  it('is deterministic: the same value, and an equal clone of it, key alike every time', () => {
    fc.assert(
      fc.property(pair, ([a, b, tweak]) => {
        const key = stableKey(a);
        expect(stableKey(a)).toBe(key);
        if (tweak === 0) expect(stableKey(b)).toBe(key);
      }),
      { numRuns: 300 },
    );
  });

  it('never collides: in a large generated set, values sharing a key are equal under the rules', () => {
    fc.assert(
      fc.property(fc.array(pair, { minLength: 50, maxLength: 200 }), (pairs) => {
        const groups = new Map<string, unknown[]>();
        for (const [a, b] of pairs) {
          for (const item of [a, b]) {
            const key = stableKey(item);
            const group = groups.get(key);
            if (group === undefined) groups.set(key, [item]);
            else group.push(item);
          }
        }
        for (const group of groups.values()) {
          for (const member of group) expect(equalUnderRules(member, group[0])).toBe(true);
        }
      }),
      { numRuns: 20 },
    );
  });

  it('keys values built from syntax characters apart unless they are equal', () => {
    fc.assert(
      fc.property(tiny, tiny, (a, b) => {
        expect(stableKey(a) === stableKey(b)).toBe(equalUnderRules(a, b));
      }),
      { numRuns: 3000 },
    );
  });

  it('keys strings apart from the same strings glued together with syntax characters', () => {
    // what a naive encoding (unescaped quotes, unquoted keys, bare separators) would confuse
    const glue = fc.constantFrom(',', '","', '":1,"', ':1,', '\\",\\"', '"', '\\', ']', ')');
    const strings = fc.uniqueArray(trickyString, { minLength: 2, maxLength: 4 });
    fc.assert(
      fc.property(strings, glue, fc.nat(), (list, g, at) => {
        const sorted = [...list].sort();
        const i = at % (list.length - 1);
        const glued = (items: string[]): string[] => [
          ...items.slice(0, i),
          `${items[i]}${g}${items[i + 1]}`,
          ...items.slice(i + 2),
        ];
        expect(stableKey(glued(list))).not.toBe(stableKey(list));
        expect(stableKey(new Set(glued(list)))).not.toBe(stableKey(new Set(list)));
        const object = (keys: string[]): object => Object.fromEntries(keys.map((k) => [k, 1]));
        expect(stableKey(object(glued(sorted)))).not.toBe(stableKey(object(sorted)));
      }),
      { numRuns: 1000 },
    );
  });

  it('keys lists of tricky strings apart unless they are the same list', () => {
    const list = fc.array(trickyString, { maxLength: 4 });
    fc.assert(
      fc.property(list, list, (a, b) => {
        const same = a.length === b.length && a.every((s, i) => s === b[i]);
        expect(stableKey(a) === stableKey(b)).toBe(same);
        expect(stableKey([a, b]) === stableKey([b, a])).toBe(same);
      }),
      { numRuns: 1000 },
    );
  });

  it('keys a string apart from every value that is not that string', () => {
    fc.assert(
      fc.property(trickyString, value, (s, v) => {
        expect(stableKey(s) === stableKey(v)).toBe(s === v);
        expect(stableKey({ [s]: v }) === stableKey(v)).toBe(false);
      }),
      { numRuns: 500 },
    );
  });
});
