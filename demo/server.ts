/**
 * The demo's search service: an HTTP server on 127.0.0.1 answering `GET /search?q=` from the
 * inverted index, with the results cached by an lrukit `LoadingCache` keyed by the normalised
 * query, plus `GET /stats` (JSON) and `GET /` (a live page).
 *
 * The cache, and why it is set up this way:
 * - **Value**: the finished JSON body of the response, so a hit costs a lookup and a write —
 *   no search, no serialisation.
 * - **Bound**: `maxSize` in bytes of those bodies (default 4 MiB), measured by `sizeOf`. The
 *   constraint in the design is memory, and bodies range from ~100 bytes (no match) to ~3 KB
 *   (ten hits with snippets), so an entry count would misjudge it. `maxEntries` can be added.
 * - **Freshness**: `ttl` (default 60 s) then `staleWhileRevalidate` (default 30 s): a popular
 *   query whose entry expired is still answered at once from the old body while one background
 *   search refreshes it; no caller waits for a refresh.
 * - **Misses**: concurrent requests for one query run one search (the cache coalesces them).
 * - **Policy**: LRU by default; `--policy tinylfu` keeps the popular queries when the long tail
 *   (queries asked once) would push them out (`npm run demo:load -- --compare-policies`).
 * - **Redis** (optional): `redisStore` as a shared second tier and `redisBus` for invalidation,
 *   so several demo processes share results (`--redis URL`).
 *
 * Each `/search` answer says where it came from in `X-Cache`: `hit` (memory), `stale` (memory,
 * expired, being refreshed), `l2` (not in memory, found in Redis: no search), `miss` (searched),
 * `off` (`--no-cache`). `DELETE /search?q=` answers `200 { key, deleted }`: `deleted` is whether a
 * result was cached for that query, in this process's memory or (with `--redis`) in Redis.
 */

import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Clock, LoadingCache, type LoadingCacheStats } from 'lrukit';
import { generateCorpus } from './corpus.js';
import { type LatencySummary, LatencyWindow, RateMeter } from './metrics.js';
import { connectRedisTier, type RedisTier } from './redis-tier.js';
import { HttpError, LIMITS, parseParams, readQuery } from './request.js';
import { type Searcher, SearchIndex } from './search-index.js';

/** The page at `/`: static HTML with inline script that polls `/stats` (no build step). */
const PAGE_HTML = readFileSync(new URL('./page.html', import.meta.url), 'utf8');

/** How the result cache is bounded and how long results stay fresh. */
export interface CacheSettings {
  /** Results are fresh for this long (ms). Default 60,000. */
  ttlMs: number;
  /** After `ttlMs`, an old result is served for this long (ms) while one refresh runs. Default 30,000. */
  staleWhileRevalidateMs: number;
  /** Total bytes of cached JSON bodies. Default 4 MiB. */
  maxSize: number;
  /** Optionally also at most this many cached queries. */
  maxEntries?: number | undefined;
  /**
   * Which results stay when memory is full: `'lru'` (default) evicts the least recently used;
   * `'tinylfu'` keeps the popular queries (W-TinyLFU: a query asked once may not be kept).
   */
  policy?: 'lru' | 'tinylfu' | undefined;
  /** With `policy: 'tinylfu'`: its seed, so that two runs evict alike. Default: random. */
  seed?: number | undefined;
}

/** The cache settings `npm start` uses. */
export const DEFAULT_CACHE: CacheSettings = {
  ttlMs: 60_000,
  staleWhileRevalidateMs: 30_000,
  maxSize: 4 * 1024 * 1024,
};

/** Options of {@link startDemo}. */
export interface DemoOptions {
  /** TCP port on `host`; 0 (default) picks a free one. */
  port?: number;
  /** Default `'127.0.0.1'`. */
  host?: string;
  /** Cache settings, or `false` for no cache (every request searches). Default {@link DEFAULT_CACHE}. */
  cache?: Partial<CacheSettings> | false;
  /** `redis://…`: share the cache through Redis (`lrukit/redis`, ioredis clients). */
  redisUrl?: string;
  /** What to search; default: the generated corpus (40,000 documents), indexed at startup. */
  index?: Searcher;
  /**
   * The cache's clock (ttl and staleness); default lrukit's system clock. Tests pass a
   * `ManualClock` to expire results without waiting. Latency is always measured in real time.
   */
  clock?: Clock;
  /** Where operational messages go (a failed request, Redis trouble). Default `console.error`. */
  log?: (message: string) => void;
}

