// Checks examples/vite in headless Chromium: a default Vite 8 project (vanilla-ts template) whose
// page uses `@cached`, built three ways, each opened in Chromium (Debian's, through playwright):
//
//   vite build   the example's own vite.config.ts (the decorator recipe) and tsconfig.json,
//                type-checked first with `tsc -p examples/vite/tsconfig.json` as the template's
//                `npm run build` does, then served from a tiny node:http static server
//   vite dev     the same config, through Vite's dev server
//   esbuild      the same page bundled by esbuild alone (examples/vite/esbuild.mjs, target es2022)
//
// A page passes when it shows the expected text and reports no console error, page error or
// failed request. Exits 1 if any page does not pass.
//
//   node scripts/bundler-example.mjs [--without-recipe]
//
// --without-recipe: proves the check can fail. Builds the same pages without the recipe (Vite
// with no config file, esbuild with target esnext) and expects every page to stop at a
// SyntaxError: exits 0 when all do, 1 when any works (then Vite or esbuild lowers decorators by
// itself and the docs should say so) or fails some other way.
//
// lrukit is installed into examples/vite/node_modules/lrukit as npm would install it: this
// repository's package.json and dist/ (built with tsup first if dist/index.js is missing), so
// Vite, esbuild and tsc resolve `lrukit` through its exports map, as in a user's project.
// Without Chromium it prints a SKIP notice and exits 0, unless CI=true (then it fails).
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright';
import { createServer as createViteServer, build as viteBuild } from 'vite';
import { buildPage as esbuildPage } from '../examples/vite/esbuild.mjs';
import { chromiumArgs, chromiumPath } from './chromium.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const example = join(root, 'examples', 'vite');
const WAIT_MS = 10_000; // the longest a page may take to show its text or its first error
const isCI = process.env.CI === 'true' || process.env.CI === '1';

/** What the page shows, by data-testid, when `@cached` works. */
const EXPECTED = {
  fibonacci: 'fibonacci(90) = 2880067194370816120',
  'fibonacci-runs': 'fibonacci: the method body ran 91 times',
  primes: 'primes below 1000000: 78498',
  'primes-runs': 'primesBelow: 3 calls, the method body ran 1 time',
};

const args = process.argv.slice(2);
for (const arg of args) {
  if (arg !== '--without-recipe') {
    console.error(
      `unknown argument ${arg}\nusage: node scripts/bundler-example.mjs [--without-recipe]`,
    );
    process.exit(2);
  }
}
const withRecipe = !args.includes('--without-recipe');
const t0 = performance.now();
const seconds = () => `${((performance.now() - t0) / 1000).toFixed(1)} s`;

if (!existsSync(chromiumPath)) {
  const line = '!'.repeat(78);
  console.log(`${line}\n!! SKIP bundler example: no Chromium at ${chromiumPath}`);
  console.log('!! (apt-get install -y chromium, or set CHROMIUM_PATH)');
  console.log(line);
  process.exit(isCI ? 1 : 0);
}

/** Runs a command from the repository root; throws with its output when it fails. */
function run(what, command, commandArgs) {
  const result = spawnSync(command, commandArgs, { cwd: root, encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(
      `${what} failed:\n${result.stdout ?? ''}${result.stderr ?? ''}${result.error ?? ''}`,
    );
  }
}

/** Installs this repository's package into examples/vite/node_modules/lrukit: package.json + dist. */
function installLrukit() {
  if (!existsSync(join(root, 'dist', 'index.js'))) {
    console.log('dist/index.js is missing: building lrukit with tsup');
    run('npx tsup', 'npx', ['--no-install', 'tsup']);
  }
  const target = join(example, 'node_modules', 'lrukit');
  rmSync(target, { recursive: true, force: true }); // a link left by `npm install` is removed, not followed
  mkdirSync(target, { recursive: true });
  cpSync(join(root, 'package.json'), join(target, 'package.json'));
  cpSync(join(root, 'dist'), join(target, 'dist'), { recursive: true });
}

const CONTENT_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
};

