/** How lrukit reports bad input: a `TypeError` or `RangeError` naming the option and the value. */

/** Renders a received value for an error message: strings quoted, everything else recognisable. */
export function describeValue(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
    case 'bigint':
      return `${value}n`;
    case 'function':
      return 'a function';
    case 'symbol':
      return value.toString();
    case 'object':
      if (value === null) return 'null';
      return Array.isArray(value) ? 'an array' : 'an object';
    default:
      // numbers (NaN, -0 and Infinity included), booleans, undefined
      return Object.is(value, -0) ? '-0' : String(value);
  }
}

/** Throws `TypeError: lrukit: option "<name>" must be <expected>, got <value>`. */
export function typeError(name: string, expected: string, value: unknown): never {
  throw new TypeError(`lrukit: ${name} must be ${expected}, got ${describeValue(value)}`);
}

/** Throws `RangeError: lrukit: option "<name>" must be <expected>, got <value>`. */
export function rangeError(name: string, expected: string, value: unknown): never {
  throw new RangeError(`lrukit: ${name} must be ${expected}, got ${describeValue(value)}`);
}

/** `option "maxEntries"`: how messages name an option. */
export const option = (name: string): string => `option "${name}"`;

/**
 * Checks that `value` is a number in `(0, Infinity]` (a duration where `Infinity` means never).
 * `NaN`, `0` and negatives are a `RangeError`; a non-number a `TypeError`.
 */
export function checkPositive(name: string, value: unknown): number {
  const expected = 'a positive number or Infinity';
  if (typeof value !== 'number') typeError(name, expected, value);
  if (!(value > 0)) rangeError(name, expected, value);
  return value;
}

/**
 * Checks a size (an entry's size, `maxEntrySize`, or `maxSize` when `positive`): a safe integer
 * `>= 0` (`>= 1` when `positive`). Sizes are integers up to `Number.MAX_SAFE_INTEGER` so that
 * their sum, `totalSize`, is always exact. A non-number is a `TypeError`, anything else a `RangeError`.
 */
export function checkSize(name: string, value: unknown, positive = false): number {
  const expected = `a safe integer >= ${positive ? 1 : 0}`;
  if (typeof value !== 'number') typeError(name, expected, value);
  if (!Number.isSafeInteger(value) || value < (positive ? 1 : 0)) {
    rangeError(name, expected, value);
  }
  return value;
}

/** Checks that `value` is a plain options object (or `undefined`) with no keys outside `known`. */
export function checkOptionsObject(
  name: string,
  value: unknown,
  known: ReadonlySet<string>,
): Record<string, unknown> | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    typeError(name, 'an object', value);
  }
  for (const key of Object.keys(value)) {
    if (!known.has(key)) {
      throw new TypeError(
        `lrukit: unknown option "${key}" in ${name}; known options: ${[...known].join(', ')}`,
      );
    }
  }
  return value as Record<string, unknown>;
}

/**
 * The longest delay a timer can take: `setTimeout` in Node and browsers stores it in a signed
 * 32-bit integer, and Node runs a longer one after 1 ms instead.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Checks a duration that becomes a timer: a positive number of ms up to {@link MAX_TIMER_MS}, or
 * `Infinity` (no timer) when `infinite` allows it. `undefined` gives `fallback`.
 */
export function checkTimerMs(
  name: string,
  value: unknown,
  fallback: number,
  infinite: boolean,
): number {
  if (value === undefined) return fallback;
  const expected = `a positive number of ms up to ${MAX_TIMER_MS}${infinite ? ' (2^31 - 1), or Infinity' : ' (2^31 - 1)'}`;
  if (typeof value !== 'number') typeError(name, expected, value);
  if (!(value > 0) || (value > MAX_TIMER_MS && !(infinite && value === Infinity))) {
    rangeError(name, expected, value);
  }
  return value;
}

const ORDINALS = ['1st', '2nd', '3rd', '4th'];

/**
 * Refuses an argument a method does not take: `get(key, { allowStale: true })` is a mistake (an
 * option lrukit does not have), not a no-op. Each method declares one parameter more than it
 * takes, hidden from the types by its public signature, and calls this when that parameter is not
 * `undefined`. A parameter costs one comparison in every V8 tier, where reading `arguments.length`
 * would allocate an arguments object per call until the method is optimized by TurboFan.
 */
export function refuseExtra(
  owner: string,
  signature: string,
  takes: number,
  extra: unknown,
): never {
  const most = takes === 0 ? 'no arguments' : `at most ${takes} argument${takes === 1 ? '' : 's'}`;
  throw new TypeError(
    `lrukit: ${owner} ${signature} takes ${most}, got a ${ORDINALS[takes]} argument: ${describeValue(extra)}`,
  );
}
