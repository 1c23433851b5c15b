// examples/pastebin against a real PostgreSQL server: write-through creates, cache-aside reads
// with the paste's own expiry as ttl (on a ManualClock), a byte-bounded cache, a hot path that
// never queries, a stopped database on create, and the npm-script entry run as a process.
import { ManualClock } from 'lrukit/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createPastebin, MAX_PASTE_BYTES, type Pastebin } from '../../examples/pastebin/app.js';
import { closeServer, listen } from '../../examples/shared/http.js';
import { type PostgresServer, startPostgres } from '../../scripts/postgres-server.mjs';
import { closeAll, connect, runTs, until } from './helpers.js';

let server: PostgresServer;
const apps: Pastebin[] = [];

beforeAll(async () => {
  server = await startPostgres();
});

afterEach(async () => {
  for (const app of apps.splice(0)) {
    await closeServer(app.server);
    await app.close();
  }
});

afterAll(async () => {
  await closeAll();
  await server?.stop();
});

const START = Date.UTC(2026, 0, 1);

/** A pastebin on its own pool and a ManualClock, listening on a free port. */
async function start(maxBytes?: number) {
  const clock = new ManualClock(START);
  const db = await connect(server.url, 2_000);
  const app = await createPastebin({ db, clock, ...(maxBytes ? { maxBytes } : {}) });
  apps.push(app);
  const base = await listen(app.server, 0);
  const create = async (body: string, expires: string | number = 3600) => {
    const response = await fetch(`${base}/pastes?expires=${expires}`, { method: 'POST', body });
    const json = (await response.json()) as { id: string; error?: string };
    return { status: response.status, ...json };
  };
  const read = async (id: string) => {
    const response = await fetch(`${base}/pastes/${id}`);
    return {
      status: response.status,
      cache: response.headers.get('x-cache'),
      body: await response.text(),
    };
  };
  return { app, db, clock, base, create, read };
}

describe('examples/pastebin on PostgreSQL', () => {
  it('create writes through: the row is in the database, and reads are hits without a query', async () => {
    const { db, create, read } = await start();
    const { status, id } = await create('hello, pastes');
    expect(status).toBe(201);
    const other = await connect(server.url);
    expect(await other.query('SELECT body FROM pastes WHERE id = $1', [id])).toEqual([
      { body: 'hello, pastes' },
    ]);
    const queries = db.queries;
    for (let i = 0; i < 200; i++) {
      const r = await read(id);
      expect(r).toEqual({ status: 200, cache: 'hit', body: 'hello, pastes' });
    }
    expect(db.queries).toBe(queries); // the hot paste never reached the database
  });

  it('a cold read loads once for many concurrent readers, then serves from memory', async () => {
    const writer = await start();
    const { id } = await writer.create('read me cold');
    const reader = await start(); // another process: an empty cache, the same database
    const queries = reader.db.queries;
    const reads = await Promise.all(Array.from({ length: 20 }, () => reader.read(id)));
    expect(reads.every((r) => r.status === 200 && r.body === 'read me cold')).toBe(true);
    expect(reader.db.queries - queries).toBe(1);
    expect((await reader.read(id)).cache).toBe('hit');
  });

  it('an expired paste leaves the cache the moment it expires in the database', async () => {
    const { app, db, clock, create, read } = await start();
    const { id } = await create('short-lived', 60); // expires in 60 s
    clock.advance(59_999);
    const queries = db.queries;
    expect(await read(id)).toMatchObject({ status: 200, cache: 'hit' });
    expect(db.queries).toBe(queries);
    const other = await connect(server.url);
    const live = 'SELECT count(*)::int AS n FROM pastes WHERE id = $1 AND expires_at > $2';
    expect(await other.query(live, [id, clock.now()])).toEqual([{ n: 1 }]);

    clock.advance(1); // now = its expiry
    expect(await other.query(live, [id, clock.now()])).toEqual([{ n: 0 }]); // expired there,
    expect(app.pastes.has(id)).toBe(false); // and gone here, before anyone reads it
    expect(app.pastes.peek(id)).toBeUndefined();
    expect((await read(id)).status).toBe(404);
    expect(await app.sweep()).toBe(1); // the row itself, deleted by the sweeper
  });

  it('the cache is bounded by bytes: 1 MB pastes evict each other, 1 KB ones fit by the hundred', async () => {
    const { app, create, read } = await start(3 * 1024 * 1024);
    const big: string[] = [];
    for (let i = 0; i < 5; i++) {
      const { status, id } = await create(String(i).repeat(MAX_PASTE_BYTES));
      expect(status).toBe(201);
      big.push(id);
      expect(app.pastes.totalSize).toBeLessThanOrEqual(3 * 1024 * 1024);
    }
    expect(app.pastes.size).toBe(2); // 2 × (1 MB + overhead) fit in 3 MB, a third does not
    expect(app.pastes.has(big[4]!)).toBe(true);
    expect(app.pastes.has(big[0]!)).toBe(false);
    const first = await read(big[0]!); // evicted: loaded again from the database, intact
    expect(first).toMatchObject({ status: 200, cache: 'miss' });
    expect(first.body.length).toBe(MAX_PASTE_BYTES);

    const tooBig = await create('x'.repeat(MAX_PASTE_BYTES + 1));
    expect(tooBig.status).toBe(413);

    const small: string[] = [];
    for (let i = 0; i < 100; i++) small.push((await create(`paste ${i} `.repeat(100))).id);
    expect(small.every((id) => app.pastes.has(id))).toBe(true);
    expect(app.pastes.totalSize).toBeLessThanOrEqual(3 * 1024 * 1024);
  });

  it('bad input gets a clear error', async () => {
    const { create } = await start();
    expect(await create('')).toMatchObject({ status: 400, error: 'empty paste' });
    expect(await create('x', 'soon')).toMatchObject({ status: 400 });
    expect((await create('x', 'soon')).error).toMatch(/expires must be a positive number/);
  });

  it('database stopped during create: the client gets a 503 and the cache is unchanged', async () => {
    const { app, create, read } = await start();
    const { id } = await create('before the outage');
    const size = app.pastes.size;
    const bytes = app.pastes.totalSize;
    await server.halt();
    try {
      const failed = await create('during the outage');
      expect(failed.status).toBe(503);
      expect(failed.error).toMatch(/could not be stored/);
      expect(app.pastes.size).toBe(size);
      expect(app.pastes.totalSize).toBe(bytes);
      expect(await read(id)).toMatchObject({ status: 200, cache: 'hit' }); // reads keep working
    } finally {
      await server.restart();
    }
    const after = await until(async () => {
      const r = await create('after the outage');
      expect(r.status).toBe(201);
      return r;
    });
    expect(await read(after.id)).toMatchObject({ status: 200, body: 'after the outage' });
  });

  it('npm run example:pastebin -- --smoke runs against the server', async () => {
    const run = runTs('examples/pastebin/main.ts', ['--database', server.url, '--smoke']);
    expect(await run.exit).toBe(0);
    expect(run.output()).toMatch(/smoke: .*ok/);
  });
});
