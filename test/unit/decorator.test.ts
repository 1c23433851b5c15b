/**
 * @cached under TC39 standard decorators (the project's tsconfig has no experimentalDecorators).
 * test/legacy/decorator.legacy.test.ts runs the same cases under `experimentalDecorators`.
 */

import { cached } from 'lrukit';
import { ManualClock } from 'lrukit/testing';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { sharedDecoratorCases } from '../shared/decorator-cases.js';

const clock = new ManualClock();

class Service {
  static staticCalls = 0;
  calls = 0;
  constructor(readonly base: number) {}

  @cached({ maxEntries: 10, ttl: 1_000, clock })
  async search(q: string, page = 1): Promise<string> {
    this.calls++;
    return `${this.base}:${q}:${page}`;
  }

  // a sync body: declared `T | Promise<T>` because the decorated method returns a Promise
  @cached()
  square(n: number): number | Promise<number> {
    this.calls++;
    return n * n * this.base;
  }

  @cached({ scope: 'class' })
  async shared(n: number): Promise<string> {
    this.calls++;
    return `${this.base}:${n}`;
  }

  @cached({ key: (id: string) => id.toLowerCase() })
  async byId(id: string): Promise<string> {
    this.calls++;
    return id;
  }

  @cached()
  static async config(name: string): Promise<string> {
    // biome-ignore lint/complexity/noThisInStatic: the test is that `this` is the class
    this.staticCalls++;
    // biome-ignore lint/complexity/noThisInStatic: as above
    return `${name}:${this === Service}`;
  }

  plain(n: number): number {
    return n;
  }
}

describe('@cached (TC39 decorators)', () => {
  it('is compiled in the TC39 dialect', () => {
    const seen: string[] = [];
    const probe = (...args: unknown[]) => {
      seen.push(...args.slice(1).map((a) => typeof a));
    };
    class Probe {
      @probe
      m() {}
    }
    expect(seen).toEqual(['object']); // (method, context)
    return Probe;
  });

  sharedDecoratorCases(Service, clock);

  it('validates its options at decoration time', () => {
    expect(() => {
      class Bad {
        // @ts-expect-error: not a scope
        @cached({ scope: 'global' })
        async m() {}
      }
      return Bad;
    }).toThrow(/option "scope" must be "instance" or "class", got "global"/);
    expect(() => {
      class Bad {
        @cached({ maxEntries: -1 })
        async m() {}
      }
      return Bad;
    }).toThrow(RangeError);
    expect(() => {
      class Bad {
        // @ts-expect-error: unknown option
        @cached({ maxEntires: 10 })
        async m() {}
      }
      return Bad;
    }).toThrow(TypeError);
  });

  it('is typed: method names, argument types, Promise results', () => {
    const a = new Service(1);
    expectTypeOf(a.search).returns.toEqualTypeOf<Promise<string>>();
    expectTypeOf(cached.peek(a, 'search', 'x')).toEqualTypeOf<string | undefined>();
    expectTypeOf(cached.peek(a, 'square', 2)).toEqualTypeOf<number | undefined>();
    expectTypeOf(cached.invalidate<Service, 'search'>)
      .parameter(2)
      .toEqualTypeOf<string>();
    if (Math.random() > 2) {
      // compile-time checks only
      // @ts-expect-error: not a method of Service
      cached.invalidate(a, 'notCached');
      // @ts-expect-error: wrong argument type
      cached.invalidate(a, 'search', 42);
      // @ts-expect-error: too many arguments
      cached.invalidate(a, 'search', 'x', 1, 2);
      // @ts-expect-error: static method looked up on an instance
      cached.clear(a, 'config');
      // @ts-expect-error: wrong argument type for a static method
      cached.peek(Service, 'config', 1);
    }
  });

  it('refuses, at compile time, a method whose declared return type a Promise does not fit', () => {
    if (Math.random() > 2) {
      class Wrong {
        // @ts-expect-error: the decorated method returns Promise<number>, not number
        @cached()
        n(): number {
          return 1;
        }
      }
      return Wrong;
    }
  });
});
