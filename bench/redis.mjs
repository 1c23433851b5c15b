/**
 * The "Redis tier" section: what one `get` of a `LoadingCache` costs at each tier (`lrukit/redis`
 * as its `l2`), and how many loads a shared Redis saves the backend when two processes run the
 * same workload. Each measurement is a fresh child process of the driver
 * (`node bench/redis.mjs '{"test":"latency","smoke":false}'`) that starts its own redis-server
 * on a free loopback port and stops it by pid before it exits, even on error.
 *
 * - `latency`: `get` awaited one at a time, each call timed alone, for every case of
 *   {@link LATENCY_CASES}; each case is checked against the cache's `stats` (an "L2 hit" sample
 *   that was an L1 hit or a load fails the run). Samples are µs.
 * - `throughput`: one setup of {@link THROUGHPUT_SETUPS}: 1 or 2 peer processes
 *   (bench/redis-peer.mjs), each replaying the same fixed-seed Zipf stream from its own offset
 *   with `concurrency` gets outstanding, for `durationMs`, from a cold cache (and a cold Redis).
 *
 * The loader everywhere simulates a backend call of about {@link LOADER_MS} ms: a timer, no CPU.
 * Prints one line of JSON.
 */

import { fork } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { redisCommand, startRedis } from '../scripts/redis-server.mjs';
import { LRUKIT_ENTRY } from './adapters.mjs';

export { haveRedis } from '../scripts/redis-server.mjs';

/** Sizes of a full run and of the smoke run. */
export const REDIS_SIZES = {
  full: {
    l1Samples: 20_000,
    l2Samples: 5_000,
    missSamples: 500,
    warmup: 500,
    missWarmup: 100,
    keys: 100_000,
    maxEntries: 1_000,
    concurrency: 32,
    durationMs: 3_000,
    stream: 1 << 21,
    traceEvery: 1_000,
  },
  smoke: {
    l1Samples: 500,
    l2Samples: 200,
    missSamples: 20,
    warmup: 20,
    missWarmup: 5,
    keys: 10_000,
    maxEntries: 100,
    concurrency: 32,
    durationMs: 300,
    stream: 1 << 16,
    traceEvery: 100,
  },
};

/** What the simulated backend takes per call: `setTimeout(…, LOADER_MS)`. */
export const LOADER_MS = 1;
/** Freshness of every entry, in L1 and in Redis (longer than any run: nothing expires). */
export const REDIS_TTL_MS = 60_000;
export const REDIS_ZIPF_EXPONENT = 0.99;
export const REDIS_ZIPF_SEED = 0x2ed15;

/** The latency cases, in report order; the references are not `get`s of a cache. */
export const LATENCY_CASES = [
  { id: 'l1Hit', name: 'L1 hit (key held in memory)' },
  { id: 'l2Hit', name: 'L2 hit (empty L1, key in Redis: one round trip)' },
  { id: 'loader', name: 'miss, no L2: the loader' },
  { id: 'l2MissLoader', name: 'L2 miss → loader (Redis GET, then the loader)' },
  { id: 'redisGet', name: 'reference: a bare ioredis GET, back to back' },
  { id: 'redisGetIdle', name: 'reference: a bare ioredis GET after ~1 ms idle' },
  { id: 'backend', name: 'reference: the simulated backend call alone' },
];

/**
 * The throughput setups, in report order. `processes` peers run at once; `redis`: with a shared
 * Redis as `l2` (and a `bus`, as the guide sets it up), else each process loads for itself.
 */
export const THROUGHPUT_SETUPS = [
  { id: 'two-local', name: '2 processes, no Redis', processes: 2, redis: false },
  { id: 'one-shared', name: '1 process with Redis', processes: 1, redis: true },
  { id: 'two-shared', name: '2 processes sharing one Redis', processes: 2, redis: true },
];

/** The setup with this id; throws on an unknown id. */
export function throughputSetup(id) {
  const found = THROUGHPUT_SETUPS.find((s) => s.id === id);
  if (!found) throw new Error(`bench: unknown Redis throughput setup "${id}"`);
  return found;
}

/** The `p`-th percentile (0 < p ≤ 100, nearest rank) of `values`. */
export function percentile(values, p) {
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
}

/**
 * Copies dist/redis.js into the driver's snapshot directory (beside its copy of dist/index.js,
 * see build.mjs) so every child of one run loads the same build; returns the copy's path.
 */
