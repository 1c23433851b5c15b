/**
 * Model-based property test of `LoadingCache` under failure (API.md §2, "Loads under failure";
 * issue 11): random command sequences run against the cache and against a small reference model,
 * with every caller's outcome, every loader call (and whether its signal was aborted), `peek`
 * of every key and the callback-error paths compared after each step.
 *
 * Loaders are controllable: each call is recorded with its key and `signal`, and a command settles
 * a chosen pending call with a value, an error, or its own signal's reason (what a `fetch` does,
 * late); a call that no command settles never settles. On some runs the loader is fetch-like and
 * rejects with its signal's reason the moment it is aborted. Freshness runs on a `ManualClock`;
 * `timeout` on fake `setTimeout`. Every step ends with a macrotask turn, so every promise reaction
 * has run before the comparison.
 *
 * The rules the model encodes, written from the contract rather than from the code:
 * - Concurrent misses of a key share one loader call, "the load". A caller waits on it and leaves
 *   when its own signal aborts (rejecting with exactly that signal's reason) or when `timeout` ms
 *   pass since it called: then the stale value if the key has an entry within ttl + staleIfError
 *   that was not invalidated, else a `TimeoutError`.
 * - A caller without a signal, with no timeout, cannot leave: it pins the load.
 * - When the last waiter leaves an unsettled load, the load is detached at once: its loader's
 *   signal is aborted, it is no longer the key's load, and its late result or error is dropped.
 * - A background refresh (stale-while-revalidate hit, refresh-ahead) and `refresh(key)` are
 *   waiters that leave only on timeout; `refresh()` then rejects with a `TimeoutError`.
 * - An abort reason reaches only its own caller: never another caller, never `errorTtl`, never
 *   `stats.loadErrors`.
 * - `invalidate(key)` drops the entry and unregisters the key's load, aborting its signal; `set`
 *   stores and unregisters the load without aborting it; `clear()` drops everything and
 *   unregisters and aborts every load. An unregistered load's waiters still get its outcome; it is
 *   never stored. A loader error of the key's load is remembered for `errorTtl` ms unless a stale
 *   value is still servable; a failed load falls back to the stale value as a timeout does.
 * - A throwing `onEvict`: `set`, `invalidate` and `clear` finish their work, then throw the first
 *   callback error; `get` never throws synchronously; an error from a background path (a load
 *   completing, a timer) goes to `onError`; nothing becomes an unhandled rejection.
 *
 * Where the rules leave a choice, the model accepts each reading (see `fallback`, and `run`'s
 * `get`: an `onEvict` error met inside `get` may reject that `get` or go to `onError`).
 *
 * A failure names the check that failed and the run's resolved trace (`#n` is the n-th caller,
 * "loader call n" the n-th loader call). A full run must also have met each situation listed in
 * EVERY_PROPERTY & co. (a guard against generators that quietly stop reaching a rule).
 * scripts/mutation-check.mjs shows that breaking any one rule in src/ makes this file fail.
 *
 * Environment: LRUKIT_MODEL_RUNS (total runs over the three properties; default 20,000 in Node,
 * about 9 s on a 2-core machine), LRUKIT_MODEL_SEED (a fixed seed; fast-check prints the seed
 * and path of any failure), LRUKIT_MODEL_COVERAGE=1 (print how often each situation arose).
 */

import fc from 'fast-check';
import { LoadingCache, TimeoutError } from 'lrukit';
import { ManualClock } from 'lrukit/testing';
import { afterEach, beforeEach, describe, it, vi } from 'vitest';

type Key = 'a' | 'b' | 'c';
const KEYS: readonly Key[] = ['a', 'b', 'c'];
const TTL = 100;

interface Config {
  /** `timeout` option: `Infinity` (absent) or 50 ms. */
  timeout: number;
  errorTtl: number;
  staleWhileRevalidate: number;
  staleIfError: number;
  refreshAhead: number | undefined;
  /** `'every'`: every onEvict call throws; `'alternate'`: every other one. */
  onEvictThrows: 'never' | 'every' | 'alternate';
  /** The loader rejects with its signal's reason as soon as the signal is aborted. */
  fetchLike: boolean;
}

// ---- the reference model ----

/** How often each situation the rules talk about arose, over all runs of a property. */
const coverage = new Map<string, number>();
const saw = (event: string): void => {
  coverage.set(event, (coverage.get(event) ?? 0) + 1);
};

interface ValueEntry {
  readonly kind: 'value';
  readonly value: string;
  /** Fresh while `now < freshUntil`. */
  readonly freshUntil: number;
  readonly refreshAt: number;
  /** Gone from `now >= keepUntil` (ttl + the longer stale window). */
  readonly keepUntil: number;
}

interface ErrorEntry {
  readonly kind: 'error';
  readonly error: unknown;
  readonly until: number;
}

type Entry = ValueEntry | ErrorEntry;

/** One allowed way for a caller to settle; `timeout` is any `TimeoutError`. */
type Outcome = { t: 'value'; v: string } | { t: 'error'; e: unknown } | { t: 'timeout' };

interface Waiter {
  readonly id: number;
  readonly kind: 'get' | 'refresh' | 'background';
  readonly key: Key;
  /** The abort reason of a `get` with a signal. */
  readonly reason: object | undefined;
  load: Load | undefined;
  /** The stale entry a `get` saw when it started waiting (its staleIfError fallback). */
  snap: ValueEntry | undefined;
  /** Fake-timer time at which it leaves by timeout. */
  deadline: number;
  done: boolean;
  /** Once done: the outcomes the rules allow. */
  allowed: Outcome[];
}

