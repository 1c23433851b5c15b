/**
 * Query normalisation: turns what a user typed into the terms the index looks up and the key
 * the cache stores the result under. Queries that differ only in case, Unicode form,
 * punctuation, spacing, repeated terms or term order get the same key, so they share one cache
 * entry — `"Rust  Cache!"`, `"cache, RUST"` and `"ｒｕｓｔ cache rust"` are all `"cache rust"`.
 *
 * The steps, in order:
 * 1. Unicode NFKC (compatibility forms fold: full-width `ｒ` → `r`, ligature `ﬁ` → `fi`), then
 *    case folding: lower-case, upper-case, lower-case again, so that `ß`, `ẞ`, `SS` and `ss`
 *    agree (one pass each way would not be stable: `ẞ` → `ß` → `ss`), and the Greek final sigma
 *    `ς` becomes `σ` (lower-casing alone spells `ΟΔΟΣ` differently depending on the character
 *    after it). Close to Unicode full case folding; not locale-aware.
 * 2. Apostrophes are dropped (`don't` → `dont`), then NFKC again: lower-casing or dropping a
 *    character can leave a string that NFKC would still change, and a key must be stable.
 * 3. A term is a run of letters, combining marks and digits (`\p{L}\p{M}\p{N}`); everything
 *    else — punctuation, symbols, whitespace — separates terms.
 * 4. Terms are de-duplicated and sorted (by UTF-16 code units), so order does not matter: the
 *    search is a bag of words (see search-index.ts), so this changes no result.
 *
 * The key is the terms joined by one space; normalising a key gives the key back.
 */

/** A normalised query. */
export interface NormalizedQuery {
  /** Distinct terms, sorted. Empty when the query has no letters or digits. */
  readonly terms: readonly string[];
  /** `terms.join(' ')`: the cache key. */
  readonly key: string;
}

const APOSTROPHES = /['’ʼ]/gu;
const FINAL_SIGMA = /ς/gu;
const TERM = /[\p{L}\p{M}\p{N}]+/gu;

/**
 * The terms of `text` in the order they appear, repeats included (the document side of
 * normalisation: the index counts repeats; steps 1–3 above).
 *
 * @example
 * ```ts
 * tokenize("Don't cache, cache!"); // ['dont', 'cache', 'cache']
 * ```
 */
export function tokenize(text: string): string[] {
  const folded = text
    .normalize('NFKC')
    .toLowerCase()
    .toUpperCase()
    .toLowerCase()
    .replace(FINAL_SIGMA, 'σ')
    .replace(APOSTROPHES, '')
    .normalize('NFKC');
  return folded.match(TERM) ?? [];
}

/**
 * Normalises a query: its distinct terms, sorted, and the cache key made of them.
 *
 * @example
 * ```ts
 * normalizeQuery('  Rust, CACHE rust! ');  // { terms: ['cache', 'rust'], key: 'cache rust' }
 * normalizeQuery('?!').key;                // '' (no searchable terms)
 * ```
 */
export function normalizeQuery(query: string): NormalizedQuery {
  const terms = [...new Set(tokenize(query))].sort();
  return { terms, key: terms.join(' ') };
}
