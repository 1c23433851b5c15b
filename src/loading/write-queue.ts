/**
 * Write-behind: the queue between a `LoadingCache` and its store. Writes wait here (the cache
 * already holds them) until they are sent in batches; this room owns coalescing, per-key order,
 * batching, bounded concurrency, retries with backoff, backpressure and `flush`.
 *
 * The rules, in one place:
 * - An item is one key's value not yet stored. A key has at most one item queued (`#pending`,
 *   not yet sent) and one busy (`#busy`: in a store call, or in a failed batch waiting to be
 *   retried). A write to a key with a pending item replaces its value (the last wins); a write to
 *   a key whose batch waits for a retry replaces the value that batch will send; a write to a
 *   key in a store call is queued behind it. So a key is never in two store calls at once, and
 *   its values reach the store in the order they were written.
 * - `maxQueue` bounds the items (pending + busy). A `write` that would exceed it waits, in line
 *   (first come, first served), until an item is stored or given up.
 * - A batch is sent when its oldest item has waited `delay` ms, when `maxBatch` items are ready,
 *   or at once while a `flush()` waits. At most `concurrency` store calls are in flight.
 * - A failed store call is retried after `retryDelay`, then twice as long each time, on the
 *   cache's clock; after `retries` retries its entries are given up: the cache drops its copies
 *   and reports them (`onError`), and every `flush()` that waited for them rejects with them.
 * - Every write gets a sequence number; an item remembers the oldest write it carries (`since`).
 *   A `flush()` called after write `n` settles once no item or waiting write from `n` or before
 *   is left. Items are created in sequence order, so the oldest live one is the first of `#live`.
 */

import {
  attempt,
  backoff,
  type ResolvedWriteBehind,
  type ResolvedWrites,
  WriteError,
  type Writes,
} from './writes.js';

/** Timers on the cache's clock. */
export interface Timers {
  setTimer(callback: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

/** What the queue tells the cache. */
export interface QueueHooks<K, V> {
  now(): number;
  /** `entries` reached the store. */
  stored(entries: ReadonlyArray<readonly [K, V]>): void;
  /** `entries` could not be stored after `attempts` calls; `error` is the last failure. */
  gaveUp(
    error: unknown,
    entries: ReadonlyArray<readonly [K, V]>,
    operation: 'write' | 'writeMany',
    attempts: number,
  ): void;
}

interface Item<K, V> {
  readonly key: K;
  value: V;
  /** The sequence number of the oldest write this item carries. */
  readonly since: number;
  /** When it must be sent at the latest (its first write + `delay`). */
  readonly due: number;
  /** Its batch, once sent. */
  batch: Batch<K, V> | undefined;
}

interface Batch<K, V> {
  readonly items: Array<Item<K, V>>;
  /** Store calls made for it so far. */
  attempts: number;
  /** True while its store call runs (then new writes to its keys queue behind it). */
  inFlight: boolean;
  timer: unknown;
}

interface WaitingWrite {
  readonly seq: number;
  readonly key: unknown;
  readonly admit: () => void;
}

interface FlushWaiter<K, V> {
  readonly seq: number;
  readonly failed: Array<readonly [K, V]>;
  cause: unknown;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/** One cache's write-behind queue. */
export class WriteQueue<K, V> implements Writes<K, V> {
  closed = false;
  writes = 0;
  writeErrors = 0;
  batches = 0;
  readonly #o: ResolvedWriteBehind;
  readonly #write: ((key: K, value: V) => unknown) | undefined;
  readonly #writeMany: ((entries: Array<[K, V]>) => unknown) | undefined;
  readonly #timers: Timers;
  readonly #hooks: QueueHooks<K, V>;
  readonly #batchSize: number;
  readonly #pending = new Map<K, Item<K, V>>();
  readonly #busy = new Map<K, Item<K, V>>();
  /** Every item not yet stored nor given up, oldest `since` first. */
  readonly #live = new Set<Item<K, V>>();
  readonly #waiting: WaitingWrite[] = [];
  readonly #flushes: Array<FlushWaiter<K, V>> = [];
  /** Failed batches whose backoff is over, to send before new ones. */
  readonly #ready: Array<Batch<K, V>> = [];
  /** Batches waiting for their retry timer. */
  readonly #backingOff = new Set<Batch<K, V>>();
  /** Pending items whose key is busy in a store call (they wait for it). */
  #blocked = 0;
  #calls = 0;
  #seq = 0;
  #timer: unknown;

  constructor(o: ResolvedWrites<K, V>, timers: Timers, hooks: QueueHooks<K, V>) {
    this.#o = o.behind!;
    this.#write = o.write;
    this.#writeMany = o.writeMany;
    this.#timers = timers;
    this.#hooks = hooks;
    this.#batchSize = o.writeMany === undefined ? 1 : this.#o.maxBatch;
  }

  /** Writes not yet stored (queued, in flight, waiting for a retry). */
  get queuedCount(): number {
    return this.#live.size;
  }

  write(key: K, value: V, apply: () => void): Promise<void> {
    const seq = ++this.#seq;
    if (this.#waiting.length === 0 && this.#fits(key)) {
      apply();
      this.#add(key, value, seq);
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      this.#waiting.push({
        seq,
        key,
        admit: () => {
          try {
            apply();
          } catch (error) {
            reject(error);
            return;
          }
          this.#add(key, value, seq);
          resolve();
        },
      });
    });
  }

