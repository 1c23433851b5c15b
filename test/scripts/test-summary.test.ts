// scripts/test-summary.mjs, run as CI runs it, on vitest JSON reports written here: the LAST line
// (stdout, alone) is `N passed, N failed[, N skipped]`, and stderr names every skipped suite with
// its reason, and the projects vitest.config.ts leaves out outside CI.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const dir = mkdtempSync(join(tmpdir(), 'lrukit-summary-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Assertion {
  status: 'passed' | 'failed' | 'skipped' | 'pending' | 'todo';
  title: string;
  ancestorTitles?: string[];
  meta?: Record<string, unknown>;
}

let reports = 0;
/** Writes a vitest-like JSON report of `files` (path → assertions); returns its path. */
function report(files: Record<string, Assertion[]>, extra: Record<string, unknown> = {}): string {
  const all = Object.values(files).flat();
  const count = (...statuses: string[]) => all.filter((a) => statuses.includes(a.status)).length;
  const body = {
    numPassedTests: count('passed'),
    numFailedTests: count('failed'),
    numPendingTests: count('skipped', 'pending'),
    numTodoTests: count('todo'),
    success: count('failed') === 0,
    testResults: Object.entries(files).map(([name, assertionResults]) => ({
      name: join(ROOT, name),
      status: assertionResults.some((a) => a.status === 'failed') ? 'failed' : 'passed',
      message: '',
      assertionResults: assertionResults.map((a) => ({
        ancestorTitles: [],
        meta: {},
        ...a,
        fullName: a.title,
      })),
    })),
    ...extra,
  };
  const file = join(dir, `report-${++reports}.json`);
  writeFileSync(file, JSON.stringify(body));
  return file;
}

/**
 * Runs the script from the repository root. By default as in CI (no project is said to be left
 * out); `local` runs it outside CI with neither Chromium nor redis-server to be found.
 */
function summary(files: string[], { local = false } = {}) {
  const env: NodeJS.ProcessEnv = { ...process.env, CI: 'true' };
  if (local) {
    delete env.CI;
    env.CHROMIUM_PATH = join(dir, 'no-chromium');
    env.PATH = join(dir, 'empty-path');
    mkdirSync(env.PATH, { recursive: true });
  }
  const run = spawnSync(process.execPath, ['scripts/test-summary.mjs', ...files], {
    cwd: ROOT,
    env,
    encoding: 'utf8',
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

const pass = (title: string, ancestorTitles: string[] = []): Assertion => ({
  status: 'passed',
  title,
  ancestorTitles,
});

describe('scripts/test-summary.mjs', () => {
  it('prints the count alone on stdout, and nothing else when nothing was skipped', () => {
    const out = summary([report({ 'test/unit/a.test.ts': [pass('one'), pass('two')] })]);
    expect(out.stdout).toBe('2 passed, 0 failed\n');
    expect(out.stderr).toBe('');
    expect(out.status).toBe(0);
  });

  it('names each skipped suite, its file, how many tests and the reason from meta.skipReason', () => {
    const suite = ['trace replay reproduces the exact LRU hit ratio', 'oltp'];
    const why = { skipReason: 'oltp.trace.gz is not in ../shared/traces' };
    const file = report({
      'test/unit/trace-replay.test.ts': [
        pass('gli @ 250', ['trace replay reproduces the exact LRU hit ratio', 'gli']),
        { status: 'skipped', title: 'oltp @ 250', ancestorTitles: suite, meta: why },
        { status: 'skipped', title: 'oltp @ 500', ancestorTitles: suite, meta: why },
      ],
      'test/demo/redis.e2e.test.ts': [
        {
          status: 'skipped',
          title: 'says it shares the cache through Redis',
          ancestorTitles: ['two demo processes sharing Redis'],
          meta: { skipReason: 'no redis-server on PATH' },
        },
      ],
    });
    const out = summary([file]);
    expect(out.stderr.split('\n')).toEqual([
      'test-summary: skipped 2 tests in test/unit/trace-replay.test.ts › trace replay reproduces the exact LRU hit ratio › oltp: oltp.trace.gz is not in ../shared/traces',
      'test-summary: skipped 1 test in test/demo/redis.e2e.test.ts › two demo processes sharing Redis: no redis-server on PATH',
      '',
    ]);
    expect(out.stdout).toBe('1 passed, 0 failed, 3 skipped\n');
    expect(out.status).toBe(0);
  });

  it('lists skips without a reason too, and todo tests as todo', () => {
    const file = report({
      'test/unit/b.test.ts': [
        pass('runs'),
        { status: 'skipped', title: 'skipped on its own' },
        { status: 'skipped', title: 'in a suite', ancestorTitles: ['some suite'] },
        { status: 'todo', title: 'later', ancestorTitles: ['some suite'] },
      ],
    });
    const out = summary([file]);
    expect(out.stderr).toContain(
      'skipped 1 test in test/unit/b.test.ts › skipped on its own: no reason given\n',
    );
    expect(out.stderr).toContain(
      'skipped 1 test in test/unit/b.test.ts › some suite: no reason given\n',
    );
    expect(out.stderr).toContain('skipped 1 test in test/unit/b.test.ts › some suite: todo\n');
    expect(out.stdout).toBe('1 passed, 0 failed, 3 skipped\n');
  });

  it('outside CI, names the projects left out for want of Chromium or redis-server', () => {
    const file = report({ 'test/unit/a.test.ts': [pass('one')] });
    const local = summary([file], { local: true });
    expect(local.stderr).toContain(
      `skipped the browser project (headless Chromium): no Chromium at ${join(dir, 'no-chromium')}\n`,
    );
    expect(local.stderr).toContain(
      'skipped the redis project (test/redis/): no redis-server on PATH\n',
    );
    expect(local.stdout).toBe('1 passed, 0 failed\n');
    // in CI those projects stay in and fail on their own: nothing to say here
    expect(summary([file]).stderr).toBe('');
  });

  it('counts a missing report, a file failing outside its tests and a failed exit as failures', () => {
    const broken = report(
      { 'test/unit/c.test.ts': [pass('one')] },
      {
        testResults: [
          {
            name: join(ROOT, 'test/unit/c.test.ts'),
            status: 'failed',
            message: 'SyntaxError: x',
            assertionResults: [],
          },
        ],
      },
    );
    const exited = report({ 'test/unit/d.test.ts': [pass('one')] });
    writeFileSync(`${exited}.exit`, '1\n');
    const out = summary([join(dir, 'missing.json'), broken, exited]);
    expect(out.stdout).toBe('2 passed, 3 failed\n');
    expect(out.stderr).toContain('missing.json: no usable report (ENOENT), counted as 1 failed');
    expect(out.stderr).toContain('test/unit/c.test.ts failed outside any test: SyntaxError: x');
    expect(out.stderr).toContain('the run exited 1 with no failed test');
    expect(out.status).toBe(1);
  });

  it('with no report at all: 0 passed, 1 failed', () => {
    const out = summary([]);
    expect(out.stdout).toBe('0 passed, 1 failed\n');
    expect(out.status).toBe(1);
  });
});
