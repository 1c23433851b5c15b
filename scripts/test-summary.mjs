#!/usr/bin/env node
// Sums one or more vitest JSON reports (`--reporter=json --outputFile=F`) and prints the closing
// line CI reads: `N passed, N failed` (`, N skipped` follows when any test was skipped or todo).
//
//   node scripts/test-summary.mjs .test-results/vitest.json [.test-results/browser.json ...]
//
// passed = numPassedTests, failed = numFailedTests, skipped = numPendingTests + numTodoTests,
// summed over the files, and also counted as failed (one each, so a broken run is never green):
// - a report file that is missing or unreadable (that run did not happen or crashed);
// - a test file whose status is 'failed' with no failed test in it (it failed to import, or a
//   suite-level hook threw: vitest counts no test for it);
// - a run whose exit code, written by .ci/run to `F.exit` beside the report, is non-zero while its
//   report shows no failure (e.g. an unhandled error or a type error outside any test).
// With no file given, or none at all that could be read, it prints `0 passed, 1 failed`.
//
// Before that line it names what did not run, one line each on stderr: every suite (or test)
// with skipped or todo tests, with the reason its test gave in `meta.skipReason` (see
// test/shared/skip.ts; "no reason given" otherwise), and, outside CI, a vitest project that
// vitest.config.ts leaves out because Chromium or redis-server is missing.
// Explanations go to stderr; stdout gets the one line. Exit code: 0 when nothing failed, else 1.
import { existsSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { chromiumPath } from './chromium.mjs';
import { haveRedis } from './redis-server.mjs';

const files = process.argv.slice(2);
let passed = 0;
let failed = 0;
let skipped = 0;

const note = (msg) => process.stderr.write(`test-summary: ${msg}\n`);
// "file › suite › …\0reason" → how many tests were skipped there for that reason
const skips = new Map();
const inCi = process.env.CI === 'true' || process.env.CI === '1';

if (files.length === 0) {
  note('no report file given');
  failed += 1;
}

for (const file of files) {
  let report;
  try {
    report = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    note(`${file}: no usable report (${error.code ?? error.message}), counted as 1 failed`);
    failed += 1;
    continue;
  }
  const num = (field) => (Number.isFinite(report[field]) ? report[field] : 0);
  let fileFailed = num('numFailedTests');
  passed += num('numPassedTests');
  skipped += num('numPendingTests') + num('numTodoTests');

  for (const result of report.testResults ?? []) {
    for (const test of result.assertionResults ?? []) {
      if (!['skipped', 'pending', 'todo'].includes(test.status)) continue;
      const reason = test.meta?.skipReason ?? (test.status === 'todo' ? 'todo' : 'no reason given');
      // the enclosing suites name a skipped suite; a test skipped on its own is named itself
      const titles = test.ancestorTitles?.length ? test.ancestorTitles : [test.title];
      const where = [relative(process.cwd(), String(result.name)), ...titles].join(' › ');
      const key = `${where}\0${reason}`;
      skips.set(key, (skips.get(key) ?? 0) + 1);
    }
    const failedInside = (result.assertionResults ?? []).some((a) => a.status === 'failed');
    if (result.status === 'failed' && !failedInside) {
      const why = String(result.message ?? '').split('\n')[0];
      note(`${file}: ${result.name} failed outside any test${why ? `: ${why}` : ''}`);
      fileFailed += 1;
    }
  }

  const exitFile = `${file}.exit`;
  if (existsSync(exitFile)) {
    const code = Number.parseInt(readFileSync(exitFile, 'utf8').trim(), 10);
    if (code !== 0 && fileFailed === 0) {
      note(`${file}: the run exited ${Number.isNaN(code) ? '?' : code} with no failed test`);
      fileFailed += 1;
    }
  }
  if (report.success === false && fileFailed === 0) {
    note(`${file}: the report says success: false (no test files?)`);
    fileFailed += 1;
  }
  failed += fileFailed;
}

for (const [key, count] of skips) {
  const [where, reason] = key.split('\0');
  note(`skipped ${count} test${count === 1 ? '' : 's'} in ${where}: ${reason}`);
}
// vitest.config.ts drops these projects outside CI when their program is missing (in CI they
// stay in and fail), so no report mentions them
if (!inCi && !existsSync(chromiumPath)) {
  note(`skipped the browser project (headless Chromium): no Chromium at ${chromiumPath}`);
}
if (!inCi && !haveRedis) note('skipped the redis project (test/redis/): no redis-server on PATH');

process.stdout.write(
  `${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`,
);
process.exitCode = failed === 0 ? 0 : 1;
