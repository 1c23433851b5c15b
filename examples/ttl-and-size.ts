/**
 * ttl-and-size: a cache of rendered pages bounded by bytes rather than by entry count, whose
 * entries expire by time.
 *
 * Shows: `maxSize` + `sizeOf` + `maxEntrySize`; the default `ttl`, a per-entry ttl and
 * `ttl: Infinity`; `expiresIn`; `prune()`; `autoPurge`; and every `onEvict` reason
 * ('evict', 'expire', 'set', 'delete', 'clear'). Time comes from `ManualClock` (lrukit/testing),
 * so the example moves time by hand instead of sleeping, and every step is deterministic.
 *
 * Run: node --import tsx examples/ttl-and-size.ts   (all examples: node scripts/run-examples.mjs)
 */
import assert from 'node:assert/strict';
import { type EvictionReason, LruCache } from 'lrukit';
import { ManualClock } from 'lrukit/testing';

// In an application you leave `clock` out (the cache then reads performance.now()); here a
// ManualClock stands still until we call clock.advance(ms).
const clock = new ManualClock();

// Every entry that leaves the cache, in order, with the reason it gave.
const evicted: Array<[url: string, reason: EvictionReason]> = [];

const pages = new LruCache<string, string>({
  maxSize: 10_000, // at most 10,000 bytes of HTML in total...
  sizeOf: (html) => Buffer.byteLength(html), // ...as measured by this, once per set()
  maxEntrySize: 4_000, // a page larger than this is not worth caching: it would push out too much
  ttl: 60_000, // a page is fresh for one minute unless set() says otherwise
  onEvict: (_html, url, reason) => {
    evicted.push([url, reason]);
    console.log(`    onEvict: ${url} left (${reason})`);
  },
  clock,
});

const page = (bytes: number) => 'x'.repeat(bytes); // stands for rendered HTML of that many bytes
const show = (label: string) =>
  console.log(
    `${label.padEnd(44)} pages ${[...pages.keys()].join(' ') || '-'}  (${pages.totalSize} bytes)`,
  );

console.log('1. A size bound: the least recently used pages go when the bytes run out\n');
pages.set('/a', page(3_000)).set('/b', page(3_000)).set('/c', page(3_000));
show('   /a, /b and /c, 3,000 bytes each');
pages.get('/a'); // reading /a makes it the most recently used; /b is now the oldest
pages.set('/d', page(3_000)); // 12,000 bytes would not fit: /b is evicted
show('   read /a, then add /d');
assert.deepEqual([...pages.keys()], ['/d', '/a', '/c']); // most to least recently used
assert.equal(pages.totalSize, 9_000);
assert.deepEqual(evicted.at(-1), ['/b', 'evict']);

console.log(
  '\n2. maxEntrySize: an oversized page is not stored (and an older version of it goes)\n',
);
pages.set('/huge', page(5_000));
assert.equal(pages.has('/huge'), false);
show('   /huge (5,000 bytes) was not stored');
pages.set('/c', page(5_000)); // a new, oversized version of /c: the old /c goes too
assert.equal(pages.has('/c'), false);
assert.deepEqual(evicted.at(-1), ['/c', 'set']);
show('   /c grew to 5,000 bytes: dropped');
pages.set('/a', page(2_000)); // replacing a value reports the old one, reason 'set'
assert.deepEqual(evicted.at(-1), ['/a', 'set']);
show('   /a replaced by a 2,000-byte version');

console.log('\n3. ttl: the default, a per-entry ttl, and Infinity\n');
pages.clear(); // reason 'clear', once per entry, least recently used first (as lru-cache)
assert.deepEqual(evicted.slice(-2), [
  ['/d', 'clear'],
  ['/a', 'clear'],
]);
pages.set('/home', page(1_000)); // the cache's ttl: 60 s
pages.set('/news', page(1_000), { ttl: 5_000 }); // changes often: 5 s
pages.set('/logo.svg', page(500), { ttl: Infinity }); // never expires (only evicted for room)
for (const url of ['/home', '/news', '/logo.svg']) {
  console.log(`   ${url.padEnd(10)} expires in ${pages.expiresIn(url)} ms`);
}
assert.equal(pages.expiresIn('/home'), 60_000);
assert.equal(pages.expiresIn('/news'), 5_000);
assert.equal(pages.expiresIn('/logo.svg'), Infinity);
assert.equal(pages.expiresIn('/nowhere'), undefined);

