import {
  type ErrorContext,
  LoadingCache,
  type LoadingCacheOptions,
  memoize,
  type WriteBehindOptions,
  WriteError,
  type WriteErrorContext,
  type WriteOptions,
} from 'lrukit';
import { describe, expectTypeOf, it } from 'vitest';

interface Account {
  id: string;
  balance: number;
}

describe('write option types', () => {
  it('types write, writeMany and writeBehind from the cache', () => {
    const cache = new LoadingCache<string, Account>({
      load: async (id) => ({ id, balance: 0 }),
      write: async (id, account) => {
        expectTypeOf(id).toEqualTypeOf<string>();
        expectTypeOf(account).toEqualTypeOf<Account>();
      },
      writeMany: (entries) => {
        expectTypeOf(entries).toEqualTypeOf<Array<[string, Account]>>();
      },
      writeBehind: { delay: 100, maxBatch: 500, maxQueue: 10_000, retries: 5 },
      maxEntries: 10,
    });
    expectTypeOf(cache.write('1', { id: '1', balance: 1 })).toEqualTypeOf<Promise<void>>();
    expectTypeOf(cache.flush()).toEqualTypeOf<Promise<void>>();
    expectTypeOf(cache.close()).toEqualTypeOf<Promise<void>>();
    // @ts-expect-error the value must be an Account
    cache.write('1', { id: '1' });
  });

  it('refuses unknown writeBehind keys and writes on memoize', () => {
    new LoadingCache<string, number>({
      load: () => 1,
      write: () => undefined,
      // @ts-expect-error not a writeBehind option
      writeBehind: { batchSize: 10 },
      maxEntries: 10,
    });
    // @ts-expect-error memoize has no writes
    memoize(async (x: number) => x, { write: () => undefined });
    expectTypeOf<{ delay: 0 }>().toExtend<WriteBehindOptions>();
    expectTypeOf<{ write: (k: string, v: number) => Promise<void> }>().toExtend<
      WriteOptions<string, number>
    >();
    expectTypeOf<{
      load: () => number;
      maxEntries: 1;
      writeMany: (entries: Array<[string, number]>) => Promise<void>;
    }>().toExtend<LoadingCacheOptions<string, number>>();
  });

  it('types the give-up context and WriteError', () => {
    expectTypeOf<WriteErrorContext<string, number>['entries']>().toEqualTypeOf<
      ReadonlyArray<readonly [string, number]>
    >();
    expectTypeOf<WriteErrorContext<string, number>['tier']>().toEqualTypeOf<'store'>();
    const onError = (_error: unknown, context: ErrorContext) => context.tier;
    new LoadingCache<string, number>({ load: () => 1, maxEntries: 1, onError }); // still accepted
    const error = new WriteError<string, number>('x', [['a', 1]], new Error('cause'));
    expectTypeOf(error.entries).toEqualTypeOf<ReadonlyArray<readonly [string, number]>>();
    expectTypeOf(error.code).toEqualTypeOf<string>();
    expectTypeOf(error).toExtend<Error>();
  });
});
