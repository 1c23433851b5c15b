/**
 * Child process replaying the cache traces through lrukit's two policies (for each key: `get`,
 * and `set` on a miss): `LruCache`, whose hit ratios are checked against the exact-LRU figures of
 * the traces' README for the traces it lists and against a reference LRU (a `Map` plus a linked
 * list) for the traces in `extra/`; and `TinyLfuCache` with a fixed seed, whose hit ratios are
 * reported beside them. Then a synthetic Zipf stream, through both.
 *
 * Usage (the driver does this):
 * `node bench/hit-ratio.mjs '{"dirs":["test/fixtures/traces","../shared/traces"],"extra":true,"only":["gli"],"zipf":{...}}'`.
 * `dirs` in order of preference (the repository's copies first): a trace, and its row of the
 * table, come from the first directory that has them; missing directories are passed over, and
 * `extra/` is read from the last one that has it. `zipf`: `{ keys, requests, size, exponent, seed }`,
 * absent for none. `tinyLfu: false` replays `LruCache` only; `main: false` skips the traces of the
 * README table (the driver replays them and `extra/` in two processes at once).
 * Prints one line of JSON: `{ main: [...], extra: [...], zipf }`; a row's `match` is false on any
 * difference between lrukit's LRU and the expected figure; `tinyHits`/`tinyGot` are TinyLfuCache's.
 */

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

import { LRUKIT_ENTRY, TINY_LFU_SEED } from './adapters.mjs';
import { prng, zipfKeys } from './random.mjs';

const { LruCache, TinyLfuCache } = await import(LRUKIT_ENTRY);

const args = JSON.parse(process.argv[2]);
const dirs = (args.dirs ?? [args.dir]).filter((d) => existsSync(d));
const withTinyLfu = args.tinyLfu !== false;
if (withTinyLfu && TinyLfuCache === undefined)
  throw new Error('bench: this lrukit build has no TinyLfuCache');

/**
 * Sizes replayed for an extra trace besides 1 % and 10 % of its distinct keys: scarab at 100,000
 * entries is where issue 13 compares TinyLfuCache with LRU (Caffeine's published figures).
 */
const EXTRA_SIZES = { scarab: [100_000] };

/** `[{ trace, cases: [{ size, expected }] }]` from the README's "Exact LRU hit ratios" table. */
export function expectedRatios(readme) {
  const out = [];
  const section = readme.split(/^## /m).find((s) => s.startsWith('Exact LRU hit ratios'));
  if (!section) throw new Error('bench: the traces README has no "Exact LRU hit ratios" table');
  for (const line of section.split('\n')) {
    const m = /^\|\s*([\w.-]+)\s*\|\s*([\d,]+\s*→.*?)\s*\|\s*$/.exec(line);
    if (!m) continue;
    const cases = m[2].split('·').map((part) => {
      const [size, expected] = part.split('→').map((t) => t.trim());
      return { size: Number(size.replaceAll(',', '')), expected };
    });
    out.push({ trace: m[1], cases });
  }
  return out;
}

/** Keys of a gzip trace, one per line (first column); integers beyond 2^53 stay strings. */
function loadTrace(file) {
  const text = gunzipSync(readFileSync(file)).toString('latin1');
  const keys = [];
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    const line = text.slice(start, end);
    start = end + 1;
    const space = line.indexOf(' ');
    const token = (space === -1 ? line : line.slice(0, space)).trim();
    if (token === '') continue;
    const n = Number(token);
    keys.push(Number.isSafeInteger(n) ? n : token);
  }
  return keys;
}

/** Hits of one cache over `keys` (get, set on miss), checked against the cache's own stats and bound. */
function replay(cache, keys, size) {
  let hits = 0;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    if (cache.get(k) === undefined) cache.set(k, true);
    else hits++;
  }
  const name = cache.constructor.name;
  if (cache.stats.hits !== hits)
    throw new Error(`bench: ${name} stats.hits disagrees with the replay`);
  if (cache.size > size) throw new Error(`bench: ${name} holds ${cache.size} of ${size} entries`);
  return hits;
}

const replayLrukit = (keys, size) => replay(new LruCache({ maxEntries: size }), keys, size);

/** TinyLfuCache's hits with the benchmarks' fixed seed (its decisions are then reproducible). */
function replayTinyLfu(keys, size) {
  if (!withTinyLfu) return undefined;
  return replay(new TinyLfuCache({ maxEntries: size, seed: TINY_LFU_SEED }), keys, size);
}