interface Load {
  /** Index of its loader call. */
  readonly call: number;
  readonly key: Key;
  /** Still the key's load (a get of the key joins it; its result is stored). */
  registered: boolean;
  signalAborted: boolean;
  loaderSettled: boolean;
  /** Every waiter left before it settled: its late outcome is dropped. */
  detached: boolean;
  detachedBy: 'abort' | 'timeout' | undefined;
  readonly waiters: Set<Waiter>;
}

class Model {
  /** ManualClock time. */
  now = 0;
  /** Fake-timer time since the run started. */
  fake = 0;
  readonly entries = new Map<Key, Entry>();
  readonly loads: Load[] = [];
  readonly registered = new Map<Key, Load>();
  /** Every waiter, by id (background refreshes included; they have no promise). */
  readonly waiters: Waiter[] = [];
  readonly active = new Set<Waiter>();
  /** Failures `stats.loadErrors` may count: loader errors and timeouts, never an abort. */
  loadErrorBound = 0;
  /**
   * Failures it must count: a rejection of the key's own load, and a background refresh or
   * `refresh()` detached by its timeout ("counted as failed").
   */
  loadErrorFloor = 0;
  /** Loads whose signal was aborted in this step (a fetch-like loader then rejects). */
  readonly aborting: Load[] = [];
  nextValue = 0;
  /** What each step did, resolved (which caller an abort hit, which call a settle settled). */
  readonly trace: string[] = [];

  constructor(readonly c: Config) {}

  /** The id the next waiter gets. */
  get nextId(): number {
    return this.waiters.length;
  }

  /** The key's entry, if it has not expired. */
  live(key: Key): Entry | undefined {
    const e = this.entries.get(key);
    if (e === undefined) return undefined;
    if (this.now >= (e.kind === 'value' ? e.keepUntil : e.until)) {
      this.entries.delete(key);
      return undefined;
    }
    return e;
  }

  peek(key: Key): string | undefined {
    const e = this.live(key);
    return e?.kind === 'value' ? e.value : undefined;
  }

  get(key: Key, reason: object | undefined): Waiter {
    const w = this.#waiter('get', key, reason);
    const e = this.live(key);
    if (e?.kind === 'error') {
      saw('get served a remembered error');
      return this.#finish(w, [{ t: 'error', e: e.error }]);
    }
    if (e?.kind === 'value') {
      if (this.now < e.freshUntil + this.c.staleWhileRevalidate) {
        this.#finish(w, [{ t: 'value', v: e.value }]);
        if (this.now >= e.freshUntil) this.#background(key, 'stale-while-revalidate');
        else if (this.now >= e.refreshAt) this.#background(key, 'refresh-ahead');
        return w;
      }
      w.snap = e; // past staleWhileRevalidate, inside staleIfError
    }
    const joined = this.registered.get(key);
    if (joined !== undefined) {
      saw('get joined a running load');
      if (
        reason === undefined &&
        this.loads.some((l) => l.key === key && l.detachedBy === 'abort')
      ) {
        saw('get without signal after an abort-detached load of the key');
      }
    }
    this.#wait(w, joined ?? this.#start(key));
    return w;
  }

  /** A `get` or `refresh` that rejected at once with the `onEvict` error it ran into. */
  rejectedAtOnce(kind: 'get' | 'refresh', key: Key, reason: object | undefined, error: unknown) {
    saw(`${kind} rejected at once with its onEvict error`);
    this.#finish(this.#waiter(kind, key, reason), [{ t: 'error', e: error }]);
  }

  refresh(key: Key): Waiter {
    const w = this.#waiter('refresh', key, undefined);
    this.#wait(w, this.registered.get(key) ?? this.#start(key));
    return w;
  }

  abort(w: Waiter): void {
    if (w.done) return;
    this.#finish(w, [{ t: 'error', e: w.reason }]);
    this.#leave(w, 'abort');
  }

  advanceTimers(ms: number): void {
    const target = this.fake + ms;
    for (;;) {
      let due: Waiter | undefined;
      for (const w of this.active) {
        if (w.deadline <= target && (due === undefined || w.deadline < due.deadline)) due = w;
      }
      if (due === undefined) break;
      this.fake = due.deadline;
      this.loadErrorBound++;
      const timedOut: Outcome = { t: 'timeout' };
      saw(`${due.kind} timed out`);
      if (due.kind === 'get') this.#finish(due, this.#fallback(due, timedOut));
      else this.#finish(due, due.kind === 'refresh' ? [timedOut] : []);
      this.#leave(due, 'timeout');
    }
    this.fake = target;
  }

  /** The loader of `call` resolved with `value`, or rejected with `error`. */
  loaderSettled(
    call: number,
    result: { value: string } | { error: unknown; isSignalReason: boolean },
  ) {
    const load = this.loads[call]!;
    load.loaderSettled = true;
    if (
      'error' in result &&
      !(load.detached && load.detachedBy === 'abort' && result.isSignalReason)
    ) {
      this.loadErrorBound++;
    }
    if (load.detached) {
      saw(`late ${'value' in result ? 'value' : 'error'} of a detached load dropped`);
      return;
    }
    if (!load.registered) saw('an unregistered load settled for its waiters');
    const waiters = [...load.waiters];
    load.waiters.clear();
    if ('value' in result) {
      if (load.registered) {
        this.#unregister(load);
        this.#store(load.key, result.value);
      }
      for (const w of waiters) this.#finish(w, [{ t: 'value', v: result.value }]);
      return;
    }
    if (load.registered) {
      this.loadErrorFloor++;
      this.#unregister(load);
      if (this.live(load.key)?.kind === 'value') saw('a failed load kept the stale value');
      if (this.c.errorTtl > 0 && this.live(load.key)?.kind !== 'value') {
        saw('a failure remembered (errorTtl)');
        this.entries.set(load.key, {
          kind: 'error',
          error: result.error,
          until: this.now + this.c.errorTtl,
        });
      }
    }
    const failed: Outcome = { t: 'error', e: result.error };
    for (const w of waiters) {
      if (w.kind === 'get') this.#finish(w, this.#fallback(w, failed));
      else this.#finish(w, w.kind === 'refresh' ? [failed] : []);
    }
  }

