/**
 * decorator-service: `@cached` on the methods of service classes.
 *
 * Shows: one cache per instance (the default) and one per class (`scope: 'class'`); concurrent
 * calls running the method once; a static method; `cached.peek`, `cached.invalidate` and
 * `cached.clear` from outside and from inside the class; and what the helpers refuse.
 *
 * These are TC39 standard decorators: TypeScript 5+ type-checks them with no tsconfig flag.
 * Node 20 cannot run decorator syntax itself: tsx (esbuild) lowers them here, as `tsc` and
 * esbuild do in a build. (NestJS/Angular projects with `experimentalDecorators: true` use the
 * same `@cached`.)
 *
 * Run: node --import tsx examples/decorator-service.ts   (all examples: node scripts/run-examples.mjs)
 */
import assert from 'node:assert/strict';
import { cached } from 'lrukit';

// ---- stand-ins for slow backends, counting the work they are asked to do ----------------------

/** A search engine holding several indexes. */
const engine = {
  queries: 0,
  documents: {
    books: ['Programming Rust', 'Rust in Action', 'The Pragmatic Programmer'],
    music: ['Rust Never Sleeps', 'Kind of Blue'],
  } as Record<string, string[]>,
  async search(index: string, q: string): Promise<string[]> {
    this.queries++;
    await new Promise((resolve) => setTimeout(resolve, 20)); // a slow query
    return (this.documents[index] ?? []).filter((title) =>
      title.toLowerCase().includes(q.toLowerCase()),
    );
  },
};

/** A spelling service: its answers do not depend on any index. */
const speller = {
  calls: 0,
  async correct(word: string): Promise<string> {
    this.calls++;
    return word === 'rsut' ? 'rust' : word;
  },
};

/** A user table. */
const db = {
  reads: 0,
  users: new Map([['1', { id: '1', name: 'Ada' }]]),
  async find(id: string) {
    this.reads++;
    const user = this.users.get(id);
    if (user === undefined) throw new Error(`no user ${id}`);
    return { ...user };
  },
};

// ---- the services ------------------------------------------------------------------------------

class SearchService {
  constructor(readonly index: string) {}

  // One cache per instance (the default): results depend on `this.index`, so the "books" and
  // "music" services must not share them. Each cache is held weakly by its instance: a
  // service that is dropped is garbage-collected together with its cache.
  @cached({ maxEntries: 1_000, ttl: 30_000 })
  async search(q: string): Promise<string[]> {
    return engine.search(this.index, q);
  }

  // One cache shared by every instance: a correction is the same whatever the index.
  // (The key ignores `this`, so use scope 'class' only when the result does not depend on it.)
  @cached({ scope: 'class', maxEntries: 10_000, ttl: 3_600_000 })
  async didYouMean(word: string): Promise<string> {
    return speller.correct(word);
  }

  // Not cached, for contrast.
  async count(q: string): Promise<number> {
    return (await this.search(q)).length;
  }
}

interface User {
  id: string;
  name: string;
}

class UserService {
  @cached({ maxEntries: 10_000, ttl: 60_000 })
  async getUser(id: string): Promise<User> {
    return db.find(id);
  }

  // A write drops the cached read it made stale, from inside the class.
  async rename(id: string, name: string): Promise<void> {
    const user = db.users.get(id);
    if (user !== undefined) user.name = name;
    // `this` has the polymorphic type `this`, which TypeScript cannot list the methods of:
    // name the class (`this as UserService`) for the helper's type check
    cached.invalidate(this as UserService, 'getUser', id);
  }

  // A static method: the class itself plays the instance.
  @cached({ maxEntries: 10 })
  static async roles(): Promise<string[]> {
    db.reads++;
    return ['admin', 'editor', 'viewer'];
  }
}

// ---- using them --------------------------------------------------------------------------------

const books = new SearchService('books');
const music = new SearchService('music');

console.log('1. Ten concurrent calls, one query');
const results = await Promise.all(Array.from({ length: 10 }, () => books.search('rust')));
console.log(`   books.search('rust') x 10 -> ${engine.queries} query: ${results[0]?.join(', ')}`);
assert.equal(engine.queries, 1);
assert.deepEqual(results[0], ['Programming Rust', 'Rust in Action']);
await books.search('rust'); // a hit
assert.equal(engine.queries, 1);

console.log('\n2. Instance scope: each service has its own cache');
const songs = await music.search('rust');
console.log(`   music.search('rust') -> a query of its own: ${songs.join(', ')}`);
assert.equal(engine.queries, 2);
assert.deepEqual(songs, ['Rust Never Sleeps']);

console.log('\n3. peek, invalidate and clear reach one instance');
assert.deepEqual(cached.peek(books, 'search', 'rust'), results[0]); // no call, no query
assert.equal(cached.peek(music, 'search', 'blue'), undefined); // never asked
cached.invalidate(books, 'search', 'rust'); // books drops 'rust'; music keeps its own
assert.equal(cached.peek(books, 'search', 'rust'), undefined);
assert.deepEqual(cached.peek(music, 'search', 'rust'), songs);
await books.search('rust');
assert.equal(engine.queries, 3);
console.log(
  `   after invalidate(books, 'search', 'rust'): books asked again (${engine.queries} queries)`,
);
await books.search('programmer');
cached.clear(books, 'search'); // every cached search of books, none of music's
assert.equal(cached.peek(books, 'search', 'programmer'), undefined);
assert.deepEqual(cached.peek(music, 'search', 'rust'), songs);
console.log("   after clear(books, 'search'): books has nothing cached; music still has 'rust'");

console.log('\n4. Class scope: one cache for every instance');
assert.equal(await books.didYouMean('rsut'), 'rust');
assert.equal(await music.didYouMean('rsut'), 'rust'); // answered by the books call's entry
assert.equal(speller.calls, 1);
console.log(`   books and music asked didYouMean('rsut'): ${speller.calls} call to the speller`);
cached.clear(music, 'didYouMean'); // clears the shared cache, for books too
assert.equal(cached.peek(books, 'didYouMean', 'rsut'), undefined);
console.log("   clear(music, 'didYouMean') cleared it for books too");

console.log('\n5. Invalidating from inside the class, and a static method');
const users = new UserService();
assert.equal((await users.getUser('1')).name, 'Ada');
assert.equal((await users.getUser('1')).name, 'Ada'); // a hit
await users.rename('1', 'Ada Lovelace');
const renamed = await users.getUser('1');
assert.equal(renamed.name, 'Ada Lovelace'); // read again after rename() invalidated it
assert.equal(db.reads, 2);
console.log(`   getUser('1') after rename(): ${renamed.name} (${db.reads} database reads)`);
await UserService.roles();
await UserService.roles();
assert.equal(db.reads, 3);
cached.clear(UserService, 'roles'); // static: pass the class
assert.equal(cached.peek(UserService, 'roles'), undefined);
console.log('   UserService.roles() twice: one read; clear(UserService, "roles") drops it');

console.log('\n6. What the helpers refuse');
assert.throws(
  // @ts-expect-error: 'serch' is not a method of SearchService, so TypeScript stops the typo...
  () => cached.invalidate(books, 'serch', 'rust'),
  TypeError, // ...and so does the run time, in plain JavaScript
);
assert.throws(() => cached.clear(books, 'count'), /not @cached/); // a method, but not @cached
// @ts-expect-error: search takes a string (checked by TypeScript only: at run time the
// arguments are just a key, and nothing is cached under [42])
cached.invalidate(books, 'search', 42);
console.log('   a typo in the method name, a method that is not @cached: refused');

console.log('\ndecorator-service: ok');
