/**
 * The demo's command line: its usage text, and the parsing and checking of its options
 * (`node:util` `parseArgs`, strict), kept apart from main.ts so that tests can call it.
 */

import { parseArgs } from 'node:util';
import { DEFAULT_CACHE } from './server.js';

/** `--compare-policies`: requests sent to each service by default. */
export const COMPARE_REQUESTS = 20_000;
/** `--compare-policies`: the cache's `maxSize` by default (short memory, where policies differ). */
export const COMPARE_MAX_SIZE = 1024 * 1024;
/** `--compare-policies`: TinyLFU's seed by default, so that every comparison is reproducible. */
export const COMPARE_SEED = 1;

const POLICIES = ['lru', 'tinylfu'] as const;

/** `--help`: what the demo does and every option. */
export const USAGE = `Usage: npm start -- [options]        (or: node --import tsx demo/main.ts [options])

A search service over a generated corpus of 40,000 documents, its results cached by lrukit.
Serves GET / (live stats page), GET /search?q=… (JSON, header X-Cache: hit|stale|l2|miss|off;
l2: found in Redis, not searched), DELETE /search?q=… (drops that query's cached result, with
--redis in every process; answers {"key":…,"deleted":true|false}, whether one was cached) and
GET /stats (JSON) on 127.0.0.1.

Options:
  --port N            port to listen on (default 8080; 0 = any free port)
  --ttl MS            results are fresh for MS milliseconds (default ${DEFAULT_CACHE.ttlMs})
  --stale MS          then served stale for MS ms more while one refresh runs
                      (staleWhileRevalidate; default ${DEFAULT_CACHE.staleWhileRevalidateMs})
  --max-size BYTES    cache bound: total bytes of cached JSON (default ${DEFAULT_CACHE.maxSize} = 4 MiB)
  --max-entries N     cache bound: also at most N cached queries (default: none)
  --policy P          which results stay when the cache is full: lru (default; the least
                      recently used go) or tinylfu (W-TinyLFU: popular queries stay, a query
                      asked once may not be kept)
  --seed N            with --policy tinylfu: seed its hashing, so two runs evict alike
  --no-cache          no cache: every request searches (to compare)
  --redis URL         share the cache through Redis with lrukit/redis (a shared second
                      tier plus an invalidation bus), e.g. redis://127.0.0.1:6379
  --load              load test: start the service with and without the cache, send each
                      Zipf-distributed queries, print both side by side (= npm run demo:load)
  --duration S        load test: seconds per run (default 10)
  --connections N     load test: concurrent keep-alive connections (default 16)
  --json              load test: print the results as JSON instead of a table
  --compare-policies  load test of the policies instead: the same seeded stream of queries,
                      in order on one connection, to a service with --policy lru and one with
                      --policy tinylfu, with the same memory (--max-size, here 1 MiB by
                      default); prints hit ratio and backend calls side by side
  --requests N        with --compare-policies: requests per service (default ${COMPARE_REQUESTS.toLocaleString('en')})
  -h, --help          print this help

Examples:
  npm start                                     the service on http://127.0.0.1:8080
  npm run demo:load -- --duration 5             the load test, 5 s per run
  npm start -- --policy tinylfu                 the service, keeping popular queries (TinyLFU)
  npm run demo:load -- --compare-policies       LRU and TinyLFU on the same queries

Two processes sharing one cache through Redis (a query cached by one is a hit in Redis
for the other; see "redis" in /stats):
  npm start -- --port 8080 --redis redis://127.0.0.1:6379
  npm start -- --port 8081 --redis redis://127.0.0.1:6379
  curl -X DELETE 'http://127.0.0.1:8080/search?q=mon'   dropped in both processes
`;

/**
 * A bad command line: `main.ts` prints the message and the usage, and exits with code 2.
 *
 * @example
 * ```ts
 * throw new UsageError('--port must be an integer from 0 to 65535, got "abc"');
 * ```
 */
export class UsageError extends Error {}