export function snapshotRedisEntry(root, dir) {
  const source = join(root, 'dist', 'redis.js');
  if (!existsSync(source)) {
    throw new Error('dist/redis.js is missing: run npm run build (tsup builds src/redis.ts)');
  }
  if (/^\s*(import|export)\s[^;]*\sfrom\s*['"]\.\.?\//m.test(readFileSync(source, 'utf8'))) {
    throw new Error('dist/redis.js imports other files of dist/: it cannot be snapshotted alone');
  }
  const file = join(dir, 'redis.js');
  copyFileSync(source, file);
  return file;
}

/** The lrukit/redis build to load: the driver's snapshot, or dist/redis.js when run alone. */
export const REDIS_ENTRY = process.env.LRUKIT_BENCH_REDIS_ENTRY
  ? pathToFileURL(process.env.LRUKIT_BENCH_REDIS_ENTRY).href
  : new URL('../dist/redis.js', import.meta.url).href;

/** A JSON value of the size of a small record, different for every id. */
export const makeValue = (id) => ({
  id,
  name: `item ${id}`,
  tags: ['bench', id % 2 ? 'odd' : 'even'],
  updatedAt: 1_700_000_000_000 + id,
});

/** The simulated backend: resolves with the value of `id` after a `LOADER_MS` timer. */
export const backend = (id) =>
  new Promise((resolve) => setTimeout(resolve, LOADER_MS, makeValue(id)));

export function fail(message) {
  throw new Error(`bench: wrong result: ${message}`);
}

/** Resolves once `client` is ready; rejects after `ms`. */
export function ready(client, ms = 10_000) {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off('ready', onReady);
      reject(new Error(`bench: Redis client not ready after ${ms} ms (${client.status})`));
    }, ms);
    const onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    client.once('ready', onReady);
  });
}

/** Closes `clients` (QUIT, or a plain disconnect if that fails), so the process can exit. */
export async function closeClients(clients) {
  await Promise.all(
    [...clients].map(async (client) => {
      try {
        await client.quit();
      } catch {
        client.disconnect();
      }
    }),
  );
}

// ---- latency ----

const IOREDIS_PACKAGE = fileURLToPath(
  new URL('../node_modules/ioredis/package.json', import.meta.url),
);

/**
 * For i in 0..n-1, awaits `call(i)` of every case in turn, each call timed alone (µs, to the ns),
 * then `check(i, value)`: the cases interleave, so a slow spell of the machine hits them alike.
 */
async function timeInterleaved(n, cases) {
  const us = cases.map(() => new Array(n));
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < cases.length; c++) {
      const t0 = performance.now();
      const value = await cases[c].call(i);
      us[c][i] = Math.round((performance.now() - t0) * 1e6) / 1000;
      cases[c].check?.(i, value);
    }
  }
  return us;
}

/** What changed in `stats` (numbers only) since `before`. */
function delta(stats, before) {
  const out = {};
  for (const [k, v] of Object.entries(stats)) if (k !== 'hitRatio') out[k] = v - before[k];
  return out;
}

function expectStats(what, got, want) {
  for (const [k, v] of Object.entries(want)) {
    if (got[k] !== v) fail(`${what}: stats.${k} grew by ${got[k]}, expected ${v}`);
  }
}

const key = (id) => `item:${id}`;
const checkId = (what, id) => (i, value) => {
  if (value?.id !== id(i)) fail(`${what}: get of ${key(id(i))} gave item ${value?.id}`);
};

/**
 * Runs the cases of `cases(true)` on `warmup` samples, untimed, then those of `cases(false)` (new
 * caches, other keys) on `n` timed samples; checks each timed cache's `stats` (`expect(n)`) and
 * the loader's calls (`n` per case that `loads`). Returns each case's µs, by case id.
 */
async function measure({ n, warmup, cases, counter }) {
  const warm = cases(true);
  await timeInterleaved(warmup, warm);
  await Promise.all(warm.map((c) => c.cache?.flush()));
  const timed = cases(false);
  const before = timed.map((c) => c.cache && { ...c.cache.stats });
  const calls = counter.calls;
  const us = await timeInterleaved(n, timed);
  let expectedCalls = 0;
  timed.forEach((c, i) => {
    if (c.cache) expectStats(c.id, delta(c.cache.stats, before[i]), c.expect(n));
    expectedCalls += c.loads ? n : 0;
  });
  if (counter.calls - calls !== expectedCalls) {
    fail(`the loader ran ${counter.calls - calls} times, expected ${expectedCalls}`);
  }
  await Promise.all(timed.map((c) => c.cache?.flush())); // writes to Redis after loads, untimed
  return Object.fromEntries(timed.map((c, i) => [c.id, us[i]]));
}

