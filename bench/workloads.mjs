/**
 * The timed workloads: each prepares its keys before timing, then `run(state, units)` performs
 * `units` fixed-size chunks of operations and returns the time spent on the operations alone.
 *
 * A workload is `{ id, title, group, only, entries, ttl, floor, withDelete, setup, run, verify }`:
 * `setup(create, sizes)` builds the cache(s) and precomputed keys; `run` returns
 * `{ ms, ops, misses?, hits? }`; `verify(state, adapter)` throws if the library gave a wrong answer.
 * `timeScale` (default 1) scales the worker's warm-up and repetition time for the workload;
 * `group` names the target the workload counts towards; `floor` says whether the plain-Map floor
 * is meaningful for it (it is not where eviction is the point); `only`, when given, the adapters
 * that run it (absent: every adapter).
 */

import { performance } from 'node:perf_hooks';
import { intKey, permutation, prng, shuffledSequence, zipfKeys } from './random.mjs';

/** Sizes of a full run and of the smoke run. */
export const SIZES = {
  full: { entries: 10_000, big: 1_000_000, zipfOps: 1_000_000, zipfKeys: 100_000, chunk: 1 << 16 },
  smoke: { entries: 500, big: 5_000, zipfOps: 20_000, zipfKeys: 5_000, chunk: 1 << 10 },
};

export const TTL_MS = 60_000;
export const ZIPF_EXPONENT = 0.99;
const SEED = 0x5eed;

function check(ok, message) {
  if (!ok) throw new Error(`bench: wrong result: ${message}`);
}

// ---- timed loops: one per operation shape, each called only with one library per process ----

function getInts(c, seq, mask, pos, n) {
  let misses = 0;
  for (let i = 0; i < n; i++) {
    if (c.get(seq[(pos + i) & mask]) === undefined) misses++;
  }
  return misses;
}

function getStrings(c, strings, seq, mask, pos, n) {
  let misses = 0;
  for (let i = 0; i < n; i++) {
    if (c.get(strings[seq[(pos + i) & mask]]) === undefined) misses++;
  }
  return misses;
}

function setNew(c, from, n) {
  const end = from + n;
  for (let i = from; i < end; i++) {
    const k = intKey(i);
    c.set(k, k);
  }
}

function setExisting(c, seq, mask, pos, n) {
  for (let i = 0; i < n; i++) c.set(seq[(pos + i) & mask], pos + i);
}

function deleteKeys(c, keys, n) {
  let gone = 0;
  for (let i = 0; i < n; i++) {
    // libraries disagree on what delete returns (boolean, the cache, undefined): not counted
    c.delete(keys[i]);
    gone++;
  }
  return gone;
}

function replay(c, trace) {
  let hits = 0;
  for (let i = 0; i < trace.length; i++) {
    const k = trace[i];
    if (c.get(k) === undefined) c.set(k, k);
    else hits++;
  }
  return hits;
}

// ---- workload shapes ----

/** Fills with the first `n` integer keys (the key number as value); returns them. */
function fillInts(c, n, dense = false) {
  const keys = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const k = dense ? i : intKey(i);
    keys[i] = k;
    c.set(k, k);
  }
  return keys;
}

/** `seq` (indices into `keys`) mapped to the keys themselves, so the timed loop reads one array. */
function keysOf(keys, seq) {
  const out = new Int32Array(seq.length);
  for (let i = 0; i < seq.length; i++) out[i] = keys[seq[i]];
  return out;
}

/**
 * The i-th string key: `key:<i>` (5 to 11 characters), or with `keyLength: 16` exactly 16 characters
 * (`key:` and 12 hex digits of the spread integer key), the length issue 13 measures `TinyLfuCache`
 * at (it hashes every character of a string key on every access).
 */
const stringKey = (i, keyLength) =>
  keyLength === 16 ? `key:${intKey(i).toString(16).padStart(12, '0')}` : `key:${i}`;

