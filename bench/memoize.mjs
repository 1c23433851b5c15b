/**
 * The "memoize and coalescing" section: memoized async functions and loading caches, each variant
 * in its own fresh child process (`node bench/memoize.mjs '{"test":"hit","variant":"p-memoize",...}'`).
 *
 * - `hit`: the hit path. A memoized async function of one string argument, with every one of
 *   `hitKeys` distinct keys already cached, called in batches of `batch` calls that are awaited
 *   together (`await Promise.all(batch)`); a sample is calls/s over one repetition. The floor,
 *   a bare `LruCache.get` of the same keys, is awaited the same way.
 * - `coalesce`: `callers` concurrent calls for ONE cold key, whose loader resolves on a later
 *   `setImmediate`; a sample is the mean ms from the first call until every caller has settled,
 *   over the settles of one repetition, each on a fresh cache. The loader must run exactly once
 *   per settle, or the child fails.
 *
 * Prints one line of JSON: `{ test, variant, samples, ... }`.
 */

import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { LRUKIT_ENTRY } from './adapters.mjs';
import { prng, shuffledSequence } from './random.mjs';

/** The bound of every cache in the coalescing test. */
const COALESCE_MAX = 10_000;

/** Sizes of a full run and of the smoke run. */
export const MEMO_SIZES = {
  full: { hitKeys: 10_000, batch: 1_000, callers: 10_000 },
  smoke: { hitKeys: 500, batch: 100, callers: 1_000 },
};

/**
 * Every variant, in report order: `{ id, name, base, hit?, coalesce?, floor? }`; `base` is the
 * bench adapter whose `--libs` id selects it.
 */
export const MEMO_VARIANTS = [
  { id: 'lrukit-memoize', name: 'lrukit memoize', base: 'lrukit', hit: true, coalesce: true },
  {
    id: 'lrukit-memoize-key',
    name: 'lrukit memoize, key: (k) => k',
    base: 'lrukit',
    hit: true,
    note: 'the default key is `stableKey(args)`, a serialization of the argument list; p-memoize keys by the first argument as is',
  },
  { id: 'lrukit-loading', name: 'lrukit LoadingCache.get', base: 'lrukit', coalesce: true },
  { id: 'p-memoize', name: 'p-memoize + lru-cache', base: 'lru-cache', hit: true, coalesce: true },
  {
    id: 'lrukit-get',
    name: 'LruCache.get (floor)',
    base: 'lrukit',
    hit: true,
    floor: true,
    note: 'a bare `LruCache.get` of the same keys, awaited in the same batches: no memoization, the floor',
  },
];

export const MEMO_TESTS = [
  { id: 'memoize-hit', test: 'hit' },
  { id: 'memoize-coalesce', test: 'coalesce' },
];

/** The variant with this id; throws on an unknown id. */
export function memoVariant(id) {
  const found = MEMO_VARIANTS.find((v) => v.id === id);
  if (!found) throw new Error(`bench: unknown memoize variant "${id}"`);
  return found;
}

const expectedValue = (key) => `value of ${key}`;

function fail(message) {
  throw new Error(`bench: wrong result: ${message}`);
}

/**
 * Builds the function the variant calls: `make(fn, max)` returns `call(key) => Promise | value`,
 * with `fn` the async function (or loader) of one string key.
 */
async function loadVariant(id) {
  switch (id) {
    case 'lrukit-memoize': {
      const { memoize } = await import(LRUKIT_ENTRY);
      return (fn, max) => memoize(fn, { maxEntries: max });
    }
    case 'lrukit-memoize-key': {
      const { memoize } = await import(LRUKIT_ENTRY);
      return (fn, max) => memoize(fn, { maxEntries: max, key: (k) => k });
    }
    case 'lrukit-loading': {
      const { LoadingCache } = await import(LRUKIT_ENTRY);
      return (fn, max) => {
        const cache = new LoadingCache({ load: (key) => fn(key), maxEntries: max });
        return (key) => cache.get(key);
      };
    }
    case 'p-memoize': {
      const [{ default: pMemoize }, { LRUCache }] = await Promise.all([
        import('p-memoize'),
        import('lru-cache'),
      ]);
      // p-memoize 8 calls `has`, `get` and `set` of its `cache` option: an LRUCache has all three
      return (fn, max) => pMemoize(fn, { cache: new LRUCache({ max }) });
    }
    case 'lrukit-get': {
      const { LruCache } = await import(LRUKIT_ENTRY);
      // the floor: no function, the values stored directly
      return (_fn, max, keys) => {
        const cache = new LruCache({ maxEntries: max });
        for (const key of keys) cache.set(key, expectedValue(key));
        return (key) => cache.get(key);
      };
    }
    default:
      throw new Error(`bench: unknown memoize variant "${id}"`);
  }
}

// ---- hit path ----

