/**
 * One adapter per benchmarked library, all with the same shape, so a workload never knows which
 * cache it drives.
 *
 * An adapter is `{ id, name, pkg, hasTtl, exact, floor, policy, workloads, note, load }`; `await load()` imports the
 * library (only then, so a child process loads only the library it measures) and returns
 * `create(maxEntries, { ttl, withDelete })`, which builds a cache whose `get`, `set` and `delete`
 * the workloads call directly (every library here has those three names, so no wrapper sits on
 * the measured path). `ttl` is in ms, `undefined` for none; only adapters with `hasTtl` accept it.
 * `exact`: evicts exactly the least recently used entry at `maxEntries` (quick-lru keeps between
 * `maxSize` and `2 × maxSize` entries). `policy`: another of lrukit's own caches (TinyLfuCache), measured
 * against lrukit's `LruCache`, never counted as a peer; `admission`: a new key may be refused
 * (so a `get` right after a `set` may miss). `variant`: lrukit's `LruCache` built another way
 * (over `coarseClock()`), never counted as a peer either. `workloads`: the only speed workloads it
 * runs (absent: all).
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
    id: 'lrukit-tinylfu',
    name: 'lrukit TinyLfuCache',
    pkg: 'lrukit',
    hasTtl: true,
    exact: false,
    policy: true,
    admission: true,
    workloads: ['get-int', 'get-str16', 'set-evict', 'zipf'],
    note: "lrukit's opt-in W-TinyLFU policy (seed 1, so every run makes the same decisions), measured against lrukit's `LruCache`, not a peer; it admits new keys by frequency, so it is not an exact LRU",
    async load() {
      const { TinyLfuCache } = await import(LRUKIT_ENTRY);
      if (TinyLfuCache === undefined)
        throw new Error('bench: this lrukit build has no TinyLfuCache');
      return (max, { ttl } = {}) =>
        ttl === undefined
          ? new TinyLfuCache({ maxEntries: max, seed: TINY_LFU_SEED })
          : new TinyLfuCache({ maxEntries: max, ttl, seed: TINY_LFU_SEED });
    },
  },
  {
    id: 'lrukit-coarse',
    name: 'lrukit + coarseClock()',
    pkg: 'lrukit',
    hasTtl: true,
    exact: true,
    variant: true,
    workloads: ['get-int-ttl', 'set-evict-ttl'],
    note: "lrukit's `LruCache` with ttl over `coarseClock()` (one clock reading reused for up to 1 ms and 1,000 reads: lru-cache's `ttlResolution` trade-off, opt-in), measured on the ttl workloads against lru-cache's ttl; a variant of lrukit, not a peer",
    async load() {
      const { LruCache, coarseClock } = await import(LRUKIT_ENTRY);
      if (coarseClock === undefined) throw new Error('bench: this lrukit build has no coarseClock');
      return (max, { ttl } = {}) =>
        ttl === undefined
          ? new LruCache({ maxEntries: max })
          : new LruCache({ maxEntries: max, ttl, clock: coarseClock() });
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
/** lrukit's `LruCache` with ttl over `coarseClock()` (issue 15's opt-in). */
export const LRUKIT_COARSE = 'lrukit-coarse';
/** lrukit's second policy: `TinyLfuCache`, with a fixed seed. */
export const TINY_LFU = 'lrukit-tinylfu';
/** The seed of every TinyLfuCache the benchmarks build (speed, memory and hit ratio). */
export const TINY_LFU_SEED = 1;
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

/**
 * Ids of the peers: every adapter that is not lrukit (its policies, its variants) nor the floor.
 */
export const PEERS = ADAPTERS.filter(
  (a) => a.id !== LRUKIT && !a.policy && !a.variant && !a.floor,
).map((a) => a.id);

/** Whether adapter `a` runs speed workload `w` (ttl, the floor's exclusions, both sides' lists). */
export function runsWorkload(a, w) {
  if (w.ttl && !a.hasTtl) return false;
  if (a.floor && !w.floor) return false;
  if (w.only && !w.only.includes(a.id)) return false;
  return !a.workloads || a.workloads.includes(w.id);
}
