/**
 * Throwaway Redis servers for lrukit's tests (vitest's `redis` project): one server, or a
 * three-master Cluster, each on a free loopback port with its own temporary directory, no
 * persistence, stopped by pid. Everything started here is killed when the process exits, even
 * if a test crashed before its afterAll. Talks to the servers with a tiny RESP client over
 * `node:net` (no ioredis here: the harness must not depend on the code under test).
 */

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const HOST = '127.0.0.1';
const START_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;

/** Whether `redis-server` (and `redis-cli`, for clusters) can be run. */
export const haveRedis = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;

// pid → temporary directory, for every server started and not yet seen gone.
const live = new Map();
let exitHookInstalled = false;

function installExitHook() {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const [pid, dir] of live) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` (sync or async) every 20 ms until it returns truthy; throws after `ms`. */
async function until(what, check, ms) {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`redis-server.mjs: timed out waiting for ${what}`);
    await delay(20);
  }
}

/** Whether `pid` runs (a zombie does not: a daemon's parent is init, which reaps it late). */
function alive(pid) {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return error.code === 'EPERM';
  }
  try {
    // /proc/PID/stat: "pid (comm) S ...": S is the state, Z for a zombie
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc (not Linux): signal 0 said it exists
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

function portFree(port) {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, HOST, () => server.close(() => resolve(true)));
  });
}

/** A free port whose cluster bus port (port + 10000) is free too. */
async function freeClusterPort(taken) {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await freePort();
    if (port <= 55_535 && !taken.has(port) && (await portFree(port + 10_000))) return port;
  }
  throw new Error('redis-server.mjs: no free port pair (P, P + 10000) found');
}

/** Encodes one command as a RESP array of bulk strings. */
function encode(args) {
  let out = `*${args.length}\r\n`;
  for (const arg of args) out += `$${Buffer.byteLength(String(arg))}\r\n${arg}\r\n`;
  return out;
}

/** Parses one RESP2 reply at `at`; returns `[value, next]`, or `undefined` when incomplete. */
function parse(buf, at) {
  const eol = buf.indexOf('\r\n', at);
  if (eol === -1) return undefined;
  const type = String.fromCharCode(buf[at]);
  const line = buf.toString('utf8', at + 1, eol);
  const next = eol + 2;
  switch (type) {
    case '+':
      return [line, next];
    case '-':
      return [new Error(line), next];
    case ':':
      return [Number(line), next];
    case '$': {
      const length = Number(line);
      if (length < 0) return [null, next];
      if (buf.length < next + length + 2) return undefined;
      return [buf.toString('utf8', next, next + length), next + length + 2];
    }
    case '*': {
      const count = Number(line);
      const items = [];
      let pos = next;
      for (let i = 0; i < count; i++) {
        const item = parse(buf, pos);
        if (item === undefined) return undefined;
        items.push(item[0]);
        pos = item[1];
      }
      return [count < 0 ? null : items, pos];
    }
    default:
      throw new Error(`redis-server.mjs: unexpected RESP reply type ${JSON.stringify(type)}`);
  }
}

/**
 * Sends one command to `127.0.0.1:port` on a fresh connection and resolves with its reply (an
 * error reply resolves as an `Error` value). Rejects when the connection fails or after `ms`.
 */
export function redisCommand(port, args, ms = 2_000) {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: HOST, port });
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`redis-server.mjs: ${args[0]} on port ${port} got no answer in ${ms} ms`));
    }, ms);
    const done = (fn, value) => {
      clearTimeout(timer);
      socket.destroy();
      fn(value);
    };
    socket.on('error', (error) => done(reject, error));
    socket.on('close', () => done(reject, new Error(`redis-server.mjs: port ${port} closed`)));
    socket.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      const reply = parse(buf, 0);
      if (reply !== undefined) done(resolve, reply[0]);
    });
    socket.write(encode(args));
  });
}

async function answersPing(port) {
  try {
    return (await redisCommand(port, ['PING'], 500)) === 'PONG';
  } catch {
    return false;
  }
}

/**
 * Starts one daemonized redis-server on `port` (a free one when absent); `extra` adds arguments.
 * Resolves once it answers PING.
 */
async function launch(port, dir, extra) {
  if (!haveRedis) {
    throw new Error('redis-server.mjs: redis-server is not on PATH (apt-get install redis-server)');
  }
  const pidfile = join(dir, `${port}.pid`);
  rmSync(pidfile, { force: true });
  const args = [
    '--port',
    String(port),
    '--bind',
    HOST,
    '--save',
    '',
    '--appendonly',
    'no',
    '--daemonize',
    'yes',
    '--pidfile',
    pidfile,
    '--dir',
    dir,
    '--logfile',
    join(dir, `${port}.log`),
    ...extra,
  ];
  const result = spawnSync('redis-server', args, { encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(`redis-server.mjs: redis-server exited ${result.status}: ${result.stderr}`);
  }
  let pid = 0;
  await until(
    `redis-server on port ${port} to answer PING`,
    async () => {
      if (pid === 0) {
        try {
          pid = Number.parseInt(readFileSync(pidfile, 'utf8'), 10) || 0;
          if (pid !== 0) live.set(pid, dir);
        } catch {
          // the daemon has not written its pidfile yet
        }
      }
      return pid !== 0 && (await answersPing(port));
    },
    START_TIMEOUT_MS,
  );
  return pid;
}

/** Sends `signal` to `pid` and, for a terminating signal, waits until the process is gone. */
async function killPid(pid, signal) {
  try {
    process.kill(pid, signal);
  } catch {
    live.delete(pid);
    return;
  }
  if (signal !== 'SIGTERM' && signal !== 'SIGKILL' && signal !== 'SIGINT') return;
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (alive(pid)) {
    if (Date.now() > deadline) {
      process.kill(pid, 'SIGKILL');
      await until(`pid ${pid} to exit after SIGKILL`, () => !alive(pid), STOP_TIMEOUT_MS);
      break;
    }
    await delay(10);
  }
  live.delete(pid);
}

/**
 * Starts a standalone Redis on a free loopback port (or `port`). `args` adds server arguments,
 * e.g. `['--rename-command', 'KEYS', '']`.
 */
export async function startRedis({ port, args = [] } = {}) {
  installExitHook();
  const dir = mkdtempSync(join(tmpdir(), 'lrukit-redis-'));
  const chosen = port ?? (await freePort());
  let pid = await launch(chosen, dir, args);
  let running = true;
  return {
    port: chosen,
    url: `redis://${HOST}:${chosen}`,
    get pid() {
      return pid;
    },
    async stop() {
      if (running) await killPid(pid, 'SIGTERM');
      running = false;
      rmSync(dir, { recursive: true, force: true });
    },
    async kill(signal = 'SIGKILL') {
      await killPid(pid, signal);
      if (!alive(pid)) running = false;
    },
    async restart() {
      if (running) await killPid(pid, 'SIGTERM');
      pid = await launch(chosen, dir, args);
      running = true;
    },
  };
}

