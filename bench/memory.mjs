/**
 * Child process (run with `--expose-gc`) measuring the heap one library needs per entry: bytes
 * of `heapUsed + arrayBuffers` after a full gc, with the cache filled to `entries` integer keys
 * (spread, see `intKey`) whose values are the key numbers, minus the same before the cache was built.
 *
 * Usage (the driver does this): `node --expose-gc bench/memory.mjs '{"lib":"lrukit","ttl":false,"entries":1000000}'`.
 * Prints one line of JSON: `{ lib, ttl, entries, bytes, bytesPerEntry }`.
 */

import { adapter } from './adapters.mjs';
import { intKey } from './random.mjs';
import { TTL_MS } from './workloads.mjs';

const args = JSON.parse(process.argv[2]);
const a = adapter(args.lib);
const entries = args.entries;
if (typeof globalThis.gc !== 'function')
  throw new Error('bench: memory.mjs needs node --expose-gc');
if (args.ttl && !a.hasTtl) throw new Error(`bench: ${a.name} has no ttl`);

const create = await a.load();

function heap() {
  for (let i = 0; i < 3; i++) globalThis.gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

const before = heap();
const cache = create(entries, { ttl: args.ttl ? TTL_MS : undefined });
for (let i = 0; i < entries; i++) {
  const k = intKey(i);
  cache.set(k, k);
}
const after = heap();

// the cache must still be alive and whole at the second reading, and must have kept what it was given
const lastKey = intKey(entries - 1);
if (cache.get(lastKey) !== lastKey)
  throw new Error(`bench: ${a.name}: the last entry set is missing`);
if (a.exact && cache.get(intKey(0)) !== intKey(0)) {
  throw new Error(`bench: ${a.name}: the first entry was evicted below max`);
}

const bytes = after - before;
process.stdout.write(
  `${JSON.stringify({ lib: a.id, ttl: Boolean(args.ttl), entries, bytes, bytesPerEntry: bytes / entries })}\n`,
);
