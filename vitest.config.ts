import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { playwright } from '@vitest/browser-playwright';
import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';

// Two projects, one run: `node` (every test, as always) and `browser` (the platform-neutral tests
// in real headless Chromium: Debian's /usr/bin/chromium, or CHROMIUM_PATH). Without Chromium the
// browser project is skipped with a loud notice; in CI (CI=true) it stays in, so the run fails.
const chromium = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const haveChromium = existsSync(chromium);
const inCi = process.env.CI === 'true' || process.env.CI === '1';

// Tests that need Node itself (fs/zlib, gc(), process.memoryUsage) run in the node project only.
const nodeOnly = ['test/unit/trace-replay.test.ts', 'test/unit/leaks.test.ts'];

const browserProject: TestProjectInlineConfiguration = {
  extends: true,
  test: {
    name: 'browser',
    include: ['test/unit/*.test.ts', 'test/property/*.test.ts', 'test/regressions/*.test.ts'],
    exclude: nodeOnly,
    setupFiles: ['test/setup.browser.ts'],
    browser: {
      enabled: true,
      headless: true,
      screenshotFailures: false,
      provider: playwright({
        launchOptions: {
          executablePath: chromium,
          // without the background-networking flags Chromium floods the closed network
          args: [
            '--no-sandbox',
            '--headless',
            '--disable-gpu',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
            '--no-first-run',
          ],
        },
      }),
      instances: [{ browser: 'chromium' }],
    },
  },
};

// Vitest evaluates this file more than once per run (once per project): say it once.
const noticeKey = Symbol.for('lrukit.chromium-notice');
const globals = globalThis as Record<symbol, unknown>;
if (!haveChromium && !globals[noticeKey]) {
  globals[noticeKey] = true;
  const line = '!'.repeat(78);
  console.warn(
    [
      '',
      line,
      inCi
        ? `!!! BROWSER TESTS CANNOT RUN: no Chromium at ${chromium} (CI=${process.env.CI}).`
        : `!!! BROWSER TESTS SKIPPED: no Chromium at ${chromium}.`,
      inCi
        ? '!!! In CI a missing Chromium is a failure: the browser project stays in and fails.'
        : '!!! Only the node project runs. Install it (apt-get install chromium) or set CHROMIUM_PATH.',
      line,
      '',
    ].join('\n'),
  );
}

export default defineConfig({
  resolve: {
    alias: {
      'lrukit/testing': fileURLToPath(new URL('./src/testing.ts', import.meta.url)),
      lrukit: fileURLToPath(new URL('./src/index.ts', import.meta.url)),
    },
  },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          include: ['test/**/*.test.ts'],
          setupFiles: ['test/setup.ts'],
          typecheck: { enabled: true, include: ['test/types/**/*.test-d.ts'] },
          // leak tests need a real gc(); vitest forwards this to the worker processes
          pool: 'forks',
          execArgv: ['--expose-gc'],
        },
      },
      ...(haveChromium || inCi ? [browserProject] : []),
    ],
  },
});
