/**
 * memoize-fetch: `memoize` around `fetch()` to a JSON API.
 *
 * Shows: 100 concurrent calls making one request (coalescing); `ttl` + `staleWhileRevalidate`
 * (the old value at once, one refresh in the background); `staleIfError` when the API starts
 * failing; `timeout`; `invalidate`, `refresh` and `peek`; and, with `LoadingCache` directly,
 * per-caller `AbortSignal`s that cancel the request once every caller has gone.
 *
 * The "API" is a tiny HTTP server this file starts on 127.0.0.1 (a free port): nothing leaves the
 * machine. Freshness runs on a `ManualClock` (lrukit/testing) so that the example can jump a
 * minute ahead without waiting; `timeout` and abort signals use real time (a few hundred ms).
 *
 * Run: node --import tsx examples/memoize-fetch.ts   (all examples: node scripts/run-examples.mjs)
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LoadingCache, memoize, TimeoutError } from 'lrukit';
import { ManualClock } from 'lrukit/testing';

// ---- a stand-in for a real API: GET /quotes/:symbol -> { symbol, price, version } -------------

interface Quote {
  symbol: string;
  price: number;
  /** Goes up by one with every answer the API gives, so old and new data can be told apart. */
  version: number;
}

/** What the API sees; the example changes `failing` and `delayMs` to show each behaviour. */
const api = { requests: 0, aborted: 0, version: 0, failing: false, delayMs: 0 };