  queued(key: K): { readonly value: V } | undefined {
    return this.#pending.get(key) ?? this.#busy.get(key);
  }

  flush(): Promise<void> {
    const seq = this.#seq;
    if (this.#oldest() > seq) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.#flushes.push({ seq, failed: [], cause: undefined, resolve, reject });
      this.#pump();
    });
  }

  release(): void {
    if (this.#timer !== undefined) this.#timers.clearTimer(this.#timer);
    this.#timer = undefined;
    for (const batch of this.#backingOff) this.#timers.clearTimer(batch.timer);
  }

  /** True when a write to `key` fits now (coalescing into a queued item always does). */
  #fits(key: K): boolean {
    if (this.#live.size < this.#o.maxQueue) return true;
    const busy = this.#busy.get(key);
    return this.#pending.has(key) || (busy !== undefined && !busy.batch!.inFlight);
  }

  #add(key: K, value: V, seq: number): void {
    const pending = this.#pending.get(key);
    if (pending !== undefined) {
      pending.value = value;
      return;
    }
    const busy = this.#busy.get(key);
    if (busy !== undefined && !busy.batch!.inFlight) {
      // its batch waits for a retry: it will send this value instead of the superseded one
      busy.value = value;
      return;
    }
    const item: Item<K, V> = {
      key,
      value,
      since: seq,
      due: this.#hooks.now() + this.#o.delay,
      batch: undefined,
    };
    this.#pending.set(key, item);
    this.#live.add(item);
    if (busy !== undefined) this.#blocked++;
    this.#pump();
  }

  /** The sequence number of the oldest write not yet settled (`Infinity`: none). */
  #oldest(): number {
    const first = this.#live.values().next();
    const item = first.done ? Infinity : first.value.since;
    const waiting = this.#waiting.length === 0 ? Infinity : this.#waiting[0]!.seq;
    return Math.min(item, waiting);
  }

  /** Sends what is ready, up to `concurrency` calls; arms the delay timer for the rest. */
  #pump(): void {
    const urgent = this.#flushes.length > 0;
    while (this.#calls < this.#o.concurrency) {
      let batch = this.#ready.shift();
      if (batch === undefined) {
        const items = this.#take(urgent);
        if (items === undefined) break;
        batch = { items, attempts: 0, inFlight: false, timer: undefined };
      }
      this.#send(batch);
    }
    // with every call slot taken, the next settle pumps: a timer now would only spin
    if (this.#calls < this.#o.concurrency) this.#arm();
  }

  /** The next batch of pending items whose keys are not busy, if one should go now. */
  #take(urgent: boolean): Array<Item<K, V>> | undefined {
    const now = this.#hooks.now();
    let items: Array<Item<K, V>> | undefined;
    for (const item of this.#pending.values()) {
      if (this.#busy.has(item.key)) continue; // behind its key's store call
      if (items === undefined) {
        // the oldest sendable item is due, or a flush waits, or maxBatch items are ready
        // (without writeMany too: one ready write alone does not skip the delay)
        const sendable = this.#pending.size - this.#blocked;
        if (!urgent && item.due > now && sendable < this.#o.maxBatch) return undefined;
        items = [];
      }
      items.push(item);
      if (items.length === this.#batchSize) break;
    }
    if (items === undefined) return undefined;
    for (const item of items) {
      this.#pending.delete(item.key);
      this.#busy.set(item.key, item);
    }
    return items;
  }

  /** Arms the delay timer for the oldest sendable pending item, if none is armed. */
  #arm(): void {
    if (this.#timer !== undefined) return;
    for (const item of this.#pending.values()) {
      if (this.#busy.has(item.key)) continue;
      this.#timer = this.#timers.setTimer(
        () => {
          this.#timer = undefined;
          this.#pump();
        },
        Math.max(0, item.due - this.#hooks.now()),
      );
      return;
    }
  }

  #send(batch: Batch<K, V>): void {
    for (const item of batch.items) item.batch = batch;
    batch.inFlight = true;
    batch.attempts++;
    this.#calls++;
    this.batches++;
    const entries = batch.items.map((item): [K, V] => [item.key, item.value]);
    const many = this.#writeMany;
    const call =
      many === undefined ? () => this.#write!(entries[0]![0], entries[0]![1]) : () => many(entries);
    attempt(call).then(
      () => this.#stored(batch, entries),
      (error: unknown) => this.#failed(batch, entries, error),
    );
  }

  #stored(batch: Batch<K, V>, entries: ReadonlyArray<readonly [K, V]>): void {
    this.#calls--;
    this.writes += entries.length;
    this.#finish(batch);
    try {
      this.#hooks.stored(entries);
    } finally {
      this.#settled();
    }
  }

  #failed(batch: Batch<K, V>, entries: ReadonlyArray<readonly [K, V]>, error: unknown): void {
    this.#calls--;
    this.writeErrors++;
    batch.inFlight = false;
    if (batch.attempts <= this.#o.retries) {
      this.#backingOff.add(batch);
      batch.timer = this.#timers.setTimer(
        () => {
          this.#backingOff.delete(batch);
          batch.timer = undefined;
          this.#ready.push(batch);
          this.#pump();
        },
        backoff(this.#o.retryDelay, batch.attempts),
      );
      this.#pump();
      return;
    }
    this.#finish(batch);
    for (const flush of this.#flushes) {
      let failed = false;
      for (const item of batch.items) {
        if (item.since <= flush.seq) {
          flush.failed.push([item.key, item.value]);
          failed = true;
        }
      }
      if (failed) flush.cause = error;
    }
    try {
      this.#hooks.gaveUp(
        error,
        entries,
        this.#writeMany === undefined ? 'write' : 'writeMany',
        batch.attempts,
      );
    } finally {
      this.#settled();
    }
  }

  /** `batch`'s items are settled: no longer busy nor counted. */
  #finish(batch: Batch<K, V>): void {
    for (const item of batch.items) {
      this.#busy.delete(item.key);
      this.#live.delete(item);
      if (this.#pending.has(item.key)) this.#blocked--;
    }
  }

  /** After items settled: let waiting writes in, settle the flushes that are done, send more. */
  #settled(): void {
    while (this.#waiting.length > 0 && this.#fits(this.#waiting[0]!.key as K)) {
      this.#waiting.shift()!.admit();
    }
    const oldest = this.#oldest();
    while (this.#flushes.length > 0 && this.#flushes[0]!.seq < oldest) {
      const flush = this.#flushes.shift()!;
      if (flush.failed.length === 0) flush.resolve();
      else {
        const n = flush.failed.length;
        flush.reject(
          new WriteError(
            `lrukit: ${n} write${n === 1 ? '' : 's'} could not be stored after every retry ` +
              '(each also went to onError)',
            flush.failed,
            flush.cause,
          ),
        );
      }
    }
    this.#pump();
  }
}