async function latency(sizes, clients) {
  const { LoadingCache } = await import(LRUKIT_ENTRY);
  const { redisStore } = await import(REDIS_ENTRY);
  const { Redis } = await import('ioredis');
  const server = await startRedis();
  try {
    const client = new Redis(server.url);
    clients.add(client);
    await ready(client);
    // the longest the guide allows: a GET timed out on a busy machine fails the run (its sample
    // would be neither an L2 hit nor a plain L2 miss)
    const l2 = redisStore({ client, prefix: 'bench:', commandTimeout: 500 });
    const counter = { calls: 0 };
    const load = (k) => {
      counter.calls++;
      return backend(Number(k.slice(5)));
    };
    // a throwing onError is ignored by the cache: failures are collected and checked at the end
    const tierErrors = [];
    const onError = (error, context) => tierErrors.push(`${context.operation}: ${error}`);
    const options = { load, maxEntries: 100_000, ttl: REDIS_TTL_MS };
    const tiered = () => new LoadingCache({ ...options, l2, onError });
    const { warmup } = sizes;

    // L1 hits: keys loaded before timing, asked again and again
    const l1 = tiered();
    const held = Math.min(1_000, sizes.l1Samples);
    // in small batches: a thousand GETs at once could outlast commandTimeout on a busy machine
    for (let id = 0; id < held; id += 25) {
      await Promise.all(
        Array.from({ length: Math.min(25, held - id) }, (_, j) => l1.get(key(id + j))),
      );
    }
    const heldId = (i) => i % held;
    const l1Hit = await measure({
      n: sizes.l1Samples,
      warmup: sizes.l1Samples,
      counter,
      cases: () => [
        {
          id: 'l1Hit',
          cache: l1,
          call: (i) => l1.get(key(heldId(i))),
          check: checkId('L1 hit', heldId),
          expect: (n) => ({ hits: n, misses: 0, l2Hits: 0, l2Misses: 0 }),
        },
      ],
    });

    // L2 hits: distinct keys written to Redis beforehand, each asked once by a cache that has
    // never seen it; beside them, a bare GET of the same key (the floor of a round trip)
    const l2Base = 1_000_000;
    for (let i = 0; i < warmup + sizes.l2Samples; i += 100) {
      const batch = Array.from({ length: Math.min(100, warmup + sizes.l2Samples - i) }, (_, j) => {
        const id = l2Base + i + j;
        return l2.set(key(id), makeValue(id), REDIS_TTL_MS);
      });
      await Promise.all(batch);
    }
    const l2Hits = await measure({
      n: sizes.l2Samples,
      warmup,
      counter,
      cases: (warming) => {
        const cache = tiered();
        const id = (i) => l2Base + (warming ? i : warmup + i);
        return [
          {
            id: 'l2Hit',
            cache,
            call: (i) => cache.get(key(id(i))),
            check: checkId('L2 hit', id),
            expect: (n) => ({ hits: 0, misses: n, l2Hits: n, l2Misses: 0, l2Errors: 0 }),
          },
          {
            id: 'redisGet',
            call: (i) => client.get(`bench:${key(id(i))}`).then((text) => JSON.parse(text)),
            check: checkId('bare GET', id),
          },
        ];
      },
    });

    // misses: new keys each time, to the loader without an L2 and after a miss in Redis;
    // beside them, the simulated backend alone, and a bare GET after it (Redis and this process
    // having sat idle for a millisecond, as the GET of an L2 miss after the previous load)
    const misses = await measure({
      n: sizes.missSamples,
      warmup: sizes.missWarmup,
      counter,
      cases: (warming) => {
        const local = new LoadingCache(options);
        const cache = tiered();
        const id = (base) => (i) => base + (warming ? i : sizes.missWarmup + i);
        return [
          {
            id: 'loader',
            cache: local,
            loads: true,
            call: (i) => local.get(key(id(2_000_000)(i))),
            check: checkId('miss, no L2', id(2_000_000)),
            expect: (n) => ({ hits: 0, misses: n, l2Hits: 0, l2Misses: 0 }),
          },
          {
            id: 'l2MissLoader',
            cache,
            loads: true,
            call: (i) => cache.get(key(id(3_000_000)(i))),
            check: checkId('L2 miss', id(3_000_000)),
            expect: (n) => ({ hits: 0, misses: n, l2Hits: 0, l2Misses: n, l2Errors: 0 }),
          },
          {
            id: 'backend',
            call: (i) => backend(id(4_000_000)(i)),
            check: checkId('backend', id(4_000_000)),
          },
          {
            id: 'redisGetIdle',
            call: (i) => client.get(`bench:${key(id(5_000_000)(i))}`),
            check: (i, text) => text === null || fail(`GET of absent ${key(id(5_000_000)(i))}`),
          },
        ];
      },
    });

    if (tierErrors.length) fail(`Redis tier failures: ${tierErrors.slice(0, 3).join('; ')}`);
    const info = String(await redisCommand(server.port, ['INFO', 'server']));
    return {
      test: 'latency',
      samples: { ...l1Hit, ...l2Hits, ...misses },
      loaderMs: LOADER_MS,
      redisVersion: /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown',
      ioredisVersion: JSON.parse(readFileSync(IOREDIS_PACKAGE, 'utf8')).version,
    };
  } finally {
    await closeClients(clients);
    clients.clear();
    await server.stop();
  }
}

