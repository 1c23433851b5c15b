/**
 * FrequencySketch: a count-min sketch of 4-bit counters estimating how often each key was seen
 * recently; knows counters and hashes, nothing of caches.
 *
 * Design notes (after the TinyLFU paper, Einziger, Friedman and Manes, and Caffeine's sketch):
 * - Counters are 4 bits, eight to a `Uint32Array` word; the table holds 16 counters per entry of
 *   capacity (8 bytes per entry), rounded up to a power of two words.
 * - Each key is hashed once to 32 bits (with a per-sketch seed). Its low bits choose a block of
 *   16 words (64 bytes, one cache line, as Caffeine's sketch does), and 20 bits of the spread hash
 *   choose one counter in each quarter of the block, so an update touches one cache line instead
 *   of four. The estimate is the smallest of the four counters, so it never undercounts within a
 *   period (until a counter saturates at 15).
 * - Aging: after `10 × capacity` increments every counter is halved, so the sketch follows a
 *   changing popularity instead of remembering forever.
 * - Hashing costs, measured on Node 20 (see the report in issue 13): integers are one multiply
 *   and a mix; other numbers go through a `Float64Array` view; strings hash every char code
 *   (O(length)); objects and functions get an id from a shared `WeakMap` at first sight (a `WeakMap` lookup
 *   each time, and an entry while the object lives); symbols hash their description.
 */

const MAX_CAPACITY = 67_108_864; // 2 ** 26, a literal so that bundlers drop it with the module

/** Scratch views to read a double's bits, made at first use (nothing runs at import). */
let f64: Float64Array | undefined;
let i32: Int32Array;

/** Ids for keys without a value to hash (objects, functions). */
const identities = /* @__PURE__ */ new WeakMap<object, number>();
let nextIdentity = 0;

/** murmur3's 32-bit finaliser: every input bit affects every output bit. */
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85eb_ca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2_ae35);
  return h ^ (h >>> 16);
}

function hashString(text: string, seed: number): number {
  // FNV-1a over UTF-16 code units, started from the seed, then mixed
  let h = seed ^ 0x811c_9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x0100_0193);
  return mix(h ^ text.length);
}

/**
 * The 32-bit hash of `key` under `seed`, equal for keys that `Map` treats as equal (so `0` and
 * `-0`, and every `NaN`, hash alike).
 */
export function hashKey(key: unknown, seed: number): number {
  switch (typeof key) {
    case 'number': {
      if ((key | 0) === key) return mix(Math.imul(key ^ seed, 0x9e37_79b1) ^ seed);
      if (Number.isNaN(key)) return mix(seed ^ 0x7ff8_0000);
      if (f64 === undefined) {
        f64 = new Float64Array(1);
        i32 = new Int32Array(f64.buffer);
      }
      f64[0] = key;
      return mix(Math.imul(i32[0]! ^ seed, 0x9e37_79b1) ^ i32[1]!);
    }
    case 'string':
      return hashString(key, seed);
    case 'object':
    case 'function': {
      if (key === null) return mix(seed ^ 0x6e75_6c6c);
      return identity(key, seed);
    }
    case 'symbol':
      // symbols cannot all be WeakMap keys: hashed by description (alike ones share counters)
      return hashString(`@@${String(key.description)}`, seed);
    default:
      // booleans, undefined, bigints: their text is their identity
      return hashString(`${typeof key}:${String(key)}`, seed);
  }
}

function identity(key: object, seed: number): number {
  let id = identities.get(key);
  if (id === undefined) {
    id = nextIdentity = (nextIdentity + 0x9e37_79b9) | 0;
    identities.set(key, id);
  }
  return mix(id ^ seed);
}

/** A random 32-bit seed; `Math.random` is enough, the seed only has to be unknown to key makers. */
export const randomSeed = (): number => (Math.random() * 0x1_0000_0000) | 0;

/**
 * A count-min sketch of 4-bit counters with periodic aging, estimating each key's recent
 * frequency (0 to 15).
 *
 * @example
 * ```ts
 * const sketch = new FrequencySketch(1_000, { seed: 42 });
 * sketch.increment('a');
 * sketch.frequency('a'); // 1
 * ```
 */
export class FrequencySketch {
  /** Increments before every counter is halved (10 × capacity). */
  sampleSize = 0;
  /** Increments counted since the last halving (corrected at each halving). */
  size = 0;
  readonly seed: number;
  #table: Uint32Array = new Uint32Array(0);
  #mask = 0;

  /**
   * @param capacity - how many keys the sketch should tell apart (the cache's entry count)
   * @param options - `seed`: a 32-bit integer making hashing reproducible; random by default
   */
  constructor(capacity: number, options: { seed?: number } = {}) {
    this.seed = options.seed === undefined ? randomSeed() : options.seed | 0;
    this.ensureCapacity(capacity);
  }

