/**
 * redis-tier: two application processes sharing one Redis through `lrukit/redis`.
 *
 * Shows: a value loaded by one process found in Redis by the other (an L2 hit: the database is
 * read once for both); `set` and `invalidate` in one process reaching the other's in-memory
 * copy over the invalidation bus; the tier counters in `stats`; and a clean shutdown.
 *
 * The two "processes", api-1 and api-2, are two caches in this one process, each with its own
 * two Redis connections, as two processes would have: they share nothing but Redis (and the
 * database they both read). That keeps the example one file you can read top to bottom;
 * test/redis/cache-two-process.test.ts does the same with two real child processes.
 *
 * Redis: $REDIS_URL if set (the example only touches keys and a channel of its own, and removes
 * its keys at the end); otherwise a throwaway redis-server on a free port, stopped at the end.
 * Without redis-server it prints a notice and exits 0 (1 when CI=true).
 *
 * Run: node --import tsx examples/redis-tier.ts   (all examples: node scripts/run-examples.mjs)
 */
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { LoadingCache } from 'lrukit';
import { redisBus, redisStore } from 'lrukit/redis';
// the repository's helper for throwaway servers (not part of lrukit)
import { haveRedis, type RedisServer, startRedis } from '../scripts/redis-server.mjs';

interface User {
  id: string;
  name: string;
}

// ---- Redis: yours, or a throwaway one ----------------------------------------------------------

const isCI = process.env.CI === 'true' || process.env.CI === '1';
let server: RedisServer | undefined;
if (process.env.REDIS_URL === undefined) {
  if (!haveRedis) {
    const line = '!'.repeat(78);
    console.log(`${line}\n!! SKIP redis-tier: no redis-server on PATH and no REDIS_URL set.`);
    console.log('!! Install it (apt-get install redis-server) or point REDIS_URL at a Redis.');
    console.log(line);
    process.exit(isCI ? 1 : 0);
  }
  // Ctrl+C or a time limit: exit normally, so that the throwaway server is stopped with us
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(1));
  server = await startRedis();
}
const url = process.env.REDIS_URL ?? server!.url;

// Unique per run, so a shared Redis is left as it was found and runs cannot see each other.
const namespace = `lrukit-example-${process.pid}-${Date.now()}`;
const prefix = `${namespace}:users:`; // every key this example writes starts with it
const channel = `${namespace}:users`; // the caches that share data share a channel

// ---- the shared database: every process reads it --------------------------------------------

const database = {
  reads: 0,
  users: new Map<string, User>([['42', { id: '42', name: 'Ada' }]]),
  async find(id: string): Promise<User> {
    this.reads++;
    await new Promise((resolve) => setTimeout(resolve, 10)); // a slow query
    const user = this.users.get(id);
    if (user === undefined) throw new Error(`no user ${id}`);
    return { ...user };
  },
};

// ---- one process's cache: what each of your processes would build at startup ------------------

/** A connection to Redis, ready to use (rejects when Redis cannot be reached). */
async function connect(name: string): Promise<Redis> {
  const client = new Redis(url, { lazyConnect: true });
  // ioredis reconnects by itself; log its errors rather than crash (lrukit fails open meanwhile)
  client.on('error', (error) => console.warn(`[${name}] redis: ${error.message}`));
  try {
    await client.connect();
  } catch (error) {
    client.disconnect();
    throw new Error(`cannot connect to Redis at ${url}`, { cause: error });
  }
  return client;
}

async function startProcess(name: string) {
  const client = await connect(name); // L2 reads and writes; also publishes invalidations
  // a connection of its own: it is put in subscriber mode
  const subscriber = await connect(name).catch((error) => {
    client.disconnect();
    throw error;
  });
  const users = new LoadingCache<string, User>({
    load: (id) => database.find(id),
    maxEntries: 10_000, // L1: this process's memory
    ttl: 60_000, // in L1 and in Redis
    l2: redisStore({ client, prefix }),
    bus: redisBus({ publisher: client, subscriber, channel }),
    // Redis failures never reach callers of get(): the cache serves from L1 and the loader
    onError: (error, { tier, operation, key }) =>
      console.warn(`[${name}] ${tier} ${operation} ${key ?? ''} failed: ${error}`),
  });
  return {
    name,
    users,
    client,
    async stop() {
      await users.close(); // waits for Redis writes in flight, leaves the bus
      await Promise.all([client.quit(), subscriber.quit()]);
    },
  };
}

