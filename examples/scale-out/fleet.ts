/**
 * The scale-out example's tools: start web processes (server.ts) as children, send them a
 * reproducible load, and read their database query counts. Used by main.ts and by the
 * end-to-end test (test/postgres/scale-out.test.ts).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { seededRandom, zipf } from '../../demo/random.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');

let bundled: Promise<string> | undefined;

/**
 * server.ts and what it imports from this repository (lrukit's sources, ../shared), bundled
 * once per process by esbuild into node_modules/.cache (so that `pg` and `ioredis` resolve),
 * and removed at exit. Plain `node` starts it in a fraction of the time `tsx` takes to compile
 * it again in each of five processes. The code is the same: `node --import tsx server.ts` runs it too.
 */
function serverEntry(): Promise<string> {
  bundled ??= (async () => {
    const outfile = join(
      root,
      'node_modules',
      '.cache',
      'lrukit-examples',
      `scale-out-server-${process.pid}.mjs`,
    );
    await build({
      entryPoints: [join(here, 'server.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external', // pg, ioredis, PGlite: from node_modules
      tsconfig: join(root, 'tsconfig.json'), // its paths map lrukit to src/
      outfile,
      logLevel: 'warning',
    });
    process.once('exit', () => rmSync(outfile, { force: true }));
    return outfile;
  })();
  return bundled;
}

export const ITEMS = 1_000;

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS items (
  id text PRIMARY KEY,
  name text NOT NULL,
  price_cents integer NOT NULL
);
`;

/** The catalogue: items 1..ITEMS, as one statement. */
export const SEED = `INSERT INTO items (id, name, price_cents)
  SELECT i::text, 'item ' || i, (i * 37) % 10000 FROM generate_series(1, ${ITEMS}) AS i
  ON CONFLICT (id) DO NOTHING`;

/** A running web process. */
export interface Web {
  readonly name: string;
  readonly url: string;
  readonly child: ChildProcess;
  /** Its database queries so far (GET /stats). */
  queries(): Promise<number>;
  /** SIGTERM, then waits for it to exit (SIGKILL after 5 s). */
  stop(): Promise<void>;
}

export interface WebOptions {
  name: string;
  database: string;
  /** Redis URL: L2 and bus; absent: L1 only. */
  redis?: string;
  /** Key and channel prefix in Redis (unique per fleet, so runs do not share data). */
  prefix?: string;
}

/** Starts one server.ts process; resolves once it prints its URL (rejects if it exits first). */
export async function startWeb(options: WebOptions): Promise<Web> {
  const args = [await serverEntry(), '--database', options.database];
  args.push('--name', options.name, '--port', '0');
  if (options.redis !== undefined) args.push('--redis', options.redis);
  if (options.prefix !== undefined) args.push('--prefix', options.prefix);
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      output += chunk;
      const url = /listening on (http:\/\/\S+)/.exec(output)?.[1];
      if (url === undefined) return;
      child.stdout!.off('data', onData);
      child.stdout!.resume();
      resolve(web(options.name, url, child));
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => {
      output += chunk;
      process.stderr.write(chunk);
    });
    child.once('exit', (code, signal) =>
      reject(new Error(`${options.name} exited (${signal ?? code}) before listening:\n${output}`)),
    );
  });
}

function web(name: string, url: string, child: ChildProcess): Web {
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  return {
    name,
    url,
    child,
    async queries() {
      const stats = (await (await fetch(`${url}/stats`)).json()) as { dbQueries: number };
      return stats.dbQueries;
    },
    async stop() {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** `count` item ids drawn from a Zipf(1) distribution over 1..ITEMS (a few are hot), seeded. */
export function zipfKeys(count: number, seed = 42): string[] {
  const pick = zipf(ITEMS, 1, seededRandom(seed)); // the search demo's sampler
  return Array.from({ length: count }, () => String(pick() + 1));
}

/**
 * Sends `GET /items/KEY` for each key, round-robin over `webs`, `concurrency` at a time;
 * resolves with the database queries the fleet made meanwhile.
 */
export async function runLoad(webs: readonly Web[], keys: readonly string[], concurrency = 8) {
  const before = await Promise.all(webs.map((w) => w.queries()));
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < keys.length) {
      const i = next++;
      const response = await fetch(`${webs[i % webs.length]!.url}/items/${keys[i]}`);
      if (response.status !== 200) throw new Error(`GET /items/${keys[i]}: ${response.status}`);
      await response.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const after = await Promise.all(webs.map((w) => w.queries()));
  const queries = after.reduce((sum, n, i) => sum + n - before[i]!, 0);
  return { requests: keys.length, queries, perThousand: (queries / keys.length) * 1000 };
}
