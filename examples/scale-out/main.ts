/**
 * scale-out: stateless web processes (server.ts) in front of one PostgreSQL, without and with a
 * shared Redis. Starts everything it needs, measures, prints, stops everything, exits.
 *
 *   npm run example:scale-out                      # needs redis-server (apt-get install redis-server)
 *   npm run example:scale-out -- --requests 20000
 *   npm run example:scale-out -- --database postgres://…   REDIS_URL=redis://… also works
 *   npm run example:scale-out -- --pglite          # PGlite even when PostgreSQL is installed
 *
 * Database: `--database`/`DATABASE_URL`; else a throwaway PostgreSQL server when Debian's
 * `postgresql` is installed; else PGlite, served to the web processes by this one over
 * loopback HTTP (examples/shared/db-http.ts). Redis: `REDIS_URL`, else a throwaway
 * redis-server; without one, this example cannot show anything and says so (exit 1).
 *
 * 1. The same reproducible load (Zipf over 1,000 items) against one process, two processes,
 *    and two processes sharing Redis: database queries per 1,000 requests for each.
 * 2. A write in one process (write-through: database, L1, Redis, bus), read from the other:
 *    without Redis the other keeps serving its stale copy; with Redis it sees the new one as
 *    soon as the bus message arrives.
 */
import assert from 'node:assert/strict';
import {
  havePostgres,
  type PostgresServer,
  startPostgres,
} from '../../scripts/postgres-server.mjs';
import { haveRedis, type RedisServer, startRedis } from '../../scripts/redis-server.mjs';
import { databaseUrl, flag, openDb } from '../shared/db.js';
import { serveDb } from '../shared/db-http.js';
import { ITEMS, runLoad, SCHEMA, SEED, startWeb, type Web, zipfKeys } from './fleet.js';

const argv = process.argv.slice(2);
const requests = Number(flag(argv, 'requests') ?? 6_000);
if (!Number.isInteger(requests) || requests < 1) {
  throw new RangeError(
    `scale-out: --requests must be a positive integer, got ${flag(argv, 'requests')}`,
  );
}
const isCI = process.env.CI === 'true' || process.env.CI === '1';

if (process.env.REDIS_URL === undefined && !haveRedis) {
  const line = '!'.repeat(78);
  console.log(
    `${line}\n!! SKIP scale-out: it needs Redis, and there is no redis-server on PATH nor REDIS_URL.`,
  );
  console.log(
    '!! Install it (apt-get install redis-server, brew install redis) or set REDIS_URL=redis://…',
  );
  console.log(line);
  process.exit(isCI || !argv.includes('--smoke') ? 1 : 0);
}

const cleanups: Array<() => Promise<unknown>> = [];
// Ctrl+C or a time limit: exit normally, so that the exit hooks stop the throwaway servers
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(1));

async function database(): Promise<string> {
  const given = databaseUrl(argv);
  if (given !== undefined) return given;
  if (havePostgres && !argv.includes('--pglite')) {
    const server: PostgresServer = await startPostgres();
    cleanups.push(() => server.stop());
    return server.url;
  }
  const pglite = await openDb(); // in this process, served to the web processes
  const served = await serveDb(pglite);
  cleanups.push(
    () => pglite.close(),
    () => served.close(),
  );
  return served.url;
}

async function redis(): Promise<string> {
  if (process.env.REDIS_URL !== undefined) return process.env.REDIS_URL;
  const server: RedisServer = await startRedis();
  cleanups.push(() => server.stop());
  return server.url;
}

/** Starts `n` web processes, runs `fn`, stops them. */
async function withFleet<T>(
  n: number,
  redisUrl: string | undefined,
  fn: (webs: Web[]) => Promise<T>,
) {
  const prefix = `scale-out:${process.pid}:${Date.now()}:`; // a fresh, empty L2 for each fleet
  const webs = await Promise.all(
    Array.from({ length: n }, (_, i) =>
      startWeb({ name: `web-${i + 1}`, database: dbUrl, redis: redisUrl, prefix }),
    ),
  );
  try {
    return await fn(webs);
  } finally {
    await Promise.all(webs.map((w) => w.stop()));
  }
}

