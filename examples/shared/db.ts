/**
 * The examples' database: one tiny interface over two PostgreSQLs, so that the example code is
 * the same for both. PGlite (PostgreSQL compiled to WebAssembly, in this process, in memory) by
 * default, so that an example runs on a fresh clone with nothing installed; a real server
 * through node-postgres (`pg.Pool`) when given `--database postgres://…` or `DATABASE_URL`.
 *
 * Not part of lrukit: lrukit never talks to a database itself. It is what the examples' loaders
 * and writers call, and it counts queries, so an example can show how many the cache saved.
 */

/** A row as the database returns it (column name → value). */
export type Row = Record<string, unknown>;

/** What the examples need of a database. */
export interface Db {
  /**
   * `'pglite'` (in-process), `'postgres'` (a server, through `pg`) or `'pglite-http'` (a PGlite
   * served by another process, examples/shared/db-http.ts).
   */
  readonly kind: 'pglite' | 'postgres' | 'pglite-http';
  /** Where it is: `memory://` for PGlite, else the connection URL without its password. */
  readonly where: string;
  /** Queries sent so far (each `query` call; `exec` not counted). */
  readonly queries: number;
  /**
   * Runs one statement with `$1, $2, …` parameters; resolves with its rows. Counts as a query.
   * Integers from `count()`/`sum()` come back as strings from `pg` and numbers from PGlite:
   * cast them in SQL (`::int`, `::float8`) to get numbers from both.
   */
  query<R extends Row = Row>(sql: string, params?: readonly unknown[]): Promise<R[]>;
  /** Runs a script of statements without parameters (schemas). Not counted. */
  exec(sql: string): Promise<void>;
  /** Closes the connections (or the in-process database). */
  close(): Promise<void>;
}

export interface OpenOptions {
  /** ms a query may take on a server before it fails (`pg`'s `query_timeout`); default 10 000. */
  queryTimeoutMs?: number;
  /** Connections in the pool (server only); default 10. */
  poolSize?: number;
}

/**
 * Opens `url` (`postgres://…` or `postgresql://…`) through `pg`, or PGlite in memory when
 * `url` is undefined, or a PGlite served by another process (`http://127.0.0.1:…`, see
 * db-http.ts). Each client is imported only when used.
 *
 * @example
 * ```ts
 * const db = await openDb(databaseUrl(process.argv));
 * const [row] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM pastes');
 * ```
 */
export async function openDb(url?: string, options: OpenOptions = {}): Promise<Db> {
  if (url === undefined) return openPglite();
  if (url.startsWith('http://')) return openHttp(url);
  if (!/^postgres(ql)?:\/\//.test(url)) {
    throw new TypeError(`examples: --database must be a postgres:// URL, got ${url}`);
  }
  return openServer(url, options);
}

/**
 * The database URL given on the command line (`--database URL` or `--database=URL`), else
 * `DATABASE_URL`, else `undefined` (PGlite).
 */
export function databaseUrl(argv: readonly string[] = process.argv): string | undefined {
  return flag(argv, 'database') ?? (process.env.DATABASE_URL || undefined);
}

/** The value of `--name VALUE` or `--name=VALUE` in `argv`, if present. */
export function flag(argv: readonly string[], name: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === `--${name}`) {
      const value = argv[i + 1];
      if (value === undefined || value.startsWith('--')) {
        throw new TypeError(`examples: --${name} needs a value`);
      }
      return value;
    }
    if (arg.startsWith(`--${name}=`)) return arg.slice(name.length + 3);
  }
  return undefined;
}

async function openPglite(): Promise<Db> {
  const { PGlite } = await import('@electric-sql/pglite');
  const pglite = await PGlite.create();
  let queries = 0;
  return {
    kind: 'pglite',
    where: 'memory:// (PGlite, in this process)',
    get queries() {
      return queries;
    },
    async query<R extends Row>(sql: string, params: readonly unknown[] = []) {
      queries++;
      const result = await pglite.query<R>(sql, [...params]);
      return result.rows;
    },
    async exec(sql: string) {
      await pglite.exec(sql);
    },
    close: () => pglite.close(),
  };
}

async function openServer(url: string, options: OpenOptions): Promise<Db> {
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    query_timeout: options.queryTimeoutMs ?? 10_000,
    connectionTimeoutMillis: options.queryTimeoutMs ?? 10_000,
    // an idle connection dropped by a restarting server: the next query opens a new one
    idleTimeoutMillis: 10_000,
    allowExitOnIdle: true,
  });
  // a connection that breaks while idle (server stopped) is reported here, not thrown
  pool.on('error', () => {});
  let queries = 0;
  const where = url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
  return {
    kind: 'postgres',
    where,
    get queries() {
      return queries;
    },
    async query<R extends Row>(sql: string, params: readonly unknown[] = []) {
      queries++;
      const result = await pool.query(sql, [...params]);
      return result.rows as R[];
    },
    async exec(sql: string) {
      await pool.query(sql);
    },
    close: () => pool.end(),
  };
}

function openHttp(url: string): Db {
  let queries = 0;
  const send = async (sql: string, params: readonly unknown[], script = false): Promise<Row[]> => {
    const response = await fetch(url, {
      method: 'POST',
      body: JSON.stringify({ sql, params, script }),
      signal: AbortSignal.timeout(10_000),
    });
    const reply = (await response.json()) as { rows?: Row[]; error?: string };
    if (reply.error !== undefined) throw new Error(reply.error);
    return reply.rows ?? [];
  };
  return {
    kind: 'pglite-http',
    where: `${url} (PGlite served by another process)`,
    get queries() {
      return queries;
    },
    async query<R extends Row>(sql: string, params: readonly unknown[] = []) {
      queries++;
      return (await send(sql, params)) as R[];
    },
    async exec(sql: string) {
      await send(sql, [], true);
    },
    close: async () => {},
  };
}
