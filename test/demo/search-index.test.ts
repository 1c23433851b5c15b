// The demo's backend: the generated corpus and the BM25 inverted index, checked on known
// documents and against a brute-force reference over a small generated corpus.
import { describe, expect, it } from 'vitest';
import { corpusVocabulary, type Document, generateCorpus } from '../../demo/corpus.js';
import { normalizeQuery, tokenize } from '../../demo/normalize.js';
import { seededRandom, zipf } from '../../demo/random.js';
import { SearchIndex } from '../../demo/search-index.js';

const docs: Document[] = [
  { id: 0, title: 'Rust cache', text: 'An LRU cache written in Rust. The cache is fast.' },
  { id: 1, title: 'Python', text: 'Caching in Python with functools.' },
  { id: 2, title: 'Rust', text: 'Ownership and borrowing in Rust.' },
  { id: 3, title: 'Gardening', text: 'Roses and tulips need water, not a cache.' },
  {
    id: 4,
    title: 'Cache invalidation',
    text: 'There are only two hard things: cache invalidation.',
  },
];
const index = SearchIndex.build(docs);
const ids = (terms: string[]) =>
  index.search(normalizeQuery(terms.join(' ')).terms).hits.map((h) => h.id);

describe('SearchIndex on known documents', () => {
  it('finds the documents that have every term (AND), best first', () => {
    const result = index.search(['cache', 'rust']);
    expect(result.mode).toBe('and');
    expect(result.total).toBe(1);
    expect(result.hits.map((h) => h.id)).toEqual([0]);
    expect(result.hits[0]).toMatchObject({ id: 0, title: 'Rust cache' });
    expect(result.hits[0]!.snippet).toContain('cache');
  });

  it('ranks by BM25: more occurrences in a shorter document rank higher', () => {
    // "cache" is in 0 (three times), 3 and 4 (twice, in the title and the body)
    const result = index.search(['cache']);
    expect(result.mode).toBe('and');
    expect(result.total).toBe(3);
    expect(result.hits.map((h) => h.id)).toEqual([0, 4, 3]);
    const scores = result.hits.map((h) => h.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
  });

  it('falls back to OR when no document has every term', () => {
    const result = index.search(['rust', 'tulips']);
    expect(result.mode).toBe('or');
    expect(result.total).toBe(3);
    expect(new Set(result.hits.map((h) => h.id))).toEqual(new Set([0, 2, 3]));
  });

  it('treats an unknown term as ruling AND out', () => {
    const result = index.search(['rust', 'zebra']);
    expect(result.mode).toBe('or');
    expect(new Set(result.hits.map((h) => h.id))).toEqual(new Set([0, 2]));
  });

  it('finds nothing for unknown terms', () => {
    expect(index.search(['zebra'])).toEqual({ mode: 'none', total: 0, hits: [] });
    expect(index.search([])).toEqual({ mode: 'none', total: 0, hits: [] });
  });

  it('does not depend on term order or repeats, and respects the limit', () => {
    expect(ids(['rust', 'cache'])).toEqual(ids(['cache', 'rust']));
    expect(index.search(['rust', 'cache', 'rust'])).toEqual(index.search(['cache', 'rust']));
    expect(index.search(['cache'], 2).hits.map((h) => h.id)).toEqual([0, 4]);
    expect(index.search(['cache'], 2).total).toBe(3);
  });

  it('tokenises documents like queries (case, punctuation)', () => {
    expect(ids(['LRU'])).toEqual([0]);
    expect(ids(['Caching'])).toEqual([1]);
    expect(index.documentFrequency('cache')).toBe(3);
    expect(index.documentFrequency('Cache')).toBe(0); // terms are normalised by the caller
  });

  it('answers the same after other searches (its scratch space is reset)', () => {
    const first = index.search(['cache', 'water']);
    index.search(['rust']);
    index.search(['in', 'and', 'the']);
    expect(index.search(['cache', 'water'])).toEqual(first);
  });

  it('refuses documents whose ids are not their positions', () => {
    expect(() => SearchIndex.build([{ id: 1, title: 'x', text: 'y' }])).toThrow(RangeError);
  });
});

// ---- against a reference over a small generated corpus ----

const small = generateCorpus({ documents: 1_500, vocabularySize: 3_000, seed: 99 });
const smallDocuments = Array.from({ length: small.size }, (_, id) => small.document(id));
const fromText = SearchIndex.build(smallDocuments);
const fromIds = SearchIndex.fromCorpus(small);

const smallTokens = smallDocuments.map((d) => tokenize(`${d.title} ${d.text}`));

/** BM25 straight from its definition, over the tokenised text of every document: no index. */
function reference(terms: readonly string[], limit = 10) {
  const n = smallTokens.length;
  const average = smallTokens.reduce((sum, t) => sum + t.length, 0) / n;
  const idf = new Map(
    terms.map((term) => {
      const df = smallTokens.filter((words) => words.includes(term)).length;
      return [term, Math.log(1 + (n - df + 0.5) / (df + 0.5))];
    }),
  );
  const scored = smallTokens.map((words, id) => {
    let score = 0;
    let matched = 0;
    for (const term of terms) {
      const tf = words.filter((w) => w === term).length;
      if (tf === 0) continue;
      matched++;
      const k = 1.2 * (1 - 0.75 + (0.75 * words.length) / average);
      score += (idf.get(term)! * tf * 2.2) / (tf + k);
    }
    return { id, score, matched };
  });
  const all = scored.filter((s) => s.matched === terms.length);
  const any = scored.filter((s) => s.matched > 0);
  const pool = all.length > 0 ? all : any;
  pool.sort((a, b) => b.score - a.score || a.id - b.id);
  return {
    mode: any.length === 0 ? 'none' : all.length > 0 ? 'and' : 'or',
    total: pool.length,
    hits: pool.slice(0, limit).map((s) => ({ id: s.id, score: Math.round(s.score * 1000) / 1000 })),
  };
}

describe('SearchIndex against a brute-force BM25', () => {
  const random = seededRandom(5);
  const word = zipf(small.vocabulary.length, 1, random);
  const queries = Array.from({ length: 60 }, () => {
    const count = 1 + Math.floor(random() * 3);
    const terms = Array.from({ length: count }, () => small.vocabulary[word()]!);
    if (random() < 0.1) terms.push('notaword');
    return normalizeQuery(terms.join(' ')).terms;
  });

  it('ranks exactly like the reference', () => {
    for (const terms of queries) {
      const expected = reference(terms);
      const actual = fromText.search(terms);
      expect(actual.mode, terms.join(' ')).toBe(expected.mode);
      expect(actual.total, terms.join(' ')).toBe(expected.total);
      // the same documents in the same order (scores equal up to floating-point rounding)
      expect(actual.hits.map((h) => h.id)).toEqual(expected.hits.map((h) => h.id));
      actual.hits.forEach((hit, i) => {
        expect(hit.score).toBeCloseTo(expected.hits[i]!.score, 2);
      });
    }
  });

  it('is the same index whether built from the text or from the generated word ids', () => {
    expect(fromIds.postingCount).toBe(fromText.postingCount);
    expect(fromIds.wordCount).toBe(fromText.wordCount);
    for (const terms of queries) expect(fromIds.search(terms)).toEqual(fromText.search(terms));
  });
});

describe('the generated corpus', () => {
  it('is the same on every run', () => {
    const again = generateCorpus({ documents: 1_500, vocabularySize: 3_000, seed: 99 });
    expect(again.words).toEqual(small.words);
    expect(again.document(1_234)).toEqual(small.document(1_234));
    expect(small.document(7)).toEqual(smallDocuments[7]); // and on every call
    expect(generateCorpus({ documents: 10, seed: 1 }).document(3)).not.toEqual(
      generateCorpus({ documents: 10, seed: 2 }).document(3),
    );
    expect(() => small.document(1_500)).toThrow(RangeError);
  });

  it('has word ids that spell each document, and a vocabulary the load generator can rebuild', () => {
    smallDocuments.forEach((_, i) => {
      const words = Array.from(small.words[i]!, (id) => small.vocabulary[id]);
      expect(smallTokens[i]).toEqual(words);
    });
    expect(corpusVocabulary({ vocabularySize: 3_000, seed: 99 })).toEqual(small.vocabulary);
    expect(new Set(small.vocabulary).size).toBe(small.vocabulary.length);
  });

  it('follows Zipf: the most frequent word is in most documents, most words are rare', () => {
    const top = fromIds.documentFrequency(small.vocabulary[0]!);
    const middle = fromIds.documentFrequency(small.vocabulary[300]!);
    expect(top).toBeGreaterThan(small.size * 0.9);
    expect(middle).toBeLessThan(top / 10);
    expect(middle).toBeGreaterThan(0);
  });
});

describe('zipf()', () => {
  it('draws rank r with probability proportional to 1 / (r + 1)', () => {
    const n = 50;
    const pick = zipf(n, 1, seededRandom(3));
    const counts = new Array<number>(n).fill(0);
    const draws = 200_000;
    for (let i = 0; i < draws; i++) counts[pick()]!++;
    let harmonic = 0;
    for (let r = 1; r <= n; r++) harmonic += 1 / r;
    for (const r of [0, 1, 4, 49]) {
      const expected = draws / ((r + 1) * harmonic);
      expect(Math.abs(counts[r]! - expected) / expected, `rank ${r}`).toBeLessThan(0.08);
    }
  });
});
