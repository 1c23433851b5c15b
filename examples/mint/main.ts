/**
 * Starts the mint service (examples/mint/app.ts) on http://127.0.0.1:PORT.
 *
 *   npm run example:mint                           # PGlite in memory, port 3001
 *   npm run example:mint -- --port 0               # a free port (printed)
 *   npm run example:mint -- --database postgres://user@host:5432/db
 *   npm run example:mint -- --write-delay 5000     # batch transactions for up to 5 s
 *   npm run example:mint -- --smoke                # log in, post, flush, read; then exit (CI)
 *
 * Ctrl+C (SIGINT) or SIGTERM: stop accepting requests, flush the transactions still queued for
 * the database (write-behind), then close. A `kill -9` loses the queued ones: at most what was
 * accepted in the last `delay` (100 ms), or up to `maxQueue` while the database is down.
 */
import assert from 'node:assert/strict';
import { databaseUrl, flag, openDb } from '../shared/db.js';
import { closeServer, listen, onShutdown } from '../shared/http.js';
import { createMint } from './app.js';

const argv = process.argv.slice(2);
const smoke = argv.includes('--smoke');
const port = Number(flag(argv, 'port') ?? (smoke ? 0 : 3001));
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  throw new RangeError(`mint: --port must be a port number, got ${flag(argv, 'port')}`);
}

// --write-delay MS: how long a transaction may wait in the write-behind queue (default 100)
const delay = Number(flag(argv, 'write-delay') ?? 100);
if (!(delay >= 0)) throw new RangeError(`mint: --write-delay must be ms >= 0, got ${delay}`);

const db = await openDb(databaseUrl(argv));
const app = await createMint({ db, writeBehind: { delay } });
const base = await listen(app.server, port);

async function shutdown(): Promise<void> {
  await closeServer(app.server);
  const { queued } = app.transactions.stats;
  try {
    await app.close(); // flush(): the queued transactions reach the database
    console.log(`flushed ${queued} queued transaction(s)`);
  } catch (error) {
    // the database refused them after every retry: they are in app.failedWrites (logged)
    console.error(`could not flush every queued transaction: ${String(error)}`);
    process.exitCode = 1;
  }
  await db.close();
}

console.log(`mint listening on ${base} (database: ${db.where})`);
if (!smoke) {
  console.log(
    `  TOKEN=$(curl -s -d '{"user":"ada"}' ${base}/login | sed 's/.*"token":"\\([^"]*\\)".*/\\1/')`,
  );
  console.log(
    `  curl -H "authorization: Bearer $TOKEN" -d '{"amount":-4.5,"merchant":"Corner Cafe"}' ${base}/transactions`,
  );
  console.log(`  curl -H "authorization: Bearer $TOKEN" ${base}/dashboard`);
  onShutdown(async (signal) => {
    console.log(`\n${signal}: closing`);
    await shutdown();
  });
} else {
  try {
    const login = await fetch(`${base}/login`, { method: 'POST', body: '{"user":"ada"}' });
    assert.equal(login.status, 201);
    const { token } = (await login.json()) as { token: string };
    const auth = { authorization: `Bearer ${token}` };
    const items = [
      { amount: -4.5, merchant: 'Corner Cafe' },
      { amount: -62.1, merchant: 'Green Market' },
      { amount: 2500, merchant: 'ACME payroll' },
    ];
    const posted = await fetch(`${base}/transactions`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ items }),
    });
    assert.equal(posted.status, 202);
    await app.transactions.flush(); // (the smoke test does not wait for the 100 ms batch)
    const month = new Date().toISOString().slice(0, 7);
    const dash = (await (
      await fetch(`${base}/dashboard?month=${month}`, { headers: auth })
    ).json()) as {
      totalCents: number;
      byCategory: Record<string, number>;
    };
    assert.equal(dash.totalCents, 243_340);
    assert.deepEqual(dash.byCategory, { dining: -450, groceries: -6210, income: 250_000 });
    console.log(
      `smoke: login, 3 transactions written behind, dashboard ${JSON.stringify(dash.byCategory)}: ok`,
    );
  } finally {
    await shutdown();
  }
}
