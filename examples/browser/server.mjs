// The browser example's server (Node, no dependencies beyond the repo's esbuild):
//   node examples/browser/server.mjs [--port N]   (default 0: a free port; prints the URL)
// Serves the page, a browser bundle of lrukit built from src/index.ts with esbuild, and a tiny
// JSON API: GET /api/item?id=N -> { id, version, servedAt }, where `version` goes up by one with
// every answer the server gives (so stale and refreshed data can be told apart), after ~150 ms.
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
export const API_DELAY_MS = 150;

/** lrukit's src/index.ts as one browser ESM file, built once per server. */
async function bundleLrukit() {
  const result = await build({
    entryPoints: [join(root, 'src', 'index.ts')],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0].text;
}

const STATIC = {
  '/': ['index.html', 'text/html; charset=utf-8'],
  '/index.html': ['index.html', 'text/html; charset=utf-8'],
  '/app.js': ['app.js', 'text/javascript; charset=utf-8'],
};

/**
 * Starts the example server on `host:port` (port 0: a free one).
 * @returns {Promise<{ url: string, close: () => Promise<void> }>}
 */
export async function startServer({ port = 0, host = '127.0.0.1' } = {}) {
  let bundle; // a Promise of the bundle text, made on the first request for it
  let version = 0;
  const timers = new Set();

  const server = createServer(async (req, res) => {
    const send = (status, type, body) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (req.method !== 'GET') return send(405, 'text/plain', 'method not allowed\n');
      if (url.pathname === '/api/item') {
        const id = Number(url.searchParams.get('id'));
        if (!Number.isInteger(id) || id < 1) {
          return send(400, 'application/json', JSON.stringify({ error: 'id must be 1, 2, ...' }));
        }
        const timer = setTimeout(() => {
          timers.delete(timer);
          version += 1;
          const body = { id, version, servedAt: new Date().toISOString() };
          send(200, 'application/json', JSON.stringify(body));
        }, API_DELAY_MS);
        timers.add(timer);
        return;
      }
      if (url.pathname === '/lrukit.js') {
        bundle ??= bundleLrukit();
        return send(200, 'text/javascript; charset=utf-8', await bundle);
      }
      const file = STATIC[url.pathname];
      if (file) return send(200, file[1], await readFile(join(here, file[0])));
      if (url.pathname === '/favicon.ico') return send(204, 'text/plain', '');
      send(404, 'text/plain', 'not found\n');
    } catch (error) {
      bundle = undefined; // a failed build is retried on the next request
      console.error(error);
      if (!res.headersSent) send(500, 'text/plain', `${error}\n`);
    }
  });

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const address = server.address();
  return {
    url: `http://${host}:${address.port}/`,
    close: () =>
      new Promise((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// Run directly: parse --port, start, print the URL, stop cleanly on SIGINT/SIGTERM.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const i = process.argv.indexOf('--port');
  const port = i === -1 ? 0 : Number(process.argv[i + 1]);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error('usage: node examples/browser/server.mjs [--port N]');
    process.exit(2);
  }
  const { url, close } = await startServer({ port });
  console.log(`lrukit browser example: ${url}  (Ctrl+C stops it)`);
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, async () => {
      await close();
      console.log(`\nstopped (${signal})`);
      process.exit(0);
    });
  }
}