/** What `GET /stats` returns. */
export interface DemoStats {
  /** `'lrukit'`, or `'off'` with `--no-cache` (then every cache counter is 0). */
  readonly cache: 'lrukit' | 'off';
  /** The cache's eviction policy; `null` with `--no-cache`. */
  readonly policy: 'lru' | 'tinylfu' | null;
  /** TinyLFU's seed when one was given; `null` otherwise. */
  readonly seed: number | null;
  /** Requests answered from the cache, fresh or stale. */
  readonly hits: number;
  /** Requests that had to search (or join a search already running for the same query). */
  readonly misses: number;
  /** Hits that served an expired result while it was being refreshed. */
  readonly staleHits: number;
  /** `hits / (hits + misses)`, 0 before the first search. */
  readonly hitRatio: number;
  /** Cached queries. */
  readonly entries: number;
  /** Bytes of cached JSON bodies (what `maxSize` bounds). */
  readonly totalSize: number;
  readonly maxSize: number | null;
  readonly maxEntries: number | null;
  readonly ttlMs: number | null;
  readonly staleWhileRevalidateMs: number | null;
  /** Entries removed to make room (by the policy; under TinyLFU, also queries not admitted). */
  readonly evictions: number;
  /** Entries removed after their ttl and stale window. */
  readonly expirations: number;
  /** Loads run by the cache (misses and refreshes), answered by Redis or by a search. */
  readonly loads: number;
  /** Searches run: the backend's work (with the cache off, one per request). */
  readonly searches: number;
  /** Background refreshes started. */
  readonly refreshes: number;
  /** The shared tier, with `--redis`. */
  readonly redis: {
    readonly url: string;
    readonly l2Hits: number;
    readonly l2Misses: number;
    readonly l2Errors: number;
    readonly busMessages: number;
    readonly busErrors: number;
  } | null;
  /** Latency of the last 10,000 `/search` requests, in ms, measured in the server. */
  readonly latency: LatencySummary;
  /** `/search` requests per second over the last 5 complete seconds. */
  readonly requestsPerSecond: number;
  readonly requests: {
    /** Every request, any route. */
    readonly total: number;
    /** `/search` requests, any status. */
    readonly search: number;
    /** Responses with a 4xx status. */
    readonly clientErrors: number;
    /** Responses with a 5xx status. */
    readonly serverErrors: number;
  };
  readonly documents: number;
  readonly uptimeMs: number;
}

/** A running demo service. */
export interface Demo {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  readonly port: number;
  /** The same numbers as `GET /stats`. */
  stats(): DemoStats;
  /** Stops accepting requests, closes open connections, the cache and any Redis clients. */
  close(): Promise<void>;
}

/** The `X-Cache` header of a `/search` answer (see the top of this file). */
type CacheState = 'hit' | 'stale' | 'l2' | 'miss' | 'off';

/** The routes, and the methods each accepts. */
const ROUTES = new Set(['/', '/search', '/stats', '/favicon.ico']);
const ALLOWED = 'GET, HEAD';
/** /search also takes DELETE: drop that query's cached result (everywhere, with --redis). */
const SEARCH_ALLOWED = 'GET, HEAD, DELETE';
const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * Starts the search service: indexes the corpus (unless `index` is given), sets up the cache
 * (and Redis), listens, and resolves once it accepts connections.
 *
 * @example
 * ```ts
 * const demo = await startDemo({ port: 0 });
 * const response = await fetch(`${demo.url}/search?q=lorem+ipsum`);
 * console.log(response.headers.get('x-cache'), demo.stats().hitRatio);
 * await demo.close();
 * ```
 */
