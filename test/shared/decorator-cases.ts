/**
 * The runtime cases of @cached, shared by both dialects: test/unit/decorator.test.ts (TC39) and
 * test/legacy/decorator.legacy.test.ts (experimentalDecorators) each define the same `Service`
 * class, compiled in their own dialect, and run these cases on it. Cases that need decorator
 * syntax themselves stay in each file.
 */

import { cached } from 'lrukit';
import type { ManualClock } from 'lrukit/testing';
import { expect, it } from 'vitest';

/** The shape of the `Service` class both dialect files decorate. */
export interface ServiceInstance {
  calls: number;
  readonly base: number;
  search(q: string, page?: number): Promise<string>;
  square(n: number): number | Promise<number>;
  shared(n: number): Promise<string>;
  byId(id: string): Promise<string>;
  plain(n: number): number;
}

export interface ServiceClass {
  new (base: number): ServiceInstance;
  staticCalls: number;
  config(name: string): Promise<string>;
}

/** Registers the shared cases (call inside a `describe`). */
export function sharedDecoratorCases(Service: ServiceClass, clock: ManualClock): void {
  it('caches an async method per instance, with this bound', async () => {
    const a = new Service(1);
    expect(await a.search('x')).toBe('1:x:1');
    expect(await a.search('x')).toBe('1:x:1');
    expect(a.calls).toBe(1);
    expect(await a.search('x', 2)).toBe('1:x:2');
    expect(a.calls).toBe(2);
  });

  it('keeps instances apart', async () => {
    const a = new Service(1);
    const b = new Service(2);
    expect(await a.search('x')).toBe('1:x:1');
    expect(await b.search('x')).toBe('2:x:1');
    expect([a.calls, b.calls]).toEqual([1, 1]);
    cached.clear(a, 'search');
    expect(await b.search('x')).toBe('2:x:1');
    expect(b.calls).toBe(1);
    expect(await a.search('x')).toBe('1:x:1');
    expect(a.calls).toBe(2);
  });

  it('passes the options to memoize (ttl on an injected clock)', async () => {
    const a = new Service(1);
    await a.search('t');
    clock.advance(999);
    await a.search('t');
    expect(a.calls).toBe(1);
    clock.advance(1);
    await a.search('t');
    expect(a.calls).toBe(2);
  });

  it('wraps a sync method in a Promise and coalesces concurrent calls', async () => {
    const a = new Service(3);
    const p = a.square(2);
    expect(p).toBeInstanceOf(Promise);
    const [x, y] = await Promise.all([p, a.square(2)]);
    expect([x, y, a.calls]).toEqual([12, 12, 1]);
  });

  it("shares one cache across instances with scope 'class', this still passed", async () => {
    const a = new Service(1);
    const b = new Service(2);
    expect(await a.shared(5)).toBe('1:5');
    expect(await b.shared(5)).toBe('1:5'); // a's result, shared
    expect([a.calls, b.calls]).toEqual([1, 0]);
    cached.invalidate(b, 'shared', 5); // the one shared cache, through any instance
    expect(await b.shared(5)).toBe('2:5');
    expect(b.calls).toBe(1);
    cached.clear(a, 'shared');
  });

  it('caches static methods on the class, this being the class', async () => {
    Service.staticCalls = 0;
    expect(await Service.config('db')).toBe('db:true');
    expect(await Service.config('db')).toBe('db:true');
    expect(Service.staticCalls).toBe(1);
    expect(cached.peek(Service, 'config', 'db')).toBe('db:true');
    cached.invalidate(Service, 'config', 'db');
    expect(cached.peek(Service, 'config', 'db')).toBeUndefined();
    await Service.config('db');
    expect(Service.staticCalls).toBe(2);
    cached.clear(Service, 'config');
  });

  it('uses the key option', async () => {
    const a = new Service(1);
    await a.byId('ABC');
    await a.byId('abc');
    expect(a.calls).toBe(1);
  });

  it('invalidates, peeks and clears one call of one instance', async () => {
    const a = new Service(1);
    expect(cached.peek(a, 'search', 'x')).toBeUndefined(); // no cache yet: nothing created
    cached.invalidate(a, 'search', 'x');
    await a.search('x');
    await a.search('y');
    expect(cached.peek(a, 'search', 'x')).toBe('1:x:1');
    cached.invalidate(a, 'search', 'x');
    expect(cached.peek(a, 'search', 'x')).toBeUndefined();
    expect(cached.peek(a, 'search', 'y')).toBe('1:y:1');
    cached.clear(a, 'search');
    expect(cached.peek(a, 'search', 'y')).toBeUndefined();
  });

  it('works on subclasses and rejects a call without a receiver', async () => {
    class Sub extends Service {}
    const s = new Sub(4);
    await s.search('q');
    await s.search('q');
    expect(s.calls).toBe(1);
    expect(cached.peek(s, 'search', 'q')).toBe('4:q:1');
    const detached = s.search;
    await expect(detached('q')).rejects.toThrow(TypeError);
  });

  it('throws a clear TypeError from the helpers for a method that is not @cached', () => {
    const a = new Service(1);
    expect(() => cached.invalidate(a, 'plain', 1)).toThrow(/cached\.invalidate\(\).*not @cached/);
    expect(() => cached.clear(a, 'plain')).toThrow(TypeError);
    // @ts-expect-error: not a method at all
    expect(() => cached.clear(a, 'calls')).toThrow(/calls of an object is 0/);
  });
}
