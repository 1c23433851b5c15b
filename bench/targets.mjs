/**
 * The targets of issue 3 (LruCache against the peers), issue 13 (TinyLfuCache against LruCache)
 * and issue 15 (ttl over coarseClock(), delete), each judged from the measurements of this run
 * (never hard-coded): a target is `{ issue, name, target, measured, spread, met }` with `met` true,
 * false, or null when not measured.
 *
 * A speed figure is the median of a library's per-process medians (bench/run.mjs: one fresh
 * process per library per workload per round), so one process where V8 compiled the loop badly
 * cannot flip a verdict. `spread` is the min–max, over the rounds that measured both sides, of
 * the same ratio taken from that round's two process medians.
 */

import { adapter, FLOOR, LRU_CACHE, LRUKIT, LRUKIT_COARSE, PEERS, TINY_LFU } from './adapters.mjs';
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

/** Issue 15: lrukit's ttl get-hit over `coarseClock()` ÷ lru-cache's ttl get-hit, at least. */
export const COARSE_VS_LRU_CACHE = 1.0;
/** Issue 15: lrukit's delete ÷ lru-cache's delete, at least (level). */
export const DELETE_VS_LRU_CACHE = 1.0;

/** Issue 13: TinyLfuCache's speed as a share of LruCache's (median ÷ median), per workload. */
export const TINY_LFU_SPEED = { 'get-int': 0.6, 'get-str16': 0.6, 'set-evict': 0.5 };
/** Issue 13: TinyLfuCache's memory per entry at most LruCache's plus this many bytes. */
export const TINY_LFU_EXTRA_BYTES = 12;
/** Issue 13: hit-ratio floors (%) on named trace × size cases (Caffeine's W-TinyLFU; scarab: LRU − 1). */
export const TINY_LFU_FLOORS = [
  { trace: 'gli', size: 1_000, floor: 50.57, why: "Caffeine's W-TinyLFU" },
  { trace: 'oltp', size: 1_000, floor: 35.3, why: "Caffeine's W-TinyLFU" },
  { trace: 'extra/scarab', size: 100_000, floor: 74.9, why: "within a point of LRU's 75.91 %" },
];
/** Issue 13: on no trace and size more than this many points below exact LRU. */
export const TINY_LFU_MAX_BELOW_LRU = 1;
/** Issue 13: on the Zipf 0.99 stream, at least this many points above LRU. */
export const TINY_LFU_ZIPF_GAIN = 5;

const judged = (name, target, value, ok, measured, spread = '—') => ({
  name,
  target,
  measured,
  spread,
  met: Number.isFinite(value) ? ok(value) : null,
});

/**
 * `f(a, b)` round by round, from the process medians of `a` and `b` (speed rows of one workload)
 * in each round that measured both: the list of values, in round order.
 */
export function perRound(a, b, f = (x, y) => x / y) {
  const theirs = new Map((b?.procs ?? []).map((p) => [p.round, p.median]));
  return (a?.procs ?? [])
    .filter((p) => theirs.has(p.round))
    .map((p) => f(p.median, theirs.get(p.round)));
}

/** The min–max of a per-round list, e.g. `0.91–1.08× (7 rounds)`; `—` for none. */
export function spreadOf(values, format = (v) => v.toFixed(2), unit = '×') {
  if (!values.length) return '—';
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const n = values.length;
  return `${format(lo)}–${format(hi)}${unit} over ${n} round${n === 1 ? '' : 's'}`;
}

/** A speed target `mine ÷ theirs ≥ goal` on workload `w`, with its spread. */
function speedRatio(speed, w, mine, theirs, name, goal) {
  const a = speed[w]?.[mine];
  const b = speed[w]?.[theirs];
  const ratio = (a?.median ?? Number.NaN) / (b?.median ?? Number.NaN);
  return judged(
    name,
    `≥ ${goal.toFixed(2)}×`,
    ratio,
    (r) => r >= goal,
    times(ratio),
    spreadOf(perRound(a, b)),
  );
}

/** The fastest peer (never lrukit, never the floor) measured on a workload: `{ id, median }`. */
export function fastestPeer(speed) {
  let best;
  for (const id of PEERS) {
    const r = speed?.[id];
    if (r && (!best || r.median > best.median)) best = { id, median: r.median };
  }
  return best;
}

/** Hit percentages of one replayed case: `{ lru, tiny }` (numbers), `tiny` undefined when not replayed. */
export function hitPercents(row) {
  const pct = (hits) => (hits === undefined ? undefined : (hits / row.requests) * 100);
  return { lru: pct(row.hits), tiny: pct(row.tinyHits) };
}

const points = (d) => `${d >= 0 ? '+' : '−'}${Math.abs(d).toFixed(2)}`;
const pc = (v) => `${v.toFixed(2)} %`;
const caseName = (r) => `${r.trace}@${r.size.toLocaleString('en-US')}`;

/** Every target: issue 3's, then issue 13's, then issue 15's. */
export function evaluateTargets(results) {
  return [
    ...lruTargets(results).map((t) => ({ issue: 3, ...t })),
    ...tinyLfuTargets(results).map((t) => ({ issue: 13, ...t })),
    ...issue15Targets(results).map((t) => ({ issue: 15, ...t })),
  ];
}