/**
 * Starts a Redis Cluster of three masters (no replicas) on free loopback ports, joined with
 * `redis-cli --cluster create`, and resolves once every node reports `cluster_state:ok`.
 */
export async function startCluster() {
  installExitHook();
  const dir = mkdtempSync(join(tmpdir(), 'lrukit-cluster-'));
  const ports = [];
  const taken = new Set();
  for (let i = 0; i < 3; i++) {
    const port = await freeClusterPort(taken);
    taken.add(port);
    ports.push(port);
  }
  let pids = [];
  const stop = async () => {
    await Promise.all(pids.map((pid) => killPid(pid, 'SIGTERM')));
    rmSync(dir, { recursive: true, force: true });
  };
  const launchAll = async () => {
    pids = [];
    for (const port of ports) {
      pids.push(
        await launch(port, dir, [
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          join(dir, `nodes-${port}.conf`),
          '--cluster-node-timeout',
          '5000',
        ]),
      );
    }
  };
  const clusterOk = () =>
    until(
      'cluster_state:ok on every node',
      async () => {
        const infos = await Promise.all(
          ports.map((p) => redisCommand(p, ['CLUSTER', 'INFO']).catch(() => '')),
        );
        return infos.every((info) => typeof info === 'string' && info.includes('cluster_state:ok'));
      },
      START_TIMEOUT_MS * 2,
    );
  try {
    await launchAll();
    const create = spawnSync(
      'redis-cli',
      [
        '--cluster',
        'create',
        ...ports.map((p) => `${HOST}:${p}`),
        '--cluster-replicas',
        '0',
        '--cluster-yes',
      ],
      { encoding: 'utf8', timeout: 30_000 },
    );
    if (create.status !== 0) {
      throw new Error(
        `redis-server.mjs: redis-cli --cluster create exited ${create.status}: ${create.stdout}${create.stderr}`,
      );
    }
    await clusterOk();
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    nodes: ports.map((port) => ({ host: HOST, port })),
    stop,
    /** Kills every node, starts them again from their nodes-P.conf (data is lost), waits for ok. */
    async restart() {
      await Promise.all(pids.map((pid) => killPid(pid, 'SIGKILL')));
      await launchAll();
      await clusterOk();
    },
  };
}
