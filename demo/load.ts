/**
 * The load generator: a pool of distinct queries drawn from the corpus vocabulary, each with
 * several spellings (order, case, punctuation, full-width letters), requested over HTTP with
 * Zipf popularity — a few queries very often, most rarely, like real search traffic — by N
 * concurrent keep-alive connections for a fixed time.
 */

import { Agent, request } from 'node:http';
import { type LatencySummary, summarize } from './metrics.js';
import { normalizeQuery } from './normalize.js';
import { type Random, seededRandom, shuffle, zipf } from './random.js';

/** One distinct query: its cache key and the request paths of its spellings. */
export interface PoolQuery {
  /** The normalised key every spelling maps to. */
  readonly key: string;
  /** `/search?q=…` for each spelling (distinct strings, same key). */
  readonly paths: readonly string[];
}

/** Options of {@link buildQueryPool}. */
export interface PoolOptions {
  /** Distinct queries; default 3,000. */
  size?: number;
  /** Spellings tried per query (duplicates dropped); default 4. */
  spellings?: number;
  /** Default 7. */
  seed?: number;
}

const SEPARATORS = [' ', ' ', ' ', '  ', ', ', ' - ', ' & ', '/', ' +'];
const ENDINGS = ['', '', '', '?', '!', '.', '…'];

/** ASCII letters as their full-width forms (`a` → `ａ`), which NFKC folds back. */
const fullWidth = (word: string): string =>
  word.replace(/[a-z]/gi, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));

/** One way a user might type `terms`: any order, any case, with punctuation around them. */
function spell(terms: readonly string[], random: Random): string {
  const words = shuffle([...terms], random).map((term) => {
    const style = random();
    if (style < 0.55) return term;
    if (style < 0.75) return term[0]!.toUpperCase() + term.slice(1);
    if (style < 0.85) return term.toUpperCase();
    if (style < 0.93) return fullWidth(term);
    return `${term} ${term}`; // typed twice
  });
  let text = words[0]!;
  for (let i = 1; i < words.length; i++) {
    text += SEPARATORS[Math.floor(random() * SEPARATORS.length)]! + words[i];
  }
  const ending = ENDINGS[Math.floor(random() * ENDINGS.length)]!;
  return `${random() < 0.1 ? '  ' : ''}${text}${ending}`;
}

/**
 * Builds the query pool: `size` distinct queries of 1–3 terms, each term drawn from the
 * vocabulary with Zipf weights (frequent words are frequent in queries too, which makes
 * uncached searches cost what they would), each query with a few spellings. Index 0 is the
 * most popular query. Deterministic for a seed.
 *
 * @example
 * ```ts
 * const pool = buildQueryPool(corpusVocabulary(), { size: 100 });
 * pool[0].paths; // ['/search?q=Rom%20tum', '/search?q=tum%2C%20ROM!', …]
 * ```
 */
export function buildQueryPool(
  vocabulary: readonly string[],
  options: PoolOptions = {},
): PoolQuery[] {
  const { size = 3_000, spellings = 4, seed = 7 } = options;
  const random = seededRandom(seed);
  const word = zipf(vocabulary.length, 1, random);
  const pool: PoolQuery[] = [];
  const keys = new Set<string>();
  while (pool.length < size) {
    const count = random() < 0.35 ? 1 : random() < 0.7 ? 2 : 3;
    const terms = new Set<string>();
    while (terms.size < count) terms.add(vocabulary[word()]!);
    const { key } = normalizeQuery([...terms].join(' '));
    if (keys.has(key)) continue;
    keys.add(key);
    const texts = new Set<string>();
    for (let i = 0; i < spellings; i++) texts.add(spell([...terms], random));
    const paths = [...texts].map((text) => {
      const encoded = encodeURIComponent(text);
      // half of them the way HTML forms send spaces
      return `/search?q=${random() < 0.5 ? encoded.replaceAll('%20', '+') : encoded}`;
    });
    pool.push({ key, paths });
  }
  return pool;
}

/** Where a run is, for a progress display. */
export interface LoadProgress {
  readonly elapsedMs: number;
  /** `Infinity` when the run is bounded by a number of requests instead. */
  readonly durationMs: number;
  /** The run's number of requests, when it is bounded by one. */
  readonly requestsTarget?: number;
  readonly requests: number;
  readonly errors: number;
  /** Responses answered from the cache (`X-Cache: hit` or `stale`). */
  readonly hits: number;
}

/** Options of {@link runLoad}. */
export interface LoadOptions {
  /** The service, `http://127.0.0.1:PORT`. */
  url: string;
  pool: readonly PoolQuery[];
  /** How long to send requests (ms); `Infinity` with `requests`. */
  durationMs: number;
  /**
   * Send exactly this many requests (or fewer if `durationMs` runs out first). With one
   * connection the service receives them in the order drawn: the same stream for the same seed.
   */
  requests?: number;
  /** Concurrent connections (each sends its next request when the previous one is answered). */
  connections: number;
  /** Zipf exponent of query popularity; default 1. */
  exponent?: number;
  /** Default 11. */
  seed?: number;
  /** Called about four times a second while running. */
  onProgress?: (progress: LoadProgress) => void;
  /** Stops the run early (what was measured so far is returned). */
  signal?: AbortSignal;
}

