/**
 * stableKey: turns a value into a string that is equal exactly when the values are structurally
 * equal, so `memoize` can key a cache on its arguments.
 *
 * Design notes:
 * - The output is a small grammar that a recursive-descent parser could read back, which is what
 *   makes it collision-free: strings are `JSON.stringify`d (so `"`, `,`, `]` or a lone surrogate
 *   inside one can never end it early), containers are bracketed (`[…]`, `{…}`, `Map(…)`,
 *   `Set(…)`), and the remaining atoms (`1`, `1n`, `NaN`, `true`, `null`, `undefined`) are
 *   pairwise distinct words that stop at the next bracket, `,` or `:`.
 * - Paths are not built on the happy path: an internal `Unkeyable` is thrown from the offending
 *   value and each container adds its own segment as it unwinds.
 * - Built-ins are recognised by prototype identity in the current realm, so a subclass (of `Map`,
 *   `Uint8Array`, …) is never silently keyed as its parent.
 */

import { describeValue } from './errors.js';

/** Thrown inside the encoder; turned into the public `TypeError` by {@link stableKey}. */
class Unkeyable {
  /** Path segments, innermost first. */
  readonly segments: string[] = [];
  constructor(
    readonly what: string,
    /** For a cycle: the depth of the ancestor it points back to. */
    readonly cycleTo?: number,
  ) {}
}

function withSegment(error: unknown, segment: string): unknown {
  if (error instanceof Unkeyable) error.segments.push(segment);
  return error;
}

/** The encoding of a primitive, or `undefined` for objects, functions and symbols. */
function primitiveKey(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      // `String(-0)` is already "0"; NaN is "NaN", so NaN keys equal to NaN
      return `${value}`;
    case 'boolean':
      return value ? 'true' : 'false';
    case 'undefined':
      return 'undefined';
    case 'bigint':
      return `${value}n`;
    case 'object':
      return value === null ? 'null' : undefined;
    default:
      return undefined;
  }
}

function encode(value: unknown, stack: object[]): string {
  const primitive = primitiveKey(value);
  if (primitive !== undefined) return primitive;
  if (typeof value === 'function') throw new Unkeyable('a function');
  if (typeof value === 'symbol') throw new Unkeyable(`a symbol (${String(value)})`);
  return encodeObject(value as object, stack);
}

function encodeObject(value: object, stack: object[]): string {
  const depth = stack.indexOf(value);
  if (depth !== -1) throw new Unkeyable('a circular reference', depth);
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === Array.prototype) return encodeArray(value as unknown[], stack);
  if (proto === Object.prototype || proto === null) return encodePlain(value, stack);
  if (proto === Map.prototype) return encodeMap(value as Map<unknown, unknown>, stack);
  if (proto === Set.prototype) return encodeSet(value as Set<unknown>, stack);
  if (proto === Date.prototype) return `Date(${Date.prototype.getTime.call(value)})`;
  if (proto === RegExp.prototype) {
    const { source, flags } = value as RegExp;
    return `RegExp(${JSON.stringify(source)},${JSON.stringify(flags)})`;
  }
  const binary = binaryNames().get(proto as object);
  if (binary !== undefined) return `${binary}(${hex(value, binary)})`;
  throw new Unkeyable(describeInstance(proto as object));
}

