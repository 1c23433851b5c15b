/**
 * Seeded randomness for the demo: a small fast PRNG and a Zipf sampler, so the corpus and the
 * load generator's queries are the same on every run and every machine.
 */

/** A source of uniform numbers in `[0, 1)`. */
export type Random = () => number;

/**
 * mulberry32: a 32-bit seeded PRNG, plenty for generating test data (not for cryptography).
 *
 * @example
 * ```ts
 * const random = seededRandom(42);
 * random(); // 0.6011037519201636, on every run
 * ```
 */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * A sampler of ranks `0 … n-1` where rank `r` has probability proportional to `1 / (r + 1)^s`
 * (Zipf's law: word frequencies, query popularity), drawing from `random`.
 *
 * @example
 * ```ts
 * const pick = zipf(1_000, 1, seededRandom(7));
 * pick(); // 0 about 13 % of the time, 999 about 0.013 %
 * ```
 */
export function zipf(n: number, exponent: number, random: Random): () => number {
  const sample = zipfTable(n, exponent);
  return () => sample(random);
}

/**
 * The same distribution as {@link zipf}, as a table that draws from whichever random stream
 * it is given. Walker's alias method: O(n) to build, O(1) per sample (two random numbers).
 *
 * @example
 * ```ts
 * const word = zipfTable(30_000, 1);
 * word(seededRandom(1)); // a rank, 0 the likeliest
 * ```
 */
export function zipfTable(n: number, exponent: number): (random: Random) => number {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`zipf: n must be >= 1, got ${n}`);
  const weights = new Float64Array(n);
  let sum = 0;
  for (let r = 0; r < n; r++) sum += weights[r] = 1 / (r + 1) ** exponent;
  // Vose's construction: scale so the mean is 1, then pair each small column with a large one
  const probability = new Float64Array(n);
  const alias = new Int32Array(n);
  const small: number[] = [];
  const large: number[] = [];
  for (let r = 0; r < n; r++) {
    probability[r] = (weights[r]! * n) / sum;
    (probability[r]! < 1 ? small : large).push(r);
  }
  while (small.length > 0 && large.length > 0) {
    const s = small.pop()!;
    const l = large.pop()!;
    alias[s] = l;
    probability[l] = probability[l]! + probability[s]! - 1;
    (probability[l]! < 1 ? small : large).push(l);
  }
  // whatever is left is 1 up to rounding
  for (const r of [...small, ...large]) probability[r] = 1;
  return (random) => {
    const column = Math.floor(random() * n);
    return random() < probability[column]! ? column : alias[column]!;
  };
}

/**
 * Shuffles `items` in place (Fisher–Yates) and returns it.
 *
 * @example
 * ```ts
 * shuffle([1, 2, 3], seededRandom(1)); // the same order on every run
 * ```
 */
export function shuffle<T>(items: T[], random: Random): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const tmp = items[i]!;
    items[i] = items[j]!;
    items[j] = tmp;
  }
  return items;
}
