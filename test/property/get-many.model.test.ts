/**
 * Model-based property test of `LoadingCache.getMany` mixed with `get`, `set`, `invalidate`,
 * `clear`, loader failures and time (issue 15; API.md §8). Random command sequences run against
 * the cache and a small reference model; after every step each caller's outcome, every loader
 * call (its keys, and whether its signal was aborted), `peek` of every key and the hit/miss/load
 * counters are compared.
 *
 * The rules the model encodes, from the contract:
 * - A key is a hit while its entry is fresh (ttl on a ManualClock). A key that is loading is
 *   joined, by `get` and by `getMany` alike. `getMany`'s other keys (each distinct key once) are
 *   loaded together: one `loadMany` call with all of them, or, without `loadMany`, one `load`
 *   call per key. A `get` of a key a batch is loading joins the batch.
 * - A load's outcome goes to everyone waiting on it; it is stored only while the load is still
 *   its key's current load (`set`, `invalidate` and `clear` end that; `invalidate` and `clear`
 *   also abort its signal). `loadMany`'s signal is aborted once every key of the call was.
 * - `loadMany` may leave a key out (a Map without it): that key alone fails. A rejected loader
 *   fails every key of its call.
 * - `getMany` answers in the order asked: every value; with `partial`, `undefined` for a key
 *   without one; without it, an `AggregateError` whose `keys` are the failed keys, in order.
 *
 * Environment: LRUKIT_MODEL_RUNS (runs; default 2,000 in Node, 400 in a browser),
 * LRUKIT_MODEL_SEED (a fixed seed).
 */

import fc from 'fast-check';
import { LoadingCache } from 'lrukit';
import { ManualClock } from 'lrukit/testing';
import { describe, it } from 'vitest';

type Key = 'a' | 'b' | 'c' | 'd';
const TTL = 100;

// ---- the reference model ----

interface Call {
  readonly id: number;
  readonly kind: 'load' | 'loadMany';
  readonly keys: readonly Key[];
  settled: boolean;
  /** Keys of this call whose load was aborted (invalidate, clear) while it was current. */
  readonly aborted: Set<Key>;
}

/** One key's load: which call feeds it, whether it may still store, who waits. */
interface Load {
  readonly call: Call;
  readonly key: Key;
  registered: boolean;
  readonly waiters: Array<(result: KeyResult) => void>;
}

type KeyResult = { ok: true; value: string } | { ok: false; error: 'missing' | object };

/** What a caller must end with (`undefined`: still pending). */
interface Caller {
  readonly id: number;
  readonly what: string;
  readonly kind: 'get' | 'getMany';
  readonly partial: boolean;
  /** Per distinct key, in order; `undefined` while that key is pending. */
  readonly results: Array<KeyResult | undefined>;
  readonly keys: readonly Key[];
  /** Position asked → index into keys. */
  readonly at: readonly number[];
}

class Model {
  now = 0;
  readonly entries = new Map<Key, { value: string; expires: number }>();
  readonly calls: Call[] = [];
  readonly loads = new Map<Key, Load>();
  readonly callers: Caller[] = [];
  hits = 0;
  misses = 0;
  stored = 0;

  constructor(readonly batched: boolean) {}

  fresh(key: Key): string | undefined {
    const e = this.entries.get(key);
    return e !== undefined && this.now < e.expires ? e.value : undefined;
  }