function encodeArray(array: readonly unknown[], stack: object[]): string {
  stack.push(array);
  let i = 0;
  try {
    let out = '[';
    for (; i < array.length; i++) out += (i === 0 ? '' : ',') + encode(array[i], stack);
    stack.pop();
    return `${out}]`;
  } catch (error) {
    throw withSegment(error, `[${i}]`);
  }
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const propertySegment = (key: string): string =>
  IDENTIFIER.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;

function encodePlain(object: object, stack: object[]): string {
  for (const symbol of Object.getOwnPropertySymbols(object)) {
    if (Object.prototype.propertyIsEnumerable.call(object, symbol)) {
      throw withSegment(new Unkeyable('a symbol-keyed property'), `[${String(symbol)}]`);
    }
  }
  const keys = Object.keys(object);
  if (keys.length > 1) keys.sort();
  stack.push(object);
  let key = '';
  try {
    let out = '{';
    for (let i = 0; i < keys.length; i++) {
      key = keys[i]!;
      const encoded = encode((object as Record<string, unknown>)[key], stack);
      out += `${i === 0 ? '' : ','}${JSON.stringify(key)}:${encoded}`;
    }
    stack.pop();
    return `${out}}`;
  } catch (error) {
    throw withSegment(error, propertySegment(key));
  }
}

/** How a Map key appears in a path: `.get("id")`, `.get(1)`, `.get({…})`. */
function describeMapKey(key: unknown): string {
  if (typeof key === 'object' && key !== null) return Array.isArray(key) ? '[…]' : '{…}';
  return typeof key === 'function' ? 'ƒ' : describeValue(key);
}

function encodeMap(map: Map<unknown, unknown>, stack: object[]): string {
  stack.push(map);
  const entries: string[] = [];
  let index = 0;
  let key: unknown;
  let inKey = true;
  try {
    for (const [k, v] of map) {
      key = k;
      inKey = true;
      const encodedKey = encode(k, stack);
      inKey = false;
      entries.push(`${encodedKey}:${encode(v, stack)}`);
      index++;
    }
  } catch (error) {
    throw withSegment(error, inKey ? `.keys()[${index}]` : `.get(${describeMapKey(key)})`);
  }
  stack.pop();
  // insertion order is history, not content: sort so equal contents key equally
  if (entries.length > 1) entries.sort();
  return `Map(${entries.join(',')})`;
}

function encodeSet(set: Set<unknown>, stack: object[]): string {
  stack.push(set);
  const items: string[] = [];
  try {
    for (const item of set) items.push(encode(item, stack));
  } catch (error) {
    throw withSegment(error, `.values()[${items.length}]`);
  }
  stack.pop();
  if (items.length > 1) items.sort();
  return `Set(${items.join(',')})`;
}

const BINARY_NAMES = [
  'Int8Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'Int16Array',
  'Uint16Array',
  'Int32Array',
  'Uint32Array',
  'Float16Array',
  'Float32Array',
  'Float64Array',
  'BigInt64Array',
  'BigUint64Array',
  'DataView',
  'ArrayBuffer',
  'SharedArrayBuffer',
];

let binaryNameTable: Map<object, string> | undefined;

/** Prototype → name for typed arrays, `ArrayBuffer`, `SharedArrayBuffer` and `DataView`. */
function binaryNames(): Map<object, string> {
  if (binaryNameTable !== undefined) return binaryNameTable;
  // built on first use, not at import, from the ones this runtime has (Float16Array is recent)
  const table = new Map<object, string>();
  const scope = globalThis as unknown as Record<string, { prototype: object } | undefined>;
  for (const name of BINARY_NAMES) {
    const ctor = scope[name];
    if (ctor !== undefined) table.set(ctor.prototype, name);
  }
  binaryNameTable = table;
  return table;
}

let hexDigits: string[] | undefined;

/** The bytes a buffer holds, or a view covers, as lowercase hex. */
function hex(value: object, name: string): string {
  const bytes =
    name === 'ArrayBuffer' || name === 'SharedArrayBuffer'
      ? new Uint8Array(value as ArrayBuffer)
      : new Uint8Array(
          (value as ArrayBufferView).buffer,
          (value as ArrayBufferView).byteOffset,
          (value as ArrayBufferView).byteLength,
        );
  hexDigits ??= Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += hexDigits[bytes[i]!];
  return out;
}

/** Built on first use: a module-level Set over a spread is kept by bundlers even when unused. */
let handled: Set<string> | undefined;
const HANDLED = {
  has(name: string): boolean {
    handled ??= new Set(['Object', 'Array', 'Map', 'Set', 'Date', 'RegExp', ...BINARY_NAMES]);
    return handled.has(name);
  },
};
const BOXED = /* @__PURE__ */ new Set(['Number', 'String', 'Boolean', 'BigInt', 'Symbol']);

/** `an instance of User`, `a boxed Number (…)`, … for an object stableKey refuses. */
function describeInstance(proto: object): string {
  const ctor: unknown = (proto as { constructor?: unknown }).constructor;
  if (typeof ctor !== 'function') return 'an object with a non-plain prototype';
  const name = ctor.name;
  if (name === '') return 'an instance of an anonymous class';
  const builtIn = (globalThis as unknown as Record<string, unknown>)[name] === ctor;
  if (builtIn && BOXED.has(name)) return `a boxed ${name} (pass the primitive instead)`;
  if (!builtIn && HANDLED.has(name)) {
    // a class that shadows the name, or the built-in of another realm (iframe, node:vm)
    return `an instance of ${name} that is not this realm's built-in ${name}`;
  }
  return `an instance of ${name}`;
}

/**
 * A string that is equal for structurally equal values and different otherwise, for keying a
 * cache on arguments. Used by `memoize` as `stableKey(args, 'args')`; the result is meant for
 * in-memory keys in one process, not for storage (its exact form may change between versions).
 *
 * The rules:
 * - **Primitives** are keyed by type and value: `1`, `"1"`, `1n` and `true` are all different,
 *   and so are `undefined` and `null`. Strings of any content (quotes, separators, unicode, lone
 *   surrogates) never collide with another string or structure.
 * - **`-0` equals `0`** and **`NaN` equals `NaN`**, as for `Map` keys (SameValueZero).
 * - **Arrays** are equal when they have the same length and equal elements in order. A hole
 *   keys like `undefined` (as spread and `Array.from` read it). Non-index properties are ignored.
 * - **Plain objects** (prototype `Object.prototype` or `null`) are equal when they have the same
 *   own enumerable string keys with equal values, **in any order**. A property whose value is
 *   `undefined` is **different from a missing property**: `{ a: undefined }` ≠ `{}`.
 * - **`Map` and `Set`** are equal when they hold the same entries (Map) or elements (Set),
 *   compared by these rules, **in any insertion order**. Keys and elements are compared
 *   structurally too, so two Maps holding different but equal-shaped object keys are equal.
 * - **`Date`** by time value (every invalid `Date` keys alike); **`RegExp`** by `source` and
 *   `flags` (`lastIndex` is ignored).
 * - **Typed arrays, `DataView`, `ArrayBuffer`, `SharedArrayBuffer`** by type name and bytes:
 *   `Int8Array [1]` ≠ `Uint8Array [1]`, and a view keys only the bytes it covers. Being bytes,
 *   `Float64Array [-0]` ≠ `Float64Array [0]`.
 * - Own properties added to arrays, Maps, Sets, Dates and the like are ignored.
 *
 * Everything else throws a `TypeError` naming the path from `root`
 * (`lrukit: stableKey cannot key args[1].user.save: a function`): functions, symbols,
 * enumerable symbol-keyed properties, boxed primitives (`new Number(1)`), instances of classes
 * and of other built-ins (`an instance of User`, a `Promise`, a `WeakMap`, a Node `Buffer`,
 * subclasses of `Map` or `Uint8Array`, built-ins from another realm), and cycles
 * (`a circular reference to args[0]`). The same object appearing twice without a cycle is fine.
 * Paths read `.name` for identifier keys, `["a key"]` for others, `[i]` for array indices,
 * `.get(key)` for a Map value, `.keys()[i]` for a Map key and `.values()[i]` for a Set element.
 *
 * @param value - the value to key
 * @param root - the name of `value` in error paths; defaults to `'value'`
 * @returns the key
 * @throws TypeError for a value that cannot be keyed (see above); a `RangeError` from the engine
 *   for nesting deeper than the call stack allows
 *
 * @example
 * ```ts
 * import { stableKey } from 'lrukit';
 *
 * stableKey({ page: 2, q: 'rust' }) === stableKey({ q: 'rust', page: 2 }); // true
 * stableKey([1]) === stableKey(['1']);                                   // false
 * stableKey({ a: undefined }) === stableKey({});                         // false
 * stableKey(new Set([1, 2])) === stableKey(new Set([2, 1]));             // true
 * stableKey([0, Number.NaN]) === stableKey([-0, Number.NaN]);            // true
 *
 * stableKey([1, { user: { save() {} } }], 'args');
 * // TypeError: lrukit: stableKey cannot key args[1].user.save: a function
 * ```
 */
export function stableKey(value: unknown, root = 'value'): string {
  const primitive = primitiveKey(value);
  if (primitive !== undefined) return primitive;
  // fast path for an argument list of primitives: no stack, no recursion
  if (Array.isArray(value) && Object.getPrototypeOf(value) === Array.prototype) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      const item = primitiveKey(value[i]);
      if (item === undefined) return keyOf(value, root);
      out += i === 0 ? item : `,${item}`;
    }
    return `${out}]`;
  }
  return keyOf(value, root);
}

function keyOf(value: unknown, root: string): string {
  try {
    return encode(value, []);
  } catch (error) {
    if (!(error instanceof Unkeyable)) throw error;
    const outward = error.segments.reverse();
    const what =
      error.cycleTo === undefined
        ? error.what
        : `a circular reference to ${root}${outward.slice(0, error.cycleTo).join('')}`;
    throw new TypeError(`lrukit: stableKey cannot key ${root}${outward.join('')}: ${what}`);
  }
}