  /** How many keys the table is sized for. */
  get capacity(): number {
    return this.#table.length / 2;
  }

  /** Grows the table for `capacity` keys (forgetting every count); never shrinks. */
  ensureCapacity(capacity: number): void {
    const wanted = Math.min(MAX_CAPACITY, Math.max(8, Math.floor(capacity)));
    if (this.#table.length / 2 >= wanted) return;
    let words = 16;
    while (words < wanted * 2) words *= 2;
    this.#table = new Uint32Array(words);
    this.#mask = words / 16 - 1; // blocks of 16 words
    this.sampleSize = 10 * wanted;
    this.size = 0;
  }

  /** The estimated number of times `key` was counted (0 to 15), halved at each aging. */
  frequency(key: unknown): number {
    return this.frequencyOfHash(hashKey(key, this.seed));
  }

  /** {@link FrequencySketch.frequency} for a hash from {@link hashKey} with this seed. */
  frequencyOfHash(hash: number): number {
    const table = this.#table;
    // the key's block of 16 words (one 64-byte cache line); a counter in each quarter of it
    const block = (hash & this.#mask) << 4;
    const h = Math.imul(hash ^ (hash >>> 16), SPREAD);
    const c0 = (table[block + ((h >>> 12) & 3)]! >>> ((h >>> 12) & 28)) & 15;
    const c1 = (table[block + 4 + ((h >>> 17) & 3)]! >>> ((h >>> 17) & 28)) & 15;
    const c2 = (table[block + 8 + ((h >>> 22) & 3)]! >>> ((h >>> 22) & 28)) & 15;
    const c3 = (table[block + 12 + ((h >>> 27) & 3)]! >>> ((h >>> 27) & 28)) & 15;
    return Math.min(c0, c1, c2, c3);
  }

  /** Counts one occurrence of `key`; halves every counter once `sampleSize` is reached. */
  increment(key: unknown): void {
    this.incrementHash(hashKey(key, this.seed));
  }

  /** {@link FrequencySketch.increment} for a hash from {@link hashKey} with this seed. */
  incrementHash(hash: number): void {
    const table = this.#table;
    // the same four counters as frequencyOfHash, each in its own word of the key's block
    const block = (hash & this.#mask) << 4;
    const h = Math.imul(hash ^ (hash >>> 16), SPREAD);
    const i0 = block + ((h >>> 12) & 3);
    const i1 = block + 4 + ((h >>> 17) & 3);
    const i2 = block + 8 + ((h >>> 22) & 3);
    const i3 = block + 12 + ((h >>> 27) & 3);
    const s0 = (h >>> 12) & 28;
    const s1 = (h >>> 17) & 28;
    const s2 = (h >>> 22) & 28;
    const s3 = (h >>> 27) & 28;
    const w0 = table[i0]!;
    const w1 = table[i1]!;
    const w2 = table[i2]!;
    const w3 = table[i3]!;
    const c0 = (w0 >>> s0) & 15;
    const c1 = (w1 >>> s1) & 15;
    const c2 = (w2 >>> s2) & 15;
    const c3 = (w3 >>> s3) & 15;
    // conservative update: only the counters at the minimum grow, so collisions inflate less
    const min = Math.min(c0, c1, c2, c3);
    if (min === 15) return;
    if (c0 === min) table[i0] = w0 + (1 << s0);
    if (c1 === min) table[i1] = w1 + (1 << s1);
    if (c2 === min) table[i2] = w2 + (1 << s2);
    if (c3 === min) table[i3] = w3 + (1 << s3);
    if (++this.size >= this.sampleSize) this.age();
  }

  /** Halves every counter (the aging step); `size` drops by half, minus the truncated halves. */
  age(): void {
    const table = this.#table;
    let odd = 0;
    for (let i = 0; i < table.length; i++) {
      const word = table[i]!;
      odd += popcount(word & 0x1111_1111);
      table[i] = (word >>> 1) & 0x7777_7777;
    }
    this.size = Math.max(0, (this.size - (odd >>> 2)) >>> 1);
  }

  /** Forgets every count. */
  clear(): void {
    this.#table.fill(0);
    this.size = 0;
  }
}

/** Spreads a hash so that the counters chosen in a block do not follow the block's own bits. */
const SPREAD = 0x9e37_79b1 | 0;

function popcount(x: number): number {
  x -= (x >>> 1) & 0x5555_5555;
  x = (x & 0x3333_3333) + ((x >>> 2) & 0x3333_3333);
  return (Math.imul((x + (x >>> 4)) & 0x0f0f_0f0f, 0x0101_0101) >>> 24) & 0xff;
}
