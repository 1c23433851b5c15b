/**
 * mint: a personal-finance service over PostgreSQL, with three caches, one per kind of data.
 *
 * - **Sessions** (`POST /login` → a token; every other route sends `authorization: Bearer …`):
 *   write-through on login, cache-aside afterwards, each entry's ttl the session's own expiry.
 *   Authenticating a request is a memory lookup, not a query.
 * - **Monthly summaries** (`GET /dashboard?month=YYYY-MM`): per user and month, totals by
 *   category, served with **stale-while-revalidate**: after `ttl` (5 s) the old summary is served
 *   at once while one background query refreshes it; with `timeout` (250 ms) and `staleIfError`
 *   a slow or stopped database cannot make the dashboard wait longer than that.
 * - **Transactions** (`POST /transactions`, one or `{ items: [...] }`): categorised from the
 *   merchant, cached, and **written behind**: queued and sent every 100 ms (or 500 at a time)
 *   as one multi-row `INSERT` (`writeMany`), retried with backoff when the database fails, and
 *   reported to `onError` when retries run out (kept in `failedWrites` for the operator: never
 *   silently dropped). `close()` flushes the queue: call it on shutdown.
 *
 * Summaries count stored transactions only: one still queued shows in the next summary after
 * its batch is stored (the batch refreshes the cached summaries it touched).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { LoadingCache } from 'lrukit';
import type { Db } from '../shared/db.js';
import { HttpError, handle, readJson, sendJson } from '../shared/http.js';

export interface Session {
  readonly token: string;
  readonly userId: string;
  readonly expiresAt: number;
}

export interface Transaction {
  readonly id: string;
  readonly userId: string;
  /** `YYYY-MM` of `at`, UTC */
  readonly month: string;
  /** ms since the epoch */
  readonly at: number;
  /** negative: money spent */
  readonly amountCents: number;
  readonly merchant: string;
  readonly category: string;
}

