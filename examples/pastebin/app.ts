/**
 * pastebin: a paste service over PostgreSQL with one `LoadingCache` in front, by bytes.
 *
 * - Create (`POST /pastes`, the body is the paste): **write-through**. `pastes.write(id, paste)`
 *   inserts the row first; only once the database has it is it cached (as freshly loaded). If
 *   the insert fails the client gets a 503 and the cache is unchanged.
 * - Read (`GET /pastes/:id`): **cache-aside**. A hit never reaches the database; a miss loads
 *   the row once however many readers wait. Each entry's ttl is the paste's own expiry
 *   (`ttl: (paste) => paste.expiresAt - now`), so an expired paste leaves the cache at the
 *   moment it expires in the database (the query filters `expires_at > now` with the same clock).
 *   An unknown id is remembered as `null` for 10 s (ids are random and never reused; a create
 *   replaces that entry).
 * - Pastes are 1 byte to 1 MB; the cache is bounded by bytes (`maxSize`, `sizeOf`), so a few large
 *   pastes cannot hold the memory of thousands of small ones.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { LoadingCache } from 'lrukit';
import type { Db } from '../shared/db.js';
import { HttpError, handle, readBody, sendJson } from '../shared/http.js';

export interface Paste {
  readonly id: string;
  readonly body: string;
  /** ms on the app's clock (`Date.now()` by default) */
  readonly createdAt: number;
  /** ms on the app's clock; `Infinity`: never */
  readonly expiresAt: number;
}

