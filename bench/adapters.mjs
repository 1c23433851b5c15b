/**
 * One adapter per benchmarked library, all with the same shape, so a workload never knows which
 * cache it drives.
 *
 * An adapter is `{ id, name, pkg, hasTtl, exact, floor, note, load }`; `await load()` imports the
 * library (only then, so a child process loads only the library it measures) and returns
 * `create(maxEntries, { ttl, withDelete })`, which builds a cache whose `get`, `set` and `delete`
 * the workloads call directly (every library here has those three names, so no wrapper sits on
 * the measured path). `ttl` is in ms, `undefined` for none; only adapters with `hasTtl` accept it.
 * `exact`: evicts exactly the least recently used entry at `maxEntries` (quick-lru keeps between
 * `maxSize` and `2 × maxSize` entries).
 */

import { pathToFileURL } from 'node:url';

/**
 * The lrukit build to load: the driver's snapshot of dist/index.js (see build.mjs), passed to
 * child processes in LRUKIT_BENCH_ENTRY; dist/index.js itself when a script runs on its own.
 */
export const LRUKIT_ENTRY = process.env.LRUKIT_BENCH_ENTRY
  ? pathToFileURL(process.env.LRUKIT_BENCH_ENTRY).href
  : new URL('../dist/index.js', import.meta.url).href;

/** @type {Array<{id: string, name: string, pkg: string, hasTtl: boolean, exact: boolean, floor?: boolean, note?: string, load: () => Promise<Function>}>} */
export const ADAPTERS = [
  {
    id: 'lrukit',
    name: 'lrukit',
    pkg: 'lrukit',
    hasTtl: true,
    exact: true,
    async load() {
      const { LruCache } = await import(LRUKIT_ENTRY);
      return (max, { ttl } = {}) =>
        ttl === undefined
          ? new LruCache({ maxEntries: max })
          : new LruCache({ maxEntries: max, ttl });
    },
  },
  {
    id: 'lru-cache',
    name: 'lru-cache',
    pkg: 'lru-cache',
    hasTtl: true,
    exact: true,
    async load() {
      const { LRUCache } = await import('lru-cache');
      return (max, { ttl } = {}) =>
        ttl === undefined ? new LRUCache({ max }) : new LRUCache({ max, ttl });
    },
  },
  {
    id: 'mnemonist-cache',
    name: 'mnemonist LRUCache',
    pkg: 'mnemonist',
    hasTtl: false,
    exact: true,
    note: 'LRUCache has no delete: the delete workload uses LRUCacheWithDelete',
    async load() {
      const { LRUCache, LRUCacheWithDelete } = await import('mnemonist');
      return (max, { withDelete } = {}) =>
        withDelete ? new LRUCacheWithDelete(max) : new LRUCache(max);
    },
  },
  {
    id: 'mnemonist-map',
    name: 'mnemonist LRUMap',
    pkg: 'mnemonist',
    hasTtl: false,
    exact: true,
    note: 'LRUMap has no delete: the delete workload uses LRUMapWithDelete',
    async load() {
      const { LRUMap, LRUMapWithDelete } = await import('mnemonist');
      return (max, { withDelete } = {}) =>
        withDelete ? new LRUMapWithDelete(max) : new LRUMap(max);
    },
  },
  {
    id: 'lru.min',
    name: 'lru.min',
    pkg: 'lru.min',
    hasTtl: false,
    exact: true,
    async load() {
      const { createLRU } = await import('lru.min');
      return (max) => createLRU({ max });
    },
  },
  {
    id: 'tiny-lru',
    name: 'tiny-lru',
    pkg: 'tiny-lru',
    hasTtl: true,
    exact: true,
    async load() {
      const { lru } = await import('tiny-lru');
      return (max, { ttl } = {}) => (ttl === undefined ? lru(max) : lru(max, ttl));
    },
  },
  {
    id: 'quick-lru',
    name: 'quick-lru',
    pkg: 'quick-lru',
    hasTtl: true,
    exact: false,
    note: 'keeps between maxSize and 2 × maxSize entries, so it is not an exact LRU',
    async load() {
      const { default: QuickLRU } = await import('quick-lru');
      return (max, { ttl } = {}) =>
        ttl === undefined
          ? new QuickLRU({ maxSize: max })
          : new QuickLRU({ maxSize: max, maxAge: ttl });
    },
  },
  {
    id: 'map',
    name: 'Map (floor)',
    pkg: null,
    hasTtl: false,
    exact: false,
    floor: true,
    note: 'a plain unbounded Map: no recency, no eviction — the floor, not a peer',
    async load() {
      return () => new Map();
    },
  },
];

export const LRUKIT = 'lrukit';
export const LRU_CACHE = 'lru-cache';
export const FLOOR = 'map';

/** The adapter with this id; throws on an unknown id. */
export function adapter(id) {
  const found = ADAPTERS.find((a) => a.id === id);
  if (!found)
    throw new Error(
      `bench: unknown library "${id}" (known: ${ADAPTERS.map((a) => a.id).join(', ')})`,
    );
  return found;
}

/** Ids of the peers: every adapter that is neither lrukit nor the floor. */
export const PEERS = ADAPTERS.filter((a) => a.id !== LRUKIT && !a.floor).map((a) => a.id);
