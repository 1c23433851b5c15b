/**
 * Model-based property test of write-behind on `LoadingCache` (API.md §7, issue 14): random
 * writes, reads, invalidations, clears, store calls that succeed or fail on demand, clock
 * advances and flushes, on a cache small enough (maxEntries 2, four keys) that queued keys are
 * evicted all the time; then `close()` with the store back up.
 *
 * The store is a `Map` written only by store calls the test settles by hand; the loader reads it.
 * Every written value is unique, so a value names its write.
 *
 * The reference is what the contract promises, not how the queue works:
 * - A key's write is outstanding until its value has been stored (a store call carrying it
 *   succeeded) or reported to `onError`. A `get` of a key with an outstanding write returns the
 *   last value written to it; otherwise the store's value (a given-up value is not served).
 * - Store calls: never two in flight carrying one key; at most `concurrency` in flight; at most
 *   `maxBatch` entries each (one per call without `writeMany`); only written values.
 * - The store sees each key's values in the order they were written (a subsequence: coalesced
 *   values are skipped, none comes back after a newer one).
 * - `stats.queued` never exceeds `maxQueue`.
 * - A `flush()` that resolves: each key's last write before it is stored, or superseded by a
 *   stored later write, or was reported to `onError`. One that rejects: with a `WriteError`
 *   whose entries were all reported to `onError`.
 * - After `close()`: the store holds each key's last written value unless that value went to
 *   `onError` (never silently dropped); `queued` is 0; `writes`, `batches`, `writeErrors` match
 *   the store calls; no timer is left on the clock.
 *
 * Mutations tried in src/loading/write-queue.ts, each made this file fail (400 runs): sending a
 * key that is in a store call (per-key order), `queued()` answering nothing (reads of evicted
 * queued keys go to the store), given-up entries not passed to `onError`, `maxQueue` ignored, a
 * write to a key waiting for a retry not replacing the value the retry sends. The first version
 * of the queue spun forever inside `clock.advance` (a delay timer re-armed at 0 ms while every
 * call slot was taken); this file found it.
 *
 * Environment: LRUKIT_WRITE_MODEL_RUNS (default 400 in Node, 100 in browsers), LRUKIT_MODEL_SEED.
 */

import fc from 'fast-check';
import { LoadingCache, WriteError } from 'lrukit';
import { ManualClock } from 'lrukit/testing';
import { describe, it } from 'vitest';
import { taskTurn } from '../shared/loaders.js';

type Key = 'a' | 'b' | 'c' | 'd';
const KEYS: readonly Key[] = ['a', 'b', 'c', 'd'];
const NONE = -1;

interface Config {
  delay: number;
  maxBatch: number;
  maxQueue: number;
  retries: number;
  concurrency: number;
  many: boolean;
}

interface StoreCall {
  readonly entries: ReadonlyArray<readonly [Key, number]>;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

type Op =
  | { t: 'write'; k: Key }
  | { t: 'read'; k: Key }
  | { t: 'invalidate'; k: Key }
  | { t: 'clear' }
  | { t: 'settle'; pick: number; ok: boolean }
  | { t: 'advance'; ms: number }
  | { t: 'flush' };

const inNode = typeof process !== 'undefined' && typeof process.on === 'function';

const turn = taskTurn;

/** The system under test and the reference, side by side. */
class World {
  readonly clock = new ManualClock();
  readonly db = new Map<Key, number>();
  /** Every value each key's store calls carried, in the order the store applied them. */
  readonly storedLog = new Map<Key, number[]>();
  readonly stored = new Set<number>();
  readonly gaveUp = new Set<number>();
  readonly inFlight: StoreCall[] = [];
  /** Values written (admitted: `write` resolved) to each key, in order. */
  readonly written = new Map<Key, number[]>();
  /** Values passed to `write` for each key, in call order (admission keeps it). */
  readonly requested = new Map<Key, number[]>();
  /** Index of each value in its key's write order. */
  readonly order = new Map<number, number>();
  /** Each flush: settled yet? */
  readonly flushes: Array<{ settled: boolean }> = [];
  readonly trace: string[] = [];
  /** Failures met in callbacks (where a throw would be lost), reported after the step. */
  readonly errors: string[] = [];
  next = 0;
  calls = 0;
  succeeded = 0;
  failed = 0;
  entriesStored = 0;
  readonly cache: LoadingCache<Key, number>;

  constructor(readonly c: Config) {
    const store = (entries: ReadonlyArray<readonly [Key, number]>) => this.#call(entries);
    this.cache = new LoadingCache<Key, number>({
      load: (key) => this.db.get(key) ?? NONE,
      ...(c.many
        ? { writeMany: (entries: Array<[Key, number]>) => store(entries) }
        : { write: (key: Key, value: number) => store([[key, value]]) }),
      writeBehind: {
        delay: c.delay,
        maxBatch: c.maxBatch,
        maxQueue: c.maxQueue,
        retries: c.retries,
        retryDelay: 10,
        concurrency: c.concurrency,
      },
      maxEntries: 2,
      clock: this.clock,
      onError: (_error, context) => {
        if (context.tier !== ('store' as string)) this.bad(`unexpected onError ${context.tier}`);
        for (const [, value] of (context as unknown as { entries: Array<[Key, number]> }).entries) {
          this.gaveUp.add(value);
        }
      },
    });
  }

