/**
 * Throwaway PostgreSQL servers for lrukit's tests (vitest's `postgres` project) and examples:
 * each on a free loopback port with its own temporary directory (data, unix socket, log),
 * `fsync=off`, trust authentication on 127.0.0.1 only. Everything started here is killed when
 * the process exits, even if a test crashed before its afterAll (an exit hook), and even if the
 * process is killed with SIGKILL (setpriv's parent-death signal; the directory stays then).
 *
 * Debian keeps the server binaries off PATH, in /usr/lib/postgresql/<version>/bin: they are
 * looked for there (newest version first), then on PATH; `PG_BIN=/dir` overrides both.
 * `initdb` and `postgres` refuse to run as root, so as root (CI, containers) they run as the
 * `postgres` user the Debian package creates (or `nobody`) through `setpriv`, in a temporary
 * directory that user owns. `initdb` runs once per machine (and PostgreSQL version): servers
 * start from a copy of that cluster, kept in the temporary directory.
 *
 * Signals go to the postmaster and each of its children (backends call setsid(), so a process
 * group would not reach them): `pause()` (SIGSTOP) freezes every backend too, which is what a
 * hung database looks like to its clients, and `kill9()` leaves no orphaned backend behind.
 * Readiness is read from postmaster.pid (as pg_ctl does): the harness needs no database client.
 * Start servers from the main thread (the parent-death signal follows the thread that spawned).
 */

import { spawn, spawnSync } from 'node:child_process';
import {
  chownSync,
  closeSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const HOST = '127.0.0.1';
const START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 10_000;

/** The directory holding `initdb` and `postgres`, or `undefined` when there is none. */
function findBinDir() {
  const has = (dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres'));
  if (process.env.PG_BIN) return has(process.env.PG_BIN) ? process.env.PG_BIN : undefined;
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => /^\d+(\.\d+)?$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    for (const version of versions) {
      const dir = join(root, version, 'bin');
      if (has(dir)) return dir;
    }
  }
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && has(dir)) return dir;
  }
  return undefined;
}

/** Where `initdb` and `postgres` live (`undefined` when PostgreSQL is not installed). */
export const postgresBinDir = findBinDir();

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/** The unprivileged user the server runs as when we are root: `{ name, uid, gid }`. */
function findRunAs() {
  if (!isRoot) return undefined;
  for (const name of ['postgres', 'nobody']) {
    const uid = spawnSync('id', ['-u', name], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' });
    if (uid.status === 0 && gid.status === 0) {
      return { name, uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
    }
  }
  return undefined;
}

const runAs = findRunAs();

const haveSetpriv = spawnSync('setpriv', ['--version'], { stdio: 'ignore' }).status === 0;

/** Whether a PostgreSQL server can be started here (binaries found, and a user to run them as). */
export const havePostgres =
  postgresBinDir !== undefined && (!isRoot || (runAs !== undefined && haveSetpriv));

/** Why {@link havePostgres} is false (for skip notices), or `undefined`. */
export const missingPostgres = havePostgres
  ? undefined
  : postgresBinDir === undefined
    ? 'no PostgreSQL server binaries (initdb, postgres) in /usr/lib/postgresql/*/bin or on PATH'
    : 'running as root, and no "postgres" or "nobody" user (or no setpriv) to run the server as';

/**
 * `[command, args]` running `bin` through setpriv: as the unprivileged user when we are root,
 * and with a parent-death signal, so that the server is SIGKILLed when the process that started
 * it dies, even by SIGKILL (the exit hook below covers normal exits and crashes, not that).
 * Without setpriv (not root), `bin` runs directly.
 */
function command(bin, args) {
  const path = join(postgresBinDir, bin);
  if (!haveSetpriv) return [path, args];
  const user =
    runAs === undefined ? [] : [`--reuid=${runAs.uid}`, `--regid=${runAs.gid}`, '--clear-groups'];
  return ['setpriv', [...user, '--pdeathsig', 'SIGKILL', path, ...args]];
}

/** Gives `path` (and everything in it) to the unprivileged user. */
function own(path) {
  if (runAs === undefined) return;
  const result = spawnSync('chown', ['-R', `${runAs.uid}:${runAs.gid}`, path]);
  if (result.status !== 0) chownSync(path, runAs.uid, runAs.gid);
}

/** Removes a directory tree (`rm -rf`: 0.1 s for a data directory where Node's rmSync takes 3 s). */
function removeDir(dir) {
  if (spawnSync('rm', ['-rf', dir]).status !== 0) rmSync(dir, { recursive: true, force: true });
}

/**
 * Removes a directory tree in the background (a detached `rm -rf`, not waited for): deleting a
 * data directory whose pages are still being written out can take seconds on a busy disk, and
 * nothing waits for a stopped server's files.
 */
function removeDirLater(dir) {
  const rm = spawn('rm', ['-rf', dir], { detached: true, stdio: 'ignore' });
  rm.on('error', () => removeDir(dir));
  rm.unref();
}

// postmaster pid → temporary directory, for every server not yet stopped
const live = new Map();
let exitHookInstalled = false;

function installExitHook() {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const [pid, dir] of live) {
      killGroup(pid, 'SIGKILL');
      removeDir(dir);
    }
  });
}

