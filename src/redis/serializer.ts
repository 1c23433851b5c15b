/**
 * How values cross the wire to Redis: the `Serializer` contract and the default JSON one, which
 * refuses (with the path of the culprit) every value that JSON would not give back unchanged.
 */

/**
 * Turns values into strings for Redis and back. `serialize` throws for a value it cannot
 * represent faithfully; `deserialize` throws for text it cannot read.
 *
 * @example
 * ```ts
 * import superjson from 'superjson';
 * const serializer: Serializer<User> = {
 *   serialize: (user) => superjson.stringify(user),
 *   deserialize: (text) => superjson.parse<User>(text),
 * };
 * ```
 */
export interface Serializer<V> {
  serialize(value: V): string;
  deserialize(text: string): V;
}

/**
 * A value that cannot cross the wire faithfully: refused by the serializer (`path` names the
 * culprit for `jsonSerializer`), a serializer that threw or did not return a string (its error
 * is the `cause`), or stored text the deserializer could not read.
 *
 * @example
 * ```ts
 * try {
 *   jsonSerializer.serialize({ user: { createdAt: new Date() } });
 * } catch (error) {
 *   if (error instanceof SerializationError) console.log(error.path); // 'value.user.createdAt'
 * }
 * ```
 */
export class SerializationError extends TypeError {
  override readonly name = 'SerializationError';
  /** `'ERR_LRUKIT_SERIALIZE'`. */
  readonly code = 'ERR_LRUKIT_SERIALIZE';
  /** Where in the value the problem is (`value.items[2]`), when known. */
  readonly path: string | undefined;

  /**
   * @param message - what went wrong
   * @param options - `cause`: the underlying error; `path`: where in the value
   */
  constructor(message: string, options: { cause?: unknown; path?: string } = {}) {
    super(message, 'cause' in options ? { cause: options.cause } : undefined);
    this.path = options.path;
  }
}

const identifier = /^[A-Za-z_$][\w$]*$/;
const child = (path: string, key: string): string =>
  identifier.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;

function refuse(path: string, what: string): never {
  throw new SerializationError(`lrukit: ${path} ${what}`, { path });
}

/** What JSON makes of an object whose prototype is not a plain object's or an array's. */
function describeObject(value: object): string | undefined {
  if (value instanceof Date) return 'is a Date: JSON would turn it into a string';
  if (value instanceof Map) return 'is a Map: JSON would turn it into {}';
  if (value instanceof Set) return 'is a Set: JSON would turn it into {}';
  if (value instanceof RegExp) return 'is a RegExp: JSON would turn it into {}';
  if (value instanceof DataView) return 'is a DataView: JSON would turn it into {}';
  if (ArrayBuffer.isView(value)) {
    // typed arrays, Node's Buffer
    const name = value.constructor?.name ?? 'typed array';
    return `is a ${name}: JSON would turn it into a plain object`;
  }
  if (value instanceof ArrayBuffer) return 'is an ArrayBuffer: JSON would turn it into {}';
  const proto = Object.getPrototypeOf(value) as { constructor?: { name?: unknown } } | null;
  if (proto === null || proto === Object.prototype) return undefined;
  if (Array.isArray(value) && proto === Array.prototype) return undefined;
  const name = typeof proto.constructor?.name === 'string' ? proto.constructor.name : '';
  return `is ${name ? `an instance of ${name}` : 'a class instance'}: JSON would drop its prototype`;
}

/** Throws a `SerializationError` naming the first part of `value` that JSON would change. */
function checkJson(value: unknown, path: string, ancestors: Map<object, string>): void {
  const type = typeof value;
  if (type === 'string' || type === 'boolean') return;
  if (type === 'number') {
    if (!Number.isFinite(value)) refuse(path, `is ${value}: JSON would turn it into null`);
    return;
  }
  if (type === 'undefined') refuse(path, 'is undefined: JSON cannot represent it');
  if (type !== 'object') refuse(path, `is a ${type}: JSON cannot represent it`);
  if (value === null) return;
  const object = value as object;
  const problem = describeObject(object);
  if (problem !== undefined) refuse(path, problem);
  const seen = ancestors.get(object);
  if (seen !== undefined)
    refuse(path, `refers back to ${seen} (a cycle): JSON cannot represent it`);
  ancestors.set(object, path);
  if (Array.isArray(object)) {
    for (let i = 0; i < object.length; i++) {
      const item: unknown = object[i];
      const at = `${path}[${i}]`;
      if (item === undefined) refuse(at, 'is undefined: JSON would turn it into null');
      checkJson(item, at, ancestors);
    }
  } else {
    if (
      Object.getOwnPropertySymbols(object).some((s) =>
        Object.prototype.propertyIsEnumerable.call(object, s),
      )
    ) {
      refuse(path, 'has symbol keys: JSON would drop them');
    }
    for (const key of Object.keys(object)) {
      const item = (object as Record<string, unknown>)[key];
      // a property set to undefined is dropped, and reads back as undefined anyway
      if (item !== undefined) checkJson(item, child(path, key), ancestors);
    }
  }
  ancestors.delete(object);
}

/**
 * The default serializer: `JSON.stringify` / `JSON.parse`, after a walk of the value that
 * refuses, with a `SerializationError` naming the path (`value.user.createdAt is a Date: …`),
 * anything JSON would not give back unchanged: `undefined` at the top or in an array, functions,
 * symbols, bigints, `NaN` and `±Infinity`, `Date`, `Map`, `Set`, `RegExp`, typed arrays and
 * `ArrayBuffer`, class instances (any prototype other than `Object.prototype` or `null`),
 * symbol keys, and cycles. Object properties whose value is `undefined` are allowed: JSON drops
 * them, and reading the missing property gives `undefined` again. `-0` comes back as `0`.
 * Typed `Serializer<any>` so that it fits a store of any value type; it checks at run time.
 *
 * @example
 * ```ts
 * jsonSerializer.serialize({ id: 42, tags: ['a'] }); // '{"id":42,"tags":["a"]}'
 * jsonSerializer.serialize({ at: new Date() });
 * // SerializationError: lrukit: value.at is a Date: JSON would turn it into a string
 * ```
 */
// biome-ignore lint/suspicious/noExplicitAny: fits Serializer<V> for every V (checked at run time)
export const jsonSerializer: Serializer<any> = {
  serialize(value: unknown): string {
    checkJson(value, 'value', new Map());
    return JSON.stringify(value);
  },
  deserialize(text: string): unknown {
    return JSON.parse(text);
  },
};
