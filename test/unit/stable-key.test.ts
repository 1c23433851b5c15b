/**
 * Unit tests of `stableKey`: one test per equality rule in its TSDoc (what keys equal, what keys
 * differently) and one per refused value, each checking the exact path in the message.
 */

import { describe, expect, it } from 'vitest';
import { stableKey } from '../../src/key.js';

const same = (a: unknown, b: unknown): void => expect(stableKey(a)).toBe(stableKey(b));
const differ = (a: unknown, b: unknown): void => expect(stableKey(a)).not.toBe(stableKey(b));

/** Every pair of values in `values` keys differently. */
function allDistinct(values: readonly unknown[]): void {
  const keys = values.map((v) => stableKey(v));
  expect(new Set(keys).size).toBe(keys.length);
}

/** Calls `stableKey(value, root)` and checks the exact `TypeError` message. */
function refused(value: unknown, message: string, root?: string): void {
  let thrown: unknown;
  try {
    stableKey(value, root);
  } catch (error) {
    thrown = error;
  }
  expect(thrown, 'stableKey should have thrown').toBeInstanceOf(TypeError);
  expect((thrown as TypeError).message).toBe(message);
}

describe('stableKey: primitives', () => {
  it('keys 1, "1", 1n and true differently', () => {
    allDistinct([1, '1', 1n, true, 'true', '1n', [1], ['1']]);
  });

  it('keys undefined, null, "undefined", "null" and NaN differently', () => {
    allDistinct([undefined, null, 'undefined', 'null', Number.NaN, 'NaN', false, 0, '']);
  });

  it('keys -0 like 0, in every position', () => {
    same(-0, 0);
    same([-0], [0]);
    same({ a: -0 }, { a: 0 });
    same(new Map([[1, -0]]), new Map([[1, 0]]));
    same(new Set([-0]), new Set([0]));
  });

  it('keys NaN like NaN, whatever the NaN', () => {
    same(Number.NaN, 0 / 0);
    same([Number.NaN], [Math.sqrt(-1)]);
    differ(Number.NaN, Number.POSITIVE_INFINITY);
  });

  it('keys every number by its value', () => {
    allDistinct([
      1,
      1.5,
      -1,
      1e21,
      1e-7,
      2 ** 53,
      2 ** 53 + 2,
      Infinity,
      -Infinity,
      0.1 + 0.2,
      0.3,
    ]);
    same(1e21, 1_000_000_000_000_000_000_000);
  });

  it('keys bigints by value, apart from numbers and numeric strings', () => {
    allDistinct([0n, -1n, 1n, 2n ** 64n, 0, -1, '-1n', 2 ** 64]);
    same(2n ** 64n, 18446744073709551616n);
  });

  it('keys strings of any content without colliding with structures', () => {
    allDistinct([
      '',
      '"',
      '\\',
      ',',
      '","',
      '1,2',
      '[1,2]',
      ['1', '2'],
      ['1,2'],
      [1, 2],
      '{"a":1}',
      { a: 1 },
      'Map()',
      new Map(),
      'Set()',
      new Set(),
      '\ud800',
      '\udc00',
      '\ud800\udc00',
      'é',
      'e\u0301',
      '\u0000',
    ]);
    same('\ud800\udc00', '𐀀');
  });

  it('keeps the fast path for a list of primitives equal to the general path', () => {
    const list = [1, 'a', null, -0, 2n, true, undefined, Number.NaN];
    // the outer array holds an object, so it and everything in it take the general path
    expect(stableKey([list, {}])).toBe(`[${stableKey(list)},{}]`);
  });
});

describe('stableKey: arrays', () => {
  it('compares by length and elements in order', () => {
    same([1, [2, 3]], [1, [2, 3]]);
    allDistinct([[], [[]], [1, 2], [2, 1], [1, 2, 3], [undefined], [null], [[1], 2], [1, [2]]]);
  });

  it('keeps adjacent numbers apart, on the general path too', () => {
    allDistinct([
      [1, 1, {}],
      [11, {}],
      [1, 1],
      [11],
      new Set([1, 11]),
      new Set([111]),
      new Set([11, 1, 0]),
    ]);
  });

  it('keys a hole like undefined', () => {
    // biome-ignore lint/suspicious/noSparseArray: the hole is the point
    same([1, , 3], [1, undefined, 3]);
    same(new Array(2), [undefined, undefined]);
    differ(new Array(2), [undefined]);
  });

  it('ignores non-index properties', () => {
    same(Object.assign([1], { extra: 2 }), [1]);
  });

  it('keys an array differently from an object with index keys', () => {
    differ([1], { 0: 1 });
    differ([], {});
  });
});

