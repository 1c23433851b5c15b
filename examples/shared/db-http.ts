/**
 * One PGlite shared by several processes: PGlite lives in one process and cannot be opened by
 * two, so the scale-out example's launcher serves it over loopback HTTP (`POST` with
 * `{ sql, params }` → `{ rows }`, or `{ sql, script: true }` for a schema), and its app processes open `http://127.0.0.1:PORT` with
 * `openDb` like any database. A stand-in for a database server on a machine without one; with
 * `--database postgres://…` the examples use the real thing. Not part of lrukit.
 */
import { createServer } from 'node:http';
import type { Db } from './db.js';
import { closeServer, handle, listen, readBody, sendJson } from './http.js';

/** Serves `db` on a free loopback port; resolves with its URL and a `close()`. */
export async function serveDb(db: Db): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer(
    handle(async (req, res) => {
      const { sql, params, script } = JSON.parse(
        (await readBody(req, 16 * 1024 * 1024)).toString('utf8'),
      );
      try {
        if (script === true) await db.exec(sql); // several statements, no parameters
        sendJson(res, 200, { rows: script === true ? [] : await db.query(sql, params) });
      } catch (error) {
        sendJson(res, 400, { error: error instanceof Error ? error.message : String(error) });
      }
    }),
  );
  const url = await listen(server, 0);
  return { url, close: () => closeServer(server) };
}