/** Serves the files under `dir` on a free loopback port; resolves with its URL and close(). */
async function serveStatic(dir) {
  const server = createHttpServer(async (request, response) => {
    try {
      const path = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname);
      const file = normalize(join(dir, path.endsWith('/') ? `${path}index.html` : path));
      if (!file.startsWith(dir + sep) || !(await stat(file)).isFile())
        throw new Error('not a file');
      const body = await readFile(file);
      response.writeHead(200, { 'content-type': CONTENT_TYPES[extname(file)] ?? 'text/plain' });
      response.end(body);
    } catch {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise((r) => server.close(r)) };
}

/**
 * Opens `url` in a new page; waits until the page is ready or reports its first error. Resolves
 * with the errors it reported and the text of every EXPECTED test id (null where missing).
 */
async function openPage(browser, url) {
  const page = await browser.newPage();
  const errors = [];
  let noticeError;
  const firstError = new Promise((resolve) => {
    noticeError = resolve;
  });
  const report = (message) => {
    errors.push(message);
    noticeError();
  };
  page.on('pageerror', (error) => report(`page error: ${error.name}: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') report(`console error: ${message.text()}`);
  });
  page.on('requestfailed', (request) =>
    report(`request failed: ${request.url()} (${request.failure()?.errorText})`),
  );
  try {
    await page.goto(url);
    await Promise.race([
      page.waitForSelector('body[data-ready="true"]', { timeout: WAIT_MS }),
      firstError.then(() => page.waitForTimeout(200)), // let related errors arrive too
    ]);
  } catch (error) {
    errors.push(`${error instanceof Error ? error.message.split('\n')[0] : error}`);
  }
  const shown = await page.evaluate(
    (ids) =>
      Object.fromEntries(
        ids.map((id) => [
          id,
          document.querySelector(`[data-testid="${id}"]`)?.textContent?.trim() ?? null,
        ]),
      ),
    Object.keys(EXPECTED),
  );
  await page.close();
  return { errors, shown };
}

const dirs = mkdtempSync(join(tmpdir(), 'lrukit-bundler-example-'));
const cleanups = [() => rmSync(dirs, { recursive: true, force: true })];
let failed = false;

try {
  installLrukit();
  if (withRecipe) {
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    run('tsc -p examples/vite/tsconfig.json', process.execPath, [
      tsc,
      '-p',
      join(example, 'tsconfig.json'),
    ]);
  }

  const configFile = withRecipe ? join(example, 'vite.config.ts') : false;
  const viteOut = join(dirs, 'vite');
  await viteBuild({
    root: example,
    configFile,
    logLevel: 'warn',
    build: { outDir: viteOut, emptyOutDir: true },
  });
  const esbuildOut = await esbuildPage({
    outdir: join(dirs, 'esbuild'),
    ...(withRecipe ? {} : { target: 'esnext' }),
  });
  const built = seconds();

  const dev = await createViteServer({
    root: example,
    configFile,
    logLevel: 'warn',
    server: { host: '127.0.0.1', port: 0, watch: null },
  });
  await dev.listen();
  cleanups.push(() => dev.close());
  const devUrl = dev.resolvedUrls?.local[0];
  if (devUrl === undefined) throw new Error('the Vite dev server did not say where it listens');

  const viteServer = await serveStatic(viteOut);
  cleanups.push(viteServer.close);
  const esbuildServer = await serveStatic(esbuildOut);
  cleanups.push(esbuildServer.close);

  const recipe = withRecipe ? 'vite.config.ts' : 'no config file';
  const pages = [
    { name: `vite build (${recipe})`, url: viteServer.url },
    { name: `vite dev (${recipe})`, url: devUrl },
    { name: `esbuild (target ${withRecipe ? 'es2022' : 'esnext'})`, url: esbuildServer.url },
  ];

  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: chromiumArgs,
    headless: true,
  });
  cleanups.push(() => browser.close());

  const verdicts = [];
  for (const { name, url } of pages) {
    const opened = performance.now();
    const { errors, shown } = await openPage(browser, url);
    const ms = Math.round(performance.now() - opened);
    const wrong = Object.entries(EXPECTED).filter(([id, text]) => shown[id] !== text);
    const works = errors.length === 0 && wrong.length === 0;
    const syntaxError = errors.some((error) => error.includes('SyntaxError'));
    const ok = withRecipe ? works : !works && syntaxError;
    failed ||= !ok;
    const details = [
      ...errors,
      ...wrong.map(
        ([id, text]) =>
          `[data-testid=${id}] shows ${JSON.stringify(shown[id])}, expected ${JSON.stringify(text)}`,
      ),
    ];
    let verdict = ok ? 'ok' : 'FAILED';
    if (!withRecipe)
      verdict = ok ? 'fails as expected' : works ? 'UNEXPECTEDLY WORKS' : 'FAILED (no SyntaxError)';
    verdicts.push(`  ${verdict}  ${name}  ${url}  ${ms} ms`);
    // without the recipe, the errors say why the page stays blank; the missing text adds nothing
    for (const detail of ok ? (withRecipe ? [] : errors) : details)
      verdicts.push(`        ${detail}`);
  }
  console.log(verdicts.join('\n'));

  const version = await browser.version();
  if (withRecipe) {
    console.log(
      failed
        ? `bundler example FAILED (Chromium ${version}, ${seconds()})`
        : `bundler example passed: ${pages.length} pages show @cached results with no errors ` +
            `(Chromium ${version}; built in ${built}, ${seconds()} in all)`,
    );
  } else {
    console.log(
      failed
        ? `bundler example without the recipe: NOT every page stopped at a SyntaxError (${seconds()}); ` +
            'if Vite or esbuild now lowers decorators by itself, update examples/vite and the docs'
        : `bundler example without the recipe: all ${pages.length} pages stop at a SyntaxError, ` +
            `as expected: the check can fail (${seconds()})`,
    );
  }
} catch (error) {
  console.error(`bundler example FAILED: ${error instanceof Error ? error.message : error}`);
  failed = true;
} finally {
  for (const cleanup of cleanups.reverse()) {
    try {
      await cleanup();
    } catch {
      // a server or browser that will not close is not the page's fault
    }
  }
}
process.exitCode = failed ? 1 : 0;