describe('stableKey: plain objects', () => {
  it('keys objects with the same keys in any order alike', () => {
    same({ a: 1, b: { c: 2, d: 3 } }, { b: { d: 3, c: 2 }, a: 1 });
    same({ 2: 'x', 1: 'y', b: 0 }, { b: 0, 1: 'y', 2: 'x' });
  });

  it('keys a null-prototype object like an ordinary one', () => {
    same(Object.assign(Object.create(null), { a: 1 }), { a: 1 });
  });

  it('keys a property holding undefined differently from a missing one', () => {
    differ({ a: undefined }, {});
    differ({ a: 1, b: undefined }, { a: 1 });
    differ({ a: undefined }, { a: null });
  });

  it('keys keys of any content without collisions', () => {
    allDistinct([{ 'a,b': 1 }, { a: 1, b: 1 }, { 'a":1,"b': 1 }, { '': 1 }, { '"': 1 }]);
    same(JSON.parse('{"__proto__": 1}'), JSON.parse('{"__proto__": 1}'));
    differ(JSON.parse('{"__proto__": 1}'), {});
  });

  it('ignores non-enumerable properties and non-enumerable symbol keys', () => {
    const hidden = Object.defineProperty({ a: 1 }, 'b', { value: 2, enumerable: false });
    Object.defineProperty(hidden, Symbol('s'), { value: 3, enumerable: false });
    same(hidden, { a: 1 });
  });

  it('accepts the same object twice when it is not a cycle', () => {
    const shared = { id: 1 };
    same(
      [shared, shared, { a: shared, b: shared }],
      [{ id: 1 }, { id: 1 }, { a: shared, b: shared }],
    );
    const map = new Map([[shared, shared]]);
    expect(() => stableKey([map, map, new Set([shared])])).not.toThrow();
  });
});

describe('stableKey: Map and Set', () => {
  it('keys Maps with the same entries in any insertion order alike', () => {
    same(
      new Map<unknown, unknown>([
        ['a', 1],
        [2, { x: [1] }],
      ]),
      new Map<unknown, unknown>([
        [2, { x: [1] }],
        ['a', 1],
      ]),
    );
    allDistinct([
      new Map([['a', 1]]),
      new Map([['a', 2]]),
      new Map([['b', 1]]),
      new Map([[1, 'a']]),
      new Map(),
      { a: 1 },
      [['a', 1]],
    ]);
  });

  it('compares Map keys structurally', () => {
    same(new Map([[{ id: 1 }, 'x']]), new Map([[{ id: 1 }, 'x']]));
    differ(new Map([[{ id: 1 }, 'x']]), new Map([[{ id: 2 }, 'x']]));
    // two equal-shaped keys form a multiset of entries
    const a = new Map([
      [{ k: 1 }, 1],
      [{ k: 1 }, 2],
    ]);
    const b = new Map([
      [{ k: 1 }, 2],
      [{ k: 1 }, 1],
    ]);
    same(a, b);
    differ(a, new Map([[{ k: 1 }, 1]]));
  });

  it('keys Sets with the same elements in any insertion order alike', () => {
    same(new Set([1, 'a', [2]]), new Set([[2], 'a', 1]));
    allDistinct([new Set([1]), new Set(['1']), new Set([1, 2]), new Set(), [1], new Map([[1, 1]])]);
  });

  it('keys a Set of two equal-shaped objects differently from a Set of one', () => {
    differ(new Set([{ a: 1 }, { a: 1 }]), new Set([{ a: 1 }]));
    same(new Set([{ a: 1 }, { a: 1 }]), new Set([{ a: 1 }, { a: 1 }]));
  });

  it('ignores own properties added to a Map', () => {
    same(Object.assign(new Map(), { extra: 1 }), new Map());
  });
});

