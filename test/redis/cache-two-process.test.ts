// Two processes (child processes) sharing one Redis through LoadingCache's l2 and bus: a load in
// one is an L2 hit in the other, and an invalidation in one reaches the other's L1. The delay is
// measured and printed.
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, redisCommand, startRedis } from '../../scripts/redis-server.mjs';
import { until } from './helpers.js';

const peerFile = fileURLToPath(new URL('./fixtures/peer.ts', import.meta.url));

interface Peer {
  call<T = unknown>(op: string, key?: string): Promise<T>;
  child: ChildProcess;
}

function startPeer(url: string, name: string): Promise<Peer> {
  const child = fork(peerFile, [url, name], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let next = 1;
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => {
      for (const p of pending.values()) p.reject(new Error(`peer ${name} exited (${code})`));
      reject(new Error(`peer ${name} exited (${code}) before it started`));
    });
    child.on('message', (m: { id: number; result?: unknown; error?: string }) => {
      if (m.id === 0) {
        resolve({
          child,
          call: (op, key) =>
            new Promise((res, rej) => {
              const id = next++;
              pending.set(id, { resolve: res as (v: unknown) => void, reject: rej });
              child.send({ id, op, key });
            }),
        });
        return;
      }
      const p = pending.get(m.id);
      pending.delete(m.id);
      if (m.error !== undefined) p?.reject(new Error(`peer ${name}: ${m.error}`));
      else p?.resolve(m.result);
    });
  });
}

interface State {
  loads: number;
  received: number[];
  stats: { l2Hits: number; busMessages: number };
}

let server: RedisServer;
let a: Peer;
let b: Peer;

beforeAll(async () => {
  server = await startRedis();
  [a, b] = await Promise.all([startPeer(server.url, 'a'), startPeer(server.url, 'b')]);
  // both subscribed before anything is published
  await until(async () => {
    const reply = (await redisCommand(server.port, ['PUBSUB', 'NUMSUB', 'peers'])) as unknown[];
    expect(Number(reply[1])).toBe(2);
  }, 10_000);
}, 30_000);

afterAll(async () => {
  await Promise.all(
    [a, b].filter(Boolean).map(async (peer) => {
      const exited = new Promise((r) => peer.child.once('exit', r));
      await peer.call('close').catch(() => {});
      await exited;
    }),
  );
  await server?.stop();
}, 30_000);

describe('two processes sharing one Redis', () => {
  it('a load in one process is an L2 hit in the other', async () => {
    expect(await a.call('get', 'rust cache')).toBe('rust cache@a');
    expect(await b.call('get', 'rust cache')).toBe('rust cache@a');
    const [sa, sb] = await Promise.all([a.call<State>('state'), b.call<State>('state')]);
    expect(sa.loads).toBe(1);
    expect(sb.loads).toBe(0);
    expect(sb.stats.l2Hits).toBe(1);
  });

  it('an invalidate in one reaches the other’s L1 (delay measured)', async () => {
    const delays: number[] = [];
    for (let i = 0; i < 20; i++) {
      const key = `q${i}`;
      await a.call('get', key);
      expect(await b.call('get', key)).toBe(`${key}@a`);
      expect(await b.call('peek', key)).toBe(`${key}@a`);
      const before = (await b.call<State>('state')).received.length;
      const sentAt = await a.call<number>('invalidate', key);
      await until(async () => expect(await b.call('peek', key)).toBeNull(), 5_000);
      const { received } = await b.call<State>('state');
      expect(received.length).toBe(before + 1);
      delays.push(received.at(-1)! - sentAt);
      // b loads it again itself: Redis no longer has it
      expect(await b.call('get', key)).toBe(`${key}@b`);
    }
    delays.sort((x, y) => x - y);
    const median = delays[delays.length >> 1]!;
    console.log(
      `invalidation delay a → b over Redis pub/sub (invalidate() called → message handled), ` +
        `20 runs: median ${median.toFixed(2)} ms, min ${delays[0]!.toFixed(2)} ms, max ${delays.at(-1)!.toFixed(2)} ms`,
    );
    expect(median).toBeGreaterThan(0);
  });

  it('set in one process: the other drops its copy and reads the new value from L2', async () => {
    await a.call('get', 'k');
    expect(await b.call('get', 'k')).toBe('k@a');
    await a.call('set', 'k');
    await until(async () => expect(await b.call('peek', 'k')).toBeNull(), 5_000);
    const loadsBefore = (await b.call<State>('state')).loads;
    expect(await b.call('get', 'k')).toBe('k@a:set');
    expect((await b.call<State>('state')).loads).toBe(loadsBefore);
  });
});
