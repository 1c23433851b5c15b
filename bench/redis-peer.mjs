/**
 * One load-generating process of the Redis tier's throughput test, forked by bench/redis.mjs:
 * a `LoadingCache` (with Redis as `l2` and a `bus` when given a `url`) driven by `concurrency`
 * loops of `await get(key)` over a fixed-seed Zipf stream, for `durationMs` from a cold cache.
 *
 * IPC: sends `{ ready }` once the stream is built and the clients are connected, starts on
 * `{ go }`, sends `{ result }` and exits. Exits at once if the parent goes away.
 */

import { performance } from 'node:perf_hooks';
import { LRUKIT_ENTRY } from './adapters.mjs';
import { prng, zipfKeys } from './random.mjs';
import { backend, closeClients, fail, REDIS_ENTRY, ready } from './redis.mjs';

const args = JSON.parse(process.argv[2]);
const orphaned = () => process.exit(1);
process.on('disconnect', orphaned);

const { LoadingCache } = await import(LRUKIT_ENTRY);
const clients = new Set();
let l2;
let bus;
if (args.url) {
  const [{ Redis }, { redisStore, redisBus }] = await Promise.all([
    import('ioredis'),
    import(REDIS_ENTRY),
  ]);
  const client = new Redis(args.url);
  const subscriber = new Redis(args.url);
  clients.add(client).add(subscriber);
  await Promise.all([ready(client), ready(subscriber)]);
  l2 = redisStore({ client, prefix: 'bench:' });
  bus = redisBus({ publisher: client, subscriber, channel: 'bench' });
}

// every peer draws the same stream (same popularity of the same keys), from its own offset
const stream = zipfKeys(args.stream, args.keys, args.exponent, prng(args.seed));
const mask = args.stream - 1;
const keyOf = Array.from({ length: args.keys }, (_, id) => `item:${id}`);
// Redis calls that failed (timeouts, when the machine is too busy to read a reply within
// `commandTimeout`): the cache goes on without Redis, as it would in production; counted, shown
const tierErrors = { get: 0, set: 0, other: [] };
let loaderCalls = 0;
const cache = new LoadingCache({
  load: (key) => {
    loaderCalls++;
    return backend(Number(key.slice(5)));
  },
  maxEntries: args.maxEntries,
  ttl: args.ttl,
  ...(l2 && {
    l2,
    bus,
    onError: (error, context) => {
      if (error?.name === 'TierTimeoutError' && context.operation in tierErrors) {
        tierErrors[context.operation]++;
      } else tierErrors.other.push(`${context.tier} ${context.operation}: ${error}`);
    },
  }),
});

await new Promise((resolve) => {
  process.on('message', (m) => m.go && resolve());
  process.send({ ready: true });
});

let pos = args.offset;
let ops = 0;
// loader calls after every `traceEvery` gets, so setups can be compared over the same work
const trace = [];
const deadline = performance.now() + args.durationMs;
const loop = async () => {
  while (performance.now() < deadline) {
    const id = stream[pos];
    pos = (pos + 1) & mask;
    const value = await cache.get(keyOf[id]);
    if (value.id !== id) fail(`get of item ${id} gave ${value?.id}`);
    if (++ops % args.traceEvery === 0) trace.push(loaderCalls);
  }
};
const cpu0 = process.cpuUsage();
const t0 = performance.now();
await Promise.all(Array.from({ length: args.concurrency }, loop));
const seconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
await cache.close(); // the last writes to Redis, not timed

const stats = cache.stats;
if (stats.hits + stats.misses !== ops) fail(`${stats.hits} hits + ${stats.misses} misses ≠ ${ops}`);
if (tierErrors.other.length) {
  fail(`Redis tier failures other than timeouts: ${tierErrors.other.slice(0, 3).join('; ')}`);
}
if (stats.loadErrors !== 0) fail(`${stats.loadErrors} loads failed`);
if (l2) {
  // a GET that timed out goes to the loader too
  if (loaderCalls !== stats.l2Misses + tierErrors.get) {
    fail(
      `the loader ran ${loaderCalls} times for ${stats.l2Misses} L2 misses and ${tierErrors.get} failed GETs`,
    );
  }
  if (stats.busMessages !== 0 || stats.busErrors !== 0) {
    fail(`bus: ${stats.busMessages} messages, ${stats.busErrors} errors on a read-only workload`);
  }
} else if (loaderCalls !== stats.loads) {
  fail(`the loader ran ${loaderCalls} times for ${stats.loads} loads`);
}
await closeClients(clients);

process.send(
  {
    result: {
      peer: args.peer,
      ops,
      seconds,
      opsPerSec: ops / seconds,
      hitRatio: stats.hitRatio,
      hits: stats.hits,
      misses: stats.misses,
      l2Hits: stats.l2Hits,
      l2Misses: stats.l2Misses,
      loaderCalls,
      l2Timeouts: tierErrors.get + tierErrors.set,
      cpu: (cpu.user + cpu.system) / 1e6 / seconds,
      traceEvery: args.traceEvery,
      trace,
    },
  },
  () => {
    process.off('disconnect', orphaned);
    process.disconnect();
  },
);
