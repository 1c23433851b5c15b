/**
 * Child process measuring one library on one workload: checks the adapter, prepares the keys,
 * warms up, sizes a repetition to last at least `minRepMs`, then times `reps` repetitions.
 *
 * Usage (the driver does this): `node bench/worker.mjs '{"lib":"lrukit","workload":"get-int",...}'`.
 * Prints one line of JSON: `{ lib, workload, samples: [ops/s per repetition], opsPerRep, hits?, requests? }`.
 */

import { performance } from 'node:perf_hooks';
import { adapter } from './adapters.mjs';
import { SIZES, TTL_MS, workload } from './workloads.mjs';

const args = JSON.parse(process.argv[2]);
const a = adapter(args.lib);
const w = workload(args.workload);
const sizes = args.smoke ? SIZES.smoke : SIZES.full;
const reps = args.reps;
// a workload whose untimed work dwarfs its timed work (delete refills between batches) asks for
// shorter repetitions, so its process does not take several times as long as the others
const minRepMs = args.minRepMs * (w.timeScale ?? 1);
const warmupMs = args.warmupMs * (w.timeScale ?? 1);

if (w.ttl && !a.hasTtl) throw new Error(`bench: ${a.name} has no ttl, it cannot run ${w.id}`);
const create = await a.load();

sanity(create);

const state = w.setup(create, sizes);

// Calibrate while warming up: double the chunk count until one run is long enough to scale from.
let units = 1;
let warmed = 0;
for (;;) {
  const r = w.run(state, units);
  warmed += r.ms;
  checkRun(r);
  if (r.ms >= minRepMs / 8 || units >= 1 << 20) {
    units = Math.max(1, Math.ceil((units * minRepMs) / Math.max(r.ms, 1e-3)));
    break;
  }
  units *= 2;
}
while (warmed < warmupMs) {
  const r = w.run(state, units);
  warmed += r.ms;
  checkRun(r);
}

const samples = [];
let last;
for (let i = 0; i < reps; i++) {
  last = w.run(state, units);
  checkRun(last);
  samples.push((last.ops / last.ms) * 1000);
}

w.verify(state, a);

process.stdout.write(
  `${JSON.stringify({
    lib: a.id,
    workload: w.id,
    samples,
    opsPerRep: last.ops,
    msPerRep: last.ms,
    hits: last.hits,
    requests: last.requests,
  })}\n`,
);

function checkRun(r) {
  if (r.misses !== undefined && r.misses !== 0) {
    throw new Error(
      `bench: wrong result: ${a.name} on ${w.id}: ${r.misses} of ${r.ops} gets of present keys missed`,
    );
  }
  if (!(r.ms > 0) || !(r.ops > 0))
    throw new Error(`bench: ${a.name} on ${w.id}: empty measurement`);
}

/** Small checks that the adapter behaves as a cache before anything is timed. */
function sanity(make) {
  const fail = (what) => {
    throw new Error(`bench: adapter ${a.name} is wrong: ${what}`);
  };
  const c = make(3, { ttl: w.ttl ? TTL_MS : undefined, withDelete: true });
  c.set(1, 'one');
  c.set('two', 2);
  c.set(3, 'three');
  if (c.get(1) !== 'one') fail('get after set did not return the value');
  if (c.get('two') !== 2) fail('get after set (string key) did not return the value');
  if (c.get(99) !== undefined) fail('get of a missing key did not return undefined');
  c.set(3, 'drei');
  if (c.get(3) !== 'drei') fail('get after an update did not return the new value');
  c.delete('two');
  if (c.get('two') !== undefined) fail('get after delete did not return undefined');
  if (a.exact) {
    // 1 and 3 are held; 3 is the most recently used, so adding two keys must evict 1
    c.set(4, 'four');
    c.set(5, 'five');
    if (c.get(1) !== undefined) fail('the least recently used entry was not evicted');
    if (c.get(3) !== 'drei' || c.get(5) !== 'five') fail('a recently used entry was evicted');
  }
  if (args.smoke) {
    // a whole round of tiny workloads never uses more than this: fail fast, not after a long run
    const t0 = performance.now();
    const big = make(1000, { ttl: w.ttl ? TTL_MS : undefined, withDelete: true });
    for (let k = 0; k < 2000; k++) big.set(k, k);
    if (a.admission) {
      // an admission policy may refuse new keys for old ones: it keeps 1,000 of the 2,000, the last among them
      let held = 0;
      for (let k = 0; k < 2000; k++) {
        const got = big.get(k);
        if (got !== undefined && got !== k) fail(`get(${k}) gave ${got}`);
        if (got === k) held++;
      }
      if (held !== 1000) fail(`${held} of 2,000 keys held by a cache of 1,000`);
      if (big.get(1999) !== 1999) fail('the last key set was not held');
    } else {
      for (let k = 1000; k < 2000; k++)
        if (big.get(k) !== k) fail(`get(${k}) after 2000 sets into 1000 entries`);
    }
    if (performance.now() - t0 > 5_000) fail('2,000 sets took over 5 s');
  }
}
