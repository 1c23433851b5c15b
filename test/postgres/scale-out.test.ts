// examples/scale-out end to end: real web processes (server.ts) in front of a real PostgreSQL
// server, with and without a real redis-server between them. A write in one process reaches
// the other through write-through + the bus; the fleet's database queries per 1,000 requests
// are measured (and printed) for one process, two, and two sharing Redis.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ITEMS,
  runLoad,
  SCHEMA,
  SEED,
  startWeb,
  type Web,
  zipfKeys,
} from '../../examples/scale-out/fleet.js';
import { type PostgresServer, startPostgres } from '../../scripts/postgres-server.mjs';
import { type RedisServer, startRedis } from '../../scripts/redis-server.mjs';
import { closeAll, connect, until } from './helpers.js';

let postgres: PostgresServer;
let redis: RedisServer;
const webs: Web[] = [];
// the three fleets, started together (process start-up is most of this file's time)
let single: Web;
let pair: [Web, Web];
let sharing: [Web, Web];

beforeAll(async () => {
  [postgres, redis] = await Promise.all([startPostgres(), startRedis()]);
  const db = await connect(postgres.url);
  await db.exec(SCHEMA);
  await db.query(SEED);
  const start = (name: string, shared: boolean) =>
    startWeb({
      name,
      database: postgres.url,
      ...(shared ? { redis: redis.url, prefix: 'test:' } : {}),
    }).then((web) => {
      webs.push(web);
      return web;
    });
  const started = await Promise.all([
    start('single', false),
    start('pair-1', false),
    start('pair-2', false),
    start('sharing-1', true),
    start('sharing-2', true),
  ]);
  single = started[0];
  pair = [started[1], started[2]];
  sharing = [started[3], started[4]];
});

afterAll(async () => {
  await Promise.all(webs.map((w) => w.stop()));
  await closeAll();
  await Promise.all([postgres?.stop(), redis?.stop()]);
});

const getItem = async (web: Web, id: string) =>
  (await (await fetch(`${web.url}/items/${id}`)).json()) as { name: string; priceCents: number };

const putItem = (web: Web, id: string, name: string) =>
  fetch(`${web.url}/items/${id}`, { method: 'PUT', body: JSON.stringify({ name, priceCents: 1 }) });

describe('examples/scale-out on PostgreSQL and Redis', () => {
  const keys = zipfKeys(600);
  const distinct = new Set(keys).size;
  const queries: Record<string, number> = {};

  it('one process: the database is queried once per distinct item', async () => {
    const result = await runLoad([single], keys);
    queries.one = result.queries;
    expect(result.queries).toBe(distinct);
  });

  it('two processes without Redis: each loads what it sees, and a write leaves the other stale', async () => {
    const [a, b] = pair;
    const result = await runLoad(pair, keys);
    queries.two = result.queries;
    // round-robin: each process loads every distinct key of its own half of the requests
    const half = (parity: number) => new Set(keys.filter((_, i) => i % 2 === parity)).size;
    expect(result.queries).toBe(half(0) + half(1));
    expect(result.queries).toBeGreaterThan(distinct);

    expect((await getItem(b, '2')).name).toBe('item 2');
    expect((await putItem(a, '2', 'renamed in a')).status).toBe(200);
    expect((await getItem(a, '2')).name).toBe('renamed in a');
    expect((await getItem(b, '2')).name).toBe('item 2'); // b's own copy, until its ttl
    expect((await putItem(a, '2', 'item 2')).status).toBe(200);
  });

  it('two processes sharing Redis: about as many queries as one, and a write in one is seen by the other', async () => {
    const [a, b] = sharing;
    const result = await runLoad(sharing, keys);
    queries.shared = result.queries;
    // once per distinct key for the fleet; a few more when both miss Redis at the same moment
    expect(result.queries).toBeGreaterThanOrEqual(distinct);
    expect(result.queries).toBeLessThanOrEqual(distinct * 1.1);
    console.log(
      `scale-out: ${keys.length} requests over ${ITEMS} items (${distinct} distinct); database queries per 1,000 requests: ` +
        `1 process ${((queries.one! / keys.length) * 1000).toFixed(0)}, ` +
        `2 processes ${((queries.two! / keys.length) * 1000).toFixed(0)}, ` +
        `2 sharing Redis ${((queries.shared / keys.length) * 1000).toFixed(0)}`,
    );

    expect((await getItem(b, '1')).name).toBe('item 1'); // cached in b (L1)
    const started = performance.now();
    expect((await putItem(a, '1', 'renamed in a')).status).toBe(200);
    await until(async () => expect((await getItem(b, '1')).name).toBe('renamed in a'), 2_000);
    console.log(
      `scale-out: b saw a's write ${(performance.now() - started).toFixed(1)} ms after the PUT began`,
    );
    const db = await connect(postgres.url);
    expect(await db.query("SELECT name FROM items WHERE id = '1'")).toEqual([
      { name: 'renamed in a' },
    ]);
  });
});