// ---- throughput ----

const PEER = fileURLToPath(new URL('./redis-peer.mjs', import.meta.url));

/**
 * Forks one peer (added to `children` at once, so it is killed even if it never gets ready);
 * resolves once it is ready (stream built, clients connected) with `{ go() → Promise<result> }`.
 */
function startPeer(args, children) {
  const child = fork(PEER, [JSON.stringify(args)], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  children.push(child);
  let resolveResult;
  let rejectResult;
  const result = new Promise((res, rej) => {
    resolveResult = res;
    rejectResult = rej;
  });
  result.catch(() => {}); // awaited through go(); a peer that dies before is reported by start
  return new Promise((resolveStart, rejectStart) => {
    child.on('error', (error) => {
      rejectStart(error);
      rejectResult(error);
    });
    child.on('exit', (code, signal) => {
      const error = new Error(`bench: Redis peer ${args.peer} exited (${signal ?? code})`);
      rejectStart(error);
      rejectResult(error);
    });
    child.on('message', (m) => {
      if (m.ready) {
        resolveStart({
          go: () => {
            child.send({ go: true });
            return result;
          },
        });
      } else if (m.result) resolveResult(m.result);
    });
  });
}

async function throughput(setup, sizes, args) {
  const server = setup.redis ? await startRedis() : undefined;
  const children = [];
  try {
    const starting = Array.from({ length: setup.processes }, (_, peer) =>
      startPeer(
        {
          peer,
          url: server?.url,
          offset: Math.floor((peer * sizes.stream) / setup.processes),
          keys: sizes.keys,
          stream: sizes.stream,
          exponent: REDIS_ZIPF_EXPONENT,
          seed: REDIS_ZIPF_SEED,
          maxEntries: sizes.maxEntries,
          ttl: REDIS_TTL_MS,
          concurrency: sizes.concurrency,
          durationMs: sizes.durationMs,
          traceEvery: sizes.traceEvery,
        },
        children,
      ),
    );
    const started = await Promise.all(starting);
    // every peer is ready before any starts: they run at the same time
    const results = await Promise.all(started.map((p) => p.go()));
    const redisKeys = server ? await redisCommand(server.port, ['DBSIZE']) : undefined;
    return {
      test: 'throughput',
      setup: setup.id,
      smoke: Boolean(args.smoke),
      processes: results,
      redisKeys,
      keys: sizes.keys,
      maxEntries: sizes.maxEntries,
      concurrency: sizes.concurrency,
      durationMs: sizes.durationMs,
      exponent: REDIS_ZIPF_EXPONENT,
      ttl: REDIS_TTL_MS,
      loaderMs: LOADER_MS,
    };
  } finally {
    for (const child of children) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    await server?.stop();
  }
}

// ---- the child ----

/** Most ms a child may run; then it exits, and redis-server.mjs kills its servers on exit. */
export const REDIS_CHILD_LIMIT_MS = 60_000;

async function main() {
  const args = JSON.parse(process.argv[2]);
  const sizes = args.smoke ? REDIS_SIZES.smoke : REDIS_SIZES.full;
  const clients = new Set();
  const watchdog = setTimeout(() => {
    process.stderr.write(`bench: redis.mjs gave up after ${REDIS_CHILD_LIMIT_MS} ms\n`);
    process.exit(1);
  }, REDIS_CHILD_LIMIT_MS);
  watchdog.unref();
  let result;
  if (args.test === 'latency') result = await latency(sizes, clients);
  else if (args.test === 'throughput') {
    result = await throughput(throughputSetup(args.setup), sizes, args);
  } else throw new Error(`bench: unknown Redis test "${args.test}"`);
  clearTimeout(watchdog);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

// run only as a child process: the driver and the report import the definitions above
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