const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` (sync or async) every 20 ms until it returns truthy; throws after `ms`. */
async function until(what, check, ms) {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline)
      throw new Error(`postgres-server.mjs: timed out waiting for ${what}`);
    await delay(20);
  }
}

/** Whether `pid` runs (a zombie does not). */
function alive(pid) {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return error.code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

/** Resolves with a loopback port that was free a moment ago (bound to port 0, then released). */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

let template; // Promise<string>: a data directory made by initdb, copied for each server

/**
 * A data directory made by initdb, shared by every process (initdb takes seconds; a copy,
 * milliseconds): `$TMPDIR/lrukit-pg-template-<version>-<user>/data`, made once, in a scratch
 * directory renamed into place when complete (so a crash mid-initdb leaves nothing half made).
 * The template itself is never started.
 */
function templateCluster() {
  template ??= (async () => {
    const version = spawnSync(join(postgresBinDir, 'postgres'), ['--version'], {
      encoding: 'utf8',
    }).stdout.match(/\d+(\.\d+)*/)?.[0];
    const home = join(
      tmpdir(),
      `lrukit-pg-template-${version}-${runAs?.name ?? process.getuid?.() ?? 'user'}`,
    );
    const data = join(home, 'data');
    if (existsSync(join(data, 'PG_VERSION'))) return data;
    const scratch = mkdtempSync(join(tmpdir(), 'lrukit-pg-initdb-'));
    own(scratch);
    const [cmd, args] = command('initdb', [
      '-D',
      join(scratch, 'data'),
      '-U',
      'postgres',
      '-A',
      'trust',
      '-E',
      'UTF8',
      '--no-locale',
      '--no-sync',
      '--wal-segsize=1', // MB: a 1 MB WAL to copy for each server, not 16
    ]);
    const result = spawnSync(cmd, args, { encoding: 'utf8', cwd: scratch, timeout: 60_000 });
    if (result.status !== 0) {
      removeDir(scratch);
      throw new Error(
        `postgres-server.mjs: initdb exited ${result.status}: ${result.stderr || result.stdout}`,
      );
    }
    try {
      renameSync(scratch, home);
    } catch {
      // another process made it meanwhile: use theirs
      removeDir(scratch);
    }
    return data;
  })();
  return template;
}

/** The status line of postmaster.pid ("ready" once connections are accepted), or ''. */
function postmasterStatus(data) {
  try {
    return readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[7]?.trim() ?? '';
  } catch {
    return '';
  }
}

/** Starts the postmaster on `data`, `port`; resolves with its pid once it is ready. */
async function launch(dir, data, port, settings) {
  const log = join(dir, 'postgres.log');
  const fd = openSync(log, 'a');
  const config = {
    listen_addresses: HOST,
    port: String(port),
    unix_socket_directories: dir,
    fsync: 'off',
    full_page_writes: 'off',
    shared_buffers: '16MB',
    max_connections: '50',
    max_wal_senders: '0',
    wal_level: 'minimal',
    autovacuum: 'off',
    ...settings,
  };
  const [cmd, args] = command('postgres', [
    '-D',
    data,
    ...Object.entries(config).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
  ]);
  rmSync(join(data, 'postmaster.pid'), { force: true });
  // detached: not killed with a terminal's Ctrl+C before our exit hook has run
  const child = spawn(cmd, args, { cwd: dir, detached: true, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  child.unref();
  const pid = child.pid;
  live.set(pid, dir);
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  try {
    await until(
      `postgres on port ${port} to be ready`,
      () => {
        if (exited) {
          throw new Error(
            `postgres-server.mjs: postgres exited at start:\n${readFileSync(log, 'utf8').slice(-2_000)}`,
          );
        }
        return postmasterStatus(data) === 'ready';
      },
      START_TIMEOUT_MS,
    );
  } catch (error) {
    killGroup(pid, 'SIGKILL');
    live.delete(pid);
    throw error;
  }
  return pid;
}

/** The pids of `pid`'s children (the backends and helpers of a postmaster). */
function children(pid) {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .split(' ')
      .filter(Boolean)
      .map(Number);
  } catch {
    // no such file (kernel without CONFIG_PROC_CHILDREN): scan /proc for ppid == pid
    const found = [];
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      try {
        const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 4).split(' ')[0]);
        if (ppid === pid) found.push(Number(name));
      } catch {
        // gone meanwhile
      }
    }
    return found;
  }
}

/**
 * Sends `signal` to the postmaster `pid` and to each of its children; returns the pids that
 * received it (none when the postmaster is gone).
 */
function killGroup(pid, signal) {
  // the postmaster first when stopping it, so it forks no backend the list below would miss
  const order = signal === 'SIGCONT' ? [...children(pid), pid] : [pid, ...children(pid)];
  const reached = [];
  for (const p of order) {
    try {
      process.kill(p, signal);
      reached.push(p);
    } catch {
      // gone meanwhile
    }
  }
  return reached;
}

/** Sends `signal` to the server's group and waits until the postmaster is gone. */
async function stopGroup(pid, signal) {
  killGroup(pid, 'SIGCONT'); // a paused server cannot shut down
  const reached = killGroup(pid, signal);
  if (reached.length === 0) return;
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (alive(pid)) {
    if (Date.now() > deadline) {
      killGroup(pid, 'SIGKILL');
      await until(`postgres ${pid} to exit after SIGKILL`, () => !alive(pid), STOP_TIMEOUT_MS);
      break;
    }
    await delay(10);
  }
  // backends of a SIGKILLed postmaster got the signal too; wait until none is left, so that a
  // restart on the same data directory does not find them still attached
  await until(
    `the backends of postgres ${pid} to exit`,
    () => reached.every((p) => !alive(p)),
    STOP_TIMEOUT_MS,
  );
}

/**
 * Starts a PostgreSQL server on a free loopback port (or `port`). `settings` adds server
 * settings (`-c name=value`), e.g. `{ statement_timeout: '5s' }`.
 */
export async function startPostgres({ port, settings = {} } = {}) {
  if (!havePostgres) throw new Error(`postgres-server.mjs: ${missingPostgres}`);
  installExitHook();
  const started = performance.now();
  const from = await templateCluster();
  const dir = mkdtempSync(join(tmpdir(), 'lrukit-pg-'));
  const data = join(dir, 'data');
  cpSync(from, data, { recursive: true });
  mkdirSync(data, { recursive: true, mode: 0o700 });
  own(dir);
  const chosen = port ?? (await freePort());
  let pid = await launch(dir, data, chosen, settings);
  let state = 'running'; // 'running' | 'paused' | 'stopped'
  const startMs = performance.now() - started;
  return {
    port: chosen,
    host: HOST,
    url: `postgres://postgres@${HOST}:${chosen}/postgres`,
    /** The server's temporary directory (data, socket, postgres.log). */
    dir,
    /** ms the start took (initdb included the first time on a machine). */
    startMs,
    get pid() {
      return pid;
    },
    get state() {
      return state;
    },
    /** Immediate shutdown (SIGQUIT: no checkpoint, the data is thrown away); the directory goes in the background. */
    async stop() {
      if (state !== 'stopped') await stopGroup(pid, 'SIGQUIT');
      live.delete(pid);
      state = 'stopped';
      removeDirLater(dir);
    },
    /** Fast shutdown, keeping the data directory (`restart()` brings it back with its data). */
    async halt() {
      if (state !== 'stopped') await stopGroup(pid, 'SIGINT');
      live.delete(pid);
      state = 'stopped';
    },
    /** SIGKILL to the postmaster and every backend: a crash. `restart()` recovers the data. */
    async kill9() {
      if (state !== 'stopped') await stopGroup(pid, 'SIGKILL');
      live.delete(pid);
      state = 'stopped';
    },
    /** Starts the server again on the same port and data directory. */
    async restart() {
      if (state !== 'stopped') await this.halt();
      pid = await launch(dir, data, chosen, settings);
      state = 'running';
    },
    /** SIGSTOP to every process of the server: connections stay open, nothing answers. */
    pause() {
      if (state !== 'running') return;
      killGroup(pid, 'SIGSTOP');
      state = 'paused';
    },
    /** SIGCONT: a paused server answers again. */
    resume() {
      if (state !== 'paused') return;
      killGroup(pid, 'SIGCONT');
      state = 'running';
    },
  };
}
