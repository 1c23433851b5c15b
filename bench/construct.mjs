/**
 * Child process (run with `--expose-gc`) measuring what a huge bound costs before it is used:
 * the time and heap of building a cache with `max` entries allowed, then, with 10 entries held,
 * the time of deleting the last one and of `clear()`. Costs that grow with `max` rather than
 * with the entries held show up here.
 *
 * Usage (the driver does this): `node --expose-gc bench/construct.mjs '{"lib":"lrukit","max":10000000}'`.
 * Prints one line of JSON: `{ lib, max, constructMs, bytes, deleteLastMs, clearMs }`.
 */

import { performance } from 'node:perf_hooks';
import { adapter } from './adapters.mjs';

const args = JSON.parse(process.argv[2]);
const a = adapter(args.lib);
if (typeof globalThis.gc !== 'function')
  throw new Error('bench: construct.mjs needs node --expose-gc');
const create = await a.load();

function heap() {
  for (let i = 0; i < 3; i++) globalThis.gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

// warm the constructor and the methods on a small cache, so the timings below are not the
// interpreter's first call
for (let round = 0; round < 3; round++) {
  const small = create(16, {});
  for (let k = 0; k < 10; k++) small.set(k, k);
  for (let k = 0; k < 10; k++) small.delete(k);
  small.set(1, 1);
  small.clear();
}

const before = heap();
let t0 = performance.now();
const cache = create(args.max, {});
const constructMs = performance.now() - t0;
const bytes = heap() - before;

for (let k = 0; k < 10; k++) cache.set(k, k);
for (let k = 0; k < 9; k++) cache.delete(k);
t0 = performance.now();
cache.delete(9);
const deleteLastMs = performance.now() - t0;
if (cache.get(9) !== undefined || cache.size !== 0)
  throw new Error(`bench: ${a.name}: delete left an entry`);

for (let k = 0; k < 10; k++) cache.set(k, k);
t0 = performance.now();
cache.clear();
const clearMs = performance.now() - t0;
if (cache.get(3) !== undefined || cache.size !== 0)
  throw new Error(`bench: ${a.name}: clear left an entry`);

cache.set(1, 1);
if (cache.get(1) !== 1) throw new Error(`bench: ${a.name}: unusable after clear`);

process.stdout.write(
  `${JSON.stringify({ lib: a.id, max: args.max, constructMs, bytes, deleteLastMs, clearMs })}\n`,
);
