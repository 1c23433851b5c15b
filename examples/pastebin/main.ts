/**
 * Starts the pastebin service (examples/pastebin/app.ts) on http://127.0.0.1:PORT.
 *
 *   npm run example:pastebin                       # PGlite in memory, port 3000
 *   npm run example:pastebin -- --port 0           # a free port (printed)
 *   npm run example:pastebin -- --database postgres://user@host:5432/db
 *   npm run example:pastebin -- --smoke            # create, read, stats; then exit (CI)
 *
 * Ctrl+C (SIGINT) or SIGTERM closes the server, the cache and the database, then exits.
 */
import assert from 'node:assert/strict';
import { databaseUrl, flag, openDb } from '../shared/db.js';
import { closeServer, listen, onShutdown } from '../shared/http.js';
import { createPastebin } from './app.js';

const argv = process.argv.slice(2);
const smoke = argv.includes('--smoke');
const port = Number(flag(argv, 'port') ?? (smoke ? 0 : 3000));
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  throw new RangeError(`pastebin: --port must be a port number, got ${flag(argv, 'port')}`);
}

const db = await openDb(databaseUrl(argv));
const app = await createPastebin({ db });
const base = await listen(app.server, port);
// expired rows are deleted now and then (the cache drops them by itself, at their expiry)
const sweeper = setInterval(() => void app.sweep().catch(() => {}), 60_000);
sweeper.unref();

async function shutdown(): Promise<void> {
  clearInterval(sweeper);
  await closeServer(app.server);
  await app.close();
  await db.close();
}

console.log(`pastebin listening on ${base} (database: ${db.where})`);
if (!smoke) {
  console.log(`  curl --data-binary @README.md '${base}/pastes?expires=3600'`);
  console.log(`  curl -i ${base}/pastes/ID        (x-cache: miss, then hit)`);
  console.log(`  curl ${base}/stats`);
  onShutdown(async (signal) => {
    console.log(`\n${signal}: closing`);
    await shutdown();
  });
} else {
  try {
    const created = await fetch(`${base}/pastes?expires=60`, {
      method: 'POST',
      body: 'hello, cache',
    });
    assert.equal(created.status, 201);
    const { id } = (await created.json()) as { id: string };
    const queriesAfterCreate = db.queries;
    for (let i = 0; i < 100; i++) {
      const read = await fetch(`${base}/pastes/${id}`);
      assert.equal(read.headers.get('x-cache'), 'hit'); // written through: cached at create
      assert.equal(await read.text(), 'hello, cache');
    }
    const hotQueries = db.queries - queriesAfterCreate;
    assert.equal(hotQueries, 0, 'a hot paste never reaches the database');
    assert.equal((await fetch(`${base}/pastes/nope1234`)).status, 404);
    console.log(
      `smoke: 1 create (write-through), 100 reads of it with ${hotQueries} queries, 1 unknown id (404): ok`,
    );
  } finally {
    await shutdown();
  }
}
