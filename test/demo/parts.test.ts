// The demo's smaller parts: latency percentiles and the request-rate meter, reading a
// /search request, and the load generator's query pool.
import { describe, expect, it } from 'vitest';
import { corpusVocabulary } from '../../demo/corpus.js';
import { buildQueryPool } from '../../demo/load.js';
import { LatencyWindow, percentile, RateMeter, summarize } from '../../demo/metrics.js';
import { normalizeQuery } from '../../demo/normalize.js';
import { HttpError, parseParams, readQuery } from '../../demo/request.js';

describe('percentiles', () => {
  it('uses the nearest rank', () => {
    const sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(percentile(sorted, 50)).toBe(5);
    expect(percentile(sorted, 90)).toBe(9);
    expect(percentile(sorted, 99)).toBe(10);
    expect(percentile(sorted, 100)).toBe(10);
    expect(percentile(sorted, 0)).toBe(1);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });

  it('summarises unsorted samples, zeros when there are none', () => {
    const samples = Float64Array.from({ length: 1_000 }, (_, i) => 1_000 - i); // 1000 … 1
    expect(summarize(samples)).toEqual({
      samples: 1_000,
      p50Ms: 500,
      p90Ms: 900,
      p99Ms: 990,
      maxMs: 1_000,
    });
    expect(summarize(new Float64Array(0))).toEqual({
      samples: 0,
      p50Ms: 0,
      p90Ms: 0,
      p99Ms: 0,
      maxMs: 0,
    });
  });

  it('keeps a sliding window of the latest samples', () => {
    const window = new LatencyWindow(4);
    for (const ms of [100, 100, 100, 100, 1, 2, 3]) window.record(ms);
    // the window holds 100, 1, 2, 3
    expect(window.summary()).toMatchObject({ samples: 4, p50Ms: 2, maxMs: 100 });
    expect(() => new LatencyWindow(0)).toThrow(RangeError);
  });
});

describe('RateMeter', () => {
  it('averages over the complete seconds of its window', () => {
    const meter = new RateMeter(5, 0);
    // 10 events in each of seconds 0…9
    for (let second = 0; second < 10; second++) {
      for (let i = 0; i < 10; i++) meter.mark(second * 1_000 + i * 50);
    }
    expect(meter.rate(10_500)).toBe(10);
    // the second in progress does not count yet; quiet seconds do
    meter.mark(10_100);
    expect(meter.rate(10_900)).toBe(10);
    expect(meter.rate(11_000)).toBe((4 * 10 + 1) / 5);
    expect(meter.rate(12_000)).toBe((3 * 10 + 1 + 0) / 5);
    expect(meter.rate(30_000)).toBe(0);
  });

  it('does not average with the time before it started', () => {
    const meter = new RateMeter(5, 1_500);
    expect(meter.rate(1_900)).toBe(0);
    for (let i = 0; i < 30; i++) meter.mark(2_000 + i * 10);
    expect(meter.rate(3_000)).toBe(30); // one complete second, not 30/5
  });
});

describe('reading /search?q=', () => {
  const query = (qs: string) => readQuery(parseParams(qs));
  const status = (qs: string) => {
    try {
      query(qs);
      return 200;
    } catch (error) {
      expect(error).toBeInstanceOf(HttpError);
      return (error as HttpError).status;
    }
  };

  it('decodes + and percent-encoding as forms send them', () => {
    expect(parseParams('q=rust+cache&x=1&q=%C3%A9t%C3%A9&empty&=v')).toEqual(
      new Map([
        ['q', ['rust cache', 'été']],
        ['x', ['1']],
        ['empty', ['']],
        ['', ['v']],
      ]),
    );
    expect(query('q=Rust%2C+CACHE%21')).toEqual({ terms: ['cache', 'rust'], key: 'cache rust' });
    expect(query('q=rust&other=ignored').key).toBe('rust');
  });

  it.each([
    ['', 400],
    ['x=1', 400],
    ['q', 400],
    ['q=', 400],
    ['q=%20%09', 400],
    ['q=%2B%2B%2B', 400], // "+++" literally: no letters or digits
    ['q=a&q=b', 400],
    ['q=%', 400],
    ['q=%zz', 400],
    ['q=%E0%A4', 400], // an incomplete UTF-8 sequence
    ['q=%ED%A0%80', 400], // an encoded surrogate
    [`q=${'a'.repeat(256)}`, 200],
    [`q=${'a'.repeat(257)}`, 414],
    [`q=${'%C3%A9'.repeat(257)}`, 414],
    ['q=a+b+c+d+e+f+g+h+i+j', 200],
    ['q=a+b+c+d+e+f+g+h+i+j+k', 400],
    ['q=a+b+c+d+e+f+g+h+i+j+a+b+c', 200], // repeats do not count
  ])('%s → %i', (qs, expected) => {
    expect(status(qs)).toBe(expected);
  });
});

describe('the load generator’s query pool', () => {
  const vocabulary = corpusVocabulary();
  const pool = buildQueryPool(vocabulary, { size: 300, seed: 3 });

  it('has distinct queries, each spelled several ways that all normalise to its key', () => {
    expect(pool).toHaveLength(300);
    expect(new Set(pool.map((q) => q.key)).size).toBe(300);
    const words = new Set(vocabulary);
    let spellings = 0;
    for (const { key, paths } of pool) {
      expect(key.split(' ').every((term) => words.has(term))).toBe(true);
      expect(new Set(paths).size).toBe(paths.length);
      for (const path of paths) {
        expect(path.startsWith('/search?q=')).toBe(true);
        const q = parseParams(path.slice('/search?'.length)).get('q')![0]!;
        expect(normalizeQuery(q).key, q).toBe(key);
        spellings++;
      }
    }
    expect(spellings).toBeGreaterThan(2 * pool.length); // normalisation has work to do
  });

  it('is the same for a seed', () => {
    expect(buildQueryPool(vocabulary, { size: 300, seed: 3 })).toEqual(pool);
  });
});