  invalidate(key: Key): void {
    this.entries.delete(key);
    const load = this.registered.get(key);
    if (load !== undefined) {
      saw('invalidate cancelled a load');
      this.#unregister(load);
      this.#abortSignal(load);
    }
  }

  set(key: Key, value: string): void {
    this.#store(key, value);
    const load = this.registered.get(key);
    if (load !== undefined) {
      saw('set superseded a load');
      this.#unregister(load);
    }
  }

  clear(): void {
    this.entries.clear();
    for (const load of [...this.registered.values()]) {
      saw('clear cancelled a load');
      this.#unregister(load);
      this.#abortSignal(load);
    }
  }

  /** Waiters that could leave by timeout and have not settled (each may hold a timer). */
  get timedWaiters(): number {
    let n = 0;
    for (const w of this.active) if (w.deadline !== Number.POSITIVE_INFINITY) n++;
    return n;
  }

  /**
   * What a `get` gets when its load fails or it times out: the stale value it saw, if that entry
   * is still the key's entry and inside ttl + staleIfError; else `base`. The rules say "the stale
   * value if the key has an entry still within ttl+staleIfError that was not invalidated", which
   * leaves open what happens when the key holds a *newer* entry (a `set`, or another load,
   * meanwhile): that entry's value and `base` are both accepted.
   */
  #fallback(w: Waiter, base: Outcome): Outcome[] {
    const e = this.live(w.key);
    const within =
      e?.kind === 'value' && this.now < e.freshUntil + this.c.staleIfError ? e : undefined;
    if (within === undefined) return [base];
    if (within === w.snap) {
      saw(`stale value served on ${base.t === 'timeout' ? 'timeout' : 'error'}`);
      return [{ t: 'value', v: within.value }];
    }
    saw('fallback with a newer entry (either reading accepted)');
    return [base, { t: 'value', v: within.value }];
  }

  #waiter(kind: Waiter['kind'], key: Key, reason: object | undefined): Waiter {
    const w: Waiter = {
      id: this.waiters.length,
      kind,
      key,
      reason,
      load: undefined,
      snap: undefined,
      deadline: Number.POSITIVE_INFINITY,
      done: false,
      allowed: [],
    };
    this.waiters.push(w);
    return w;
  }

  #finish(w: Waiter, allowed: Outcome[]): Waiter {
    w.done = true;
    w.allowed = allowed;
    this.active.delete(w);
    return w;
  }

  #start(key: Key): Load {
    const load: Load = {
      call: this.loads.length,
      key,
      registered: true,
      signalAborted: false,
      loaderSettled: false,
      detached: false,
      detachedBy: undefined,
      waiters: new Set(),
    };
    this.loads.push(load);
    this.registered.set(key, load);
    return load;
  }

  #wait(w: Waiter, load: Load): void {
    w.load = load;
    load.waiters.add(w);
    if (this.c.timeout !== Number.POSITIVE_INFINITY) w.deadline = this.fake + this.c.timeout;
    this.active.add(w);
  }

  /** A stale-while-revalidate hit or refresh-ahead: one background load, if none is running. */
  #background(key: Key, why: string): void {
    if (this.registered.has(key)) return;
    saw(`${why} refresh started`);
    this.#wait(this.#waiter('background', key, undefined), this.#start(key));
  }

  #leave(w: Waiter, why: 'abort' | 'timeout'): void {
    const load = w.load!;
    load.waiters.delete(w);
    if (load.waiters.size > 0 || load.loaderSettled || load.detached) return;
    load.detached = true;
    load.detachedBy = why;
    if (why === 'timeout' && w.kind !== 'get') this.loadErrorFloor++;
    saw(`load detached by ${why}${load.registered ? '' : ' (already unregistered)'}`);
    this.#unregister(load);
    this.#abortSignal(load);
  }

  #unregister(load: Load): void {
    if (!load.registered) return;
    load.registered = false;
    this.registered.delete(load.key);
  }

  #abortSignal(load: Load): void {
    if (load.signalAborted) return;
    load.signalAborted = true;
    if (this.c.fetchLike && !load.loaderSettled) this.aborting.push(load);
  }

  #store(key: Key, value: string): void {
    const ra = this.c.refreshAhead;
    this.entries.set(key, {
      kind: 'value',
      value,
      freshUntil: this.now + TTL,
      refreshAt: ra === undefined ? Number.POSITIVE_INFINITY : this.now + TTL * ra,
      keepUntil: this.now + TTL + Math.max(this.c.staleWhileRevalidate, this.c.staleIfError),
    });
  }
}

// ---- the real cache, its loader and what it observed ----

interface Call {
  readonly key: Key;
  readonly signal: AbortSignal;
  settled: boolean;
  resolve(value: string): void;
  reject(error: unknown): void;
}

type State = { s: 'pending' } | { s: 'fulfilled'; v: unknown } | { s: 'rejected'; e: unknown };

/** An error thrown by the test's `onEvict`, and the cache call it was thrown inside, if any. */
interface Thrown {
  readonly error: Error;
  readonly during: string | undefined;
}