const server = createServer((req, res) => {
  api.requests++;
  const symbol = decodeURIComponent(req.url?.split('/')[2] ?? '');
  const timer = setTimeout(() => {
    if (api.failing) {
      res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":"overloaded"}');
      return;
    }
    const version = ++api.version;
    const quote: Quote = { symbol, price: 100 + version / 4, version };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(quote));
  }, api.delayMs);
  // the client went away before the answer (an aborted fetch)
  res.on('close', () => {
    if (!res.writableFinished) {
      clearTimeout(timer);
      api.aborted++;
    }
  });
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

/** fetch() + JSON, throwing on an HTTP error status, as most apps already have somewhere. */
async function fetchQuote(symbol: string, init?: RequestInit): Promise<Quote> {
  const response = await fetch(`${base}/quotes/${encodeURIComponent(symbol)}`, init);
  if (!response.ok) throw new Error(`GET /quotes/${symbol}: HTTP ${response.status}`);
  return (await response.json()) as Quote;
}

/** Waits (polling, up to `ms`) until `check()` is true: for work the cache does in the background. */
async function eventually(what: string, check: () => boolean, ms = 2_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const msSince = (start: number) => Math.round(performance.now() - start);
const show = (q: Quote | undefined) => (q ? `${q.symbol} $${q.price} (v${q.version})` : '-');

// ---- the cache ---------------------------------------------------------------------------------

// In an app, leave `clock` out; here it lets the example move time by hand.
const clock = new ManualClock();

const getQuote = memoize(fetchQuote, {
  maxEntries: 1_000,
  ttl: 10_000, // a quote is fresh for 10 s...
  staleWhileRevalidate: 5_000, // ...then served for 5 s more while one request refreshes it...
  staleIfError: 60_000, // ...and for a minute past ttl when the API fails or is too slow
  timeout: 200, // no caller waits more than 200 ms (real time)
  // the key: the symbol only (the default, stableKey(args), would include `init` too)
  key: (symbol) => symbol.toUpperCase(),
  clock,
});

try {
  console.log(`API on ${base}\n`);

  console.log('1. Coalescing: 100 concurrent calls, one request');
  const quotes = await Promise.all(Array.from({ length: 100 }, () => getQuote('ACME')));
  console.log(`   100 calls -> ${api.requests} request; every caller got ${show(quotes[0])}`);
  assert.equal(api.requests, 1);
  assert.ok(quotes.every((q) => q === quotes[0])); // the very same object for every caller

  console.log('\n2. A hit: no request at all');
  assert.equal((await getQuote('acme')).version, 1); // the key function makes 'acme' = 'ACME'
  assert.equal(api.requests, 1);
  const { hits, misses, loads } = getQuote.cache.stats;
  console.log(`   requests still ${api.requests}; ${hits} hit, ${misses} misses, ${loads} load`);

  console.log('\n3. staleWhileRevalidate: 10 s on, the old quote at once, refreshed behind');
  clock.advance(10_000); // exactly at ttl: no longer fresh
  const stale = await getQuote('ACME');
  assert.equal(stale.version, 1); // served the stale value without waiting...
  // ...while one background request refreshes it
  await eventually('the refresh to land', () => getQuote.peek('ACME')?.version === 2);
  assert.equal(api.requests, 2);
  console.log(`   got ${show(stale)} at once; the cache now holds ${show(getQuote.peek('ACME'))}`);

  console.log('\n4. staleIfError: the API fails, callers still get the last good quote');
  api.failing = true;
  clock.advance(10_000 + 5_000); // past ttl and staleWhileRevalidate: callers wait for a load
  const fallback = await getQuote('ACME'); // the load fails (HTTP 503): the stale value instead
  assert.equal(fallback.version, 2);
  assert.equal(getQuote.cache.stats.loadErrors, 1);
  console.log(`   the request failed; the caller got ${show(fallback)}`);
  // a symbol never loaded has no stale value: the loader's error reaches the caller unchanged
  await assert.rejects(getQuote('NEWCO'), /HTTP 503/);
  console.log('   NEWCO, never loaded: the caller gets the error "HTTP 503"');
  api.failing = false;

  console.log('\n5. timeout: a slow API costs callers at most 200 ms');
  api.delayMs = 1_000;
  let started = performance.now();
  await assert.rejects(getQuote('SLOWCO'), TimeoutError); // nothing stale to fall back on
  console.log(`   SLOWCO: TimeoutError after ${msSince(started)} ms`);
  started = performance.now();
  const late = await getQuote('ACME'); // still inside staleIfError: the stale value
  assert.equal(late.version, 2);
  console.log(`   ACME: ${show(late)} (stale) after ${msSince(started)} ms`);
  // memoize passes no AbortSignal to the function it wraps, so those two requests go on;
  // when they land, their results are stored for the next caller (section 6 cancels instead)

  console.log('\n6. AbortSignal (LoadingCache): a request is cancelled once every caller has gone');
  const quotesBySymbol = new LoadingCache<string, Quote>({
    load: (symbol, { signal }) => fetchQuote(symbol, { signal }),
    maxEntries: 1_000,
    ttl: 10_000,
    clock,
  });
  const { requests, aborted } = api;
  const page = new AbortController(); // e.g. the page the user is about to leave
  const first = quotesBySymbol.get('WIDGET', { signal: AbortSignal.timeout(50) });
  const second = quotesBySymbol.get('WIDGET', { signal: page.signal });
  await eventually('the API to get the request', () => api.requests === requests + 1);
  await assert.rejects(first, { name: 'TimeoutError' }); // the first caller gives up...
  assert.equal(api.aborted, aborted); // ...but the request goes on for the second one
  page.abort(new Error('user left the page'));
  await assert.rejects(second, /user left the page/); // the second leaves: the fetch is aborted
  await eventually('the API to see the request aborted', () => api.aborted === aborted + 1);
  assert.equal(api.requests, requests + 1); // both callers shared one request
  console.log(
    '   two callers, one request; each left with its own reason; the request was cancelled',
  );
  api.delayMs = 0;

  console.log('\n7. invalidate, refresh, peek');
  getQuote.invalidate('ACME');
  assert.equal(getQuote.peek('ACME'), undefined);
  const reloaded = await getQuote('ACME'); // a miss: a new request
  const refreshed = await getQuote.refresh('ACME'); // asks the API now, whatever is cached
  assert.ok(refreshed.version > reloaded.version);
  assert.equal(getQuote.peek('ACME'), refreshed);
  console.log(`   after invalidate: ${show(reloaded)}; after refresh: ${show(refreshed)}`);

  const s = getQuote.cache.stats;
  console.log(
    `\nmemoized getQuote: ${s.hits} hits, ${s.misses} misses, ${s.staleHits} stale values ` +
      `served, ${s.loads} loads done, ${s.loadErrors} failed, ${s.refreshes} refreshes; ` +
      `the API saw ${api.requests} requests`,
  );
  console.log('\nmemoize-fetch: ok');
} finally {
  // Stop the API: drops open connections (the slow requests of section 5 fail quietly: a
  // failed load nobody waits for is counted, never an unhandled rejection).
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}
