import { transform } from 'esbuild';
import { defineConfig, type Plugin } from 'vite';

/**
 * Lowers TC39 decorators (`@cached()`) before Vite 8's Oxc transform, which leaves them in place
 * (no browser runs them yet: the page would stop at a SyntaxError). esbuild rewrites only the
 * `.ts` files that contain an `@`; `target: 'es2022'` is what makes it lower decorators.
 */
function lowerDecorators(): Plugin {
  return {
    name: 'lower-decorators',
    enforce: 'pre',
    transform: {
      filter: { id: /\.[cm]?ts$/, code: '@' },
      async handler(code, id) {
        const result = await transform(code, {
          loader: 'ts',
          target: 'es2022',
          sourcefile: id,
          sourcemap: true,
        });
        return { code: result.code, map: result.map };
      },
    },
  };
}

export default defineConfig({
  plugins: [lowerDecorators()],
});
