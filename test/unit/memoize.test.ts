import { memoize } from 'lrukit';
import { ManualClock } from 'lrukit/testing';
import { describe, expect, expectTypeOf, it, vi } from 'vitest';

describe('memoize', () => {
  it('caches by structurally equal arguments and keeps this', async () => {
    const fn = vi.fn(async function (this: { base: number }, q: string, opts: { page: number }) {
      return `${this.base}:${q}:${opts.page}`;
    });
    const search = memoize(fn, { maxEntries: 10 });
    const self = { base: 7 };
    expect(await search.call(self, 'rust', { page: 2 })).toBe('7:rust:2');
    expect(await search.call(self, 'rust', { page: 2 })).toBe('7:rust:2');
    expect(fn).toHaveBeenCalledTimes(1);
    expect(await search.call(self, 'rust', { page: 3 })).toBe('7:rust:3');
    expect(fn).toHaveBeenCalledTimes(2);
    expect(search.peek('rust', { page: 2 })).toBe('7:rust:2');
    search.invalidate('rust', { page: 2 });
    expect(search.peek('rust', { page: 2 })).toBeUndefined();
    expect(search.cache.size).toBe(1);
    search.clear();
    expect(search.cache.size).toBe(0);
  });

  it('coalesces concurrent calls and wraps sync functions in a Promise', async () => {
    let calls = 0;
    const square = memoize((n: number) => {
      calls++;
      return n * n;
    });
    const results = await Promise.all([square(3), square(3), square(3)]);
    expect(results).toEqual([9, 9, 9]);
    expect(calls).toBe(1);
    expect(square(4)).toBeInstanceOf(Promise);
  });

  it('defaults to 1,000 entries without a bound', async () => {
    const id = memoize(async (n: number) => n);
    for (let i = 0; i < 1_001; i++) await id(i);
    expect(id.cache.size).toBe(1_000);
    expect(id.peek(0)).toBeUndefined();
  });

  it('refresh() calls fn again with the same this and arguments', async () => {
    let n = 0;
    const next = memoize(function (this: { step: number }, key: string) {
      n += this.step;
      return `${key}${n}`;
    });
    const self = { step: 2 };
    expect(await next.call(self, 'a')).toBe('a2');
    expect(await next.refresh.call(self, 'a')).toBe('a4');
    expect(await next.call(self, 'a')).toBe('a4');
  });

  it('a custom key function, and ttl on a ManualClock', async () => {
    const clock = new ManualClock();
    const fn = vi.fn(async (user: { id: number; name: string }) => user.name.toUpperCase());
    const upper = memoize(fn, { key: (user) => String(user.id), ttl: 100, clock, maxEntries: 5 });
    await upper({ id: 1, name: 'ann' });
    expect(await upper({ id: 1, name: 'other name, same id' })).toBe('ANN');
    clock.advance(100);
    expect(await upper({ id: 1, name: 'bob' })).toBe('BOB');
    expect(fn).toHaveBeenCalledTimes(2);
  });

  it('arguments that cannot be keyed give a rejected Promise naming the path', async () => {
    const fn = vi.fn(async (_a: number, _b: unknown) => 1);
    const m = memoize(fn);
    await expect(m(1, { user: { save() {} } })).rejects.toThrow(TypeError);
    await expect(m(1, { user: { save() {} } })).rejects.toThrow(/args\[1\]\.user\.save/);
    expect(fn).not.toHaveBeenCalled();
  });

  it('refuses bad options', () => {
    expect(() => memoize('x' as never)).toThrow(/must be a function, got "x"/);
    expect(() => memoize(async () => 1, { key: 5 as never })).toThrow(/option "key"/);
    expect(() => memoize(async () => 1, { ttl: -1 })).toThrow(RangeError);
  });

  it('keeps the parameter types', () => {
    const m = memoize(async (q: string, page: number) => ({ q, page }));
    expectTypeOf(m).parameters.toEqualTypeOf<[string, number]>();
    expectTypeOf(m('a', 1)).toEqualTypeOf<Promise<{ q: string; page: number }>>();
  });
});

describe('memoize and single-use values (issue 12)', () => {
  it('memoize(fetch) refuses to cache a Response: every caller gets the TypeError, nothing is stored', async () => {
    const fetcher = vi.fn((url: string) => fetch(url));
    const cachedFetch = memoize(fetcher);
    const url = 'data:application/json,{"a":1}';
    const [first, second] = await Promise.allSettled([cachedFetch(url), cachedFetch(url)]);
    for (const result of [first, second]) {
      expect(result.status).toBe('rejected');
      expect((result as PromiseRejectedResult).reason).toBeInstanceOf(TypeError);
      expect(String((result as PromiseRejectedResult).reason)).toMatch(
        /memoize\(\) cannot cache a Response .*\(await fetch\(url\)\)\.json\(\)/,
      );
    }
    expect(fetcher).toHaveBeenCalledTimes(1); // one load for both callers, as always
    expect(cachedFetch.cache.size).toBe(0);
    // the recipe from the message works
    const json = memoize(async (u: string) => (await fetch(u)).json());
    expect(await json(url)).toEqual({ a: 1 });
    expect(await json(url)).toEqual({ a: 1 });
  });

  it('refuses streams and generators too, sync or async', async () => {
    const stream = memoize(async () => new ReadableStream());
    await expect(stream()).rejects.toThrow(/cannot cache a ReadableStream/);
    const gen = memoize(function* () {
      yield 1;
    });
    await expect(gen()).rejects.toThrow(/cannot cache a generator/);
    const agen = memoize(async function* () {
      yield 1;
    });
    await expect(agen()).rejects.toThrow(/cannot cache a generator/);
    // ordinary objects, arrays and class instances are cached as before
    const plain = memoize(async () => ({ body: 'x', bodyUsed: false }));
    expect(await plain()).toEqual({ body: 'x', bodyUsed: false });
    expect(plain.cache.size).toBe(1);
  });

  it('an argument stableKey cannot key (fetch init with a signal) says how to pass `key`', async () => {
    const f = memoize(async (url: string, _init?: { signal?: AbortSignal }) => url);
    const call = f('x', { signal: new AbortController().signal });
    await expect(call).rejects.toThrow(TypeError);
    await expect(call).rejects.toThrow(
      /args\[1\]\.signal: an instance of AbortSignal; .*give memoize\(\) a "key" option, e\.g\. \{ key: \(url\) => url \}/,
    );
    const byUrl = memoize(async (url: string, _init?: { signal?: AbortSignal }) => url, {
      key: (url) => url,
    });
    expect(await byUrl('x', { signal: new AbortController().signal })).toBe('x');
  });
});