export async function startDemo(options: DemoOptions = {}): Promise<Demo> {
  const log = options.log ?? ((message: string) => console.error(message));
  const index = options.index ?? SearchIndex.fromCorpus(generateCorpus());
  const settings: CacheSettings | undefined =
    options.cache === false ? undefined : { ...DEFAULT_CACHE, ...options.cache };
  const startedMs = performance.now();
  const latency = new LatencyWindow(10_000);
  const rate = new RateMeter(5, startedMs);
  const counts = { total: 0, search: 0, clientErrors: 0, serverErrors: 0 };
  let searches = 0;
  /**
   * With Redis, the misses whose load is running, by key, and whether that load searched (misses
   * for one key join one load, so they share the record). A load that ends without searching
   * found the result in Redis.
   */
  const loading = new Map<string, { searched: boolean }>();

  /** Searches and renders the response body: what the cache stores. */
  const render = (key: string): string => {
    const terms = key.split(' ');
    searches++;
    const miss = loading.get(key);
    if (miss !== undefined) miss.searched = true;
    const started = performance.now();
    const { mode, total, hits } = index.search(terms, LIMITS.results);
    const searchMs = Math.round((performance.now() - started) * 1000) / 1000;
    return JSON.stringify({ key, terms, mode, total, searchMs, hits });
  };

  let redis: RedisTier | undefined;
  let cache: LoadingCache<string, string> | undefined;
  if (settings !== undefined) {
    redis =
      options.redisUrl === undefined ? undefined : await connectRedisTier(options.redisUrl, log);
    cache = new LoadingCache<string, string>({
      load: render,
      ttl: settings.ttlMs,
      staleWhileRevalidate: settings.staleWhileRevalidateMs,
      maxSize: settings.maxSize,
      ...(settings.maxEntries === undefined ? {} : { maxEntries: settings.maxEntries }),
      policy: settings.policy ?? 'lru',
      ...(settings.seed === undefined ? {} : { seed: settings.seed }),
      ...(options.clock === undefined ? {} : { clock: options.clock }),
      sizeOf: (body) => Buffer.byteLength(body),
      ...(redis === undefined ? {} : { l2: redis.l2, bus: redis.bus, onError: redis.onError }),
    });
  }

  /** The body for `key`, and where it came from. */
  const lookup = async (key: string): Promise<{ body: string; state: CacheState }> => {
    if (cache === undefined) return { body: render(key), state: 'off' };
    // a miss's load may start inside get(): the record must be there before it
    const joined = redis === undefined ? undefined : loading.get(key);
    const miss = joined ?? { searched: false };
    if (redis !== undefined && joined === undefined) loading.set(key, miss);
    // get() counts the hit or miss synchronously, so comparing the counters tells which it was
    const before = cache.stats;
    const pending = cache.get(key);
    const after = cache.stats;
    const state: CacheState =
      after.staleHits > before.staleHits ? 'stale' : after.hits > before.hits ? 'hit' : 'miss';
    if (redis === undefined || state !== 'miss') {
      if (joined === undefined) loading.delete(key);
      return { body: await pending, state };
    }
    try {
      const body = await pending;
      return { body, state: miss.searched ? 'miss' : 'l2' };
    } finally {
      if (loading.get(key) === miss) loading.delete(key);
    }
  };

  /**
   * Drops `key`'s cached result: this process's copy now; with Redis also Redis's, then every
   * other process's (bus). Resolves with whether a result was cached (here, or in Redis).
   */
  const drop = async (key: string): Promise<boolean> => {
    if (cache === undefined) return false;
    const inMemory = cache.peek(key) !== undefined;
    // asked before the delete; a Redis that cannot answer counts as holding nothing. The cache
    // stores a query under its own key there (a normalised key never starts with `~`)
    const inRedis =
      redis !== undefined && !inMemory
        ? (await redis.l2.get(key).catch(() => undefined)) !== undefined
        : false;
    cache.invalidate(key);
    await cache.flush();
    return inMemory || inRedis;
  };

  const stats = (): DemoStats => {
    const now = performance.now();
    const s: Partial<LoadingCacheStats> = cache?.stats ?? {};
    return {
      cache: cache === undefined ? 'off' : 'lrukit',
      policy: settings === undefined ? null : (settings.policy ?? 'lru'),
      seed: settings?.seed ?? null,
      hits: s.hits ?? 0,
      misses: s.misses ?? 0,
      staleHits: s.staleHits ?? 0,
      hitRatio: s.hitRatio ?? 0,
      entries: cache?.size ?? 0,
      totalSize: cache?.totalSize ?? 0,
      maxSize: settings?.maxSize ?? null,
      maxEntries: settings?.maxEntries ?? null,
      ttlMs: settings?.ttlMs ?? null,
      staleWhileRevalidateMs: settings?.staleWhileRevalidateMs ?? null,
      evictions: s.evictions ?? 0,
      expirations: s.expirations ?? 0,
      loads: s.loads ?? 0,
      searches,
      refreshes: s.refreshes ?? 0,
      redis:
        redis === undefined
          ? null
          : {
              url: redis.url,
              l2Hits: s.l2Hits ?? 0,
              l2Misses: s.l2Misses ?? 0,
              l2Errors: s.l2Errors ?? 0,
              busMessages: s.busMessages ?? 0,
              busErrors: s.busErrors ?? 0,
            },
      latency: latency.summary(),
      requestsPerSecond: Math.round(rate.rate(now) * 10) / 10,
      requests: { ...counts },
      documents: index.documentCount,
      uptimeMs: Math.round(now - startedMs),
    };
  };

  const send = (
    res: ServerResponse,
    status: number,
    type: string,
    body: string,
    headers: Record<string, string> = {},
  ): void => {
    if (status >= 500) counts.serverErrors++;
    else if (status >= 400) counts.clientErrors++;
    res.writeHead(status, {
      'content-type': type,
      'content-length': Buffer.byteLength(body),
      'cache-control': 'no-store',
      ...headers,
    });
    res.end(body);
  };
  const sendError = (res: ServerResponse, error: HttpError): void =>
    send(
      res,
      error.status,
      JSON_TYPE,
      JSON.stringify({ status: error.status, error: error.message }),
      error.headers,
    );

  const handle = async (
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    query: string,
  ): Promise<void> => {
    if (!ROUTES.has(path))
      throw new HttpError(404, `no such route: ${path.slice(0, 100)} (try /, /search?q=…, /stats)`);
    const invalidating = req.method === 'DELETE' && path === '/search';
    if (req.method !== 'GET' && req.method !== 'HEAD' && !invalidating) {
      const allow = path === '/search' ? SEARCH_ALLOWED : ALLOWED;
      throw new HttpError(405, `${req.method} is not allowed on ${path}; use ${allow}`, { allow });
    }
    const params = parseParams(query);
    if (invalidating) {
      const { key } = readQuery(params);
      return send(res, 200, JSON_TYPE, JSON.stringify({ key, deleted: await drop(key) }));
    }
    switch (path) {
      case '/':
        return send(res, 200, 'text/html; charset=utf-8', PAGE_HTML);
      case '/favicon.ico':
        res.writeHead(204).end();
        return;
      case '/stats':
        return send(res, 200, JSON_TYPE, JSON.stringify(stats()));
      default: {
        const { key } = readQuery(params);
        const { body, state } = await lookup(key);
        return send(res, 200, JSON_TYPE, body, { 'x-cache': state });
      }
    }
  };

  const server = createServer((req, res) => {
    const started = performance.now();
    counts.total++;
    const target = req.url ?? '/';
    const mark = target.indexOf('?');
    const path = mark === -1 ? target : target.slice(0, mark);
    const isSearch = path === '/search';
    if (isSearch) counts.search++;
    res.once('finish', () => {
      if (!isSearch) return;
      const end = performance.now();
      latency.record(end - started);
      rate.mark(end);
    });
    handle(req, res, path, mark === -1 ? '' : target.slice(mark + 1)).catch((error: unknown) => {
      if (error instanceof HttpError) {
        sendError(res, error);
        return;
      }
      const message = error instanceof Error ? error.message : String(error);
      log(
        `lrukit demo: ${req.method} ${req.url?.slice(0, 200)} failed: ${error instanceof Error ? error.stack : message}`,
      );
      if (res.headersSent) res.destroy();
      else sendError(res, new HttpError(500, `internal error: ${message}`));
    });
  });
  // a malformed request line or oversized headers: answer 400/431 and move on, never crash
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) return socket.destroy();
    const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
    const status = tooLarge ? 431 : 400;
    const reason = tooLarge ? 'Request Header Fields Too Large' : 'Bad Request';
    const body = JSON.stringify({ status, error: `${reason}: ${error.code ?? error.message}` });
    socket.end(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: ${JSON_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await cache?.close();
    await redis?.close();
    throw error;
  }
  const address = server.address() as AddressInfo;
  const url = `http://${address.address}:${address.port}`;

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await cache?.close();
      await redis?.close();
    })();
    return closing;
  };

  return { url, port: address.port, stats, close };
}
