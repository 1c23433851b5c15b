/**
 * The one way lrukit measures a bundle: esbuild, platform browser, esm, minified, tree-shaken,
 * then gzip level 9 (the figure people compare). Used by scripts/size.mjs (budgets, CI) and
 * bench/size.mjs (lrukit against its peers), so both report the same numbers.
 */

import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';

/** Bundles `contents` (an ES module resolved from `resolveDir`); `options` adds esbuild options. */
export async function browserBundle(contents, resolveDir, options = {}) {
  const result = await esbuild.build({
    stdin: { contents, resolveDir, sourcefile: 'size-entry.js', loader: 'js' },
    bundle: true,
    write: false,
    platform: 'browser',
    format: 'esm',
    minify: true,
    treeShaking: true,
    legalComments: 'none',
    logLevel: 'silent',
    ...options,
  });
  return result.outputFiles[0].text;
}

/** Minified and min+gz byte counts of a bundle's text. */
export function byteSizes(text) {
  return { min: Buffer.byteLength(text), gz: gzipSync(text, { level: 9 }).length };
}