function getHit({
  id,
  title,
  group,
  big = false,
  ttl = false,
  strings = false,
  keyLength = undefined,
  dense = false,
  only = undefined,
}) {
  return {
    id,
    title,
    group,
    only,
    ttl,
    floor: true,
    withDelete: false,
    entries: (s) => (big ? s.big : s.entries),
    setup(create, s) {
      const n = big ? s.big : s.entries;
      const c = create(n, { ttl: ttl ? TTL_MS : undefined });
      const random = prng(SEED);
      const length = big ? 1 << 20 : 1 << 16;
      const order = shuffledSequence(n, length, random);
      let keys;
      let seq = order;
      if (strings) {
        keys = Array.from({ length: n }, (_, i) => stringKey(i, keyLength));
        for (let i = 0; i < n; i++) c.set(keys[i], i);
      } else {
        keys = fillInts(c, n, dense);
        seq = keysOf(keys, order);
      }
      return { c, n, seq, mask: seq.length - 1, keys, pos: 0, chunk: s.chunk };
    },
    run(st, units) {
      const n = units * st.chunk;
      const t0 = performance.now();
      const misses = strings
        ? getStrings(st.c, st.keys, st.seq, st.mask, st.pos, n)
        : getInts(st.c, st.seq, st.mask, st.pos, n);
      const ms = performance.now() - t0;
      st.pos = (st.pos + n) & st.mask;
      return { ms, ops: n, misses };
    },
    verify(st) {
      for (let i = 0; i < st.n; i += 97) {
        const want = strings ? i : st.keys[i];
        const got = st.c.get(st.keys[i]);
        check(got === want, `${id}: get(${st.keys[i]}) gave ${got}, expected ${want}`);
      }
    },
  };
}

function setEvict({ id, title, group, big = false, ttl = false }) {
  return {
    id,
    title,
    group,
    ttl,
    floor: false,
    withDelete: false,
    entries: (s) => (big ? s.big : s.entries),
    setup(create, s) {
      const n = big ? s.big : s.entries;
      const c = create(n, { ttl: ttl ? TTL_MS : undefined });
      fillInts(c, n);
      return { c, n, next: n, chunk: s.chunk };
    },
    run(st, units) {
      const n = units * st.chunk;
      const t0 = performance.now();
      setNew(st.c, st.next, n);
      const ms = performance.now() - t0;
      st.next += n;
      return { ms, ops: n };
    },
    verify(st, a) {
      const last = intKey(st.next - 1);
      check(st.c.get(last) === last, `${id}: the last key set is missing`);
      if (a.exact) {
        const oldest = intKey(st.next - st.n);
        check(st.c.get(oldest) === oldest, `${id}: a recent key was evicted`);
        check(
          st.c.get(intKey(st.next - st.n - 1)) === undefined,
          `${id}: the cache holds more than max`,
        );
      }
    },
  };
}

function update({ id, title, group }) {
  return {
    id,
    title,
    group,
    ttl: false,
    floor: true,
    withDelete: false,
    entries: (s) => s.entries,
    setup(create, s) {
      const c = create(s.entries, {});
      const keys = fillInts(c, s.entries);
      const seq = keysOf(keys, shuffledSequence(s.entries, 1 << 16, prng(SEED)));
      return { c, n: s.entries, keys, seq, mask: seq.length - 1, pos: 0, chunk: s.chunk };
    },
    run(st, units) {
      const n = units * st.chunk;
      const t0 = performance.now();
      setExisting(st.c, st.seq, st.mask, st.pos, n);
      const ms = performance.now() - t0;
      st.pos = (st.pos + n) & st.mask;
      return { ms, ops: n };
    },
    verify(st) {
      for (const k of st.keys) st.c.set(k, -k - 1);
      for (const k of st.keys) {
        check(st.c.get(k) === -k - 1, `${id}: get(${k}) after an update gave ${st.c.get(k)}`);
      }
      check((st.c.size ?? st.n) === st.n, `${id}: updates changed the entry count`);
    },
  };
}