  #call(entries: ReadonlyArray<readonly [Key, number]>): Promise<void> {
    this.calls++;
    const c = this.c;
    if (entries.length > (c.many ? c.maxBatch : 1)) this.bad(`a call of ${entries.length} entries`);
    if (this.inFlight.length >= c.concurrency)
      this.bad(`more than ${c.concurrency} calls in flight`);
    const keys = new Set(entries.map(([k]) => k));
    if (keys.size !== entries.length) this.bad('one key twice in a call');
    for (const call of this.inFlight) {
      for (const [k] of call.entries) if (keys.has(k)) this.bad(`key ${k} in two calls in flight`);
    }
    for (const [k, v] of entries) {
      if (!this.requested.get(k)?.includes(v))
        this.bad(`store asked to write ${k}=${v}, never written`);
    }
    const copy = entries.map(([k, v]) => [k, v] as const);
    return new Promise<void>((resolve, reject) => {
      this.inFlight.push({
        entries: copy,
        resolve: () => {
          for (const [k, v] of copy) {
            const log = this.storedLog.get(k) ?? [];
            const last = log.at(-1);
            if (last !== undefined && this.order.get(v)! < this.order.get(last)!) {
              this.bad(`${k}: value ${v} stored after the newer ${last}`);
            }
            log.push(v);
            this.storedLog.set(k, log);
            this.db.set(k, v);
            this.stored.add(v);
          }
          this.entriesStored += copy.length;
          this.succeeded++;
          resolve();
        },
        reject: (error) => {
          this.failed++;
          reject(error);
        },
      });
    });
  }

  /** The last value written to `k`, if its write is still outstanding. */
  /** A broken rule met inside a callback (where a throw would be swallowed by the cache). */
  bad(message: string): void {
    this.errors.push(message);
  }

  outstanding(k: Key): number | undefined {
    const last = this.written.get(k)?.at(-1);
    if (last === undefined || this.stored.has(last) || this.gaveUp.has(last)) return undefined;
    return last;
  }

  checkQueue(): void {
    if (this.cache.stats.queued > this.c.maxQueue) {
      fail(`queued ${this.cache.stats.queued} > maxQueue ${this.c.maxQueue}`);
    }
  }

  async run(op: Op): Promise<void> {
    switch (op.t) {
      case 'write': {
        const v = this.next++;
        this.trace.push(`write ${op.k}=${v}`);
        const requested = this.requested.get(op.k) ?? [];
        this.order.set(v, requested.length);
        requested.push(v);
        this.requested.set(op.k, requested);
        this.cache.write(op.k, v).then(
          () => {
            const list = this.written.get(op.k) ?? [];
            list.push(v);
            this.written.set(op.k, list);
          },
          (error: unknown) => {
            this.errors.push(`write ${op.k}=${v} rejected: ${String(error)}`);
          },
        );
        break;
      }
      case 'read': {
        const expected = this.outstanding(op.k) ?? this.db.get(op.k) ?? NONE;
        const got = await this.cache.get(op.k);
        this.trace.push(`read ${op.k}=${got}`);
        if (got !== expected) fail(`get(${op.k}) = ${got}, expected ${expected}`);
        break;
      }
      case 'invalidate':
        this.trace.push(`invalidate ${op.k}`);
        this.cache.invalidate(op.k);
        break;
      case 'clear':
        this.trace.push('clear');
        this.cache.clear();
        break;
      case 'settle': {
        if (this.inFlight.length === 0) return;
        const [call] = this.inFlight.splice(op.pick % this.inFlight.length, 1);
        this.trace.push(
          `${op.ok ? 'store' : 'fail'} ${call!.entries.map((e) => e.join('=')).join(',')}`,
        );
        if (op.ok) call!.resolve();
        else call!.reject(new Error('store down'));
        break;
      }
      case 'advance':
        this.trace.push(`advance ${op.ms}`);
        this.clock.advance(op.ms);
        break;
      case 'flush': {
        this.trace.push('flush');
        const before = new Map<Key, number>();
        for (const [k, list] of this.written) before.set(k, list.at(-1)!);
        const state = { settled: false };
        this.flushes.push(state);
        this.cache
          .flush()
          .finally(() => {
            state.settled = true;
          })
          .then(
            () => {
              for (const [k, v] of before) {
                const ok =
                  this.gaveUp.has(v) ||
                  (this.storedLog.get(k) ?? []).some(
                    (s) => this.order.get(s)! >= this.order.get(v)!,
                  );
                if (!ok) this.bad(`flush resolved before ${k}=${v} was stored`);
              }
            },
            (error: unknown) => {
              if (!(error instanceof WriteError)) {
                this.bad(`flush rejected with ${String(error)}`);
                return;
              }
              if (error.entries.length === 0) this.bad('a WriteError without entries');
              for (const [, v] of error.entries as Array<[Key, number]>) {
                if (!this.gaveUp.has(v))
                  this.bad(`flush rejected with ${v}, never given to onError`);
              }
            },
          );
        break;
      }
    }
    await turn();
    this.checkQueue();
    if (this.errors.length > 0) fail(this.errors[0]!);
  }