async function getName(web: Web, id: string): Promise<string> {
  return ((await (await fetch(`${web.url}/items/${id}`)).json()) as { name: string }).name;
}

async function put(web: Web, id: string, name: string): Promise<void> {
  const response = await fetch(`${web.url}/items/${id}`, {
    method: 'PUT',
    body: JSON.stringify({ name, priceCents: 999 }),
  });
  assert.equal(response.status, 200);
}

let dbUrl = '';
try {
  dbUrl = await database();
  const redisUrl = await redis();
  const setup = await openDb(dbUrl);
  await setup.exec(SCHEMA);
  await setup.query(SEED);
  await setup.close();
  console.log(
    `scale-out: ${ITEMS} items; database ${dbUrl.replace(/\/\/[^@/]*@/, '//')}; redis ${redisUrl}`,
  );

  const keys = zipfKeys(requests);
  console.log(
    `\n1. ${requests} GET /items/:id (Zipf over ${ITEMS} items, ${new Set(keys).size} distinct), round-robin:\n`,
  );
  const rows: Array<[string, Awaited<ReturnType<typeof runLoad>>]> = [];
  rows.push(['1 process', await withFleet(1, undefined, (webs) => runLoad(webs, keys))]);
  rows.push([
    '2 processes',
    await withFleet(2, undefined, async (webs) => {
      const result = await runLoad(webs, keys);
      // 2a. without a shared tier, a write in web-1 leaves web-2's copy stale (until its ttl)
      const before = await getName(webs[1]!, '1');
      await put(webs[0]!, '1', 'renamed without redis');
      assert.equal(await getName(webs[1]!, '1'), before);
      await put(webs[0]!, '1', 'item 1'); // put it back for the next fleet
      return result;
    }),
  ]);
  let visibleMs = Number.NaN;
  rows.push([
    '2 processes + Redis',
    await withFleet(2, redisUrl, async (webs) => {
      const result = await runLoad(webs, keys);
      // 2b. with Redis: write-through in web-1, then web-2 drops its copy when the bus says so
      assert.equal(await getName(webs[1]!, '1'), 'item 1');
      const started = performance.now();
      await put(webs[0]!, '1', 'renamed with redis');
      while ((await getName(webs[1]!, '1')) !== 'renamed with redis') {
        if (performance.now() - started > 5_000) throw new Error('web-2 never saw the write');
      }
      visibleMs = performance.now() - started;
      return result;
    }),
  ]);

  console.log('   fleet                  requests   db queries   per 1,000 requests');
  for (const [label, r] of rows) {
    console.log(
      `   ${label.padEnd(22)} ${String(r.requests).padStart(8)}   ${String(r.queries).padStart(10)}   ${r.perThousand.toFixed(1).padStart(18)}`,
    );
  }
  console.log('\n2. PUT /items/1 on web-1, then GET /items/1 on web-2:');
  console.log('   without Redis: web-2 still serves the old name (its own copy, until the ttl)');
  console.log(
    `   with Redis:    web-2 serves the new name ${visibleMs.toFixed(1)} ms after the PUT began`,
  );

  // one process loads each distinct key once; two without Redis each load the distinct keys of
  // their half of the requests (round-robin); two sharing Redis load each about once again
  const [one, two, shared] = rows.map(([, r]) => r.queries) as [number, number, number];
  const half = (parity: number) => new Set(keys.filter((_, i) => i % 2 === parity)).size;
  assert.equal(one, new Set(keys).size);
  assert.equal(two, half(0) + half(1));
  assert.ok(shared <= one * 1.1, 'two processes sharing Redis load about as much as one');
  console.log('\nscale-out: ok');
} finally {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
}