/** Deletes of present keys, timed in batches of half the entries; refills happen between batches, untimed. */
function deletes({ id, title, group }) {
  return {
    id,
    title,
    group,
    ttl: false,
    floor: true,
    withDelete: true,
    // the untimed refill costs about 7× the timed deletes: shorter repetitions keep the process short
    timeScale: 0.25,
    entries: (s) => s.entries,
    setup(create, s) {
      const c = create(s.entries, { withDelete: true });
      const keys = fillInts(c, s.entries);
      const random = prng(SEED);
      const halves = Array.from({ length: 8 }, () =>
        keysOf(keys, permutation(s.entries, random).subarray(0, s.entries >> 1)),
      );
      return { c, n: s.entries, keys, halves, batch: 0 };
    },
    run(st, units) {
      let ms = 0;
      let ops = 0;
      for (let u = 0; u < units; u++) {
        const keys = st.halves[st.batch++ & 7];
        const t0 = performance.now();
        ops += deleteKeys(st.c, keys, keys.length);
        ms += performance.now() - t0;
        for (let i = 0; i < keys.length; i++) st.c.set(keys[i], keys[i]);
      }
      return { ms, ops };
    },
    verify(st) {
      const keys = st.halves[0];
      for (let i = 0; i < keys.length; i++) st.c.delete(keys[i]);
      const gone = new Set(keys);
      for (const k of st.keys) {
        const got = st.c.get(k);
        check(
          gone.has(k) ? got === undefined : got === k,
          `${id}: get(${k}) after deletes gave ${got}`,
        );
      }
      for (let i = 0; i < keys.length; i++) st.c.set(keys[i], keys[i]);
    },
  };
}

/** Zipf-distributed gets with a set on each miss; every pass starts from an empty cache. */
function zipf({ id, title, group }) {
  return {
    id,
    title,
    group,
    ttl: false,
    floor: true,
    withDelete: false,
    entries: (s) => s.entries,
    setup(create, s) {
      const trace = zipfKeys(s.zipfOps, s.zipfKeys, ZIPF_EXPONENT, prng(SEED)).map(intKey);
      return { create, n: s.entries, trace, hits: undefined };
    },
    run(st, units) {
      let ms = 0;
      let hits = 0;
      for (let u = 0; u < units; u++) {
        const c = st.create(st.n, {});
        const t0 = performance.now();
        hits = replay(c, st.trace);
        ms += performance.now() - t0;
        if (st.hits !== undefined && hits !== st.hits) {
          throw new Error(
            `bench: wrong result: ${id}: a replay of the same trace gave ${hits} hits, then ${st.hits}`,
          );
        }
        st.hits = hits;
      }
      return { ms, ops: units * st.trace.length, hits, requests: st.trace.length };
    },
    verify(st) {
      check(st.hits > 0 && st.hits < st.trace.length, `${id}: implausible hit count ${st.hits}`);
    },
  };
}

/** Every workload, in report order. */
export const WORKLOADS = [
  getHit({ id: 'get-int', title: 'get-hit, integer keys', group: 'get-hit' }),
  getHit({ id: 'get-str', title: 'get-hit, string keys', group: 'get-hit', strings: true }),
  getHit({
    id: 'get-str16',
    title: "get-hit, 16-character string keys (lrukit's two policies)",
    group: 'info',
    strings: true,
    keyLength: 16,
    only: ['lrukit', 'lrukit-tinylfu'],
  }),
  getHit({
    id: 'get-dense',
    title: 'get-hit, dense integer keys 0..n-1 (not a target)',
    group: 'info',
    dense: true,
  }),
  setEvict({ id: 'set-evict', title: 'set-evict (full cache)', group: 'set-evict' }),
  update({ id: 'update', title: 'update existing keys', group: 'update' }),
  deletes({ id: 'delete', title: 'delete present keys', group: 'delete' }),
  zipf({ id: 'zipf', title: 'Zipf 0.99 get/set-on-miss', group: 'zipf' }),
  getHit({
    id: 'get-int-ttl',
    title: 'get-hit, integer keys, ttl',
    group: 'get-hit-ttl',
    ttl: true,
  }),
  setEvict({ id: 'set-evict-ttl', title: 'set-evict, ttl', group: 'set-evict-ttl', ttl: true }),
  getHit({ id: 'get-int-1m', title: 'get-hit, large cache', group: 'get-hit-1m', big: true }),
  setEvict({
    id: 'set-evict-1m',
    title: 'set-evict, large cache',
    group: 'set-evict-1m',
    big: true,
  }),
];

/** The workload with this id; throws on an unknown id. */
export function workload(id) {
  const found = WORKLOADS.find((w) => w.id === id);
  if (!found)
    throw new Error(
      `bench: unknown workload "${id}" (known: ${WORKLOADS.map((w) => w.id).join(', ')})`,
    );
  return found;
}