const inNode = typeof process !== 'undefined' && typeof process.on === 'function';

/** A macrotask turn (setImmediate, MessageChannel: neither is faked), so every reaction has run. */
const turn = (): Promise<void> =>
  inNode
    ? new Promise((resolve) => setImmediate(resolve))
    : new Promise((resolve) => {
        const channel = new MessageChannel();
        channel.port1.onmessage = () => {
          channel.port1.close();
          resolve();
        };
        channel.port2.postMessage(null);
      });

// Unhandled rejections, in Node and in the browser; checked after every step (Node) or run.
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
const onUnhandledEvent = (event: PromiseRejectionEvent) => unhandled.push(event.reason);

class Real {
  readonly clock = new ManualClock();
  readonly calls: Call[] = [];
  readonly cache: LoadingCache<Key, string>;
  /** Promise states of get/refresh callers, by waiter id. */
  readonly states = new Map<number, State>();
  readonly controllers = new Map<number, AbortController>();
  /** Abort reason → the id of the caller whose signal it was. */
  readonly reasonOwner = new Map<unknown, number>();
  readonly onErrors = new Set<unknown>();
  /** onEvict errors thrown in the current step. */
  thrown: Thrown[] = [];
  /** The cache call in progress (`get`, `set`, …), or undefined on background paths. */
  during: string | undefined;
  #evictCalls = 0;

  constructor(readonly c: Config) {
    this.cache = new LoadingCache<Key, string>({
      maxEntries: 100,
      clock: this.clock,
      ttl: TTL,
      ...(c.timeout === Number.POSITIVE_INFINITY ? {} : { timeout: c.timeout }),
      ...(c.errorTtl === 0 ? {} : { errorTtl: c.errorTtl }),
      ...(c.staleWhileRevalidate === 0 ? {} : { staleWhileRevalidate: c.staleWhileRevalidate }),
      ...(c.staleIfError === 0 ? {} : { staleIfError: c.staleIfError }),
      ...(c.refreshAhead === undefined ? {} : { refreshAhead: c.refreshAhead }),
      load: (key, { signal }) =>
        new Promise<string>((resolve, reject) => {
          const call: Call = {
            key,
            signal,
            settled: false,
            resolve: (value) => {
              call.settled = true;
              resolve(value);
            },
            reject: (error) => {
              call.settled = true;
              reject(error);
            },
          };
          this.calls.push(call);
          if (c.fetchLike) {
            const onAbort = () => {
              if (!call.settled) call.reject(signal.reason);
            };
            if (signal.aborted) onAbort();
            else signal.addEventListener('abort', onAbort, { once: true });
          }
        }),
      onEvict: (_value, key, reason) => {
        const n = this.#evictCalls++;
        if (c.onEvictThrows === 'never' || (c.onEvictThrows === 'alternate' && n % 2 === 1)) return;
        const error = new Error(`onEvict error ${n} (${key}, ${reason})`);
        this.thrown.push({ error, during: this.during });
        throw error;
      },
      onError: (error) => {
        this.onErrors.add(error);
      },
    });
  }

  /** Runs a cache call, noting it as the call in progress; returns what it threw. */
  call(name: string, fn: () => void): { threw: boolean; error?: unknown } {
    this.during = name;
    try {
      fn();
      return { threw: false };
    } catch (error) {
      return { threw: true, error };
    } finally {
      this.during = undefined;
    }
  }

  observe(id: number, promise: unknown, what: string): void {
    if (!(promise instanceof Promise))
      throw new Error(`${what} returned ${String(promise)}, not a Promise`);
    const state: State = { s: 'pending' };
    this.states.set(id, state);
    promise.then(
      (v) => {
        this.states.set(id, { s: 'fulfilled', v });
      },
      (e) => {
        this.states.set(id, { s: 'rejected', e });
      },
    );
  }

  describe(x: unknown): string {
    if (typeof x === 'string') return JSON.stringify(x);
    if (x instanceof TimeoutError) return 'TimeoutError';
    const owner = this.reasonOwner.get(x);
    if (owner !== undefined) return `the abort reason of #${owner}`;
    if (x instanceof Error) return `Error(${JSON.stringify(x.message)})`;
    return String(x);
  }

  describeState(s: State): string {
    if (s.s === 'pending') return 'still waiting';
    return s.s === 'fulfilled'
      ? `resolved ${this.describe(s.v)}`
      : `rejected ${this.describe(s.e)}`;
  }

  describeOutcome(o: Outcome): string {
    if (o.t === 'timeout') return 'rejected TimeoutError';
    return o.t === 'value' ? `resolved ${JSON.stringify(o.v)}` : `rejected ${this.describe(o.e)}`;
  }
}

function matches(state: State, o: Outcome): boolean {
  if (state.s === 'pending') return false;
  if (o.t === 'value') return state.s === 'fulfilled' && state.v === o.v;
  if (state.s !== 'rejected') return false;
  return o.t === 'timeout' ? state.e instanceof TimeoutError : state.e === o.e;
}

// ---- commands ----

type Op =
  | { t: 'get'; k: Key; signal: boolean }
  | { t: 'abort'; pick: number }
  | { t: 'timers'; ms: number }
  | { t: 'clock'; ms: number }
  | { t: 'settle'; pick: number; kind: 'value' | 'error' | 'reason' }
  | { t: 'invalidate' | 'set' | 'refresh'; k: Key }
  | { t: 'clear' };

/** Runs one step on the cache, then (after a macrotask turn) on the model, then compares them. */
async function step(m: Model, r: Real, op: Op): Promise<void> {
  const at = m.trace.length;
  m.trace.push(describeOp(op));
  let what = describeOp(op);
  try {
    what = await run(m, r, op);
  } finally {
    m.trace[at] = what;
  }
}

