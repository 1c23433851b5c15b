// examples/mint against a real PostgreSQL server: sessions written through and served from
// memory, transactions categorised and written behind as multi-row INSERTs, a dashboard that
// stays fast while the database is frozen (SIGSTOP), and queued writes flushed on SIGTERM.
// The app runs on a ManualClock (freshness, write-behind delays); `timeout` is real time.
import { ManualClock } from 'lrukit/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createMint, type Mint } from '../../examples/mint/app.js';
import type { Db } from '../../examples/shared/db.js';
import { closeServer, listen } from '../../examples/shared/http.js';
import { type PostgresServer, startPostgres } from '../../scripts/postgres-server.mjs';
import { closeAll, connect, runTs, until } from './helpers.js';

let server: PostgresServer;
let observer: Db; // a connection of the test's own, to look at what the database holds
const apps: Mint[] = [];

beforeAll(async () => {
  server = await startPostgres();
});

afterEach(async () => {
  server.resume();
  for (const app of apps.splice(0)) {
    await closeServer(app.server);
    await app.close();
  }
});

afterAll(async () => {
  await closeAll();
  await server?.stop();
});

const START = Date.UTC(2026, 2, 15, 12); // 2026-03-15T12:00Z
const MONTH = '2026-03';

async function start() {
  const clock = new ManualClock(START);
  const db = await connect(server.url, 2_000);
  const app = await createMint({ db, clock, log: () => {} });
  apps.push(app);
  observer ??= await connect(server.url);
  const base = await listen(app.server, 0);
  const login = async (user: string): Promise<Record<string, string>> => {
    const response = await fetch(`${base}/login`, {
      method: 'POST',
      body: JSON.stringify({ user }),
    });
    expect(response.status).toBe(201);
    const { token } = (await response.json()) as { token: string };
    return { authorization: `Bearer ${token}` };
  };
  const post = async (auth: Record<string, string>, items: unknown[]) => {
    const response = await fetch(`${base}/transactions`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ items }),
    });
    return { ...((await response.json()) as Record<string, unknown>), status: response.status } as {
      status: number;
      [field: string]: unknown;
    };
  };
  const dashboard = async (auth: Record<string, string>, month = MONTH) => {
    const response = await fetch(`${base}/dashboard?month=${month}`, { headers: auth });
    return { ...((await response.json()) as Record<string, unknown>), status: response.status } as {
      status: number;
      [field: string]: unknown;
    };
  };
  return { app, db, clock, base, login, post, dashboard };
}

const stored = async (user: string): Promise<number> =>
  (
    await observer.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM transactions WHERE user_id = $1',
      [user],
    )
  )[0]!.n;