  /** The store comes back: settle every call, fire every retry, until `close()` settles. */
  async finish(): Promise<void> {
    let closed = false;
    let closeError: unknown;
    this.cache.close().then(
      () => (closed = true),
      (error: unknown) => {
        closed = true;
        closeError = error;
      },
    );
    for (let i = 0; i < 1_000 && !closed; i++) {
      await turn();
      for (const call of this.inFlight.splice(0)) call.resolve();
      await turn();
      this.clock.advance(1_000);
    }
    if (!closed) fail('close() never settled');
    if (this.errors.length > 0) fail(this.errors[0]!);
    await turn();
    const open = this.flushes.filter((f) => !f.settled).length;
    if (open > 0) fail(`${open} flush() calls still pending after close() settled`);
    if (closeError !== undefined && !(closeError instanceof WriteError)) {
      fail(`close() rejected with ${String(closeError)}`);
    }
    for (const [k, list] of this.written) {
      const last = list.at(-1)!;
      if (this.gaveUp.has(last)) continue;
      if (this.db.get(k) !== last) {
        fail(`after close the store has ${k}=${this.db.get(k)}, expected ${last} (never reported)`);
      }
    }
    const s = this.cache.stats;
    if (s.queued !== 0) fail(`queued ${s.queued} after close`);
    if (s.batches !== this.calls) fail(`batches ${s.batches}, store calls ${this.calls}`);
    if (s.writeErrors !== this.failed) fail(`writeErrors ${s.writeErrors}, failed ${this.failed}`);
    if (s.writes !== this.entriesStored) fail(`writes ${s.writes}, stored ${this.entriesStored}`);
    if (this.clock.pendingTimers !== 0) fail(`${this.clock.pendingTimers} timers left after close`);
  }
}

function fail(message: string): never {
  throw new Error(message);
}

class Cmd implements fc.AsyncCommand<object, World> {
  constructor(readonly op: Op) {}
  check(): boolean {
    return true;
  }
  async run(_model: object, world: World): Promise<void> {
    await world.run(this.op);
  }
  toString(): string {
    return JSON.stringify(this.op);
  }
}

const key = fc.constantFrom(...KEYS);
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ t: fc.constant('write' as const), k: key }) },
  { weight: 4, arbitrary: fc.record({ t: fc.constant('read' as const), k: key }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('invalidate' as const), k: key }) },
  { weight: 1, arbitrary: fc.constant({ t: 'clear' as const }) },
  {
    weight: 5,
    arbitrary: fc.record({ t: fc.constant('settle' as const), pick: fc.nat(5), ok: fc.boolean() }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant('advance' as const),
      ms: fc.constantFrom(1, 10, 25, 100),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ t: 'flush' as const }) },
);
const commands = fc.commands([op.map((o) => new Cmd(o))], { maxCommands: 50, size: 'medium' });
const config: fc.Arbitrary<Config> = fc.record({
  delay: fc.constantFrom(0, 10, 50),
  maxBatch: fc.integer({ min: 1, max: 3 }),
  maxQueue: fc.integer({ min: 1, max: 6 }),
  retries: fc.integer({ min: 0, max: 2 }),
  concurrency: fc.integer({ min: 1, max: 2 }),
  many: fc.boolean(),
});

const env = (name: string): string | undefined =>
  typeof process === 'undefined' ? undefined : process.env[name];
const RUNS = Number(env('LRUKIT_WRITE_MODEL_RUNS') ?? (inNode ? 400 : 100));
const SEED = env('LRUKIT_MODEL_SEED');

describe('write-behind against a Map of what the store must end up with', () => {
  it('keeps every rule over random writes, reads, evictions, failures, advances and flushes', async () => {
    await fc.assert(
      fc.asyncProperty(config, commands, async (c, cmds) => {
        let world: World | undefined;
        try {
          await fc.asyncModelRun(() => {
            world = new World(c);
            return { model: {}, real: world };
          }, cmds);
          await world!.finish();
        } catch (error) {
          throw new Error(
            `${(error as Error).message}\n      config: ${JSON.stringify(c)}\n      run: ${world?.trace.join('; ')}`,
          );
        }
      }),
      {
        numRuns: RUNS,
        includeErrorInReport: true,
        ...(SEED === undefined ? {} : { seed: Number(SEED) }),
      },
    );
  }, 60_000);
});