async function run(m: Model, r: Real, op: Op): Promise<string> {
  r.thrown = [];
  const firstThrown = (name: string) => r.thrown.find((t) => t.during === name)?.error;
  /** A synchronous call that may only throw the first onEvict error thrown inside it. */
  const checkThrow = (name: string, result: { threw: boolean; error?: unknown }) => {
    const first = firstThrown(name);
    if (first !== undefined) saw(`${name}() met a throwing onEvict`);
    if (result.threw && result.error !== first) {
      throw new Error(
        `${name}() threw ${r.describe(result.error)}; expected ${first ? r.describe(first) : 'no error'}`,
      );
    }
    if (!result.threw && first !== undefined) {
      throw new Error(
        `${name}() did not rethrow the onEvict error thrown inside it (${r.describe(first)})`,
      );
    }
  };
  let what: string;
  switch (op.t) {
    case 'get':
    case 'refresh': {
      const id = m.nextId;
      const reason = op.t === 'get' && op.signal ? { abortReasonOf: id } : undefined;
      what =
        op.t === 'refresh'
          ? `#${id} = refresh('${op.k}')`
          : `#${id} = get('${op.k}'${reason ? ', { signal }' : ''})`;
      let controller: AbortController | undefined;
      if (reason !== undefined) {
        controller = new AbortController();
        r.controllers.set(id, controller);
        r.reasonOwner.set(reason, id);
      }
      const result = r.call(op.t, () => {
        const p =
          op.t === 'refresh'
            ? r.cache.refresh(op.k)
            : controller
              ? r.cache.get(op.k, { signal: controller.signal })
              : r.cache.get(op.k);
        r.observe(id, p, `${op.t}()`);
      });
      if (result.threw) throw new Error(`${what} threw synchronously: ${r.describe(result.error)}`);
      await turn();
      // an onEvict error met inside get/refresh may reject this caller (nothing else done) or go to onError
      const first = firstThrown(op.t);
      const state = r.states.get(id)!;
      if (first !== undefined && state.s === 'rejected' && state.e === first) {
        m.rejectedAtOnce(op.t, op.k, reason, first);
      } else if (op.t === 'refresh') m.refresh(op.k);
      else m.get(op.k, reason);
      if (first !== undefined) saw(`${op.t}() met a throwing onEvict`);
      if (
        first !== undefined &&
        !r.onErrors.has(first) &&
        !(state.s === 'rejected' && state.e === first)
      ) {
        throw new Error(
          `${what}: the onEvict error inside it (${r.describe(first)}) neither rejected it nor reached onError`,
        );
      }
      break;
    }
    case 'abort': {
      const signalled = m.waiters.filter((w) => w.reason !== undefined);
      const w = signalled[op.pick % Math.max(1, signalled.length)];
      what = w === undefined ? 'abort(nobody)' : `abort(#${w.id})`;
      if (w !== undefined) {
        r.controllers.get(w.id)!.abort(w.reason);
        await turn();
        m.abort(w);
      } else await turn();
      break;
    }
    case 'timers': {
      what = `advance timers ${op.ms} ms`;
      try {
        vi.advanceTimersByTime(op.ms);
      } catch (error) {
        throw new Error(`a timer callback threw (an uncaught exception): ${r.describe(error)}`);
      }
      await turn();
      m.advanceTimers(op.ms);
      break;
    }
    case 'clock':
      what = `clock.advance(${op.ms})`;
      r.clock.advance(op.ms);
      await turn();
      m.now += op.ms;
      break;
    case 'settle': {
      const open = m.loads.filter((l) => !l.loaderSettled);
      const load = open[op.pick % Math.max(1, open.length)];
      if (load === undefined) {
        what = 'settle(no pending loader call)';
        await turn();
        break;
      }
      const call = r.calls[load.call];
      if (call === undefined || call.settled) {
        throw new Error(
          `loader call ${load.call} ('${load.key}') is not pending in the cache (model: pending)`,
        );
      }
      if (op.kind === 'value') {
        const value = `L${m.nextValue++}`;
        what = `loader call ${load.call} ('${load.key}') resolves ${JSON.stringify(value)}`;
        call.resolve(value);
        await turn();
        m.loaderSettled(load.call, { value });
      } else {
        const isSignalReason = op.kind === 'reason' && call.signal.aborted;
        const error: unknown = isSignalReason ? call.signal.reason : new Error(`E${m.nextValue++}`);
        what = `loader call ${load.call} ('${load.key}') rejects ${isSignalReason ? "with its signal's reason" : r.describe(error)}`;
        call.reject(error);
        await turn();
        m.loaderSettled(load.call, { error, isSignalReason });
      }
      break;
    }
    case 'invalidate':
    case 'clear': {
      what = op.t === 'clear' ? 'clear()' : `invalidate('${op.k}')`;
      const result = r.call(op.t, () => {
        if (op.t === 'clear') r.cache.clear();
        else r.cache.invalidate(op.k);
      });
      await turn();
      checkThrow(op.t, result);
      if (op.t === 'clear') m.clear();
      else m.invalidate(op.k);
      break;
    }
    case 'set': {
      const value = `S${m.nextValue++}`;
      what = `set('${op.k}', ${JSON.stringify(value)})`;
      const result = r.call('set', () => {
        if (r.cache.set(op.k, value) !== r.cache) throw new Error('set() did not return the cache');
      });
      await turn();
      checkThrow('set', result);
      m.set(op.k, value);
      break;
    }
  }
  // a fetch-like loader rejected with its signal's reason the moment the cache aborted it
  while (m.aborting.length > 0) {
    const load = m.aborting.shift()!;
    if (load.loaderSettled) continue;
    const signal = r.calls[load.call]?.signal;
    if (signal?.aborted !== true) break; // reported by verify
    m.loaderSettled(load.call, { error: signal.reason, isSignalReason: true });
  }
  verify(m, r, what);
  return what;
}

