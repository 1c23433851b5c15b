/**
 * The demo's corpus, generated at startup from a fixed seed: pseudo-Latin "documents" whose
 * words follow Zipf's law (a few words are everywhere, most are rare), so that queries have
 * posting lists of realistic sizes — from tens of thousands of documents down to a handful.
 * Same seed, same corpus, on every machine: nothing to download, nothing to ship.
 *
 * Only word ids are generated up front (what the index needs); a document's text is spelled
 * out when asked for, from its ids and a random stream of its own, so startup stays short.
 */

import { type Random, seededRandom, zipfTable } from './random.js';

/** One searchable document. */
export interface Document {
  /** Its position in the corpus, `0 … documents.length - 1`. */
  readonly id: number;
  readonly title: string;
  /** Sentences of lower-case words (ASCII), each starting with a capital and ending with `.`. */
  readonly text: string;
}

/** What {@link generateCorpus} builds. */
export interface Corpus {
  /** Every word, most frequent first: `vocabulary[0]` is the most common word. */
  readonly vocabulary: readonly string[];
  /** How many documents. */
  readonly size: number;
  /**
   * Per document, the vocabulary index of each word of its title then body, in order: what
   * tokenizing `title + ' ' + text` gives, without tokenizing (the index is built from these,
   * in a fraction of the time).
   */
  readonly words: readonly Int32Array[];
  /** Document `id` (`0 ≤ id < size`), spelled out from its words on each call (a few µs). */
  document(id: number): Document;
}

/** How big a corpus to generate. */
export interface CorpusOptions {
  /** Default 40,000. */
  documents?: number;
  /** Distinct words; default 30,000. */
  vocabularySize?: number;
  /** Default 2024. */
  seed?: number;
  /** Words per document (body), inclusive range; default [20, 60]. */
  wordsPerDocument?: readonly [number, number];
  /** Zipf exponent of word frequencies; default 1 (natural language is close to 1). */
  exponent?: number;
}

/** The corpus `npm start` serves. */
export const DEFAULT_CORPUS: Required<CorpusOptions> = {
  documents: 40_000,
  vocabularySize: 30_000,
  seed: 2024,
  wordsPerDocument: [20, 60],
  exponent: 1,
};

const ONSETS = ['', 'b', 'c', 'd', 'f', 'g', 'l', 'm', 'n', 'p', 'r', 's', 't', 'v', 'qu', 'st'];
const VOWELS = ['a', 'e', 'i', 'o', 'u', 'ae', 'au'];
const CODAS = ['', '', '', 'n', 's', 'r', 'm', 'x', 't', 'l'];

const pick = <T>(items: readonly T[], random: Random): T =>
  items[Math.floor(random() * items.length)]!;

/**
 * `size` distinct pseudo-Latin words, most frequent first. As in real languages, frequent words
 * are short: one syllable for the first hundred ranks, then two, three, four.
 *
 * @example
 * ```ts
 * generateVocabulary(5, seededRandom(1)); // five short words, the same on every run
 * ```
 */
export function generateVocabulary(size: number, random: Random): string[] {
  const words: string[] = [];
  const seen = new Set<string>();
  while (words.length < size) {
    const rank = words.length;
    const syllables = rank < 100 ? 1 : rank < 2_000 ? 2 : rank < 15_000 ? 3 : 4;
    let word = '';
    for (let s = 0; s < syllables; s++) {
      word += pick(ONSETS, random) + pick(VOWELS, random) + pick(CODAS, random);
    }
    if (word.length < 2 || seen.has(word)) continue; // draw again
    seen.add(word);
    words.push(word);
  }
  return words;
}

const TITLE_WORDS = 3;
const capitalize = (word: string): string => word[0]!.toUpperCase() + word.slice(1);

/** A 32-bit seed for stream `stream` of the corpus seeded with `seed` (a murmur3-style mix). */
function mix(seed: number, stream: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ stream;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * Generates the corpus: the vocabulary, then each document's words — a title of three, a body
 * of 20–60 — drawn from a Zipf distribution over the vocabulary. Each document has random
 * streams of its own (its words; how its body splits into sentences of 6–14 words), so any
 * document can be spelled out alone. About 0.1 s for the default 40,000 documents.
 *
 * @example
 * ```ts
 * const corpus = generateCorpus({ documents: 1_000 });
 * corpus.document(0).text; // "Lor vae quit st…"
 * ```
 */
export function generateCorpus(options: CorpusOptions = {}): Corpus {
  const o = { ...DEFAULT_CORPUS, ...options };
  const vocabulary = generateVocabulary(o.vocabularySize, seededRandom(o.seed));
  const nextWord = zipfTable(vocabulary.length, o.exponent);
  const [minWords, maxWords] = o.wordsPerDocument;
  const words: Int32Array[] = [];
  for (let id = 0; id < o.documents; id++) {
    const random = seededRandom(mix(o.seed, 2 * id));
    const count = minWords + Math.floor(random() * (maxWords - minWords + 1));
    const ids = new Int32Array(TITLE_WORDS + count);
    for (let w = 0; w < ids.length; w++) ids[w] = nextWord(random);
    words.push(ids);
  }
  const document = (id: number): Document => {
    const ids = words[id];
    if (ids === undefined) throw new RangeError(`corpus: no document ${id}`);
    const title = Array.from(ids.subarray(0, TITLE_WORDS), (w) => capitalize(vocabulary[w]!));
    // the body: sentences of 6–14 words, each capitalised and ending with a full stop
    const layout = seededRandom(mix(o.seed, 2 * id + 1));
    const body: string[] = [];
    let sentenceLeft = 0;
    for (let w = TITLE_WORDS; w < ids.length; w++) {
      const word = vocabulary[ids[w]!]!;
      if (sentenceLeft === 0) {
        if (body.length > 0) body[body.length - 1] += '.';
        sentenceLeft = 6 + Math.floor(layout() * 9);
        body.push(capitalize(word));
      } else {
        body.push(word);
      }
      sentenceLeft--;
    }
    return { id, title: title.join(' '), text: `${body.join(' ')}.` };
  };
  return { vocabulary, size: words.length, words, document };
}

/**
 * The vocabulary of the corpus `options` describe, without generating its documents (the
 * vocabulary is drawn first, from a generator seeded alike): what the load generator builds its
 * queries from.
 *
 * @example
 * ```ts
 * corpusVocabulary()[0]; // the default corpus's most frequent word
 * ```
 */
export function corpusVocabulary(options: CorpusOptions = {}): string[] {
  const o = { ...DEFAULT_CORPUS, ...options };
  return generateVocabulary(o.vocabularySize, seededRandom(o.seed));
}
