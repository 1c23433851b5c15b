// The same page (index.html, src/main.ts) bundled by esbuild alone, with no Vite:
//   node esbuild.mjs [OUTDIR]        (default: dist/, where `vite build` writes too)
// esbuild lowers TC39 decorators for any `target` but `esnext`, which is its default: `target` is
// the one setting that matters. scripts/bundler-example.mjs imports buildPage() to check the page
// in headless Chromium, with and without it.
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));

/**
 * Bundles src/main.ts into `outdir`/main.js and writes `outdir`/index.html loading it.
 * `target` defaults to the setting that makes the page work; `esnext` leaves `@cached()` as is.
 */
export async function buildPage({ outdir = join(here, 'dist'), target = 'es2022' } = {}) {
  await build({
    entryPoints: [join(here, 'src/main.ts')],
    bundle: true,
    format: 'esm',
    target, // es2022, or browsers such as ['chrome111', 'safari16.4']: anything but esnext
    minify: true,
    sourcemap: true,
    outdir,
    logLevel: 'warning',
  });
  const html = await readFile(join(here, 'index.html'), 'utf8');
  const page = html.replace('src="/src/main.ts"', 'src="./main.js"');
  if (page === html) throw new Error('esbuild.mjs: index.html no longer loads /src/main.ts');
  await writeFile(join(outdir, 'index.html'), page);
  return outdir;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outdir = await buildPage(process.argv[2] ? { outdir: resolve(process.argv[2]) } : {});
  console.log(`built ${outdir}/index.html and main.js`);
}