/** Compares the cache with the model after a step. */
function verify(m: Model, r: Real, what: string): void {
  const fail = (message: string): never => {
    throw new Error(`after ${what}: ${message}`);
  };
  if (inNode && unhandled.length > 0) fail(`unhandled rejection: ${r.describe(unhandled[0])}`);
  // loader calls: one per load the rules start, on the right key, aborted exactly when they say
  if (r.calls.length !== m.loads.length) {
    const keys = (ks: readonly { key: Key }[]) => ks.map((c) => c.key).join(',');
    fail(
      `the loader has been called ${r.calls.length} times [${keys(r.calls)}], the model expects ` +
        `${m.loads.length} [${keys(m.loads)}]`,
    );
  }
  for (let i = 0; i < m.loads.length; i++) {
    const load = m.loads[i]!;
    const call = r.calls[i]!;
    if (call.key !== load.key)
      fail(`loader call ${i} is for '${call.key}', expected '${load.key}'`);
    if (call.signal.aborted !== load.signalAborted) {
      const state = load.detached
        ? `detached (every waiter left, by ${load.detachedBy})`
        : `${load.registered ? "the key's load" : 'unregistered'}, ${load.waiters.size} waiter(s), ` +
          `${load.loaderSettled ? 'settled' : 'unsettled'}`;
      fail(
        `loader call ${i} ('${load.key}'): its signal is ${call.signal.aborted ? '' : 'not '}aborted; ` +
          `the model expects the opposite (the load is ${state})`,
      );
    }
  }
  // callers: never another's abort reason; settled exactly when and as the rules say
  for (const w of m.waiters) {
    const state = r.states.get(w.id);
    if (state === undefined) continue; // a background refresh
    if (state.s === 'rejected') {
      const owner = r.reasonOwner.get(state.e);
      if (owner !== undefined && owner !== w.id) {
        fail(`#${w.id} (${w.kind} '${w.key}') rejected with the abort reason of #${owner}`);
      }
    }
    if (!w.done) {
      if (state.s !== 'pending') {
        fail(
          `#${w.id} (${w.kind} '${w.key}') ${r.describeState(state)}; the model says it still ` +
            `waits on loader call ${w.load?.call}`,
        );
      }
      continue;
    }
    if (!w.allowed.some((o) => matches(state, o))) {
      fail(
        `#${w.id} (${w.kind} '${w.key}') ${r.describeState(state)}; the model expects ` +
          w.allowed.map((o) => r.describeOutcome(o)).join(' or '),
      );
    }
  }
  // no late load overwrote newer state (and nothing else diverged)
  for (const key of KEYS) {
    const actual = r.cache.peek(key);
    const expected = m.peek(key);
    if (actual !== expected)
      fail(`peek('${key}') is ${r.describe(actual)}, expected ${r.describe(expected)}`);
  }
  const { loadErrors } = r.cache.stats;
  if (loadErrors > m.loadErrorBound) {
    fail(
      `stats.loadErrors is ${loadErrors}, but only ${m.loadErrorBound} loader error(s) or ` +
        'timeout(s) happened (an abort was counted)',
    );
  }
  if (loadErrors < m.loadErrorFloor) {
    fail(
      `stats.loadErrors is ${loadErrors}, but ${m.loadErrorFloor} failure(s) must be counted ` +
        "(rejections of the key's load, refreshes detached by timeout)",
    );
  }
  // callback errors on background paths go to onError
  for (const t of r.thrown) {
    if (t.during === undefined) saw('onEvict threw on a background path');
    if (t.during === undefined && !r.onErrors.has(t.error)) {
      fail(`an onEvict error on a background path never reached onError (${r.describe(t.error)})`);
    }
  }
}

/** The op as drawn (`pick` chooses among the callers or loader calls open at that point). */
function describeOp(op: Op): string {
  switch (op.t) {
    case 'get':
      return `get('${op.k}'${op.signal ? ', { signal }' : ''})`;
    case 'abort':
      return `abort(signalled caller [${op.pick}])`;
    case 'timers':
      return `advance timers ${op.ms} ms`;
    case 'clock':
      return `clock.advance(${op.ms})`;
    case 'settle':
      return `settle(pending loader call [${op.pick}], ${op.kind})`;
    case 'clear':
      return 'clear()';
    default:
      return `${op.t}('${op.k}')`;
  }
}

class Cmd implements fc.AsyncCommand<Model, Real> {
  constructor(readonly op: Op) {}
  check(): boolean {
    return true;
  }
  async run(m: Model, r: Real): Promise<void> {
    await step(m, r, this.op);
  }
  toString(): string {
    return describeOp(this.op);
  }
}

/**
 * After the random commands: every caller who can leave does (signals aborted, `timeout` passed),
 * then each key is read once more and its new loads resolve. A key still stuck on a load that no
 * waiter holds fails here (the model expects a new loader call).
 */
