/**
 * In-memory stand-ins for a shared tier and an invalidation bus, on a test's ManualClock, used by
 * the tier tests and the regression tests. Each call is logged and can be made to fail.
 */

import type { BusListener, InvalidationBus, InvalidationMessage, L2Store } from 'lrukit';
import type { ManualClock } from 'lrukit/testing';

/** An in-memory L2 on the test's clock; each call is logged, and can be made to fail. */
export class MemoryStore<V> implements L2Store<V> {
  readonly data = new Map<string, { value: V; expires: number }>();
  readonly calls: string[] = [];
  fail: Partial<Record<'get' | 'set' | 'delete' | 'clear', unknown>> = {};
  constructor(readonly clock: ManualClock) {}
  #check(op: 'get' | 'set' | 'delete' | 'clear', key: string) {
    this.calls.push(`${op} ${key}`);
    if (this.fail[op] !== undefined) throw this.fail[op];
  }
  async get(key: string) {
    this.#check('get', key);
    const hit = this.data.get(key);
    if (hit === undefined || hit.expires <= this.clock.now()) return undefined;
    return { value: hit.value, ttl: hit.expires - this.clock.now() };
  }
  async set(key: string, value: V, ttl: number) {
    this.#check('set', key);
    this.data.set(key, { value, expires: this.clock.now() + ttl });
  }
  async delete(key: string) {
    this.#check('delete', key);
    this.data.delete(key);
  }
  async clear() {
    this.#check('clear', '*');
    this.data.clear();
  }
}

/** An in-memory bus: every subscriber gets every message (its own included), asynchronously. */
export class MemoryBus implements InvalidationBus {
  readonly listeners = new Set<BusListener>();
  readonly sent: InvalidationMessage[] = [];
  failPublish: unknown;
  async publish(message: InvalidationMessage) {
    if (this.failPublish !== undefined) throw this.failPublish;
    this.sent.push(message);
    // a wire copy: receivers must not depend on object identity
    const copy = JSON.parse(JSON.stringify(message)) as InvalidationMessage;
    await Promise.resolve();
    for (const listener of this.listeners) listener.message(copy);
  }
  subscribe(listener: BusListener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  reconnect() {
    for (const listener of this.listeners) listener.reconnected();
  }
}
