/**
 * An in-memory inverted index with BM25 ranking: the "slow backend" the demo puts lrukit in
 * front of. Deliberately honest work — a query scores every posting of every term — so an
 * uncached search costs real CPU (about a millisecond over the default corpus) and the cache's
 * effect is visible.
 *
 * Semantics: **AND, falling back to OR.** A document matches when it contains every query term;
 * if no document contains them all, documents containing any term match instead (the result
 * says which: `mode: 'and' | 'or'`). Matches are ranked by BM25 (k1 = 1.2, b = 0.75) over the
 * title and body, ties by document id, and the top `limit` are returned with a snippet. Term
 * order and repeats never matter (a bag of words), which is what lets normalize.ts sort and
 * de-duplicate terms before the cache sees them.
 */

import type { Corpus, Document } from './corpus.js';
import { tokenize } from './normalize.js';

/** One ranked document. */
export interface SearchHit {
  readonly id: number;
  readonly title: string;
  /** BM25 score, rounded to 3 decimals. */
  readonly score: number;
  /** About twenty words of the body around the first query term, with `…` where cut. */
  readonly snippet: string;
}

/** What a search finds. */
export interface SearchResult {
  /** `'and'`: every hit has every term; `'or'`: no document had them all; `'none'`: no match. */
  readonly mode: 'and' | 'or' | 'none';
  /** How many documents matched (in that mode). */
  readonly total: number;
  /** The best `limit` matches, best first. */
  readonly hits: readonly SearchHit[];
}

/**
 * Anything that answers searches: the demo server only needs this (tests pass their own).
 *
 * @example
 * ```ts
 * const failing: Searcher = { documentCount: 0, search: () => { throw new Error('disk on fire'); } };
 * ```
 */
export interface Searcher {
  readonly documentCount: number;
  /** Ranks documents for distinct `terms` (normalised); must not depend on their order. */
  search(terms: readonly string[], limit?: number): SearchResult;
}

const K1 = 1.2;
const B = 0.75;
const SNIPPET_BEFORE = 5;
const SNIPPET_WORDS = 20;

interface Postings {
  readonly docs: Int32Array;
  readonly tfs: Uint16Array;
}

/**
 * The inverted index: for each term, the documents containing it and how often (its posting
 * list, in document order).
 *
 * @example
 * ```ts
 * const index = SearchIndex.fromCorpus(generateCorpus());
 * index.search(normalizeQuery('Lorem ipsum').terms, 10);
 * ```
 */
export class SearchIndex implements Searcher {
  readonly #documentCount: number;
  /** Looks a document up by id (for the title and snippet of a hit). */
  readonly #document: (id: number) => Document;
  readonly #postings: Map<string, Postings>;
  /** Per document: BM25's length normalisation `k1 * (1 - b + b * length / averageLength)`. */
  readonly #norm: Float64Array;
  // Scratch space reused by every search (searches are synchronous, so never concurrent).
  readonly #scores: Float64Array;
  readonly #matched: Uint8Array;
  readonly #touched: Int32Array;
  /** Postings in the index (a size measure, for the startup line). */
  readonly postingCount: number;
  /** Words indexed, repeats included. */
  readonly wordCount: number;

  private constructor(
    documentCount: number,
    document: (id: number) => Document,
    postings: Map<string, Postings>,
    norm: Float64Array,
    postingCount: number,
    wordCount: number,
  ) {
    this.#documentCount = documentCount;
    this.#document = document;
    this.#postings = postings;
    this.#norm = norm;
    this.#scores = new Float64Array(documentCount);
    this.#matched = new Uint8Array(documentCount);
    this.#touched = new Int32Array(documentCount);
    this.postingCount = postingCount;
    this.wordCount = wordCount;
  }

  /**
   * Indexes `documents` (title and body, tokenised exactly like queries). Document ids must be
   * their positions in the array.
   *
   * @example
   * ```ts
   * const index = SearchIndex.build([{ id: 0, title: 'Hello', text: 'Hello world.' }]);
   * ```
   */
  static build(documents: readonly Document[]): SearchIndex {
    const ids = new Map<string, number>();
    const terms: string[] = [];
    const words = documents.map((doc) => {
      const tokens = tokenize(`${doc.title} ${doc.text}`);
      const out = new Int32Array(tokens.length);
      tokens.forEach((token, i) => {
        let id = ids.get(token);
        if (id === undefined) {
          id = terms.push(token) - 1;
          ids.set(token, id);
        }
        out[i] = id;
      });
      return out;
    });
    documents.forEach((doc, position) => {
      if (doc.id !== position) {
        throw new RangeError(`SearchIndex: document ${position} has id ${doc.id}`);
      }
    });
    return SearchIndex.#assemble(documents.length, (id) => documents[id]!, terms, words);
  }

  /**
   * Indexes a generated corpus from the word ids it was generated with: the same index as
   * `build()` over its documents' text (a test checks), without spelling out and tokenizing
   * 1.7 million words.
   *
   * @example
   * ```ts
   * const index = SearchIndex.fromCorpus(generateCorpus());
   * ```
   */
  static fromCorpus(corpus: Corpus): SearchIndex {
    return SearchIndex.#assemble(corpus.size, corpus.document, corpus.vocabulary, corpus.words);
  }

