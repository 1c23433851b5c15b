/** Seeded pseudo-random numbers, shuffles and Zipf samples, so every run replays the same keys. */

/** A 32-bit PRNG (mulberry32): returns floats in [0, 1) from a fixed seed. */
export function prng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** 0..n-1 in a seeded random order. */
export function permutation(n, random) {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = out[i];
    out[i] = out[j];
    out[j] = t;
  }
  return out;
}

/**
 * `length` indices into 0..n-1, made of back-to-back shuffles, so every index is visited equally
 * often and in no predictable order.
 */
export function shuffledSequence(n, length, random) {
  const out = new Int32Array(length);
  for (let filled = 0; filled < length; ) {
    const p = permutation(n, random);
    const take = Math.min(n, length - filled);
    out.set(take === n ? p : p.subarray(0, take), filled);
    filled += take;
  }
  return out;
}

/**
 * `count` keys drawn from `keys` distinct keys with Zipf popularity (rank r has weight 1/r^s).
 * Ranks are mapped to keys through a seeded permutation, so popularity does not follow key order.
 */
export function zipfKeys(count, keys, exponent, random) {
  const cdf = new Float64Array(keys);
  let total = 0;
  for (let r = 0; r < keys; r++) {
    total += 1 / (r + 1) ** exponent;
    cdf[r] = total;
  }
  const keyOfRank = permutation(keys, random);
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const u = random() * total;
    let lo = 0;
    let hi = keys - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid] < u) lo = mid + 1;
      else hi = mid;
    }
    out[i] = keyOfRank[lo];
  }
  return out;
}

/**
 * The i-th integer key: a bijection of 0..2^30-1 onto itself (an odd multiplier), so keys are
 * distinct, spread over the whole small-integer range like real ids, and never a dense 0..n-1
 * run, which V8 would let an object-backed cache store as a plain array.
 */
export const intKey = (i) => Math.imul(i, 0x9e3779b1) & 0x3fffffff;