clock.advance(4_999);
assert.equal(pages.expiresIn('/news'), 1);
assert.notEqual(pages.get('/news'), undefined);
console.log('   4,999 ms later: /news is still fresh (1 ms left)');
clock.advance(1); // fresh while now < set time + ttl: expired from exactly 5,000 ms
assert.equal(pages.get('/news'), undefined); // an expired entry is a miss, removed on the spot
assert.deepEqual(evicted.at(-1), ['/news', 'expire']);
console.log('   at 5,000 ms: get(/news) is a miss');

console.log('\n4. prune(): expired entries are kept until touched, or until prune()\n');
pages.set('/about', page(1_000), { ttl: 10_000 });
pages.set('/faq', page(1_000), { ttl: 10_000 });
clock.advance(60_000); // /home, /about and /faq have all expired; nothing has touched them
console.log(`   60 s later: size ${pages.size}, but has(/home) is ${pages.has('/home')}`);
assert.equal(pages.size, 4); // expired entries still count in `size` until removed...
assert.equal(pages.has('/home'), false); // ...though has(), peek() and get() ignore them
const removed = pages.prune();
console.log(`   prune() removed ${removed}; left: ${[...pages.keys()].join(' ')}`);
assert.equal(removed, 3);
assert.deepEqual([...pages.keys()], ['/logo.svg']); // ttl: Infinity
pages.delete('/logo.svg'); // reason 'delete'
assert.deepEqual(evicted.at(-1), ['/logo.svg', 'delete']);

console.log('\n5. autoPurge: expired entries are removed by a timer, without being touched\n');
// A cache of session tokens that must not linger in memory after they expire. The purge timer
// runs on the cache's clock: with a ManualClock it fires inside clock.advance(); with the
// default clock it is one unref'd setTimeout, so it never keeps a process alive.
const sessions = new LruCache<string, string>({
  maxEntries: 1_000,
  ttl: 30_000,
  autoPurge: true,
  onEvict: (_token, user, reason) =>
    console.log(`    onEvict: session of ${user} left (${reason})`),
  clock,
});
sessions.set('ada', 'token-1').set('grace', 'token-2', { ttl: 90_000 });
assert.equal(clock.pendingTimers, 1); // one timer, armed for the earliest expiry
clock.advance(30_000);
assert.equal(sessions.size, 1); // ada's session was removed by the timer, untouched by us
console.log(`   30 s later: ${sessions.size} session left (${[...sessions.keys()]})`);
clock.advance(60_000);
assert.equal(sessions.size, 0);
assert.equal(clock.pendingTimers, 0); // nothing left to expire: no timer armed
console.log('   90 s later: no sessions, and no timer left armed');

console.log('\n6. What left the pages cache, and why\n');
const byReason = new Map<EvictionReason, string[]>();
for (const [url, reason] of evicted) byReason.set(reason, [...(byReason.get(reason) ?? []), url]);
for (const [reason, urls] of byReason) console.log(`   ${reason.padEnd(7)} ${urls.join(' ')}`);
assert.deepEqual([...byReason.keys()].sort(), ['clear', 'delete', 'evict', 'expire', 'set']);
const { hits, misses, sets, deletes, evictions, expirations } = pages.stats;
console.log(
  `   stats: ${hits} hits, ${misses} miss, ${sets} sets, ${deletes} delete, ` +
    `${evictions} eviction, ${expirations} expirations`,
);
assert.equal(pages.stats.evictions, 1);
assert.equal(pages.stats.expirations, 4); // /news by get(), then three by prune()

console.log('\nttl-and-size: ok');