  /**
   * Builds the posting lists, all in two flat arrays (document ids and term frequencies),
   * term after term, each list in document order: count each term's documents, lay the lists
   * out, fill them.
   */
  static #assemble(
    documentCount: number,
    document: (id: number) => Document,
    terms: readonly string[],
    words: readonly Int32Array[],
  ): SearchIndex {
    const termCount = terms.length;
    const df = new Int32Array(termCount);
    const seenIn = new Int32Array(termCount).fill(-1);
    let wordCount = 0;
    words.forEach((ids, doc) => {
      wordCount += ids.length;
      for (const id of ids) {
        if (seenIn[id] !== doc) {
          seenIn[id] = doc;
          df[id]!++;
        }
      }
    });
    const start = new Int32Array(termCount + 1);
    for (let t = 0; t < termCount; t++) start[t + 1] = start[t]! + df[t]!;
    const postingCount = start[termCount]!;
    const allDocs = new Int32Array(postingCount);
    const allTfs = new Uint16Array(postingCount);
    const next = start.slice(0, termCount);
    const slot = new Int32Array(termCount); // where term id's posting for the current doc is
    seenIn.fill(-1);
    words.forEach((ids, doc) => {
      for (const id of ids) {
        if (seenIn[id] === doc) {
          if (allTfs[slot[id]!]! < 65_535) allTfs[slot[id]!]!++;
        } else {
          seenIn[id] = doc;
          const at = next[id]!++;
          slot[id] = at;
          allDocs[at] = doc;
          allTfs[at] = 1;
        }
      }
    });
    const postings = new Map<string, Postings>();
    for (let t = 0; t < termCount; t++) {
      if (df[t] === 0) continue;
      postings.set(terms[t]!, {
        docs: allDocs.subarray(start[t]!, start[t + 1]!),
        tfs: allTfs.subarray(start[t]!, start[t + 1]!),
      });
    }
    const average = documentCount === 0 ? 1 : wordCount / documentCount || 1;
    const norm = new Float64Array(documentCount);
    words.forEach((ids, doc) => {
      norm[doc] = K1 * (1 - B + (B * ids.length) / average);
    });
    return new SearchIndex(documentCount, document, postings, norm, postingCount, wordCount);
  }

  /** Documents indexed. */
  get documentCount(): number {
    return this.#documentCount;
  }

  /** Distinct terms indexed. */
  get termCount(): number {
    return this.#postings.size;
  }

  /**
   * How many documents contain `term` (0 for an unknown term).
   *
   * @example
   * ```ts
   * index.documentFrequency('lorem'); // 1234
   * ```
   */
  documentFrequency(term: string): number {
    return this.#postings.get(term)?.docs.length ?? 0;
  }

  /**
   * Ranks the documents for `terms` (see the module comment for the semantics) and returns the
   * best `limit` (default 10).
   *
   * @example
   * ```ts
   * const { mode, total, hits } = index.search(['cache', 'rust']);
   * ```
   */
  search(terms: readonly string[], limit = 10): SearchResult {
    const n = this.#documentCount;
    const scores = this.#scores;
    const matched = this.#matched;
    const touched = this.#touched;
    const norm = this.#norm;
    const distinct = new Set(terms);
    if (distinct.size > 255) throw new RangeError('SearchIndex: at most 255 terms per query');
    let touchedCount = 0;
    let known = 0;
    for (const term of distinct) {
      const list = this.#postings.get(term);
      if (list === undefined) continue;
      known++;
      const { docs, tfs } = list;
      const df = docs.length;
      const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
      for (let i = 0; i < df; i++) {
        const doc = docs[i]!;
        const tf = tfs[i]!;
        if (matched[doc] === 0) touched[touchedCount++] = doc;
        matched[doc]!++;
        scores[doc]! += (idf * tf * (K1 + 1)) / (tf + norm[doc]!);
      }
    }
    // AND when some document has every term (an unknown term rules AND out), else OR.
    const needed = known === distinct.size ? known : Number.POSITIVE_INFINITY;
    let andCount = 0;
    for (let i = 0; i < touchedCount; i++) if (matched[touched[i]!] === needed) andCount++;
    const mode = touchedCount === 0 ? 'none' : andCount > 0 ? 'and' : 'or';
    const total = mode === 'and' ? andCount : touchedCount;

    // top `limit` by score, then id: a small sorted array (limit is tiny)
    const topDocs: number[] = [];
    const topScores: number[] = [];
    for (let i = 0; i < touchedCount; i++) {
      const doc = touched[i]!;
      if (mode === 'and' && matched[doc] !== needed) continue;
      const score = scores[doc]!;
      let at = topDocs.length;
      while (at > 0 && better(score, doc, topScores[at - 1]!, topDocs[at - 1]!)) at--;
      if (at >= limit) continue;
      topDocs.splice(at, 0, doc);
      topScores.splice(at, 0, score);
      if (topDocs.length > limit) {
        topDocs.pop();
        topScores.pop();
      }
    }
    for (let i = 0; i < touchedCount; i++) {
      const doc = touched[i]!;
      scores[doc] = 0;
      matched[doc] = 0;
    }

    const hits = topDocs.map((doc, i) => {
      const document = this.#document(doc);
      return {
        id: document.id,
        title: document.title,
        score: Math.round(topScores[i]! * 1000) / 1000,
        snippet: snippet(document.text, distinct),
      };
    });
    return { mode, total, hits };
  }
}

/** Whether (score, doc) ranks before (otherScore, otherDoc). */
const better = (score: number, doc: number, otherScore: number, otherDoc: number): boolean =>
  score > otherScore || (score === otherScore && doc < otherDoc);

/** About twenty words of `text` starting a few words before the first word in `terms`. */
function snippet(text: string, terms: ReadonlySet<string>): string {
  const words = text.split(' ');
  let first = words.findIndex((word) => tokenize(word).some((token) => terms.has(token)));
  if (first === -1) first = 0; // the term is in the title only
  const start = Math.max(0, first - SNIPPET_BEFORE);
  const end = Math.min(words.length, start + SNIPPET_WORDS);
  return `${start > 0 ? '… ' : ''}${words.slice(start, end).join(' ')}${end < words.length ? ' …' : ''}`;
}
