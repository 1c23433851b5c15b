/**
 * basic: an `LruCache` in front of a slow "search backend", showing hits, evictions and expiry
 * on the real clock (the one place in the examples that waits: 350 ms, to let a ttl run out).
 *
 * Shows: `get`/`set` cache-aside, `maxEntries` and LRU eviction, a default `ttl`, `keys()` in
 * recency order, `expiresIn`, `has`, `prune()`, `stats` and `onEvict` reasons.
 *
 * Run: node --import tsx examples/basic.ts   (all examples: node scripts/run-examples.mjs)
 */
import assert from 'node:assert/strict';
import { type EvictionReason, LruCache } from 'lrukit';

const evictions: Record<EvictionReason, number> = {
  evict: 0,
  expire: 0,
  delete: 0,
  set: 0,
  clear: 0,
};

const results = new LruCache<string, string[]>({
  maxEntries: 100, // at most 100 cached queries
  ttl: 300, // each result is fresh for 300 ms
  onEvict: (_value, _query, reason) => {
    evictions[reason]++;
  },
});

let backendCalls = 0;
function searchBackend(query: string): string[] {
  backendCalls++;
  return [`${query} — result 1`, `${query} — result 2`];
}

function search(query: string): string[] {
  const cached = results.get(query);
  if (cached !== undefined) return cached;
  const fresh = searchBackend(query);
  results.set(query, fresh);
  return fresh;
}

// A skewed stream of queries: a few are popular, most are rare (like real search traffic).
function* queries(count: number, seed: number): Generator<string> {
  let state = seed;
  for (let i = 0; i < count; i++) {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    const r = state / 2 ** 31;
    yield `query ${Math.floor(1 / (r + 0.002)) % 1_000}`; // rank ~ 1/r: heavy head, long tail
  }
}

const line = (label: string) => {
  const s = results.stats;
  console.log(
    `${label.padEnd(28)} hits ${String(s.hits).padStart(5)}  misses ${String(s.misses).padStart(5)}  ` +
      `hit ratio ${(s.hitRatio * 100).toFixed(1).padStart(5)} %  entries ${String(results.size).padStart(3)}  ` +
      `evicted ${evictions.evict}  expired ${evictions.expire}  backend calls ${backendCalls}`,
  );
};

console.log('lrukit: a 100-entry LRU with a 300 ms ttl in front of a search backend\n');
for (const q of queries(5_000, 42)) search(q);
line('5,000 skewed queries');
// every miss went to the backend, and only misses did; the bound held; the popular head hit
assert.equal(backendCalls, results.stats.misses);
assert.equal(results.size, 100);
assert.ok(evictions.evict > 0);
assert.ok(results.stats.hitRatio > 0.9, `hit ratio ${results.stats.hitRatio}`);

const recent = [...results.keys()];
console.log(`\nmost recently used: ${recent.slice(0, 5).join(', ')}`);
assert.equal(recent[0], 'query 2'); // the last query asked
const left = results.expiresIn('query 1');
console.log(`"query 1" expires in ${left?.toFixed(0)} ms`);
assert.ok(left !== undefined && left > 0 && left <= 300);

await new Promise((resolve) => setTimeout(resolve, 350));
console.log(`\n... 350 ms later, "query 1" cached: ${results.has('query 1')}`);
assert.equal(results.has('query 1'), false);
const pruned = results.prune();
console.log(`prune() removed ${pruned} expired entries`);
assert.equal(results.size, 0); // every entry had expired: nothing was read meanwhile
for (const q of queries(5_000, 7)) search(q);
line('5,000 more, after expiry');
assert.equal(backendCalls, results.stats.misses);
assert.ok(evictions.expire >= 100);