/** What a run measured, from the client's side. */
export interface LoadResult {
  /** From the first request to the last response (ms). */
  readonly durationMs: number;
  /** Responses received, any status. */
  readonly requests: number;
  /**
   * FNV-1a hash (hex) of the request paths in the order they were drawn: equal for two runs
   * that sent the same stream (same pool, seed and number of requests).
   */
  readonly streamDigest: string;
  readonly requestsPerSecond: number;
  /** Non-200 responses plus requests that got no response. */
  readonly errors: number;
  /** The first few error messages. */
  readonly errorSamples: readonly string[];
  /** Request to last byte of the response, as the client saw it. */
  readonly latency: LatencySummary;
  /** Responses by `X-Cache` header. */
  readonly cache: {
    readonly hit: number;
    readonly stale: number;
    /** Not in the server's memory, found in Redis (`--redis`). */
    readonly l2: number;
    readonly miss: number;
    readonly off: number;
  };
  /**
   * `(hit + stale) / (hit + stale + l2 + miss)`: the in-memory hit ratio, as the server counts
   * it; `null` when the server had no cache.
   */
  readonly hitRatio: number | null;
}

/** Network failures (no response at all) after which a run stops: the service is gone. */
const MAX_NETWORK_ERRORS = 100;

/**
 * Sends Zipf-distributed queries from `pool` to `url` over `connections` keep-alive
 * connections for `durationMs`, and measures throughput, latency, cache outcomes and errors.
 *
 * @example
 * ```ts
 * const result = await runLoad({ url: demo.url, pool, durationMs: 1_000, connections: 8 });
 * console.log(result.requestsPerSecond, result.latency.p99Ms, result.hitRatio);
 * ```
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const { url, pool, durationMs, connections, exponent = 1, seed = 11 } = options;
  const limit = options.requests ?? Infinity;
  const { hostname, port } = new URL(url);
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const random = seededRandom(seed);
  const nextQuery = zipf(pool.length, exponent, random);
  let latencies = new Float64Array(1 << 16);
  let requests = 0;
  let errors = 0;
  let networkErrors = 0;
  const errorSamples: string[] = [];
  const cache = { hit: 0, stale: 0, l2: 0, miss: 0, off: 0 };
  let drawn = 0;
  let digest = 0x811c9dc5;
  const failed = (message: string) => {
    errors++;
    if (errorSamples.length < 5) errorSamples.push(message);
  };

  const get = (path: string) =>
    new Promise<{ status: number; cache: string | undefined }>((resolve, reject) => {
      const req = request({ agent, host: hostname, port, path, method: 'GET' }, (res) => {
        res.resume(); // the body is not needed, only its arrival
        res.once('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            cache: res.headers['x-cache'] as string | undefined,
          }),
        );
        res.once('error', reject);
      });
      req.once('error', reject);
      req.end();
    });

  const start = performance.now();
  const deadline = start + durationMs;
  let last = start;
  const worker = async () => {
    const { signal } = options;
    while (
      drawn < limit &&
      performance.now() < deadline &&
      networkErrors < MAX_NETWORK_ERRORS &&
      !signal?.aborted
    ) {
      const query = pool[nextQuery()]!;
      const path = query.paths[Math.floor(random() * query.paths.length)]!;
      drawn++;
      for (let i = 0; i < path.length; i++)
        digest = Math.imul(digest ^ path.charCodeAt(i), 0x01000193);
      digest = Math.imul(digest ^ 0x0a, 0x01000193); // a separator, so ['ab','c'] != ['a','bc']
      const sent = performance.now();
      try {
        const response = await get(path);
        last = performance.now();
        if (requests === latencies.length) {
          const grown = new Float64Array(latencies.length * 2);
          grown.set(latencies);
          latencies = grown;
        }
        latencies[requests++] = last - sent;
        if (response.status !== 200) failed(`HTTP ${response.status} for ${path}`);
        if (response.cache === 'hit') cache.hit++;
        else if (response.cache === 'stale') cache.stale++;
        else if (response.cache === 'l2') cache.l2++;
        else if (response.cache === 'miss') cache.miss++;
        else cache.off++;
      } catch (error) {
        last = performance.now();
        networkErrors++;
        failed(`${path}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  };

  const progress = options.onProgress;
  const report = () =>
    progress?.({
      elapsedMs: Math.min(performance.now() - start, durationMs),
      durationMs,
      ...(limit === Infinity ? {} : { requestsTarget: limit }),
      requests,
      errors,
      hits: cache.hit + cache.stale,
    });
  const ticker = progress === undefined ? undefined : setInterval(report, 250);
  try {
    await Promise.all(Array.from({ length: connections }, worker));
  } finally {
    if (ticker !== undefined) clearInterval(ticker);
    agent.destroy();
  }
  report();

  const elapsed = Math.max(last - start, 1);
  const looked = cache.hit + cache.stale + cache.l2 + cache.miss;
  return {
    durationMs: Math.round(elapsed),
    requests,
    streamDigest: (digest >>> 0).toString(16).padStart(8, '0'),
    requestsPerSecond: Math.round((requests / elapsed) * 1000),
    errors,
    errorSamples,
    latency: summarize(latencies.subarray(0, requests)),
    cache,
    hitRatio: looked === 0 ? null : (cache.hit + cache.stale) / looked,
  };
}
