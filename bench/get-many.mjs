#!/usr/bin/env node
/**
 * Bulk reads (issue 15): 100 keys through `LoadingCache.getMany`, through 100 concurrent `get`s,
 * and through DataLoader over the same loader, cold and warm, without and with a real Redis L2.
 * Counts round trips (to the "database": a loader call that answers after LOADER_MS on a timer;
 * to Redis: each command or pipeline sent) and times each call (median of REPS fresh runs).
 *
 *   node bench/get-many.mjs            prints the table (builds dist/ first if it is stale)
 *   node bench/get-many.mjs --smoke    2 repetitions, checks every row ran (CI)
 *   node bench/get-many.mjs --json     the rows as JSON
 *
 * bench/run.mjs runs it as its get-many section: `node bench/get-many.mjs '{"smoke":false}'` prints
 * the rows as JSON and loads the driver's snapshots of dist/index.js and dist/redis.js
 * (LRUKIT_BENCH_ENTRY, LRUKIT_BENCH_REDIS_ENTRY) instead of building.
 */

import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import DataLoader from 'dataloader';
import { Redis } from 'ioredis';
import { haveRedis, startRedis } from '../scripts/redis-server.mjs';
import { LRUKIT_ENTRY } from './adapters.mjs';
import { ensureBuilt } from './build.mjs';
import { REDIS_ENTRY } from './redis.mjs';
import { median, textTable } from './table.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const KEYS = 100;
const LOADER_MS = 1;
// run by the driver: one JSON argument, JSON out
const driven = process.argv[2]?.startsWith('{') ? JSON.parse(process.argv[2]) : undefined;
const smoke = driven ? Boolean(driven.smoke) : process.argv.includes('--smoke');
const json = Boolean(driven) || process.argv.includes('--json');
const REPS = smoke ? 2 : 15;

// the driver passes its snapshots of dist/ (built from one commit); run alone, build dist/ if stale
if (!process.env.LRUKIT_BENCH_ENTRY) ensureBuilt(ROOT);
const { LoadingCache } = await import(LRUKIT_ENTRY);
const { redisStore } = await import(REDIS_ENTRY);

/** The "database": every call is one round trip, answered after LOADER_MS. */
function database() {
  const db = { trips: 0 };
  const later = (value) => new Promise((resolve) => setTimeout(() => resolve(value), LOADER_MS));
  db.one = (id) => {
    db.trips++;
    return later({ id, name: `user ${id}` });
  };
  db.many = (ids) => {
    db.trips++;
    return later(ids.map((id) => ({ id, name: `user ${id}` })));
  };
  return db;
}

/** `client` behind a proxy counting round trips: each command, and each pipeline's exec. */
function counting(client) {
  const counter = { trips: 0 };
  const commands = new Set(['get', 'set', 'pttl', 'mget', 'unlink', 'scan', 'publish']);
  counter.client = new Proxy(client, {
    get(target, property) {
      const value = Reflect.get(target, property);
      if (property === 'pipeline') {
        return () => {
          const pipeline = target.pipeline();
          const exec = pipeline.exec.bind(pipeline);
          pipeline.exec = () => {
            counter.trips++;
            return exec();
          };
          return pipeline;
        };
      }
      if (commands.has(property) && typeof value === 'function') {
        return (...args) => {
          counter.trips++;
          return value.apply(target, args);
        };
      }
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return counter;
}

const ids = Array.from({ length: KEYS }, (_, i) => String(i));

/** One way of reading the 100 keys, over a fresh database (and L2 prefix, when given). */
const WAYS = {
  getMany: (db, l2) => {
    const cache = new LoadingCache({ load: db.one, loadMany: db.many, maxEntries: 1_000, l2 });
    return { read: () => cache.getMany(ids), settle: () => cache.flush() };
  },
  '100 × get': (db, l2) => {
    const cache = new LoadingCache({ load: db.one, maxEntries: 1_000, l2 });
    return { read: () => Promise.all(ids.map((id) => cache.get(id))), settle: () => cache.flush() };
  },
  DataLoader: (db) => {
    const loader = new DataLoader((keys) => db.many([...keys]));
    return { read: () => loader.loadMany(ids), settle: async () => {} };
  },
};

/** Measures `way` in `scene`; returns round trips of the measured call and its median time. */
async function measure(way, scene, redis) {
  const times = [];
  let dbTrips = 0;
  let redisTrips = 0;
  for (let rep = 0; rep < REPS; rep++) {
    const db = database();
    const counter = redis && counting(redis);
    const prefix = `gm:${way}:${scene}:${rep}:`;
    const l2 = counter && redisStore({ client: counter.client, prefix });
    let subject = WAYS[way](db, l2);
    if (scene === 'warm') {
      await subject.read();
      await subject.settle();
    } else if (scene === 'warm L2, cold L1') {
      await subject.read();
      await subject.settle();
      subject = WAYS[way](db, l2); // another process: its L1 is empty, Redis is warm
    }
    const db0 = db.trips;
    const r0 = counter?.trips ?? 0;
    const t0 = performance.now();
    const values = await subject.read();
    times.push(performance.now() - t0);
    if (values.length !== KEYS || values[7]?.name !== 'user 7') {
      throw new Error(`${way} (${scene}) read wrong values`);
    }
    await subject.settle(); // the L2 writes a cold read started, counted with it
    dbTrips = db.trips - db0;
    redisTrips = (counter?.trips ?? 0) - r0;
  }
  return { way, scene, redis: Boolean(redis), dbTrips, redisTrips, ms: median(times) };
}

const rows = [];
for (const scene of ['cold', 'warm']) {
  for (const way of Object.keys(WAYS)) rows.push(await measure(way, scene, undefined));
}
let server;
let client;
if (haveRedis) {
  server = await startRedis();
  client = new Redis(server.url, { maxRetriesPerRequest: 1 });
  for (const scene of ['cold', 'warm L2, cold L1']) {
    for (const way of ['getMany', '100 × get']) rows.push(await measure(way, scene, client));
  }
  client.disconnect();
  await server.stop();
} else if (process.env.CI === 'true') {
  throw new Error('bench/get-many.mjs: redis-server is missing (CI)');
} else {
  process.stderr.write('bench/get-many.mjs: no redis-server on PATH: the Redis rows are skipped\n');
}

if (driven) {
  process.stdout.write(
    `${JSON.stringify({ keys: KEYS, loaderMs: LOADER_MS, reps: REPS, rows })}\n`,
  );
} else if (json) {
  process.stdout.write(`${JSON.stringify(rows)}\n`);
} else {
  console.log(
    `Bulk reads of ${KEYS} keys (database round trip ${LOADER_MS} ms on a timer; median of ${REPS} runs)`,
  );
  console.log(
    textTable(
      ['scene', 'L2', 'way', 'database round trips', 'Redis round trips', 'time (ms)'],
      rows.map((r) => [
        r.scene,
        r.redis ? 'Redis' : '—',
        r.way,
        String(r.dbTrips),
        r.redis ? String(r.redisTrips) : '—',
        r.ms.toFixed(2),
      ]),
    ),
  );
}