describe('stableKey: Date, RegExp and binary data', () => {
  it('keys a Date by its time value', () => {
    same(new Date(0), new Date('1970-01-01T00:00:00Z'));
    allDistinct([new Date(0), new Date(1), 0, '1970-01-01T00:00:00.000Z', {}]);
  });

  it('keys every invalid Date alike, apart from valid ones', () => {
    same(new Date(Number.NaN), new Date('not a date'));
    differ(new Date(Number.NaN), new Date(0));
    differ(new Date(Number.NaN), Number.NaN);
  });

  it('keys a RegExp by source and flags, ignoring lastIndex', () => {
    const r = /a/g;
    r.lastIndex = 3;
    same(r, /a/g);
    allDistinct([/a/g, /a/, /a/gi, /b/g, '/a/g', /a"/, /a\//]);
    same(/a/gi, /a/gi);
  });

  it('keys typed arrays by type name and bytes', () => {
    same(new Uint8Array([1, 2]), Uint8Array.from([1, 2]));
    allDistinct([
      new Int8Array([1]),
      new Uint8Array([1]),
      new Uint8ClampedArray([1]),
      new Uint8Array([2]),
      new Uint8Array([1, 0]),
      new Uint8Array(),
      new Int16Array([1]),
      new Float64Array([1]),
      new BigInt64Array([1n]),
      new Uint8Array([1]).buffer,
      new DataView(new Uint8Array([1]).buffer),
      [1],
    ]);
  });

  it('keys float arrays by bytes, so -0 differs from 0 there', () => {
    differ(new Float64Array([-0]), new Float64Array([0]));
    same(new Float64Array([Number.NaN]), new Float64Array([Number.NaN]));
  });

  it('keys a view by the bytes it covers only', () => {
    const buffer = new Uint8Array([9, 1, 2, 9]).buffer;
    same(new Uint8Array(buffer, 1, 2), new Uint8Array([1, 2]));
    same(new DataView(buffer, 1, 2), new DataView(new Uint8Array([1, 2]).buffer));
    differ(new Uint8Array(buffer), new Uint8Array([1, 2]));
  });

  it('keys ArrayBuffers by bytes', () => {
    same(new Uint16Array([1]).buffer, new Uint8Array(new Uint16Array([1]).buffer).slice().buffer);
    differ(new ArrayBuffer(1), new ArrayBuffer(2));
  });
});

describe('stableKey: refused values name the path', () => {
  class User {
    name = 'ada';
  }

  it('refuses a function, with the path memoize reports', () => {
    refused(
      [1, { user: { save() {} } }],
      'lrukit: stableKey cannot key args[1].user.save: a function',
      'args',
    );
    refused(() => 1, 'lrukit: stableKey cannot key value: a function');
  });

  it('refuses a symbol as a value', () => {
    refused(Symbol('s'), 'lrukit: stableKey cannot key value: a symbol (Symbol(s))');
    refused(
      { a: [Symbol.iterator] },
      'lrukit: stableKey cannot key value.a[0]: a symbol (Symbol(Symbol.iterator))',
    );
  });

  it('refuses an enumerable symbol-keyed property', () => {
    refused(
      { 'weird key': { [Symbol('k')]: 1 } },
      'lrukit: stableKey cannot key value["weird key"][Symbol(k)]: a symbol-keyed property',
    );
  });

  it('writes identifier keys with a dot and others in brackets', () => {
    refused(
      { $a_1: { 1: { 'a-b': { '': null, x: () => 0 } } } },
      'lrukit: stableKey cannot key value.$a_1["1"]["a-b"].x: a function',
    );
  });

  it('refuses a class instance, naming its class', () => {
    refused({ u: new User() }, 'lrukit: stableKey cannot key value.u: an instance of User');
    refused(
      [new (class {})()],
      'lrukit: stableKey cannot key value[0]: an instance of an anonymous class',
    );
  });

  it('refuses other built-ins', () => {
    refused([Promise.resolve(1)], 'lrukit: stableKey cannot key value[0]: an instance of Promise');
    refused([new WeakMap()], 'lrukit: stableKey cannot key value[0]: an instance of WeakMap');
    refused([new Error('x')], 'lrukit: stableKey cannot key value[0]: an instance of Error');
    refused(
      [new URL('https://example.com')],
      'lrukit: stableKey cannot key value[0]: an instance of URL',
    );
  });

  it('refuses subclasses of handled built-ins', () => {
    class Registry extends Map {}
    class Bytes extends Uint8Array {}
    class List extends Array {}
    refused([new Registry()], 'lrukit: stableKey cannot key value[0]: an instance of Registry');
    refused([new Bytes(1)], 'lrukit: stableKey cannot key value[0]: an instance of Bytes');
    refused([new List()], 'lrukit: stableKey cannot key value[0]: an instance of List');
  });

  it('refuses a class that borrows the name of a handled built-in', () => {
    // what an Array or Map from another realm (iframe, node:vm) looks like
    const Impostor = Object.defineProperty(class {}, 'name', { value: 'Map' });
    refused(
      { m: new Impostor() },
      "lrukit: stableKey cannot key value.m: an instance of Map that is not this realm's built-in Map",
    );
  });

  it('refuses objects whose prototype has no constructor', () => {
    refused(
      { o: Object.create(Object.create(null)) },
      'lrukit: stableKey cannot key value.o: an object with a non-plain prototype',
    );
  });

  it('refuses boxed primitives', () => {
    refused(
      [new Number(1)],
      'lrukit: stableKey cannot key value[0]: a boxed Number (pass the primitive instead)',
    );
    refused(
      { s: new String('a') },
      'lrukit: stableKey cannot key value.s: a boxed String (pass the primitive instead)',
    );
    refused(
      [new Boolean(false)],
      'lrukit: stableKey cannot key value[0]: a boxed Boolean (pass the primitive instead)',
    );
    refused(
      [Object(1n)],
      'lrukit: stableKey cannot key value[0]: a boxed BigInt (pass the primitive instead)',
    );
  });

  it('refuses a cycle, naming where it points back to', () => {
    const self: Record<string, unknown> = {};
    self.self = self;
    refused(self, 'lrukit: stableKey cannot key value.self: a circular reference to value');
    const deep: { a: { b: unknown[] } } = { a: { b: [1] } };
    deep.a.b.push(deep.a);
    refused(
      [deep],
      'lrukit: stableKey cannot key args[0].a.b[1]: a circular reference to args[0].a',
      'args',
    );
    const list: unknown[] = [];
    list.push(list);
    refused(list, 'lrukit: stableKey cannot key value[0]: a circular reference to value');
  });

  it('refuses a cycle through a Map or a Set', () => {
    const map = new Map<unknown, unknown>();
    map.set('me', map);
    refused(map, 'lrukit: stableKey cannot key value.get("me"): a circular reference to value');
    const set = new Set<unknown>([1]);
    set.add({ set });
    refused(
      set,
      'lrukit: stableKey cannot key value.values()[1].set: a circular reference to value',
    );
  });

  it('names Map values by key, Map keys and Set elements by position', () => {
    refused(new Map([[1, () => 0]]), 'lrukit: stableKey cannot key value.get(1): a function');
    refused(
      new Map([['id', [() => 0]]]),
      'lrukit: stableKey cannot key value.get("id")[0]: a function',
    );
    refused(
      new Map([[{ a: 1 }, () => 0]]),
      'lrukit: stableKey cannot key value.get({…}): a function',
    );
    refused(
      new Map<unknown, number>([
        ['ok', 1],
        [() => 0, 2],
      ]),
      'lrukit: stableKey cannot key value.keys()[1]: a function',
    );
    refused(
      new Set([1, 2, Symbol('s')]),
      'lrukit: stableKey cannot key value.values()[2]: a symbol (Symbol(s))',
    );
  });

  it('lets errors thrown by getters through unchanged', () => {
    const boom = new Error('boom');
    const value = {
      get a(): never {
        throw boom;
      },
    };
    expect(() => stableKey([value])).toThrow(boom);
  });
});
