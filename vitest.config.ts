import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    alias: {
      'lrukit/testing': fileURLToPath(new URL('./src/testing.ts', import.meta.url)),
      lrukit: fileURLToPath(new URL('./src/index.ts', import.meta.url)),
    },
  },
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    typecheck: { enabled: true, include: ['test/types/**/*.test-d.ts'] },
    // leak tests need a real gc(); vitest forwards this to the worker processes
    pool: 'forks',
    execArgv: ['--expose-gc'],
  },
});