/**
 * The reference exact LRU: a `Map` from key to node plus a doubly-linked list of nodes, written
 * for clarity, independently of lrukit. (A `Map` kept in insertion order, evicting
 * `map.keys().next()`, is simpler but slow: V8 skips deleted entries at the front on every call.)
 */
function replayReference(keys, size) {
  const nodes = new Map();
  const head = { key: undefined, prev: null, next: null };
  head.prev = head;
  head.next = head;
  const unlink = (n) => {
    n.prev.next = n.next;
    n.next.prev = n.prev;
  };
  const pushFront = (n) => {
    n.next = head.next;
    n.prev = head;
    head.next.prev = n;
    head.next = n;
  };
  let hits = 0;
  for (const k of keys) {
    const found = nodes.get(k);
    if (found !== undefined) {
      hits++;
      unlink(found);
      pushFront(found);
    } else {
      const n = { key: k, prev: null, next: null };
      nodes.set(k, n);
      pushFront(n);
      if (nodes.size > size) {
        const lru = head.prev;
        unlink(lru);
        nodes.delete(lru.key);
      }
    }
  }
  return hits;
}

const percent = (hits, requests) => ((hits / requests) * 100).toFixed(2);
const tiny = (hits, requests) =>
  hits === undefined ? {} : { tinyHits: hits, tinyGot: percent(hits, requests) };

// trace → its cases, from the first directory whose README lists it
const table = new Map();
for (const d of dirs) {
  const readme = join(d, 'README.md');
  if (!existsSync(readme)) continue;
  for (const row of expectedRatios(readFileSync(readme, 'utf8'))) {
    if (!table.has(row.trace)) table.set(row.trace, row.cases);
  }
}

const main = [];
for (const [trace, cases] of args.main === false ? [] : table) {
  if (args.only && !args.only.includes(trace)) continue;
  const file = dirs.map((d) => join(d, `${trace}.trace.gz`)).find((f) => existsSync(f));
  if (file === undefined) throw new Error(`bench: ${trace}.trace.gz is in none of ${dirs}`);
  const keys = loadTrace(file);
  for (const { size, expected } of cases) {
    const hits = replayLrukit(keys, size);
    const got = percent(hits, keys.length);
    const tinyHits = replayTinyLfu(keys, size);
    main.push({
      trace,
      size,
      requests: keys.length,
      hits,
      got,
      expected,
      match: got === expected,
      ...tiny(tinyHits, keys.length),
    });
  }
}

const extra = [];
const extraDir = dirs.map((d) => join(d, 'extra')).findLast((d) => existsSync(d));
if (args.extra && extraDir !== undefined) {
  for (const file of readdirSync(extraDir)
    .filter((f) => f.endsWith('.trace.gz'))
    .sort()) {
    const name = file.replace('.trace.gz', '');
    if (args.only && !args.only.includes(`extra/${name}`)) continue;
    const keys = loadTrace(join(extraDir, file));
    const distinct = new Set(keys).size;
    const sizes = [0.01, 0.1].map((fraction) => Math.max(1, Math.round(distinct * fraction)));
    for (const size of [...sizes, ...(EXTRA_SIZES[name] ?? [])]) {
      const hits = replayLrukit(keys, size);
      const reference = replayReference(keys, size);
      extra.push({
        trace: `extra/${name}`,
        size,
        requests: keys.length,
        distinct,
        hits,
        referenceHits: reference,
        got: percent(hits, keys.length),
        expected: percent(reference, keys.length),
        match: hits === reference,
        ...tiny(replayTinyLfu(keys, size), keys.length),
      });
    }
  }
}

// a synthetic stream where frequency decides: Zipf popularity over many keys, a small cache
let zipf;
if (args.zipf) {
  const { keys: n, requests, size, exponent, seed } = args.zipf;
  const keys = zipfKeys(requests, n, exponent, prng(seed));
  const hits = replayLrukit(keys, size);
  const reference = replayReference(keys, size);
  zipf = {
    trace: `Zipf ${exponent}`,
    keys: n,
    size,
    exponent,
    seed,
    requests,
    distinct: new Set(keys).size,
    hits,
    referenceHits: reference,
    got: percent(hits, requests),
    expected: percent(reference, requests),
    match: hits === reference,
    ...tiny(replayTinyLfu(keys, size), requests),
  };
}

process.stdout.write(`${JSON.stringify({ main, extra, zipf })}\n`);