/** `name`'s value as an integer in [min, max], or a UsageError. */
function integer(name: string, value: string | undefined, min: number, max: number) {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got "${value}"`);
  }
  return n;
}

/** `--seed`'s value: a 32-bit integer, negative allowed (`--seed=-5`), or a UsageError. */
function signedInteger(name: string, value: string | undefined) {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < -(2 ** 31) || n >= 2 ** 32) {
    throw new UsageError(
      `--${name} must be an integer from -2147483648 to 4294967295, got "${value}"`,
    );
  }
  return n;
}

/** The demo's options, parsed and checked. */
export interface CommandLine {
  readonly help: boolean;
  readonly load: boolean;
  readonly json: boolean;
  /** Default 8080. */
  readonly port: number;
  readonly noCache: boolean;
  readonly ttl: number | undefined;
  readonly stale: number | undefined;
  readonly maxSize: number | undefined;
  readonly maxEntries: number | undefined;
  /** `--policy`; `undefined`: the default, `'lru'`. */
  readonly policy: 'lru' | 'tinylfu' | undefined;
  /** `--seed` (TinyLFU's). */
  readonly seed: number | undefined;
  readonly redis: string | undefined;
  /** `--compare-policies` (with `--load`). */
  readonly comparePolicies: boolean;
  /** `--requests`: per service with `--compare-policies`; default {@link COMPARE_REQUESTS}. */
  readonly requests: number;
  /** Seconds per load-test run; default 10. */
  readonly duration: number;
  /** Default 16. */
  readonly connections: number;
}

/**
 * Parses and checks the command line (`process.argv.slice(2)`); anything wrong is a
 * {@link UsageError} saying what.
 *
 * @example
 * ```ts
 * parseCommandLine(['--port', '0', '--ttl', '5000']).ttl; // 5000
 * ```
 */
export function parseCommandLine(argv: readonly string[]): CommandLine {
  let parsed: ReturnType<typeof parseWith>;
  try {
    parsed = parseWith(argv);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values } = parsed;
  const redis = values.redis;
  if (redis !== undefined && !/^rediss?:\/\//.test(redis)) {
    throw new UsageError(`--redis must be a redis:// or rediss:// URL, got "${redis}"`);
  }
  if (values['no-cache'] && redis !== undefined) {
    throw new UsageError('--redis shares the cache: it makes no sense with --no-cache');
  }
  const policy = values.policy;
  if (policy !== undefined && !(POLICIES as readonly string[]).includes(policy)) {
    throw new UsageError(`--policy must be "lru" or "tinylfu", got "${policy}"`);
  }
  if (values['no-cache'] && policy !== undefined) {
    throw new UsageError(
      '--policy chooses what the cache keeps: it makes no sense with --no-cache',
    );
  }
  const compare = values['compare-policies'] === true;
  if (values.seed !== undefined && policy !== 'tinylfu' && !compare) {
    throw new UsageError(
      '--seed seeds TinyLFU: use it with --policy tinylfu (or --compare-policies)',
    );
  }
  if (compare && policy !== undefined) {
    throw new UsageError('--compare-policies runs both policies: drop --policy');
  }
  if (values.requests !== undefined && !compare) {
    throw new UsageError('--requests is an option of --compare-policies');
  }
  if (compare) {
    const timed = (['duration', 'connections'] as const).find((name) => values[name] !== undefined);
    if (timed !== undefined) {
      throw new UsageError(
        `--compare-policies sends --requests N requests in order on one connection, so that both ` +
          `services see the same stream: drop --${timed}`,
      );
    }
    if (values.redis !== undefined) {
      throw new UsageError(
        '--compare-policies compares two separate caches: drop --redis (a shared tier would mix them)',
      );
    }
  }
  const loadOnly = (['duration', 'connections', 'json', 'compare-policies'] as const).filter(
    (name) => values[name] !== undefined,
  );
  if (!values.load && loadOnly.length > 0) {
    throw new UsageError(`--${loadOnly[0]} is an option of --load`);
  }
  if (values.load && values['no-cache']) {
    throw new UsageError(
      '--load runs the service both with and without the cache: drop --no-cache',
    );
  }
  if (values.load && values.port !== undefined) {
    throw new UsageError('--load starts its services on free ports: drop --port');
  }
  return {
    help: values.help === true,
    load: values.load === true,
    json: values.json === true,
    port: integer('port', values.port, 0, 65_535) ?? 8080,
    noCache: values['no-cache'] === true,
    ttl: integer('ttl', values.ttl, 1, 2 ** 31),
    stale: integer('stale', values.stale, 0, 2 ** 31),
    maxSize: integer('max-size', values['max-size'], 1, Number.MAX_SAFE_INTEGER),
    maxEntries: integer('max-entries', values['max-entries'], 1, 2 ** 31),
    policy: policy as 'lru' | 'tinylfu' | undefined,
    seed: signedInteger('seed', values.seed),
    redis,
    comparePolicies: compare,
    requests: integer('requests', values.requests, 1, 10_000_000) ?? COMPARE_REQUESTS,
    duration: integer('duration', values.duration, 1, 3_600) ?? 10,
    connections: integer('connections', values.connections, 1, 1_024) ?? 16,
  };
}

function parseWith(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      help: { type: 'boolean', short: 'h' },
      port: { type: 'string' },
      ttl: { type: 'string' },
      stale: { type: 'string' },
      'max-size': { type: 'string' },
      'max-entries': { type: 'string' },
      'no-cache': { type: 'boolean' },
      redis: { type: 'string' },
      policy: { type: 'string' },
      seed: { type: 'string' },
      load: { type: 'boolean' },
      'compare-policies': { type: 'boolean' },
      requests: { type: 'string' },
      duration: { type: 'string' },
      connections: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
}

/**
 * The cache options as given, as arguments for the load test's service processes.
 *
 * @example
 * ```ts
 * cacheArgs(parseCommandLine(['--load', '--ttl', '500'])); // ['--ttl', '500']
 * ```
 */
export function cacheArgs(o: CommandLine): string[] {
  const args: string[] = [];
  if (o.ttl !== undefined) args.push('--ttl', String(o.ttl));
  if (o.stale !== undefined) args.push('--stale', String(o.stale));
  if (o.maxSize !== undefined) args.push('--max-size', String(o.maxSize));
  if (o.maxEntries !== undefined) args.push('--max-entries', String(o.maxEntries));
  if (o.policy !== undefined) args.push('--policy', o.policy);
  if (o.seed !== undefined) args.push('--seed', String(o.seed));
  if (o.redis !== undefined) args.push('--redis', o.redis);
  return args;
}
