// scripts/postgres-server.mjs: a real server that starts, answers, freezes on pause(), refuses
// connections when stopped, keeps its data across a restart (even after kill -9), and is killed
// when the process that started it dies without cleaning up.
import { readFileSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PostgresServer, startPostgres } from '../../scripts/postgres-server.mjs';
import { closeAll, connect, runTs, until } from './helpers.js';

let server: PostgresServer;

beforeAll(async () => {
  server = await startPostgres();
  console.log(`postgres-server.mjs: first server ready in ${server.startMs.toFixed(0)} ms`);
});

afterAll(async () => {
  await closeAll();
  await server?.stop();
});

/** Whether `pid` is a live process (not a zombie). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** The pids of the postmaster's children (backends and helpers). */
const backends = (pid: number): number[] =>
  readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean).map(Number);

describe('startPostgres', () => {
  it('serves SQL on 127.0.0.1 with trust auth, as a user that is not root', async () => {
    expect(server.url).toBe(`postgres://postgres@127.0.0.1:${server.port}/postgres`);
    const db = await connect(server.url);
    const [row] = await db.query<{ v: string; su: boolean; fsync: string }>(
      "SELECT version() AS v, current_setting('is_superuser') = 'on' AS su, current_setting('fsync') AS fsync",
    );
    expect(row!.v).toMatch(/^PostgreSQL \d+/);
    expect(row!.fsync).toBe('off');
    const uid = Number(
      /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${server.pid}/status`, 'utf8'))![1],
    );
    expect(uid).not.toBe(0);
  });

  it('a second server is independent (its own port and data)', async () => {
    const other = await startPostgres();
    try {
      console.log(`postgres-server.mjs: a later server ready in ${other.startMs.toFixed(0)} ms`);
      expect(other.port).not.toBe(server.port);
      const a = await connect(server.url);
      const b = await connect(other.url);
      await a.query('CREATE TABLE only_in_a (x int)');
      await expect(b.query('SELECT * FROM only_in_a')).rejects.toThrow(/does not exist/);
    } finally {
      await other.stop();
    }
    expect(alive(other.pid)).toBe(false);
  });

  it('pause() freezes every backend (a query gets no answer) and resume() thaws them', async () => {
    const db = await connect(server.url, 300); // pg's query_timeout: 300 ms
    await db.query('SELECT 1'); // a connection (a backend) exists before the pause
    server.pause();
    expect(server.state).toBe('paused');
    await expect(db.query('SELECT 1')).rejects.toThrow(/timeout/i);
    server.resume();
    expect(server.state).toBe('running');
    const fresh = await connect(server.url);
    expect(await fresh.query('SELECT 2 AS x')).toEqual([{ x: 2 }]);
  });

  it('halt() refuses connections; restart() brings the data back', async () => {
    const db = await connect(server.url);
    await db.query('CREATE TABLE kept (x int)');
    await db.query('INSERT INTO kept VALUES (1), (2)');
    await server.halt();
    expect(server.state).toBe('stopped');
    await expect(db.query('SELECT 1')).rejects.toThrow();
    await server.restart();
    const again = await connect(server.url);
    expect(await again.query('SELECT sum(x)::int AS s FROM kept')).toEqual([{ s: 3 }]);
  });

  it('kill9() kills the postmaster and every backend; restart() recovers committed rows', async () => {
    const db = await connect(server.url);
    await db.query('CREATE TABLE crashed (x int)');
    await db.query('INSERT INTO crashed VALUES (7)');
    const pid = server.pid;
    const children = backends(pid);
    expect(children.length).toBeGreaterThan(0);
    await server.kill9();
    expect([pid, ...children].filter(alive)).toEqual([]);
    await server.restart();
    const again = await connect(server.url);
    expect(await again.query('SELECT x FROM crashed')).toEqual([{ x: 7 }]);
  });

  // (concurrent: each starts a process and a server of its own; nothing else shares them)
  it.concurrent.each([
    ['crashes (an uncaught error)', 'throw', 1],
    ['is killed with SIGKILL', 'sigkill', 'SIGKILL'],
  ])('a process that %s takes its server with it', async (_, how, exit) => {
    const run = runTs('test/postgres/fixtures/crash.mjs', [how]);
    const line = await until(() => {
      const match = /^\{"pid".*$/m.exec(run.output());
      if (!match) throw new Error(`no pid yet: ${run.output()}`);
      return match[0];
    }, 20_000);
    const { pid, dir } = JSON.parse(line) as { pid: number; dir: string };
    expect(await run.exit).toBe(exit);
    await until(() => expect(alive(pid)).toBe(false), 5_000);
    rmSync(dir, { recursive: true, force: true }); // left behind by SIGKILL (nothing could remove it)
  });
});
