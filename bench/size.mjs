/**
 * Bundle sizes: each library's main class bundled the way an app would ship it (esbuild, platform
 * browser, esm, minified, tree-shaken), then gzipped at level 9 — the figure people compare.
 */

import { browserBundle, byteSizes } from '../scripts/browser-bundle.mjs';

/**
 * What is bundled: lrukit from its built `dist/index.js` (`LRUKIT` is replaced by the file
 * measured), each peer from its package's main entry.
 */
export const SIZE_ENTRIES = [
  {
    id: 'lrukit',
    what: "import { LruCache } from 'lrukit'",
    code: 'export { LruCache } from LRUKIT;',
  },
  {
    id: 'lrukit-tinylfu',
    what: "import { TinyLfuCache } from 'lrukit'",
    code: 'export { TinyLfuCache } from LRUKIT;',
  },
  {
    id: 'lrukit-all',
    what: "the whole 'lrukit' main entry",
    code: 'export * from LRUKIT;',
  },
  {
    id: 'lru-cache',
    what: "import { LRUCache } from 'lru-cache'",
    code: "export { LRUCache } from 'lru-cache';",
  },
  {
    id: 'mnemonist-cache',
    what: "import LRUCache from 'mnemonist/lru-cache.js'",
    // mnemonist's `exports` map offers its per-class files to `require` only: bundle the file itself
    code: "export { default as LRUCache } from './node_modules/mnemonist/lru-cache.js';",
  },
  {
    id: 'mnemonist-map',
    what: "import LRUMap from 'mnemonist/lru-map.js'",
    code: "export { default as LRUMap } from './node_modules/mnemonist/lru-map.js';",
  },
  {
    id: 'mnemonist-index',
    what: "import { LRUCache } from 'mnemonist' (its index: no tree-shaking)",
    code: "export { LRUCache } from 'mnemonist';",
  },
  {
    id: 'lru.min',
    what: "import { createLRU } from 'lru.min'",
    code: "export { createLRU } from 'lru.min';",
  },
  {
    id: 'tiny-lru',
    what: "import { lru } from 'tiny-lru'",
    code: "export { lru } from 'tiny-lru';",
  },
  {
    id: 'quick-lru',
    what: "import QuickLRU from 'quick-lru'",
    code: "export { default } from 'quick-lru';",
  },
];

/** Bundles one entry from `root` and returns its minified and min+gz byte counts. */
async function measure(entry, root, lrukitFile) {
  const contents = entry.code.replace('LRUKIT', JSON.stringify(lrukitFile));
  return { ...entry, ...byteSizes(await browserBundle(contents, root)) };
}

/** Sizes of every entry in {@link SIZE_ENTRIES}, peers resolved from `root`, lrukit from `lrukitFile`. */
export async function measureSizes(root, lrukitFile) {
  const out = [];
  for (const entry of SIZE_ENTRIES) out.push(await measure(entry, root, lrukitFile));
  return out;
}
