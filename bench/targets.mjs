/**
 * The targets of issue 3, each judged from the measurements of this run (never hard-coded): a
 * target is `{ name, target, measured, met }` with `met` true, false, or null when not measured.
 */

import { adapter, FLOOR, LRU_CACHE, LRUKIT, PEERS } from './adapters.mjs';
import { bytes, ms, times } from './table.mjs';

export const SPEED_TARGET_WORKLOADS = [
  'get-int',
  'get-str',
  'set-evict',
  'update',
  'delete',
  'zipf',
];
export const VS_FASTEST_PEER = 1.0;
export const VS_LRU_CACHE = 1.25;
export const MAP_FLOOR_FACTOR = 2;
export const TTL_MAX_COST = 0.2;
export const LRU_CACHE_BUDGET_BYTES = 2_500;
export const CONSTRUCT_MAX_MS = 5;
export const CONSTRUCT_MAX_BYTES = 1024 * 1024;
export const HELD_OPS_MAX_MS = 1;

const judged = (name, target, value, ok, measured) => ({
  name,
  target,
  measured,
  met: Number.isFinite(value) ? ok(value) : null,
});

/** The fastest peer (never lrukit, never the floor) measured on a workload: `{ id, median }`. */
export function fastestPeer(speed) {
  let best;
  for (const id of PEERS) {
    const r = speed?.[id];
    if (r && (!best || r.median > best.median)) best = { id, median: r.median };
  }
  return best;
}

export function evaluateTargets(results) {
  const out = [];
  const speed = results.speed ?? {};
  const med = (w, lib) => speed[w]?.[lib]?.median ?? Number.NaN;

  for (const w of SPEED_TARGET_WORKLOADS) {
    const mine = med(w, LRUKIT);
    const best = fastestPeer(speed[w]);
    const vsBest = best ? mine / best.median : Number.NaN;
    out.push(
      judged(
        `${w}: lrukit vs the fastest peer`,
        `≥ ${VS_FASTEST_PEER.toFixed(2)}×`,
        vsBest,
        (r) => r >= VS_FASTEST_PEER,
        best ? `${times(vsBest)} (fastest: ${adapter(best.id).name})` : '—',
      ),
    );
    const vsLru = mine / med(w, LRU_CACHE);
    out.push(
      judged(
        `${w}: lrukit vs lru-cache`,
        `≥ ${VS_LRU_CACHE.toFixed(2)}×`,
        vsLru,
        (r) => r >= VS_LRU_CACHE,
        times(vsLru),
      ),
    );
  }

  for (const w of ['get-int', 'get-str']) {
    const slower = med(w, FLOOR) / med(w, LRUKIT);
    out.push(
      judged(
        `${w}: Map floor ÷ lrukit`,
        `≤ ${MAP_FLOOR_FACTOR}× (within 2× of Map)`,
        slower,
        (r) => r <= MAP_FLOOR_FACTOR,
        times(slower),
      ),
    );
  }

  for (const [w, plain] of [
    ['get-int-ttl', 'get-int'],
    ['set-evict-ttl', 'set-evict'],
  ]) {
    const cost = 1 - med(w, LRUKIT) / med(plain, LRUKIT);
    out.push(
      judged(
        `${plain}: cost of turning ttl on (lrukit)`,
        `≤ ${TTL_MAX_COST * 100} %`,
        cost,
        (c) => c <= TTL_MAX_COST,
        Number.isFinite(cost) ? `${(cost * 100).toFixed(1)} %` : '—',
      ),
    );
  }

  for (const kind of ['plain', 'ttl']) {
    const mine = results.memory?.[LRUKIT]?.[kind];
    const theirs = results.memory?.[LRU_CACHE]?.[kind];
    const ratio = mine / theirs;
    out.push(
      judged(
        `memory per entry${kind === 'ttl' ? ', ttl on' : ''}: lrukit ÷ lru-cache`,
        '≤ 1.00×',
        ratio,
        (r) => r <= 1,
        Number.isFinite(ratio)
          ? `${times(ratio)} (${mine.toFixed(1)} B vs ${theirs.toFixed(1)} B)`
          : '—',
      ),
    );
  }

  const size = results.sizes?.find((s) => s.id === LRUKIT)?.gz;
  out.push(
    judged(
      '`LruCache` alone, min+gz',
      `≤ ${LRU_CACHE_BUDGET_BYTES.toLocaleString('en-US')} B`,
      size,
      (b) => b <= LRU_CACHE_BUDGET_BYTES,
      Number.isFinite(size) ? `${size.toLocaleString('en-US')} B` : '—',
    ),
  );

  const c = results.construct?.[LRUKIT];
  const max = c?.max?.toLocaleString('en-US') ?? '10,000,000';
  out.push(
    judged(
      `new LruCache({ maxEntries: ${max} }): time`,
      `< ${CONSTRUCT_MAX_MS} ms`,
      c?.constructMs?.median,
      (t) => t < CONSTRUCT_MAX_MS,
      ms(c?.constructMs?.median),
    ),
  );
  out.push(
    judged(
      `new LruCache({ maxEntries: ${max} }): heap`,
      `< ${bytes(CONSTRUCT_MAX_BYTES)} (nothing per slot)`,
      c?.bytes,
      (b) => b < CONSTRUCT_MAX_BYTES,
      bytes(c?.bytes),
    ),
  );
  for (const [key, what] of [
    ['deleteLastMs', 'delete of the last entry'],
    ['clearMs', 'clear()'],
  ]) {
    out.push(
      judged(
        `${what}, 10 held of ${max} allowed`,
        `< ${HELD_OPS_MAX_MS} ms (O(entries held))`,
        c?.[key]?.median,
        (t) => t < HELD_OPS_MAX_MS,
        ms(c?.[key]?.median),
      ),
    );
  }
  return out;
}

/** `met` as a word for the tables. */
export const verdict = (met) => (met === null ? 'not measured' : met ? 'met' : 'MISSED');
