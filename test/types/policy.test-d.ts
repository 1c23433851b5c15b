// `policy` is one of two names; `seed` is a number. That `seed` needs policy 'tinylfu' is checked
// at run time only (test/unit/policy.test.ts): a policy chosen at run time, from a flag or a
// config file, must type-check without branching on it.
import {
  cached,
  LoadingCache,
  type LoadingCacheOptions,
  type MemoizeOptions,
  memoize,
} from 'lrukit';
import { describe, expectTypeOf, it } from 'vitest';

const load = async (id: string) => id.length;
const fn = async (q: string) => q.length;

describe('policy and seed types', () => {
  it('take the two policies and a numeric seed', () => {
    new LoadingCache<string, number>({ load, maxEntries: 10, policy: 'lru' });
    new LoadingCache<string, number>({ load, maxEntries: 10, policy: 'tinylfu', seed: 1 });
    memoize(fn, { policy: 'tinylfu', seed: 1 });
    cached({ policy: 'tinylfu', seed: 1, scope: 'class' });
    // @ts-expect-error an unknown policy
    new LoadingCache<string, number>({ load, maxEntries: 10, policy: 'lfu' });
    // @ts-expect-error a seed is a number
    memoize(fn, { policy: 'tinylfu', seed: '1' });
    // @ts-expect-error an unknown policy
    cached({ policy: 'arc' });
    expectTypeOf<LoadingCacheOptions<string, number>['policy']>().toEqualTypeOf<
      'lru' | 'tinylfu' | undefined
    >();
    expectTypeOf<MemoizeOptions<typeof fn>['seed']>().toEqualTypeOf<number | undefined>();
  });

  it('accept a policy chosen at run time (a command-line flag)', () => {
    const policy = (process.argv.includes('--tinylfu') ? 'tinylfu' : 'lru') as 'lru' | 'tinylfu';
    new LoadingCache<string, number>({ load, maxEntries: 10, policy });
    memoize(fn, { policy, ...(policy === 'tinylfu' ? { seed: 1 } : {}) });
    cached({ policy });
  });
});