async function setupHit(make, sizes) {
  const n = sizes.hitKeys;
  const keys = Array.from({ length: n }, (_, i) => `key:${i}`);
  const counter = { calls: 0 };
  const fn = async (key) => {
    counter.calls++;
    return expectedValue(key);
  };
  const call = make(fn, n, keys);
  // fill: one call per key, so every timed call is a hit
  for (let i = 0; i < n; i += sizes.batch) {
    await Promise.all(keys.slice(i, i + sizes.batch).map((k) => call(k)));
  }
  const seq = shuffledSequence(n, 1 << 16, prng(0x5eed));
  return {
    call,
    keys,
    seq,
    mask: seq.length - 1,
    pos: 0,
    batch: sizes.batch,
    out: new Array(sizes.batch),
    counter,
    filled: counter.calls,
  };
}

/** `units` batches; times only the calls and the awaiting, then checks each batch's values. */
async function runHit(st, units) {
  const { call, keys, seq, mask, batch, out } = st;
  let ms = 0;
  for (let u = 0; u < units; u++) {
    const pos = st.pos;
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) out[i] = call(keys[seq[(pos + i) & mask]]);
    const values = await Promise.all(out);
    ms += performance.now() - t0;
    for (let i = 0; i < batch; i++) {
      const key = keys[seq[(pos + i) & mask]];
      if (values[i] !== expectedValue(key)) fail(`call(${key}) gave ${values[i]}`);
    }
    st.pos = (pos + batch) & mask;
  }
  if (st.counter.calls !== st.filled) {
    fail(`${st.counter.calls - st.filled} calls of cached keys ran the function again`);
  }
  return { ms, ops: units * batch };
}

// ---- coalescing ----

async function setupCoalesce(make, sizes) {
  return { make, callers: sizes.callers, run: 0, out: new Array(sizes.callers), maxLoads: 0 };
}

/** `units` settles, each of `callers` calls of one cold key on a fresh cache. */
async function runCoalesce(st, units) {
  let ms = 0;
  for (let u = 0; u < units; u++) {
    let loads = 0;
    const loader = (key) => {
      loads++;
      return new Promise((resolve) => setImmediate(resolve, expectedValue(key)));
    };
    const call = st.make(loader, COALESCE_MAX);
    const key = `cold:${st.run++}`;
    const out = st.out;
    const t0 = performance.now();
    for (let i = 0; i < st.callers; i++) out[i] = call(key);
    const values = await Promise.all(out);
    ms += performance.now() - t0;
    if (loads !== 1)
      fail(`${st.callers} concurrent calls of one cold key ran the loader ${loads} times`);
    const want = expectedValue(key);
    for (let i = 0; i < values.length; i++) {
      if (values[i] !== want) fail(`caller ${i} of ${key} got ${values[i]}`);
    }
    st.maxLoads = Math.max(st.maxLoads, loads);
  }
  // a sample is ms per `callers` callers: the mean over this repetition's settles
  return { ms, ops: units };
}

// ---- the child ----

async function main() {
  const args = JSON.parse(process.argv[2]);
  const variant = memoVariant(args.variant);
  if (!variant[args.test]) throw new Error(`bench: ${variant.name} does not run "${args.test}"`);
  const sizes = args.smoke ? MEMO_SIZES.smoke : MEMO_SIZES.full;
  const make = await loadVariant(variant.id);
  const hit = args.test === 'hit';
  const state = hit ? await setupHit(make, sizes) : await setupCoalesce(make, sizes);
  const run = hit ? runHit : runCoalesce;

  // calibrate while warming up, as bench/worker.mjs does
  let units = 1;
  let warmed = 0;
  for (;;) {
    const r = await run(state, units);
    warmed += r.ms;
    if (r.ms >= args.minRepMs / 8 || units >= 1 << 20) {
      units = Math.max(1, Math.ceil((units * args.minRepMs) / Math.max(r.ms, 1e-3)));
      break;
    }
    units *= 2;
  }
  while (warmed < args.warmupMs) warmed += (await run(state, units)).ms;
  // the first, cold runs overestimate a repetition's time: size it again, warm
  const warm = await run(state, units);
  if (warm.ms < args.minRepMs * 0.8) {
    units = Math.max(1, Math.ceil((units * args.minRepMs) / Math.max(warm.ms, 1e-3)));
  }

  const samples = [];
  for (let i = 0; i < args.reps; i++) {
    const r = await run(state, units);
    if (!(r.ms > 0)) throw new Error(`bench: ${variant.name} on ${args.test}: empty measurement`);
    // hit: calls/s; coalesce: ms per settle of `callers` callers
    samples.push(hit ? (r.ops / r.ms) * 1000 : r.ms / r.ops);
  }
  process.stdout.write(
    `${JSON.stringify({
      test: args.test,
      variant: variant.id,
      samples,
      unitsPerRep: units,
      ...(hit
        ? { keys: sizes.hitKeys, batch: sizes.batch }
        : { callers: sizes.callers, loadsPerSettle: state.maxLoads }),
    })}\n`,
  );
}

// run only as a child process: the driver and the report import the definitions above
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