async function drain(m: Model, r: Real): Promise<void> {
  m.trace.push('-- drain --');
  const signalled = m.waiters.filter((w) => w.reason !== undefined);
  for (let i = 0; i < signalled.length; i++) {
    if (!signalled[i]!.done) await step(m, r, { t: 'abort', pick: i });
  }
  if (m.c.timeout !== Number.POSITIVE_INFINITY) {
    await step(m, r, { t: 'timers', ms: m.c.timeout });
  }
  const before = m.loads.length;
  for (const k of KEYS) await step(m, r, { t: 'get', k, signal: false });
  for (let i = before; i < m.loads.length; i++) {
    const open = m.loads.filter((l) => !l.loaderSettled);
    const pick = open.indexOf(m.loads[i]!);
    if (pick !== -1) await step(m, r, { t: 'settle', pick, kind: 'value' });
  }
  // settle what is left (pinned loads), then nothing may hold a timer or wait
  while (m.loads.some((l) => !l.loaderSettled)) {
    await step(m, r, { t: 'settle', pick: 0, kind: 'value' });
  }
  if (m.active.size > 0) throw new Error('model: waiters left after every load settled');
  const timers = vi.getTimerCount();
  if (timers > m.timedWaiters) {
    throw new Error(`${timers} timer(s) still armed after every caller settled`);
  }
  if (!inNode) {
    await turn();
    await turn();
    if (unhandled.length > 0) throw new Error(`unhandled rejection: ${r.describe(unhandled[0])}`);
  }
}

// ---- arbitraries ----

const key = fc.constantFrom<Key>('a', 'a', 'a', 'b', 'c');
const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({ t: fc.constant('get' as const), k: key, signal: fc.constant(false) }),
  },
  {
    weight: 8,
    arbitrary: fc.record({ t: fc.constant('get' as const), k: key, signal: fc.constant(true) }),
  },
  { weight: 6, arbitrary: fc.record({ t: fc.constant('abort' as const), pick: fc.nat(7) }) },
  {
    weight: 5,
    arbitrary: fc.record({
      t: fc.constant('timers' as const),
      ms: fc.oneof(fc.constantFrom(49, 50, 51), fc.integer({ min: 1, max: 60 })),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      t: fc.constant('clock' as const),
      ms: fc.oneof(fc.constantFrom(25, 50, 100, 110), fc.integer({ min: 1, max: 120 })),
    }),
  },
  {
    weight: 10,
    arbitrary: fc.record({
      t: fc.constant('settle' as const),
      pick: fc.nat(7),
      kind: fc.constantFrom('value' as const, 'error' as const, 'reason' as const),
    }),
  },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('invalidate' as const), k: key }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('set' as const), k: key }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('refresh' as const), k: key }) },
  { weight: 1, arbitrary: fc.constant({ t: 'clear' as const }) },
);
const commands = fc.commands([op.map((o) => new Cmd(o))], { maxCommands: 40, size: 'medium' });

const configOf = (
  timeout: fc.Arbitrary<number>,
  onEvictThrows: fc.Arbitrary<Config['onEvictThrows']>,
) =>
  fc.record({
    timeout,
    errorTtl: fc.constantFrom(0, 100),
    staleWhileRevalidate: fc.constantFrom(0, 50),
    staleIfError: fc.constantFrom(0, 50),
    refreshAhead: fc.constantFrom(undefined, 0.5),
    onEvictThrows,
    fetchLike: fc.boolean(),
  });

// ---- the properties ----

const env = (name: string): string | undefined =>
  typeof process === 'undefined' ? undefined : process.env[name];
// Chromium runs this file several times slower than Node: a fifth of the runs there.
const TOTAL_RUNS = Number(env('LRUKIT_MODEL_RUNS') ?? (inNode ? 20_000 : 4_000));
const SEED = env('LRUKIT_MODEL_SEED');

/**
 * Runs the model over `share` of the runs; with the full count, the runs must have exercised each
 * of `required` (so a change to the generators cannot quietly stop testing a rule).
 */
async function check(
  config: fc.Arbitrary<Config>,
  share: number,
  required: readonly string[],
): Promise<void> {
  coverage.clear();
  const numRuns = Math.max(1, Math.round(TOTAL_RUNS * share));
  await fc.assert(
    fc.asyncProperty(config, commands, async (c, cmds) => {
      vi.clearAllTimers();
      unhandled.length = 0;
      let ctx: { model: Model; real: Real } | undefined;
      try {
        await fc.asyncModelRun(() => {
          ctx = { model: new Model(c), real: new Real(c) };
          return ctx;
        }, cmds);
        await drain(ctx!.model, ctx!.real);
      } catch (error) {
        const trace = ctx?.model.trace.join('; ') ?? '';
        throw new Error(`${(error as Error).message}\n      run: ${trace}`);
      }
    }),
    {
      numRuns,
      // the failing check's message (with the run's resolved trace) in the report itself
      includeErrorInReport: true,
      ...(SEED === undefined ? {} : { seed: Number(SEED) }),
    },
  );
  if (env('LRUKIT_MODEL_COVERAGE')) {
    console.log([...coverage].map(([event, n]) => `${String(n).padStart(7)}  ${event}`).join('\n'));
  }
  if (numRuns >= 2_000) {
    const missing = required.filter((event) => !coverage.has(event));
    if (missing.length > 0) {
      throw new Error(`${numRuns} runs never exercised: ${missing.join('; ')}`);
    }
  }
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  unhandled.length = 0;
  if (inNode) process.on('unhandledRejection', onUnhandled);
  else globalThis.addEventListener('unhandledrejection', onUnhandledEvent);
});
afterEach(() => {
  if (inNode) process.off('unhandledRejection', onUnhandled);
  else globalThis.removeEventListener('unhandledrejection', onUnhandledEvent);
  vi.clearAllTimers();
  vi.useRealTimers();
});

