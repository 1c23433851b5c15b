/**
 * One stateless web process of the scale-out example: a catalogue of items over PostgreSQL,
 * with a `LoadingCache` in memory (L1) and, given `--redis`, Redis as a second tier shared with
 * the other processes (L2, `redisStore`) and an invalidation bus (`redisBus`).
 *
 *   node --import tsx examples/scale-out/server.ts --database URL [--redis URL] [--port 0]
 *        [--name web-1] [--prefix scale-out:]
 *
 * - `GET /items/:id`: L1, then Redis, then one query (cache-aside; concurrent misses share it).
 * - `PUT /items/:id` `{ name, priceCents }`: **write-through**: the database first, then this
 *   process's L1, Redis, and a message on the bus, so every other process drops its L1 copy and
 *   reads the new value from Redis: a write in one process is visible in the others as soon as
 *   the message arrives (a millisecond on a LAN), not after a ttl.
 * - `GET /stats`: this process's database queries and cache counters.
 *
 * Prints `listening on http://127.0.0.1:PORT` once ready; SIGTERM/SIGINT closes it cleanly.
 */
import { createServer } from 'node:http';
import { Redis } from 'ioredis';
import { LoadingCache, type LoadingCacheOptions } from 'lrukit';
import { redisBus, redisStore } from 'lrukit/redis';
import { databaseUrl, flag, openDb } from '../shared/db.js';
import {
  closeServer,
  HttpError,
  handle,
  listen,
  onShutdown,
  readJson,
  sendJson,
} from '../shared/http.js';

export interface Item {
  readonly id: string;
  readonly name: string;
  readonly priceCents: number;
}

const argv = process.argv.slice(2);
const name = flag(argv, 'name') ?? `web-${process.pid}`;
const redisUrl = flag(argv, 'redis');
const prefix = flag(argv, 'prefix') ?? 'scale-out:';
const port = Number(flag(argv, 'port') ?? 0);
const url = databaseUrl(argv);
if (url === undefined) {
  // several processes cannot share an in-process PGlite: the launcher (main.ts) serves one
  throw new TypeError('scale-out server: --database URL is required (main.ts starts one for you)');
}

const db = await openDb(url, { poolSize: 4 });

const clients: Redis[] = [];
const tiers: Pick<LoadingCacheOptions<string, Item>, 'l2' | 'bus'> = {};
if (redisUrl !== undefined) {
  for (let i = 0; i < 2; i++) {
    const client = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
    client.on('error', (error) => console.warn(`[${name}] redis: ${error.message}`));
    await client.connect();
    clients.push(client);
  }
  const [client, subscriber] = clients as [Redis, Redis];
  tiers.l2 = redisStore({ client, prefix: `${prefix}items:` });
  tiers.bus = redisBus({ publisher: client, subscriber, channel: `${prefix}items` });
}

type ItemRow = { id: string; name: string; price_cents: number };

const items = new LoadingCache<string, Item>({
  load: async (id) => {
    const rows = await db.query<ItemRow>('SELECT id, name, price_cents FROM items WHERE id = $1', [
      id,
    ]);
    const row = rows[0];
    if (row === undefined) throw new HttpError(404, `no item ${id}`);
    return { id: row.id, name: row.name, priceCents: row.price_cents };
  },
  write: async (id, item) => {
    await db.query(
      `INSERT INTO items (id, name, price_cents) VALUES ($1, $2, $3)
       ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, price_cents = EXCLUDED.price_cents`,
      [id, item.name, item.priceCents],
    );
  },
  ttl: 5 * 60_000, // long: writes go through the cache and the bus, so staleness is not ttl-bound
  maxEntries: 10_000,
  ...tiers,
  onError: (error, context) =>
    console.warn(`[${name}] ${JSON.stringify(context)}: ${String(error)}`),
});

const server = createServer(
  handle(
    async (req, res) => {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      const match = /^\/items\/([\w-]{1,64})$/.exec(path);
      if (req.method === 'GET' && match) return sendJson(res, 200, await items.get(match[1]!));
      if (req.method === 'PUT' && match) {
        const body = await readJson(req);
        if (typeof body.name !== 'string' || !Number.isSafeInteger(body.priceCents)) {
          throw new HttpError(400, 'body: { name: string, priceCents: integer }');
        }
        const item: Item = {
          id: match[1]!,
          name: body.name,
          priceCents: body.priceCents as number,
        };
        await items.write(item.id, item); // database, L1, Redis, bus: then the reply
        return sendJson(res, 200, item);
      }
      if (req.method === 'GET' && path === '/stats') {
        const { hits, misses, loads, l2Hits, l2Misses, busMessages } = items.stats;
        return sendJson(res, 200, {
          name,
          dbQueries: db.queries,
          cache: { hits, misses, loads, l2Hits, l2Misses, busMessages },
        });
      }
      throw new HttpError(404, 'routes: GET /items/:id, PUT /items/:id, GET /stats');
    },
    (message) => console.error(`[${name}] ${message}`),
  ),
);
server.keepAliveTimeout = 60_000;

const base = await listen(server, port);
console.log(`listening on ${base} (${name}; database ${db.where}; redis ${redisUrl ?? 'none'})`);

onShutdown(async () => {
  await closeServer(server);
  await items.close(); // waits for Redis writes in flight, leaves the bus
  await Promise.all(clients.map((client) => client.quit()));
  await db.close();
});