export const MAX_PASTE_BYTES = 1024 * 1024;
/** Bytes an entry costs beyond its body (the object, the key, the map slot: a round estimate). */
const ENTRY_OVERHEAD = 200;
const UNKNOWN_ID_TTL = 10_000;
const DEFAULT_EXPIRY_S = 24 * 60 * 60;

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS pastes (
  id text PRIMARY KEY,
  body text NOT NULL,
  created_at double precision NOT NULL,
  expires_at double precision          -- NULL: never
);
CREATE INDEX IF NOT EXISTS pastes_expires_at ON pastes (expires_at);
`;

export interface PastebinOptions {
  db: Db;
  /** The time, in ms, for the cache and for the database's expiry checks. Default `Date`. */
  clock?: { now(): number };
  /** The cache's bound, in bytes. Default 64 MB. */
  maxBytes?: number;
}

export interface Pastebin {
  readonly server: Server;
  readonly pastes: LoadingCache<string, Paste | null>;
  readonly db: Db;
  /** Deletes expired rows (the cache drops them by itself); resolves with how many. */
  sweep(): Promise<number>;
  /** Closes the cache (nothing queued: writes are write-through). The server and db are yours. */
  close(): Promise<void>;
}

type PasteRow = { id: string; body: string; created_at: number; expires_at: number | null };

const fromRow = (row: PasteRow): Paste => ({
  id: row.id,
  body: row.body,
  createdAt: row.created_at,
  expiresAt: row.expires_at ?? Infinity,
});

/** A short random id: 8 characters of [0-9A-Za-z] (62^8 ≈ 2·10^14). */
function newId(): string {
  const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  let id = '';
  for (const byte of randomBytes(16)) {
    if (byte < 248) id += alphabet[byte % 62]; // 248 = 4 * 62: no bias
    if (id.length === 8) return id;
  }
  return newId();
}

/** Creates the schema, the cache and the HTTP server (not yet listening). */
export async function createPastebin(options: PastebinOptions): Promise<Pastebin> {
  const { db, clock = Date, maxBytes = 64 * 1024 * 1024 } = options;
  await db.exec(SCHEMA);

  const pastes = new LoadingCache<string, Paste | null>({
    // cache-aside: a miss reads the row, if it has not expired by the app's clock
    load: async (id) => {
      const rows = await db.query<PasteRow>(
        'SELECT id, body, created_at, expires_at FROM pastes WHERE id = $1 AND (expires_at IS NULL OR expires_at > $2)',
        [id, clock.now()],
      );
      return rows[0] === undefined ? null : fromRow(rows[0]);
    },
    // write-through: the row first; the cache only if the insert succeeded
    write: async (id, paste) => {
      if (paste === null) throw new TypeError('pastebin: cannot write a missing paste');
      await db.query(
        'INSERT INTO pastes (id, body, created_at, expires_at) VALUES ($1, $2, $3, $4)',
        [id, paste.body, paste.createdAt, paste.expiresAt === Infinity ? null : paste.expiresAt],
      );
    },
    // the paste's own expiry; the loader never returns an expired one, so this is > 0 (the
    // guard covers a clock that moved between the query and this call)
    ttl: (paste) => (paste === null ? UNKNOWN_ID_TTL : Math.max(1, paste.expiresAt - clock.now())),
    clock,
    maxSize: maxBytes,
    // (a paste larger than the whole cache is stored in the database and read from it)
    maxEntrySize: Math.min(MAX_PASTE_BYTES + ENTRY_OVERHEAD, maxBytes),
    sizeOf: (paste) => (paste === null ? 0 : Buffer.byteLength(paste.body)) + ENTRY_OVERHEAD,
  });

  async function create(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const body = (await readBody(req, MAX_PASTE_BYTES)).toString('utf8');
    if (body.length === 0) throw new HttpError(400, 'empty paste');
    const expires = url.searchParams.get('expires') ?? String(DEFAULT_EXPIRY_S);
    const seconds = expires === 'never' ? Infinity : Number(expires);
    if (!(seconds > 0)) {
      throw new HttpError(
        400,
        `expires must be a positive number of seconds or "never", got ${expires}`,
      );
    }
    const now = clock.now();
    const paste: Paste = { id: newId(), body, createdAt: now, expiresAt: now + seconds * 1000 };
    try {
      await pastes.write(paste.id, paste);
    } catch (error) {
      throw new HttpError(503, `the paste could not be stored: ${String(error)}`);
    }
    sendJson(res, 201, {
      id: paste.id,
      url: `/pastes/${paste.id}`,
      expiresAt: paste.expiresAt === Infinity ? null : new Date(paste.expiresAt).toISOString(),
    });
  }

  async function read(res: ServerResponse, id: string): Promise<void> {
    const hit = pastes.has(id);
    let paste: Paste | null;
    try {
      paste = await pastes.get(id);
    } catch (error) {
      throw new HttpError(503, `the paste could not be read: ${String(error)}`);
    }
    if (paste === null) throw new HttpError(404, `no paste ${id} (never created, or expired)`);
    const left = paste.expiresAt - clock.now();
    res.writeHead(200, {
      'content-type': 'text/plain; charset=utf-8',
      'x-cache': hit ? 'hit' : 'miss',
      ...(left === Infinity ? {} : { 'cache-control': `max-age=${Math.floor(left / 1000)}` }),
    });
    res.end(paste.body);
  }

  const server = createServer(
    handle(async (req, res) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const match = /^\/pastes\/([0-9A-Za-z]{1,32})$/.exec(url.pathname);
      if (req.method === 'POST' && url.pathname === '/pastes') return create(req, res, url);
      if (req.method === 'GET' && match) return read(res, match[1]!);
      if (req.method === 'GET' && url.pathname === '/stats') {
        const { hits, misses, loads, evictions, expirations } = pastes.stats;
        return sendJson(res, 200, {
          cache: {
            entries: pastes.size,
            bytes: pastes.totalSize,
            hits,
            misses,
            loads,
            evictions,
            expirations,
          },
          db: { kind: db.kind, queries: db.queries },
        });
      }
      throw new HttpError(
        404,
        'routes: POST /pastes?expires=SECONDS|never, GET /pastes/:id, GET /stats',
      );
    }),
  );

  return {
    server,
    pastes,
    db,
    async sweep() {
      const rows = await db.query<{ n: number }>(
        'WITH gone AS (DELETE FROM pastes WHERE expires_at <= $1 RETURNING 1) SELECT count(*)::int AS n FROM gone',
        [clock.now()],
      );
      return rows[0]?.n ?? 0;
    },
    close: () => pastes.close(),
  };
}
