// Query normalisation: what makes different spellings of one query share one cache entry.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeQuery, tokenize } from '../../demo/normalize.js';

describe('normalizeQuery', () => {
  it.each([
    ['rust cache', ['cache', 'rust'], 'cache rust'],
    ['  Rust,   CACHE!! ', ['cache', 'rust'], 'cache rust'],
    ['cache rust rust Cache', ['cache', 'rust'], 'cache rust'],
    ['ｒｕｓｔ ｃａｃｈｅ', ['cache', 'rust'], 'cache rust'], // full-width, folded by NFKC
    ['ﬁle', ['file'], 'file'], // ligature
    ["don't stop", ['dont', 'stop'], 'dont stop'],
    ['don’t', ['dont'], 'dont'],
    ['e-mail/web2.0', ['0', 'e', 'mail', 'web2'], '0 e mail web2'],
    ['Crème BRÛLÉE', ['brûlée', 'crème'], 'brûlée crème'],
    ['cre\u0300me', ['crème'], 'crème'], // combining accent composed by NFKC
    ["a'\u0301", ['á'], 'á'], // composed only once the apostrophe is gone: NFKC runs last
    ['STRASSE straße STRAẞE', ['strasse'], 'strasse'], // case folding, not just lower-casing
    ['ΟΔΟΣ. οδος', ['οδοσ'], 'οδοσ'], // final sigma folded, whatever follows it
    ['東京 タワー', ['タワー', '東京'], 'タワー 東京'],
    ['', [], ''],
    ['?! … ---', [], ''],
  ])('%j → %j', (query, terms, key) => {
    expect(normalizeQuery(query)).toEqual({ terms, key });
  });

  it('tokenize keeps repeats and order (the document side)', () => {
    expect(tokenize("Don't cache, cache!")).toEqual(['dont', 'cache', 'cache']);
  });

  it('is idempotent: normalising a key gives the key back', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (query) => {
        const once = normalizeQuery(query);
        expect(normalizeQuery(once.key)).toEqual(once);
      }),
      { numRuns: 1_000 },
    );
  });

  it('is idempotent on every single code point', () => {
    const unstable: string[] = [];
    for (let cp = 0; cp <= 0x10ffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue; // lone surrogates: covered below
      const c = String.fromCodePoint(cp);
      // quick skip of what no step changes (most code points)
      if (c.normalize('NFKC') === c && c.toLowerCase() === c && c.toUpperCase() === c) continue;
      const { key } = normalizeQuery(c);
      if (normalizeQuery(key).key !== key) unstable.push(`U+${cp.toString(16)}`);
    }
    expect(unstable).toEqual([]);
  });

  it('is idempotent over any code points, including unpaired surrogates and combining marks', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 30 }), (query) => {
        const once = normalizeQuery(query).key;
        expect(normalizeQuery(once).key).toBe(once);
      }),
      { numRuns: 500 },
    );
  });

  // words from a few scripts, with letters that have upper-case forms
  const letter = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzéèüößñçøåαβγδσπжщя0123456789');
  const word = fc.string({ unit: letter, minLength: 1, maxLength: 8 });
  const separator = fc.constantFrom(' ', '  ', ', ', '; ', ' - ', '/', '!', '? ', '\t', '…', ' + ');
  const restyle = fc.constantFrom(
    (w: string) => w,
    (w: string) => w.toUpperCase(),
    (w: string) => w[0]!.toUpperCase() + w.slice(1),
    // full-width ASCII letters and digits
    (w: string) => w.replace(/[a-z0-9]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0)),
    (w: string) => w.normalize('NFD'), // decomposed accents
  );

  it('does not depend on term order, case, width, punctuation, spacing or repeats', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(word, { minLength: 1, maxLength: 5 }),
        fc.array(fc.tuple(fc.nat(), restyle, separator), { minLength: 1, maxLength: 12 }),
        separator,
        (words, picks, ending) => {
          const plain = words.join(' ');
          // another spelling: words picked in any order (each at least once), restyled, with
          // any punctuation between them
          const order = [...words.keys(), ...picks.map(([n]) => n % words.length)];
          const spelled = order
            .map((i, at) => {
              const [, style, sep] = picks[at % picks.length]!;
              return style(words[i]!) + sep;
            })
            .join('');
          expect(normalizeQuery(spelled + ending).key).toBe(normalizeQuery(plain).key);
        },
      ),
      { numRuns: 1_000 },
    );
  });

  it('gives different keys to different sets of terms', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(word, { minLength: 1, maxLength: 4 }),
        fc.uniqueArray(word, { minLength: 1, maxLength: 4 }),
        (a, b) => {
          const termsA = new Set(normalizeQuery(a.join(' ')).terms);
          const termsB = new Set(normalizeQuery(b.join(' ')).terms);
          const same = termsA.size === termsB.size && [...termsA].every((t) => termsB.has(t));
          expect(normalizeQuery(a.join(' ')).key === normalizeQuery(b.join(' ')).key).toBe(same);
        },
      ),
    );
  });
});