  #lookup(caller: Caller, index: number, batch: Key[]): void {
    const key = caller.keys[index]!;
    const value = this.fresh(key);
    if (value !== undefined) {
      this.hits++;
      caller.results[index] = { ok: true, value };
      return;
    }
    this.misses++;
    const load = this.loads.get(key);
    if (load !== undefined) load.waiters.push((r) => (caller.results[index] = r));
    else batch.push(key);
  }

  #start(keys: Key[], kind: 'load' | 'loadMany'): void {
    const call: Call = { id: this.calls.length, kind, keys, settled: false, aborted: new Set() };
    this.calls.push(call);
    for (const key of keys) this.loads.set(key, { call, key, registered: true, waiters: [] });
  }

  request(kind: 'get' | 'getMany', asked: readonly Key[], partial: boolean, what: string): void {
    const keys = [...new Set(asked)];
    const caller: Caller = {
      id: this.callers.length,
      what,
      kind,
      partial,
      keys,
      at: asked.map((k) => keys.indexOf(k)),
      results: keys.map(() => undefined),
    };
    this.callers.push(caller);
    const batch: Key[] = [];
    keys.forEach((_, i) => {
      this.#lookup(caller, i, batch);
    });
    if (kind === 'get' || !this.batched) for (const key of batch) this.#start([key], 'load');
    else if (batch.length > 0) this.#start(batch, 'loadMany');
    // the waiters of the keys just started
    keys.forEach((key, i) => {
      if (batch.includes(key)) this.loads.get(key)!.waiters.push((r) => (caller.results[i] = r));
    });
  }

  /** Settles loader call `call`: a value per key, a rejection, or (loadMany) one key left out. */
  settle(call: Call, how: 'value' | 'error' | 'missing', error: object): void {
    call.settled = true;
    call.keys.forEach((key, i) => {
      let result: KeyResult;
      if (how === 'error') result = { ok: false, error };
      else if (how === 'missing' && i === 0) result = { ok: false, error: 'missing' };
      else result = { ok: true, value: `${key}${call.id}` };
      const load = [...this.loadsOf(call)].find((l) => l.key === key)!;
      if (load.registered) {
        load.registered = false;
        this.loads.delete(key);
        if (result.ok) {
          this.entries.set(key, { value: result.value, expires: this.now + TTL });
          this.stored++;
        }
      }
      for (const waiter of load.waiters) waiter(result);
    });
  }

  /** Every load (current or not) fed by `call`. */
  *loadsOf(call: Call): Iterable<Load> {
    for (const load of this.allLoads) if (load.call === call) yield load;
  }

  /** Loads ever started, so that unregistered ones still deliver. */
  get allLoads(): Load[] {
    return this.#all;
  }
  #all: Load[] = [];

  release(key: Key, abort: boolean): void {
    const load = this.loads.get(key);
    if (load === undefined) return;
    load.registered = false;
    this.loads.delete(key);
    if (abort) load.call.aborted.add(key);
  }

  set(key: Key, value: string): void {
    this.entries.set(key, { value, expires: this.now + TTL });
    this.release(key, false);
  }

  invalidate(key: Key): void {
    this.entries.delete(key);
    this.release(key, true);
  }

  clear(): void {
    this.entries.clear();
    for (const key of [...this.loads.keys()]) this.release(key, true);
  }

  track(): void {
    for (const load of this.loads.values()) if (!this.#all.includes(load)) this.#all.push(load);
  }
}

// ---- the real cache ----

type State = { s: 'pending' } | { s: 'fulfilled'; v: unknown } | { s: 'rejected'; e: unknown };

interface RealCall {
  kind: 'load' | 'loadMany';
  keys: Key[];
  signal: AbortSignal;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

class Real {
  readonly clock = new ManualClock();
  readonly calls: RealCall[] = [];
  readonly states: State[] = [];
  readonly cache: LoadingCache<Key, string>;

  constructor(batched: boolean) {
    const load = (key: Key, { signal }: { signal: AbortSignal }) =>
      new Promise<string>((resolve, reject) => {
        this.calls.push({ kind: 'load', keys: [key], signal, resolve: resolve as never, reject });
      });
    const loadMany = (keys: Key[], { signal }: { signal: AbortSignal }) =>
      new Promise<Map<Key, string>>((resolve, reject) => {
        this.calls.push({ kind: 'loadMany', keys, signal, resolve: resolve as never, reject });
      });
    this.cache = new LoadingCache<Key, string>({
      load,
      ...(batched ? { loadMany } : {}),
      maxEntries: 10,
      ttl: TTL,
      clock: this.clock,
    });
  }

