/**
 * The examples of docs/guide/with-other-libraries.md, run: each test below holds one example's
 * code verbatim (after its imports, which are this file's), then checks what the guide's comments
 * say. The last test checks that every code block of the guide still appears here, so the guide
 * cannot drift from what runs.
 */

import { readFileSync } from 'node:fs';
import { createCache } from 'cache-manager';
import DataLoader from 'dataloader';
import Keyv from 'keyv';
import { LruCache } from 'lrukit';
import pMemoize, { pMemoizeClear } from 'p-memoize';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

interface User {
  id: string;
  name: string;
}

let fetches: string[] = [];
/** The guide's stand-in for a slow call: counts what it is asked for. */
async function fetchUser(id: string): Promise<User> {
  fetches.push(id);
  return { id, name: `user ${id}` };
}
let batches: string[][] = [];
/** The guide's stand-in for a batch call: one request for many keys. */
async function batchGetUsers(ids: readonly string[]): Promise<User[]> {
  batches.push([...ids]);
  return ids.map((id) => ({ id, name: `user ${id}` }));
}

beforeEach(() => {
  fetches = [];
  batches = [];
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('docs/guide/with-other-libraries.md, run', () => {
  it('keyv', async () => {
    const keyv = new Keyv({ store: new LruCache<string, unknown>({ maxEntries: 10_000 }) });
    await keyv.set('session', 'token', 1_000); // expires in the LruCache after 1 s
    const token = await keyv.get('session'); // 'token'

    expect(token).toBe('token');
    vi.advanceTimersByTime(1_000);
    expect(await keyv.get('session')).toBeUndefined();
    expect(keyv.iterator).toBeUndefined();
  });

  it('cache-manager', async () => {
    const cache = createCache({
      stores: [new Keyv({ store: new LruCache<string, unknown>({ maxEntries: 10_000 }) })],
      ttl: 60_000, // the default, when a call gives none
    });
    await cache.set('user:1', { name: 'Ada' }, 10_000);
    const ada = await cache.get('user:1'); // { name: 'Ada' }, for 10 s
    const user = await cache.wrap('user:2', () => fetchUser('2'), 1_000); // one fetch a second
    const both = await cache.mget(['user:1', 'user:2']);
    const expires = await cache.ttl('user:1'); // when it expires: a Date.now() timestamp

    expect(ada).toEqual({ name: 'Ada' });
    expect(user).toEqual({ id: '2', name: 'user 2' });
    expect(both).toEqual([ada, user]);
    expect(expires).toBe(Date.now() + 10_000);
    await cache.wrap('user:2', () => fetchUser('2'), 1_000);
    expect(fetches).toEqual(['2']);
    vi.advanceTimersByTime(1_000);
    await cache.wrap('user:2', () => fetchUser('2'), 1_000);
    expect(fetches).toEqual(['2', '2']);
    vi.advanceTimersByTime(9_000);
    expect(await cache.get('user:1')).toBeUndefined();
  });

  it('DataLoader', async () => {
    const users = new DataLoader<string, User>(batchGetUsers, {
      cacheMap: new LruCache<string, Promise<User>>({ maxEntries: 10_000, ttl: 60_000 }),
    });
    const user = await users.load('1'); // batched with the other loads of this tick, then cached

    expect(user).toEqual({ id: '1', name: 'user 1' });
    await Promise.all([users.load('1'), users.load('2'), users.load('3')]);
    expect(batches).toEqual([['1'], ['2', '3']]);
    vi.advanceTimersByTime(60_000);
    await users.load('1');
    expect(batches).toEqual([['1'], ['2', '3'], ['1']]);
  });

  it('p-memoize', async () => {
    const getUser = pMemoize(fetchUser, {
      cache: new LruCache<string, User>({ maxEntries: 1_000, ttl: 60_000 }),
    });
    const user = await getUser('1');
    pMemoizeClear(getUser); // clears the LruCache

    expect(user).toEqual({ id: '1', name: 'user 1' });
    await getUser('1');
    await getUser('1');
    expect(fetches).toEqual(['1', '1']);
  });

  it('every code block of the guide is run above', () => {
    const squash = (text: string) => text.replace(/\s+/g, ' ').trim();
    const guide = readFileSync(
      new URL('../../docs/guide/with-other-libraries.md', import.meta.url),
      'utf8',
    );
    const blocks = [...guide.matchAll(/```ts\n([\s\S]*?)```/g)].map(([, code]) =>
      squash(
        code!
          .split('\n')
          .filter((line) => !line.startsWith('import '))
          .join('\n'),
      ),
    );
    expect(blocks).toHaveLength(4);
    const here = squash(readFileSync(new URL(import.meta.url), 'utf8'));
    for (const block of blocks) expect(here).toContain(block);
  });
});
