/**
 * @cached holds each instance's cache weakly: an instance whose cached method was called (its cache
 * holding entries, even one whose value points back at the instance) is collectable once dropped.
 *
 * Node only: needs a real `gc()` (vitest.config.ts runs the node project with `--expose-gc`).
 */

import { cached } from 'lrukit';
import { describe, expect, it } from 'vitest';

class Repo {
  @cached({ maxEntries: 10 })
  async find(id: number): Promise<{ id: number; owner: Repo }> {
    return { id, owner: this };
  }

  @cached({ scope: 'class' })
  async count(n: number): Promise<number> {
    return n;
  }
}

/** A WeakRef target stays alive until the current job ends: yield a macrotask (not a sleep) first. */
async function collect(): Promise<void> {
  if (typeof globalThis.gc !== 'function') {
    throw new Error('globalThis.gc is missing: vitest.config.ts needs execArgv ["--expose-gc"]');
  }
  for (let i = 0; i < 2; i++) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    globalThis.gc();
  }
}

/** Makes an instance, fills its caches, and returns only a WeakRef to it. */
async function used(): Promise<WeakRef<Repo>> {
  const repo = new Repo();
  await repo.find(1);
  await repo.find(2);
  await repo.count(3);
  expect(cached.peek(repo, 'find', 1)?.owner).toBe(repo);
  return new WeakRef(repo);
}

describe('@cached and garbage collection', () => {
  it('lets an instance whose @cached method was called be collected', async () => {
    const refs = [await used(), await used()];
    await collect();
    expect(refs.map((ref) => ref.deref())).toEqual([undefined, undefined]);
  });
});