  observe(promise: Promise<unknown>): void {
    const i = this.states.length;
    this.states.push({ s: 'pending' });
    promise.then(
      (v) => (this.states[i] = { s: 'fulfilled', v }),
      (e: unknown) => (this.states[i] = { s: 'rejected', e }),
    );
  }
}

/** Lets every promise reaction run (a microtask flush, deep enough for a batch's chain). */
const turn = async (): Promise<void> => {
  for (let i = 0; i < 40; i++) await Promise.resolve();
};

// ---- commands ----

type Op =
  | { t: 'get'; k: Key }
  | { t: 'getMany'; keys: Key[]; partial: boolean }
  | { t: 'settle'; pick: number; how: 'value' | 'error' | 'missing' }
  | { t: 'set' | 'invalidate'; k: Key }
  | { t: 'clear' }
  | { t: 'clock'; ms: number };

function expected(caller: Caller, errors: Map<object, unknown>): string {
  if (caller.results.some((r) => r === undefined)) return 'pending';
  const results = caller.results as KeyResult[];
  const show = (r: KeyResult) => (r.ok ? JSON.stringify(r.value) : 'error');
  if (caller.kind === 'get') return show(results[0]!);
  if (caller.partial || results.every((r) => r.ok)) {
    return JSON.stringify(
      caller.at.map((i) => (results[i]!.ok ? (results[i] as { value: string }).value : null)),
    );
  }
  void errors;
  return `AggregateError keys=${JSON.stringify(caller.keys.filter((_, i) => !results[i]!.ok))}`;
}

function actual(caller: Caller, state: State): string {
  if (state.s === 'pending') return 'pending';
  if (caller.kind === 'get') return state.s === 'fulfilled' ? JSON.stringify(state.v) : 'error';
  if (state.s === 'fulfilled') {
    return JSON.stringify((state.v as unknown[]).map((v) => (v === undefined ? null : v)));
  }
  const e = state.e as AggregateError & { keys?: unknown };
  return e instanceof AggregateError
    ? `AggregateError keys=${JSON.stringify(e.keys)}`
    : `rejected ${String(e)}`;
}

async function step(m: Model, r: Real, op: Op, log: string[]): Promise<void> {
  switch (op.t) {
    case 'get':
    case 'getMany': {
      const what =
        op.t === 'get'
          ? `#${m.callers.length} get(${op.k})`
          : `#${m.callers.length} getMany(${op.keys.join(',')}${op.partial ? ', partial' : ''})`;
      log.push(what);
      r.observe(
        op.t === 'get' ? r.cache.get(op.k) : r.cache.getMany(op.keys, { partial: op.partial }),
      );
      m.request(op.t, op.t === 'get' ? [op.k] : op.keys, op.t === 'getMany' && op.partial, what);
      m.track();
      break;
    }
    case 'settle': {
      const open = m.calls.filter((c) => !c.settled);
      const call = open[op.pick % Math.max(1, open.length)];
      if (call === undefined) {
        log.push('settle(nothing)');
        break;
      }
      const how = call.kind === 'load' && op.how === 'missing' ? 'value' : op.how;
      log.push(`settle call ${call.id} (${call.kind} ${call.keys.join(',')}): ${how}`);
      const real = r.calls[call.id]!;
      const error = new Error(`call ${call.id} failed`);
      if (how === 'error') real.reject(error);
      else if (call.kind === 'load') real.resolve(`${call.keys[0]}${call.id}`);
      else
        real.resolve(
          new Map(
            call.keys
              .filter((_, i) => how !== 'missing' || i > 0)
              .map((k) => [k, `${k}${call.id}`]),
          ),
        );
      m.settle(call, how, error);
      break;
    }
    case 'set':
      log.push(`set(${op.k})`);
      r.cache.set(op.k, `set-${op.k}`);
      m.set(op.k, `set-${op.k}`);
      break;
    case 'invalidate':
      log.push(`invalidate(${op.k})`);
      r.cache.invalidate(op.k);
      m.invalidate(op.k);
      break;
    case 'clear':
      log.push('clear()');
      r.cache.clear();
      m.clear();
      break;
    case 'clock':
      log.push(`clock +${op.ms}`);
      r.clock.advance(op.ms);
      m.now += op.ms;
      break;
  }
  await turn();
  verify(m, r, log);
}

function verify(m: Model, r: Real, log: string[]): void {
  const fail = (message: string): never => {
    throw new Error(`${message}\n  after: ${log.join(' ; ')}`);
  };
  if (r.calls.length !== m.calls.length) {
    fail(
      `loader calls: ${r.calls.map((c) => `${c.kind}(${c.keys})`).join(' ')} vs model ${m.calls.map((c) => `${c.kind}(${c.keys})`).join(' ')}`,
    );
  }
  m.calls.forEach((call, i) => {
    const real = r.calls[i]!;
    if (real.kind !== call.kind || real.keys.join() !== call.keys.join()) {
      fail(`loader call ${i}: ${real.kind}(${real.keys}) vs model ${call.kind}(${call.keys})`);
    }
    const aborted =
      call.kind === 'loadMany' ? call.aborted.size === call.keys.length : call.aborted.size === 1;
    if (real.signal.aborted !== aborted)
      fail(`loader call ${i}: signal aborted ${real.signal.aborted}, model ${aborted}`);
  });
  m.callers.forEach((caller, i) => {
    const want = expected(caller, new Map());
    const got = actual(caller, r.states[i]!);
    if (want !== got) fail(`${caller.what}: ${got}, model ${want}`);
  });
  for (const key of ['a', 'b', 'c', 'd'] as const) {
    const peeked = r.cache.peek(key);
    if (peeked !== m.fresh(key)) fail(`peek(${key}) = ${peeked}, model ${m.fresh(key)}`);
  }
  const stats = r.cache.stats;
  if (stats.hits !== m.hits || stats.misses !== m.misses) {
    fail(`hits/misses ${stats.hits}/${stats.misses}, model ${m.hits}/${m.misses}`);
  }
}

const key = fc.constantFrom<Key>('a', 'b', 'c', 'd');
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: key.map((k) => ({ t: 'get' as const, k })) },
  {
    weight: 5,
    arbitrary: fc
      .record({ keys: fc.array(key, { minLength: 1, maxLength: 5 }), partial: fc.boolean() })
      .map((o) => ({ t: 'getMany' as const, ...o })),
  },
  {
    weight: 6,
    arbitrary: fc
      .record({ pick: fc.nat(8), how: fc.constantFrom('value', 'value', 'error', 'missing') })
      .map((o) => ({
        t: 'settle' as const,
        ...(o as { pick: number; how: 'value' | 'error' | 'missing' }),
      })),
  },
  { weight: 1, arbitrary: key.map((k) => ({ t: 'set' as const, k })) },
  { weight: 2, arbitrary: key.map((k) => ({ t: 'invalidate' as const, k })) },
  { weight: 1, arbitrary: fc.constant({ t: 'clear' as const }) },
  { weight: 2, arbitrary: fc.constantFrom(30, 60, 120).map((ms) => ({ t: 'clock' as const, ms })) },
);