export interface Summary {
  readonly userId: string;
  readonly month: string;
  readonly totalCents: number;
  readonly count: number;
  readonly byCategory: Readonly<Record<string, number>>;
  /** when this summary was read from the database (the app's clock) */
  readonly asOf: number;
}

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS sessions (
  token text PRIMARY KEY,
  user_id text NOT NULL,
  expires_at double precision NOT NULL
);
CREATE TABLE IF NOT EXISTS transactions (
  id text PRIMARY KEY,
  user_id text NOT NULL,
  month text NOT NULL,
  at double precision NOT NULL,
  amount_cents integer NOT NULL,
  merchant text NOT NULL,
  category text NOT NULL
);
CREATE INDEX IF NOT EXISTS transactions_user_month ON transactions (user_id, month);
`;

const SESSION_MS = 12 * 60 * 60 * 1000;
const COLUMNS = 7; // of a transaction row, for the multi-row INSERT

/** Merchant patterns → category; the first match wins. */
const RULES: ReadonlyArray<readonly [RegExp, string]> = [
  [/payroll|salary|employer/i, 'income'],
  [/rent|landlord|mortgage/i, 'housing'],
  [/market|grocer|aldi|lidl|whole foods|bakery/i, 'groceries'],
  [/uber|lyft|metro|rail|shell|fuel|parking/i, 'transport'],
  [/cafe|coffee|restaurant|pizza|sushi|bar\b/i, 'dining'],
  [/netflix|spotify|cinema|steam/i, 'entertainment'],
];

/** The category of a transaction, from its merchant (and sign: money in is income). */
export function categorise(merchant: string, amountCents: number): string {
  for (const [pattern, category] of RULES) if (pattern.test(merchant)) return category;
  return amountCents > 0 ? 'income' : 'other';
}

export interface MintOptions {
  db: Db;
  /** The time in ms (sessions' expiry, summaries' freshness). Default `Date`. */
  clock?: { now(): number };
  /** Write-behind settings for transactions. Default `{ delay: 100, maxBatch: 500, maxQueue: 10_000, retries: 5 }`. */
  writeBehind?: { delay?: number; maxBatch?: number; maxQueue?: number; retries?: number };
  /** Where failures on background paths are logged. Default `console.warn`. */
  log?: (message: string) => void;
}

export interface Mint {
  readonly server: Server;
  readonly sessions: LoadingCache<string, Session | null>;
  readonly summaries: LoadingCache<string, Summary>;
  readonly transactions: LoadingCache<string, Transaction>;
  /** Transactions whose writes failed after every retry: the operator's to replay. */
  readonly failedWrites: Transaction[];
  /** Flushes the write-behind queue (every accepted transaction is stored), then closes the caches. */
  close(): Promise<void>;
}

type TxnRow = {
  id: string;
  user_id: string;
  month: string;
  at: number;
  amount_cents: number;
  merchant: string;
  category: string;
};

const toRow = (t: Transaction): unknown[] => [
  t.id,
  t.userId,
  t.month,
  t.at,
  t.amountCents,
  t.merchant,
  t.category,
];

const summaryKey = (userId: string, month: string): string => `${userId}/${month}`;

/** Creates the schema, the caches and the HTTP server (not yet listening). */
export async function createMint(options: MintOptions): Promise<Mint> {
  const { db, clock = Date, log = console.warn } = options;
  await db.exec(SCHEMA);
  const failedWrites: Transaction[] = [];

  const sessions = new LoadingCache<string, Session | null>({
    load: async (token) => {
      const rows = await db.query<{ user_id: string; expires_at: number }>(
        'SELECT user_id, expires_at FROM sessions WHERE token = $1 AND expires_at > $2',
        [token, clock.now()],
      );
      const row = rows[0];
      return row === undefined ? null : { token, userId: row.user_id, expiresAt: row.expires_at };
    },
    write: async (token, session) => {
      if (session === null) throw new TypeError('mint: cannot write a missing session');
      await db.query('INSERT INTO sessions (token, user_id, expires_at) VALUES ($1, $2, $3)', [
        token,
        session.userId,
        session.expiresAt,
      ]);
    },
    // a session leaves the cache when it expires in the database; a bad token is remembered 5 s
    ttl: (session) => (session === null ? 5_000 : Math.max(1, session.expiresAt - clock.now())),
    timeout: 1_000,
    clock,
    maxEntries: 100_000,
  });

  const summaries = new LoadingCache<string, Summary>({
    load: async (key) => {
      const [userId, month] = key.split('/') as [string, string];
      const rows = await db.query<{ category: string; total: number; n: number }>(
        `SELECT category, sum(amount_cents)::float8 AS total, count(*)::int AS n
           FROM transactions WHERE user_id = $1 AND month = $2 GROUP BY category`,
        [userId, month],
      );
      const byCategory: Record<string, number> = {};
      let totalCents = 0;
      let count = 0;
      for (const row of rows) {
        byCategory[row.category] = row.total;
        totalCents += row.total;
        count += row.n;
      }
      return { userId, month, totalCents, count, byCategory, asOf: clock.now() };
    },
    ttl: 5_000, // fresh for 5 s,
    staleWhileRevalidate: 60_000, // then served at once for a minute while one query refreshes it,
    staleIfError: 10 * 60_000, // and for ten minutes when the database fails or is too slow;
    timeout: 250, // nobody waits longer than this for the database
    clock,
    maxEntries: 10_000,
    onError: (error, context) =>
      log(`mint: summaries ${JSON.stringify(context)}: ${String(error)}`),
  });

  /** Starts a background refresh of each cached summary a stored batch changed. */
  function touched(batch: Iterable<Transaction>): void {
    const keys = new Set<string>();
    for (const t of batch) keys.add(summaryKey(t.userId, t.month));
    for (const key of keys) {
      // a failed refresh keeps the old summary (stale windows); a later read tries again
      if (summaries.has(key)) summaries.refresh(key).catch(() => {});
    }
  }

  const insertSql = (n: number): string => {
    const tuples: string[] = [];
    for (let r = 0; r < n; r++) {
      const params = Array.from({ length: COLUMNS }, (_, c) => `$${r * COLUMNS + c + 1}`);
      tuples.push(`(${params.join(', ')})`);
    }
    // ON CONFLICT: a retried batch that did reach the database (the reply was lost) is harmless
    return `INSERT INTO transactions (id, user_id, month, at, amount_cents, merchant, category)
      VALUES ${tuples.join(', ')}
      ON CONFLICT (id) DO UPDATE SET amount_cents = EXCLUDED.amount_cents,
        merchant = EXCLUDED.merchant, category = EXCLUDED.category`;
  };

  const transactions = new LoadingCache<string, Transaction>({
    load: async (id) => {
      const rows = await db.query<TxnRow>(
        'SELECT id, user_id, month, at, amount_cents, merchant, category FROM transactions WHERE id = $1',
        [id],
      );
      const row = rows[0];
      if (row === undefined) throw new HttpError(404, `no transaction ${id}`);
      return {
        id: row.id,
        userId: row.user_id,
        month: row.month,
        at: row.at,
        amountCents: row.amount_cents,
        merchant: row.merchant,
        category: row.category,
      };
    },
    write: async (_id, t) => {
      await db.query(insertSql(1), toRow(t));
      touched([t]);
    },
    // one statement per batch: 500 transactions are one round trip, not 500
    writeMany: async (entries) => {
      const batch = [...entries].map(([, t]) => t);
      if (batch.length === 0) return;
      await db.query(insertSql(batch.length), batch.flatMap(toRow));
      touched(batch);
    },
    writeBehind: {
      delay: 100,
      maxBatch: 500,
      maxQueue: 10_000,
      retries: 5,
      ...options.writeBehind,
    },
    clock,
    maxEntries: 10_000,
    onError: (error, context) => {
      // the writes that exhausted their retries: kept for replay, never silently dropped
      const lost = writesIn(context);
      failedWrites.push(...lost);
      if (lost.length > 0)
        log(`mint: ${lost.length} transaction(s) not stored after retries: ${String(error)}`);
      else log(`mint: transactions ${JSON.stringify(context)}: ${String(error)}`);
    },
  });

  async function authenticate(req: IncomingMessage): Promise<Session> {
    const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (token === undefined) throw new HttpError(401, 'authorization: Bearer TOKEN required');
    const session = await sessions.get(token);
    if (session === null) throw new HttpError(401, 'unknown or expired session');
    return session;
  }

  async function login(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { user } = await readJson(req);
    if (typeof user !== 'string' || !/^[\w.-]{1,64}$/.test(user)) {
      throw new HttpError(400, 'user must be a name of 1-64 letters, digits, ".", "-", "_"');
    }
    const session: Session = {
      token: randomBytes(24).toString('base64url'),
      userId: user,
      expiresAt: clock.now() + SESSION_MS,
    };
    await sessions.write(session.token, session); // the database first, then the cache
    sendJson(res, 201, {
      token: session.token,
      expiresAt: new Date(session.expiresAt).toISOString(),
    });
  }

  function parseTransaction(userId: string, input: unknown): Transaction {
    const t = input as Record<string, unknown>;
    if (typeof t !== 'object' || t === null) throw new HttpError(400, 'a transaction is an object');
    const { amount, merchant } = t;
    if (typeof amount !== 'number' || !Number.isFinite(amount) || Math.abs(amount) > 1e7) {
      throw new HttpError(400, `amount must be a number (negative: spent), got ${String(amount)}`);
    }
    if (typeof merchant !== 'string' || merchant.length === 0 || merchant.length > 200) {
      throw new HttpError(400, 'merchant must be a string of 1-200 characters');
    }
    const at = t.at === undefined ? clock.now() : Date.parse(String(t.at));
    if (Number.isNaN(at)) throw new HttpError(400, `at must be a date, got ${String(t.at)}`);
    const id = t.id === undefined ? randomUUID() : String(t.id); // a client id makes retries idempotent
    const amountCents = Math.round(amount * 100);
    return {
      id,
      userId,
      month: new Date(at).toISOString().slice(0, 7),
      at,
      amountCents,
      merchant,
      category: categorise(merchant, amountCents),
    };
  }

  async function addTransactions(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { userId } = await authenticate(req);
    const body = await readJson(req);
    const inputs = Array.isArray(body.items) ? body.items : [body];
    const parsed = inputs.map((input) => parseTransaction(userId, input));
    // cached at once and queued; write() waits only when the queue is full (backpressure)
    for (const t of parsed) await transactions.write(t.id, t);
    sendJson(res, 202, {
      accepted: parsed.map(({ id, category }) => ({ id, category })),
      queued: transactions.stats.queued,
    });
  }

  async function dashboard(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const { userId } = await authenticate(req);
    const month = url.searchParams.get('month') ?? new Date(clock.now()).toISOString().slice(0, 7);
    if (!/^\d{4}-\d{2}$/.test(month))
      throw new HttpError(400, `month must be YYYY-MM, got ${month}`);
    let summary: Summary;
    try {
      summary = await summaries.get(summaryKey(userId, month));
    } catch (error) {
      throw new HttpError(503, `no summary available: ${String(error)}`);
    }
    sendJson(res, 200, { ...summary, ageMs: clock.now() - summary.asOf });
  }

  async function getTransaction(
    req: IncomingMessage,
    res: ServerResponse,
    id: string,
  ): Promise<void> {
    const { userId } = await authenticate(req);
    const t = await transactions.get(id); // a queued transaction is served from memory
    if (t.userId !== userId) throw new HttpError(404, `no transaction ${id}`);
    sendJson(res, 200, t);
  }

  const server = createServer(
    handle(async (req, res) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const txn = /^\/transactions\/([\w-]{1,64})$/.exec(url.pathname);
      if (req.method === 'POST' && url.pathname === '/login') return login(req, res);
      if (req.method === 'POST' && url.pathname === '/transactions')
        return addTransactions(req, res);
      if (req.method === 'GET' && txn) return getTransaction(req, res, txn[1]!);
      if (req.method === 'GET' && url.pathname === '/dashboard') return dashboard(req, res, url);
      if (req.method === 'GET' && url.pathname === '/stats') {
        const { writes, writeErrors, queued } = transactions.stats;
        return sendJson(res, 200, {
          db: { kind: db.kind, queries: db.queries },
          sessions: { entries: sessions.size, hits: sessions.stats.hits },
          summaries: {
            entries: summaries.size,
            hits: summaries.stats.hits,
            staleHits: summaries.stats.staleHits,
          },
          transactions: { writes, writeErrors, queued, failedWrites: failedWrites.length },
        });
      }
      throw new HttpError(
        404,
        'routes: POST /login, POST /transactions, GET /transactions/:id, GET /dashboard?month=YYYY-MM, GET /stats',
      );
    }),
  );

  return {
    server,
    sessions,
    summaries,
    transactions,
    failedWrites,
    async close() {
      await transactions.close(); // flushes the queue: every accepted transaction is stored
      await Promise.all([sessions.close(), summaries.close()]);
    },
  };
}

/** The transactions an `onError` context names: the write queue's entries it gave up. */
function writesIn(context: {
  tier: string;
  entries?: ReadonlyArray<readonly [string, Transaction]>;
}): Transaction[] {
  return context.tier === 'store' && context.entries ? context.entries.map(([, t]) => t) : [];
}