/** Issue 15: ttl get-hit over `coarseClock()` against lru-cache's ttl, and delete against lru-cache. */
export function issue15Targets(results) {
  const speed = results.speed ?? {};
  return [
    speedRatio(
      speed,
      'get-int-ttl',
      LRUKIT_COARSE,
      LRU_CACHE,
      'get-int-ttl: lrukit + coarseClock() ÷ lru-cache (ttl, its 1 ms ttlResolution)',
      COARSE_VS_LRU_CACHE,
    ),
    speedRatio(
      speed,
      'delete',
      LRUKIT,
      LRU_CACHE,
      'delete: lrukit ÷ lru-cache',
      DELETE_VS_LRU_CACHE,
    ),
  ];
}

/** Issue 13: TinyLfuCache against LruCache, speed, memory and hit ratio. */
export function tinyLfuTargets(results) {
  const out = [];
  const speed = results.speed ?? {};
  for (const [w, goal] of Object.entries(TINY_LFU_SPEED)) {
    out.push(speedRatio(speed, w, TINY_LFU, LRUKIT, `${w}: TinyLfuCache ÷ LruCache`, goal));
  }
  const mine = results.memory?.[TINY_LFU]?.plain;
  const lru = results.memory?.[LRUKIT]?.plain;
  out.push(
    judged(
      'memory per entry: TinyLfuCache − LruCache',
      `≤ +${TINY_LFU_EXTRA_BYTES} B`,
      mine - lru,
      (d) => d <= TINY_LFU_EXTRA_BYTES,
      Number.isFinite(mine - lru)
        ? `${mine - lru >= 0 ? '+' : '−'}${Math.abs(mine - lru).toFixed(1)} B (${mine.toFixed(1)} B vs ${lru.toFixed(1)} B)`
        : '—',
    ),
  );

  const hr = results.hitRatio;
  const main = hr?.main ?? [];
  const extra = hr?.extra ?? [];
  for (const f of TINY_LFU_FLOORS) {
    const row = [...main, ...extra].find((r) => r.trace === f.trace && r.size === f.size);
    const got = row ? hitPercents(row) : {};
    out.push(
      judged(
        `hit ratio, ${f.trace}@${f.size.toLocaleString('en-US')}: TinyLfuCache`,
        `≥ ${pc(f.floor)} (${f.why})`,
        got.tiny,
        (v) => v >= f.floor,
        got.tiny === undefined ? '—' : `${pc(got.tiny)} (LRU ${pc(got.lru)})`,
      ),
    );
  }
  for (const [what, rows] of [
    ['the README tables', main],
    ['extra/ (1 % and 10 % of distinct keys, scarab@100,000)', extra],
  ]) {
    const cases = rows
      .map((r) => ({ r, ...hitPercents(r) }))
      .filter((c) => c.tiny !== undefined)
      .map((c) => ({ ...c, d: c.tiny - c.lru }));
    const worst = cases.reduce((a, c) => (a === undefined || c.d < a.d ? c : a), undefined);
    const within = cases.filter((c) => c.d >= -TINY_LFU_MAX_BELOW_LRU).length;
    const misses = cases.filter((c) => c.d < -TINY_LFU_MAX_BELOW_LRU).map((c) => caseName(c.r));
    out.push(
      judged(
        `hit ratio, every trace × size of ${what}: TinyLfuCache − LRU`,
        `≥ −${TINY_LFU_MAX_BELOW_LRU} point`,
        worst?.d,
        (d) => d >= -TINY_LFU_MAX_BELOW_LRU,
        worst === undefined
          ? '—'
          : `${within} of ${cases.length} within; worst ${caseName(worst.r)} ${points(worst.d)} (${pc(worst.tiny)} vs ${pc(worst.lru)})` +
              (misses.length ? `; below: ${misses.join(', ')}` : ''),
      ),
    );
  }
  const z = hr?.zipf;
  const zp = z ? hitPercents(z) : {};
  const gain = zp.tiny - zp.lru;
  out.push(
    judged(
      z
        ? `hit ratio, Zipf ${z.exponent} over ${z.keys.toLocaleString('en-US')} keys, ${z.size.toLocaleString('en-US')} entries: TinyLfuCache − LRU`
        : 'hit ratio, Zipf stream: TinyLfuCache − LRU',
      `≥ +${TINY_LFU_ZIPF_GAIN} points`,
      gain,
      (d) => d >= TINY_LFU_ZIPF_GAIN,
      Number.isFinite(gain) ? `${points(gain)} (${pc(zp.tiny)} vs ${pc(zp.lru)})` : '—',
    ),
  );
  return out;
}

/** Issue 3: LruCache against the peers, the Map floor, ttl, memory, size and construction. */
function lruTargets(results) {
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
        best ? spreadOf(perRound(speed[w][LRUKIT], speed[w][best.id])) : '—',
      ),
    );
    out.push(speedRatio(speed, w, LRUKIT, LRU_CACHE, `${w}: lrukit vs lru-cache`, VS_LRU_CACHE));
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
        spreadOf(perRound(speed[w]?.[FLOOR], speed[w]?.[LRUKIT])),
      ),
    );
  }

  for (const [w, plain] of [
    ['get-int-ttl', 'get-int'],
    ['set-evict-ttl', 'set-evict'],
  ]) {
    const cost = 1 - med(w, LRUKIT) / med(plain, LRUKIT);
    const costs = perRound(speed[w]?.[LRUKIT], speed[plain]?.[LRUKIT], (t, p) => 1 - t / p);
    out.push(
      judged(
        `${plain}: cost of turning ttl on (lrukit)`,
        `≤ ${TTL_MAX_COST * 100} %`,
        cost,
        (c) => c <= TTL_MAX_COST,
        Number.isFinite(cost) ? `${(cost * 100).toFixed(1)} %` : '—',
        spreadOf(costs, (v) => (v * 100).toFixed(1), ' %'),
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
