// End-to-end check of the browser example: starts server.mjs on a free port, opens the page in
// headless Chromium (Debian's, through playwright), clicks through miss, hit, stale hit with
// background refresh, and another miss, checking what the page shows after each step, and saves
// a screenshot to examples/browser/artifacts/browser-example.png.
//   node examples/browser/e2e.mjs
// Without Chromium it prints a SKIP notice and exits 0, unless CI=true (then it fails).
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright';
import { chromiumArgs, chromiumPath } from '../../scripts/chromium.mjs';
import { startServer } from './server.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const SCREENSHOT = join(here, 'artifacts', 'browser-example.png');
const CHROMIUM = chromiumPath;
const ARGS = chromiumArgs;
const WAIT_MS = 5_000; // the longest any expected text may take to appear
const isCI = process.env.CI === 'true' || process.env.CI === '1';

if (!existsSync(CHROMIUM)) {
  const line = '!'.repeat(78);
  console.log(`${line}\n!! SKIP browser example e2e: no Chromium at ${CHROMIUM}`);
  console.log('!! (apt-get install -y chromium, or set CHROMIUM_PATH)');
  console.log(line);
  process.exit(isCI ? 1 : 0);
}

let server;
let browser;
let passed = 0;
const steps = [];

try {
  server = await startServer({ port: 0 });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
  const page = await browser.newPage({ viewport: { width: 900, height: 760 } });
  const pageErrors = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(message.text());
  });

  await page.goto(server.url);
  await page.waitForSelector('body[data-ready="true"]', { timeout: WAIT_MS });

  const text = (testid) => page.getByTestId(testid).textContent();

  /** Waits (auto-retrying, up to WAIT_MS) until every test id shows its expected text. */
  async function expectShown(step, expected) {
    try {
      await page.waitForFunction(
        (want) =>
          Object.entries(want).every(
            ([id, value]) =>
              document.querySelector(`[data-testid="${id}"]`)?.textContent?.trim() === value,
          ),
        expected,
        { timeout: WAIT_MS },
      );
    } catch {
      const actual = {};
      for (const id of Object.keys(expected)) actual[id] = (await text(id))?.trim();
      throw new Error(
        `${step}: the page does not show what it should after ${WAIT_MS} ms\n` +
          `  expected ${JSON.stringify(expected)}\n  actual   ${JSON.stringify(actual)}`,
      );
    }
    passed += Object.keys(expected).length;
    steps.push(step);
  }

  const counters = (hits, misses, staleHits, refreshes, loads) => ({
    hits: String(hits),
    misses: String(misses),
    'stale-hits': String(staleHits),
    refreshes: String(refreshes),
    loads: String(loads),
  });

  // The server's version counter goes up with every answer: item 1 gets v1, its refresh v2,
  // item 2 v3.
  await page.getByTestId('load-1').click();
  await expectShown('load item 1: a miss that loads v1', {
    ...counters(0, 1, 0, 0, 1),
    'last-kind': 'miss',
    'last-version': 'v1',
    'cached-1': 'item 1 v1',
  });

  await page.getByTestId('load-1').click();
  await expectShown('load item 1 again: a hit', {
    ...counters(1, 1, 0, 0, 1),
    'last-kind': 'hit',
    'last-version': 'v1',
  });

  await page.getByTestId('expire').click();
  await expectShown('expire: the clock moves 3 s ahead', { 'clock-offset': '3000' });

  await page.getByTestId('load-1').click();
  // the old value at once (the refresh has started, not finished), ...
  await expectShown('load item 1 after expiry: a stale hit served v1', {
    'last-kind': 'stale hit',
    'last-version': 'v1',
    hits: '2',
    'stale-hits': '1',
    refreshes: '1',
  });
  // ... then the background refresh lands v2 in the cache
  await expectShown('the background refresh stores v2', {
    ...counters(2, 1, 1, 1, 2),
    'cached-1': 'item 1 v2',
    'last-version': 'v1',
  });
  const log = await page.getByTestId('log').innerText();
  const staleAt = log.indexOf('load item 1: stale hit, got item 1 v1');
  const refreshAt = log.indexOf('server answered item 1 v2 (background refresh)');
  if (staleAt === -1 || refreshAt === -1 || staleAt > refreshAt) {
    throw new Error(`the log should show the stale hit before the refresh landed:\n${log}`);
  }
  passed += 1;
  steps.push('the log shows the stale hit, then the refresh');

  await page.getByTestId('load-2').click();
  await expectShown('load item 2: a miss that loads v3', {
    ...counters(2, 2, 1, 1, 3),
    'last-kind': 'miss',
    'last-version': 'v3',
    'cached-1': 'item 1 v2',
    'cached-2': 'item 2 v3',
  });

  if (pageErrors.length > 0) throw new Error(`errors in the page:\n  ${pageErrors.join('\n  ')}`);

  await mkdir(dirname(SCREENSHOT), { recursive: true });
  await page.screenshot({ path: SCREENSHOT, fullPage: true });

  for (const step of steps) console.log(`  ok  ${step}`);
  console.log(
    `browser example e2e passed: ${steps.length} steps, ${passed} checks, ` +
      `${await browser.version()}; screenshot: ${relative(process.cwd(), SCREENSHOT)}`,
  );
} catch (error) {
  for (const step of steps) console.log(`  ok  ${step}`);
  console.error(`browser example e2e FAILED: ${error instanceof Error ? error.message : error}`);
  process.exitCode = 1;
} finally {
  await browser?.close().catch(() => {});
  await server?.close();
}