/** Situations every property must meet in a full run (names as `saw` records them). */
const EVERY_PROPERTY = [
  'get joined a running load',
  'load detached by abort',
  'get without signal after an abort-detached load of the key',
  'late value of a detached load dropped',
  'late error of a detached load dropped',
  'invalidate cancelled a load',
  'set superseded a load',
  'clear cancelled a load',
  'an unregistered load settled for its waiters',
  'stale-while-revalidate refresh started',
  'refresh-ahead refresh started',
  'a failure remembered (errorTtl)',
  'get served a remembered error',
  'a failed load kept the stale value',
  'stale value served on error',
];
const WITH_TIMEOUT = [
  'get timed out',
  'refresh timed out',
  'background timed out',
  'load detached by timeout',
  'stale value served on timeout',
];
const WITH_THROWING_ON_EVICT = [
  'set() met a throwing onEvict',
  'invalidate() met a throwing onEvict',
  'clear() met a throwing onEvict',
  'get() met a throwing onEvict',
  'onEvict threw on a background path',
];

describe('LoadingCache (model): loads under failure', () => {
  it('with timeout: no stuck keys, private aborts, detached loads dropped', {
    timeout: 300_000,
  }, async () => {
    await check(configOf(fc.constant(50), fc.constant('never' as const)), 0.4, [
      ...EVERY_PROPERTY,
      ...WITH_TIMEOUT,
    ]);
  });

  it('without timeout: pinned loads, aborts, invalidate/set/clear races', {
    timeout: 300_000,
  }, async () => {
    await check(
      configOf(fc.constant(Number.POSITIVE_INFINITY), fc.constant('never' as const)),
      0.3,
      EVERY_PROPERTY,
    );
  });

  it('with a throwing onEvict: operations finish, errors reach the caller or onError', {
    timeout: 300_000,
  }, async () => {
    await check(
      configOf(
        fc.constantFrom(50, Number.POSITIVE_INFINITY),
        fc.constantFrom('every' as const, 'alternate' as const),
      ),
      0.3,
      [...EVERY_PROPERTY, ...WITH_TIMEOUT, ...WITH_THROWING_ON_EVICT],
    );
  });
});

/**
 * The smallest cases the properties above shrink to on the code before issue 11's rewrite (each
 * broke the rule it is named after), run through the same model so they stay readable.
 */
describe('LoadingCache (model): the counterexamples of issue 11', () => {
  const quiet: Config = {
    timeout: Number.POSITIVE_INFINITY,
    errorTtl: 0,
    staleWhileRevalidate: 0,
    staleIfError: 0,
    refreshAhead: undefined,
    onEvictThrows: 'never',
    fetchLike: false,
  };
  const get = (k: Key, signal = false): Op => ({ t: 'get', k, signal });
  const cases: Array<[string, Partial<Config>, Op[]]> = [
    [
      'a timed-out load is detached: the next get loads again',
      { timeout: 50 },
      [get('a'), { t: 'timers', ms: 50 }, get('a')],
    ],
    [
      'a hung stale-while-revalidate refresh is detached after timeout',
      { timeout: 50, staleWhileRevalidate: 50 },
      [
        { t: 'set', k: 'a' },
        { t: 'clock', ms: 100 },
        get('a'),
        { t: 'timers', ms: 50 },
        { t: 'clock', ms: 10 },
        get('a'),
      ],
    ],
    [
      "a caller arriving after the only waiter aborted never gets that waiter's reason",
      {},
      [get('a', true), { t: 'abort', pick: 0 }, get('a'), { t: 'settle', pick: 0, kind: 'reason' }],
    ],
    [
      'an abort is neither remembered by errorTtl nor counted in loadErrors',
      { errorTtl: 100, fetchLike: true },
      [get('a', true), { t: 'abort', pick: 0 }, get('a')],
    ],
    [
      'refresh() is a waiter: a caller aborting does not cancel it',
      {},
      [{ t: 'refresh', k: 'a' }, get('a', true), { t: 'abort', pick: 0 }],
    ],
    [
      'refresh() obeys timeout',
      { timeout: 50 },
      [
        { t: 'refresh', k: 'a' },
        { t: 'timers', ms: 50 },
      ],
    ],
    [
      'invalidate cancels the load even when onEvict throws',
      { onEvictThrows: 'every', staleIfError: 50 },
      [
        { t: 'set', k: 'a' },
        { t: 'clock', ms: 100 },
        get('a'),
        { t: 'invalidate', k: 'a' },
        { t: 'settle', pick: 0, kind: 'value' },
      ],
    ],
    [
      'clear cancels the loads even when onEvict throws',
      { onEvictThrows: 'every' },
      [{ t: 'set', k: 'b' }, get('a'), { t: 'clear' }],
    ],
    [
      'get never throws synchronously',
      { onEvictThrows: 'every' },
      [{ t: 'set', k: 'a' }, { t: 'clock', ms: 100 }, get('a')],
    ],
    [
      "an onEvict error while a load completes goes to onError, not to the load's callers",
      { onEvictThrows: 'every', staleIfError: 50 },
      [
        { t: 'set', k: 'a' },
        { t: 'clock', ms: 100 },
        get('a'),
        { t: 'settle', pick: 0, kind: 'value' },
      ],
    ],
  ];
  for (const [name, options, ops] of cases) {
    it(name, async () => {
      const c = { ...quiet, ...options };
      const m = new Model(c);
      const r = new Real(c);
      try {
        for (const op of ops) await step(m, r, op);
        await drain(m, r);
      } catch (error) {
        throw new Error(`${(error as Error).message}\n      run: ${m.trace.join('; ')}`);
      }
    });
  }
});
