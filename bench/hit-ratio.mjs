/**
 * Child process replaying the cache traces through lrukit (for each key: `get`, and `set` on a
 * miss) and comparing hit ratios: with the exact-LRU figures of the traces' README for the traces
 * it lists, and with a reference LRU (a `Map` kept in recency order) for the traces in `extra/`.
 *
 * Usage (the driver does this):
 * `node bench/hit-ratio.mjs '{"dirs":["test/fixtures/traces","../shared/traces"],"extra":true,"only":["gli"]}'`.
 * `dirs` in order of preference (the repository's copies first): a trace, and its row of the
 * table, come from the first directory that has them; missing directories are passed over, and
 * `extra/` is read from the last one that has it.
 * Prints one line of JSON: `{ main: [...], extra: [...] }`; a row's `match` is false on any difference.
 */

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

import { LRUKIT_ENTRY } from './adapters.mjs';

const { LruCache } = await import(LRUKIT_ENTRY);

const args = JSON.parse(process.argv[2]);
const dirs = (args.dirs ?? [args.dir]).filter((d) => existsSync(d));

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

function replayLrukit(keys, size) {
  const cache = new LruCache({ maxEntries: size });
  let hits = 0;
  for (const k of keys) {
    if (cache.get(k) === undefined) cache.set(k, true);
    else hits++;
  }
  if (cache.stats.hits !== hits)
    throw new Error('bench: lrukit stats.hits disagrees with the replay');
  return hits;
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
for (const [trace, cases] of table) {
  if (args.only && !args.only.includes(trace)) continue;
  const file = dirs.map((d) => join(d, `${trace}.trace.gz`)).find((f) => existsSync(f));
  if (file === undefined) throw new Error(`bench: ${trace}.trace.gz is in none of ${dirs}`);
  const keys = loadTrace(file);
  for (const { size, expected } of cases) {
    const hits = replayLrukit(keys, size);
    const got = percent(hits, keys.length);
    main.push({ trace, size, requests: keys.length, hits, got, expected, match: got === expected });
  }
}

const extra = [];
const extraDir = dirs.map((d) => join(d, 'extra')).findLast((d) => existsSync(d));
if (args.extra && extraDir !== undefined) {
  for (const file of readdirSync(extraDir)
    .filter((f) => f.endsWith('.trace.gz'))
    .sort()) {
    const keys = loadTrace(join(extraDir, file));
    const distinct = new Set(keys).size;
    for (const fraction of [0.01, 0.1]) {
      const size = Math.max(1, Math.round(distinct * fraction));
      const hits = replayLrukit(keys, size);
      const reference = replayReference(keys, size);
      extra.push({
        trace: `extra/${file.replace('.trace.gz', '')}`,
        size,
        requests: keys.length,
        distinct,
        hits,
        referenceHits: reference,
        got: percent(hits, keys.length),
        expected: percent(reference, keys.length),
        match: hits === reference,
      });
    }
  }
}

process.stdout.write(`${JSON.stringify({ main, extra })}\n`);