const env = (name: string): string | undefined =>
  typeof process !== 'undefined' ? process.env?.[name] : undefined;
const inNode = typeof process !== 'undefined' && typeof process.on === 'function';
const RUNS = Number(env('LRUKIT_MODEL_RUNS') ?? (inNode ? 2_000 : 400));
const SEED = env('LRUKIT_MODEL_SEED');

describe('getMany against a model', () => {
  it.each([
    ['with loadMany', true],
    ['without loadMany (load per key)', false],
  ])(
    '%s: outcomes, loader calls, signals, peek and stats agree after every step',
    async (_, batched) => {
      await fc.assert(
        fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 30 }), async (ops) => {
          const m = new Model(batched);
          const r = new Real(batched);
          const log: string[] = [];
          for (const o of ops) await step(m, r, o, log);
          // settle everything left: nothing stays pending
          for (let guard = 0; m.calls.some((c) => !c.settled) && guard < 50; guard++) {
            await step(m, r, { t: 'settle', pick: 0, how: 'value' }, log);
          }
          if (r.states.some((s) => s.s === 'pending'))
            throw new Error(`a caller never settled: ${log.join(' ; ')}`);
        }),
        { numRuns: RUNS / 2, ...(SEED ? { seed: Number(SEED) } : {}) },
      );
    },
    120_000,
  );
});