/** Waits (polling, up to `ms`) until `check()` is true: bus messages arrive asynchronously. */
async function eventually(
  what: string,
  check: () => boolean | Promise<boolean>,
  ms = 2_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

// ---- two processes at work -------------------------------------------------------------------

const api1 = await startProcess('api-1');
const api2 = await startProcess('api-2').catch(async (error) => {
  await api1.stop();
  throw error;
});
try {
  console.log(`Redis at ${url}${server ? ' (throwaway)' : ''}\n`);
  // Only so that the example is deterministic: both buses are subscribed before anyone publishes
  // (in production, a process that starts late simply has nothing in L1 to drop yet).
  await eventually('both caches to listen on the bus', async () => {
    const [, listening] = (await api1.client.pubsub('NUMSUB', channel)) as [string, number];
    return listening === 2;
  });

  console.log('1. api-1 loads user 42 from the database; api-2 finds it in Redis');
  assert.equal((await api1.users.get('42')).name, 'Ada'); // L1 miss, Redis miss: the loader
  await api1.users.flush(); // (only so the example is deterministic: the Redis write has landed)
  assert.equal((await api2.users.get('42')).name, 'Ada'); // L1 miss, Redis hit: no loader
  assert.equal(database.reads, 1);
  assert.equal(api2.users.stats.l2Hits, 1);
  console.log(`   database reads: ${database.reads}; api-2's L2 hits: ${api2.users.stats.l2Hits}`);
  await api2.users.get('42'); // now in api-2's own memory: no Redis round trip
  assert.equal(api2.users.stats.l2Hits, 1);

  console.log('\n2. api-1 writes an update: api-2 drops its copy and reads the new one from Redis');
  const renamed: User = { id: '42', name: 'Ada Lovelace' };
  database.users.set('42', renamed);
  api1.users.set('42', renamed); // L1, then Redis, then a message on the bus (the key, not the value)
  await eventually('api-2 to drop user 42', () => api2.users.peek('42') === undefined);
  assert.equal((await api2.users.get('42')).name, 'Ada Lovelace'); // from Redis
  assert.equal(database.reads, 1);
  console.log(
    `   api-2 now sees "${api2.users.peek('42')?.name}"; database reads: ${database.reads}`,
  );

  console.log('\n3. api-2 invalidates user 42: gone from Redis and from api-1');
  database.users.set('42', { id: '42', name: 'Augusta Ada King' });
  api2.users.invalidate('42'); // deletes it in Redis, then tells the others
  await eventually('api-1 to drop user 42', () => api1.users.peek('42') === undefined);
  assert.equal((await api1.users.get('42')).name, 'Augusta Ada King'); // Redis missed: the loader
  assert.equal(database.reads, 2);
  console.log(
    `   api-1 reloaded "${api1.users.peek('42')?.name}"; database reads: ${database.reads}`,
  );

  console.log('\n4. stats');
  for (const { name, users } of [api1, api2]) {
    const s = users.stats;
    console.log(
      `   ${name}: ${s.hits} hits, ${s.misses} misses, ${s.loads} loads ` +
        `(${s.l2Hits} from Redis, ${s.l2Misses} Redis misses), ` +
        `${s.busMessages} bus messages acted on, ${s.l2Errors + s.busErrors} tier errors`,
    );
    assert.equal(s.l2Errors + s.busErrors, 0);
  }
  assert.equal(api1.users.stats.busMessages, 1); // api-2's invalidate
  assert.equal(api2.users.stats.busMessages, 1); // api-1's set

  // Remove this run's keys from Redis: clear() deletes this cache's prefix there (and tells
  // the other caches to drop their L1). flush() waits for that to be done.
  assert.equal(await api1.client.exists(`${prefix}42`), 1);
  api1.users.clear();
  await api1.users.flush();
  assert.equal(await api1.client.exists(`${prefix}42`), 0);
  console.log('\nredis-tier: ok');
} finally {
  await Promise.all([api1.stop(), api2.stop()]);
  await server?.stop();
}
