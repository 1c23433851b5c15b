import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { playwright } from '@vitest/browser-playwright';
import { transform } from 'esbuild';
import {
  configDefaults,
  defineConfig,
  type Plugin,
  type TestProjectInlineConfiguration,
} from 'vitest/config';
import { chromiumArgs, chromiumPath } from './scripts/chromium.mjs';
import { havePostgres, missingPostgres } from './scripts/postgres-server.mjs';
import { haveRedis } from './scripts/redis-server.mjs';

// Four projects, one run: `node` (every test but Redis's and PostgreSQL's, as always), `browser`
// (the platform-neutral tests in real headless Chromium: Debian's /usr/bin/chromium, or
// CHROMIUM_PATH), `redis` (lrukit/redis against real redis-server processes that each test file
// starts on free loopback ports) and `postgres` (the examples against a real PostgreSQL server).
// Without Chromium, redis-server or PostgreSQL that project is skipped with a loud notice; in CI
// (CI=true) it stays in, so the run fails.
const chromium = chromiumPath;
const haveChromium = existsSync(chromium);
const inCi = process.env.CI === 'true' || process.env.CI === '1';

// Tests that need Node itself (fs/zlib, gc(), process.memoryUsage) run in the node project only.
const nodeOnly = [
  'test/unit/trace-replay.test.ts',
  'test/unit/tiny-lfu-hit-ratio.test.ts',
  'test/unit/leaks.test.ts',
  'test/unit/decorator-gc.test.ts',
  'test/unit/docs-examples.test.ts',
];

const browserProject: TestProjectInlineConfiguration = {
  extends: true,
  test: {
    name: 'browser',
    include: [
      'test/unit/*.test.ts',
      'test/legacy/*.test.ts',
      'test/property/*.test.ts',
      'test/regressions/*.test.ts',
    ],
    exclude: nodeOnly,
    setupFiles: ['test/setup.browser.ts'],
    browser: {
      enabled: true,
      headless: true,
      screenshotFailures: false,
      provider: playwright({
        launchOptions: {
          executablePath: chromium,
          args: chromiumArgs,
        },
      }),
      instances: [{ browser: 'chromium' }],
    },
  },
};

// One file at a time (each starts its own servers; the timeout tests measure elapsed time, so
// they run after the node files rather than beside them on a 2-core machine).
const redisProject: TestProjectInlineConfiguration = {
  extends: true,
  test: {
    name: 'redis',
    include: ['test/redis/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
    setupFiles: ['test/setup.ts'],
    fileParallelism: false,
  },
};

// The seed-system examples (examples/pastebin, mint, scale-out) and the write strategies
// against a real PostgreSQL server that each file starts (scripts/postgres-server.mjs), and a
// real redis-server for scale-out. One file at a time, like redis: each starts its own servers
// and child processes.
const postgresProject: TestProjectInlineConfiguration = {
  extends: true,
  test: {
    name: 'postgres',
    include: ['test/postgres/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
    setupFiles: ['test/setup.ts'],
    fileParallelism: false,
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
};

// Vite 8's Oxc transform leaves decorators in place (tests would fail to load with a SyntaxError),
// so files that use them are lowered by esbuild first: TC39 decorators, or legacy
// `experimentalDecorators` for test/legacy/ (compiled under test/legacy/tsconfig.json).
const legacyDir = fileURLToPath(new URL('./test/legacy/', import.meta.url));
const decoratorLine = /^\s*@[\w$]/m;
const lowerDecorators: Plugin = {
  name: 'lrukit:lower-decorators',
  enforce: 'pre',
  async transform(code, id) {
    const file = id.split('?')[0]!;
    if (!/\.[cm]?tsx?$/.test(file) || file.includes('/node_modules/')) return null;
    if (!decoratorLine.test(code)) return null;
    const legacy = file.startsWith(legacyDir);
    const result = await transform(code, {
      loader: file.endsWith('x') ? 'tsx' : 'ts',
      target: 'es2022',
      format: 'esm',
      sourcefile: file,
      sourcemap: true,
      tsconfigRaw: {
        compilerOptions: {
          experimentalDecorators: legacy,
          useDefineForClassFields: !legacy,
          verbatimModuleSyntax: true,
        },
      },
    });
    return { code: result.code, map: result.map };
  },
};

// Vitest evaluates this file more than once per run (once per project): say each notice once.
const globals = globalThis as Record<symbol, unknown>;
/** A loud notice that a suite cannot run: skipped by hand, a failure in CI. */
function missing(id: string, what: string, skipped: string, install: string): void {
  const key = Symbol.for(`lrukit.${id}-notice`);
  if (globals[key]) return;
  globals[key] = true;
  const line = '!'.repeat(78);
  const suite = `${id.toUpperCase()} TESTS`;
  console.warn(
    [
      '',
      line,
      inCi
        ? `!!! ${suite} CANNOT RUN: ${what} (CI=${process.env.CI}).`
        : `!!! ${suite} SKIPPED: ${what}.`,
      inCi
        ? `!!! In CI this is a failure: the ${id} project stays in and fails.`
        : `!!! ${skipped} ${install}`,
      line,
      '',
    ].join('\n'),
  );
}
if (!haveChromium) {
  missing(
    'browser',
    `no Chromium at ${chromium}`,
    'Only the node project runs.',
    'Install it (apt-get install chromium) or set CHROMIUM_PATH.',
  );
}
if (!haveRedis) {
  missing(
    'redis',
    'no redis-server on PATH',
    'lrukit/redis is not tested.',
    'Install it: apt-get install redis-server (7.x).',
  );
}
if (!havePostgres) {
  missing(
    'postgres',
    missingPostgres ?? 'no PostgreSQL server',
    'The examples are not tested against PostgreSQL.',
    'Install it: apt-get install postgresql (its binaries stay in /usr/lib/postgresql/*/bin).',
  );
}

export default defineConfig({
  // inherited by every project (each has `extends: true`)
  plugins: [lowerDecorators],
  resolve: {
    alias: {
      'lrukit/testing': fileURLToPath(new URL('./src/testing.ts', import.meta.url)),
      'lrukit/redis': fileURLToPath(new URL('./src/redis.ts', import.meta.url)),
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
          exclude: [...configDefaults.exclude, 'test/redis/**', 'test/postgres/**'],
          setupFiles: ['test/setup.ts'],
          typecheck: { enabled: true, include: ['test/types/**/*.test-d.ts'] },
          // leak tests need a real gc(); vitest forwards this to the worker processes
          pool: 'forks',
          execArgv: ['--expose-gc'],
        },
      },
      ...(haveChromium || inCi ? [browserProject] : []),
      ...(haveRedis || inCi ? [redisProject] : []),
      ...(havePostgres || inCi ? [postgresProject] : []),
    ],
  },
});