describe('examples/mint on PostgreSQL', () => {
  it('login writes the session through; authenticating later requests costs no query', async () => {
    const { db, login, dashboard } = await start();
    const auth = await login('sid');
    expect(await observer.query('SELECT user_id FROM sessions')).toContainEqual({ user_id: 'sid' });
    const queries = db.queries;
    for (let i = 0; i < 50; i++) expect((await dashboard(auth)).status).toBe(200);
    expect(db.queries - queries).toBe(1); // the summary's first load; sessions never queried
    const bad = await dashboard({ authorization: 'Bearer nope' });
    expect(bad.status).toBe(401);
  });

  it('transactions are categorised, cached, and written behind as one multi-row INSERT', async () => {
    const { app, db, clock, login, post, base } = await start();
    const auth = await login('ada');
    const queries = db.queries;
    const accepted = await post(auth, [
      { amount: -4.5, merchant: 'Corner Cafe' },
      { amount: -62.1, merchant: 'Green Market' },
      { amount: 2500, merchant: 'ACME payroll' },
    ]);
    expect(accepted.status).toBe(202);
    const ids = (accepted.accepted as Array<{ id: string; category: string }>).map((a) => a.id);
    expect((accepted.accepted as Array<{ category: string }>).map((a) => a.category)).toEqual([
      'dining',
      'groceries',
      'income',
    ]);
    expect(app.transactions.stats.queued).toBe(3);
    expect(await stored('ada')).toBe(0); // queued, not yet in the database
    const queuedOne = await fetch(`${base}/transactions/${ids[1]}`, { headers: auth });
    expect(((await queuedOne.json()) as { merchant: string }).merchant).toBe('Green Market');
    expect(db.queries).toBe(queries); // served from memory

    clock.advance(100); // the write-behind delay
    await until(async () => expect(await stored('ada')).toBe(3));
    expect(db.queries - queries).toBe(1); // one INSERT for the three
    expect(app.transactions.stats.queued).toBe(0);
  });

  it('a burst goes to the database in batches of at most maxBatch (500)', async () => {
    const { app, db, login, post } = await start();
    const auth = await login('bulk');
    const queries = db.queries;
    for (let r = 0; r < 3; r++) {
      const items = Array.from({ length: 400 }, (_, i) => ({
        amount: -1 - i,
        merchant: `shop ${r}`,
      }));
      expect((await post(auth, items)).status).toBe(202);
    }
    await app.transactions.flush();
    expect(await stored('bulk')).toBe(1_200);
    expect(db.queries - queries).toBeLessThanOrEqual(4); // ceil(1200 / 500) = 3, plus a remainder
    expect(db.queries - queries).toBeGreaterThanOrEqual(3);
  });

  it('the dashboard stays fast while the database is frozen: stale-while-revalidate, then stale-if-error', async () => {
    const { app, clock, login, post, dashboard } = await start();
    const auth = await login('grace');
    await post(auth, [{ amount: -20, merchant: 'Sushi Bar' }]);
    await app.transactions.flush();
    const fresh = await dashboard(auth);
    expect(fresh).toMatchObject({ status: 200, totalCents: -2000, ageMs: 0 });

    clock.advance(6_000); // past ttl (5 s), inside staleWhileRevalidate (60 s)
    server.pause(); // SIGSTOP: connections stay open, nothing answers
    const stale = await dashboard(auth); // answered at once from memory; the refresh hangs
    expect(stale).toMatchObject({ status: 200, totalCents: -2000, ageMs: 6_000 });
    expect(app.summaries.stats.staleHits).toBeGreaterThanOrEqual(1);

    clock.advance(60_000); // past staleWhileRevalidate, inside staleIfError (10 min)
    const bounded = await dashboard(auth); // waits `timeout` (250 ms), then the stale value
    expect(bounded).toMatchObject({ status: 200, totalCents: -2000, ageMs: 66_000 });
    const never = await dashboard(auth, '2025-01'); // nothing stale to serve: a clear 503
    expect(never.status).toBe(503);
    expect(never.error).toMatch(/TimeoutError|timed out/i);

    server.resume();
    await until(async () => expect(await dashboard(auth)).toMatchObject({ ageMs: 0 }));
  });

  it('bad input gets a clear error, and nothing is queued', async () => {
    const { app, base, login, post, dashboard } = await start();
    const auth = await login('eve');
    const bad = await post(auth, [
      { amount: -1, merchant: 'ok' },
      { amount: 'x', merchant: 'Cafe' },
    ]);
    expect(bad).toMatchObject({
      status: 400,
      error: 'amount must be a number (negative: spent), got x',
    });
    expect(app.transactions.stats.queued).toBe(0); // the whole request is refused, not half of it
    expect((await post(auth, [{ amount: -1 }])).error).toMatch(/merchant must be a string/);
    expect((await dashboard(auth, 'March')).error).toBe('month must be YYYY-MM, got March');
    const noUser = await fetch(`${base}/login`, { method: 'POST', body: '{"user":"a b"}' });
    expect(noUser.status).toBe(400);
    const notJson = await fetch(`${base}/login`, { method: 'POST', body: 'ada' });
    expect(((await notJson.json()) as { error: string }).error).toBe('body must be JSON');
  });

  it('SIGTERM flushes the queued transactions before the process exits', async () => {
    const run = runTs('examples/mint/main.ts', [
      '--database',
      server.url,
      '--port',
      '0',
      '--write-delay',
      '600000', // ten minutes: only the shutdown flush can send them
    ]);
    const base = await until(() => {
      const url = /listening on (http:\S+)/.exec(run.output())?.[1];
      if (url === undefined) throw new Error(`not listening yet: ${run.output()}`);
      return url;
    }, 20_000);
    const login = await fetch(`${base}/login`, { method: 'POST', body: '{"user":"linus"}' });
    const { token } = (await login.json()) as { token: string };
    const response = await fetch(`${base}/transactions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: JSON.stringify({
        items: Array.from({ length: 5 }, () => ({ amount: -1, merchant: 'Metro' })),
      }),
    });
    expect(((await response.json()) as { queued: number }).queued).toBe(5);
    expect(await stored('linus')).toBe(0);
    run.child.kill('SIGTERM');
    expect(await run.exit).toBe(0);
    expect(run.output()).toMatch(/flushed 5 queued transaction/);
    expect(await stored('linus')).toBe(5);
  });
});
