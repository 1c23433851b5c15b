/**
 * Turns the measurements into tables — printed as text by the driver, and written with the
 * machine, the versions and the charts to docs/benchmarks.md, docs/benchmarks.svg (speed) and
 * docs/hit-ratio.svg (hit ratio of lrukit's two policies).
 */

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import {
  ADAPTERS,
  adapter,
  FLOOR,
  LRU_CACHE,
  LRUKIT,
  LRUKIT_COARSE,
  PEERS,
  TINY_LFU,
  TINY_LFU_SEED,
} from './adapters.mjs';
import { barChart, hitRatioChart } from './chart.mjs';
import { MEMO_VARIANTS, memoVariant } from './memoize.mjs';
import { LATENCY_CASES, percentile, THROUGHPUT_SETUPS } from './redis.mjs';
import { bytes, count, mdTable, median, mops, ms, textTable, times } from './table.mjs';
import {
  evaluateTargets,
  fastestPeer,
  hitPercents,
  perRound,
  spreadOf,
  TINY_LFU_EXTRA_BYTES,
  TINY_LFU_SPEED,
  verdict,
} from './targets.mjs';
import { SIZES, TTL_MS, WORKLOADS, ZIPF_EXPONENT } from './workloads.mjs';

/** Cpu, cores, memory, Node and OS of this machine. */
export function machineInfo() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model?.trim() ?? 'unknown',
    cores: cpus.length,
    memory: os.totalmem(),
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
  };
}

/**
 * Version of each benchmarked package, read from its package.json; lrukit's with its git commit
 * and the build measured (`snapshot` from build.mjs; `builtCommit` when `--commit` built one).
 */
export function versions(root, snapshot, { builtCommit } = {}) {
  const out = {};
  const own = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  let commit = '';
  if (builtCommit) commit = `${builtCommit.slice(0, 7)}, built from the commit alone`;
  else
    try {
      commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
        cwd: root,
        encoding: 'utf8',
      }).trim();
      const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], {
        cwd: root,
        encoding: 'utf8',
      }).trim();
      if (dirty) commit += ' + uncommitted src changes';
    } catch {
      // not a git checkout: the version alone
    }
  out.lrukit = commit ? `${own.version} (${commit})` : own.version;
  if (snapshot)
    out.lrukit += `; dist/index.js built ${snapshot.builtAt}, sha256 ${snapshot.sha256}`;
  const pkgs = [...ADAPTERS.map((a) => a.pkg), 'p-memoize'];
  for (const pkg of new Set(pkgs.filter((p) => p && p !== 'lrukit'))) {
    const file = join(root, 'node_modules', pkg, 'package.json');
    out[pkg] = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')).version : 'not installed';
  }
  return out;
}

const name = (id) => adapter(id).name;
const range = (r) => `${mops(r.min)}–${mops(r.max)}`;
/** min–max of a speed row's per-process medians, e.g. `30.12–41.88 (5)`. */
const procRange = (r) => {
  const list = (r.procs ?? []).map((p) => p.median);
  return list.length
    ? `${mops(Math.min(...list))}–${mops(Math.max(...list))} (${list.length})`
    : '—';
};

/** The tables of a run: `[{ title, intro?, header, rows, note? }]`, in report order. */
export function buildSections(results, { smoke = false } = {}) {
  const sections = [];
  const speed = results.speed ?? {};
  const sizes = smoke ? SIZES.smoke : SIZES.full;
  const measured = WORKLOADS.filter((w) => speed[w.id] && Object.keys(speed[w.id]).length);

  if (measured.length) {
    const libs = ADAPTERS.map((a) => a.id).filter((id) => measured.some((w) => speed[w.id][id]));
    sections.push({
      title: 'Speed: median M ops/s',
      intro:
        'Higher is better. `—`: not run (no ttl, or the Map floor where eviction is the point).',
      header: ['workload', ...libs.map(name)],
      rows: measured.map((w) => [
        w.id,
        ...libs.map((id) => (speed[w.id][id] ? mops(speed[w.id][id].median) : '—')),
      ]),
    });
    const peers = PEERS.filter((id) => libs.includes(id));
    sections.push({
      title: 'Speed: lrukit ÷ each library (median ÷ median)',
      intro: 'Above 1.00× lrukit is faster. "fastest peer" leaves out the Map floor.',
      header: ['workload', ...peers.map(name), 'fastest peer', 'Map floor'],
      rows: measured.map((w) => {
        const mine = speed[w.id][LRUKIT]?.median;
        const best = fastestPeer(speed[w.id]);
        return [
          w.id,
          ...peers.map((id) => times(mine / speed[w.id][id]?.median)),
          best ? `${times(mine / best.median)} (${name(best.id)})` : '—',
          times(mine / speed[w.id][FLOOR]?.median),
        ];
      }),
    });
    sections.push(...tinyLfuSpeedSections(results, measured));
    sections.push(...ttlSections(results));
    for (const w of measured) {
      const rows = Object.entries(speed[w.id])
        .sort((a, b) => b[1].median - a[1].median)
        .map(([id, r]) => {
          const row = [
            name(id),
            mops(r.median),
            procRange(r),
            range(r),
            String(r.n),
            times(speed[w.id][LRUKIT]?.median / r.median),
          ];
          if (w.id === 'zipf')
            row.push(r.hits === undefined ? '—' : `${((r.hits / r.requests) * 100).toFixed(2)} %`);
          return row;
        });
      const header = [
        'library',
        'median M ops/s',
        'process medians min–max (processes)',
        'all samples min–max',
        'samples',
        'lrukit ÷ this',
      ];
      if (w.id === 'zipf') header.push('hit ratio');
      sections.push({
        title: `${w.id}: ${w.title}, ${count(w.entries(sizes))} entries`,
        header,
        rows,
        level: 3,
      });
    }
  }

  sections.push(...memoizeSections(results.memoize));
  sections.push(...redisSections(results.redis));
  sections.push(...getManySections(results.getMany));

  if (results.memory && Object.keys(results.memory).length) {
    const m = results.memory;
    sections.push({
      title: `Memory: bytes per entry at ${count(results.memoryEntries)} entries`,
      intro:
        'Integer keys, the key number as value; `heapUsed + arrayBuffers` after a full gc, minus the same before the cache was built (`--expose-gc`), one process per row and column.',
      header: ['library', 'bytes/entry', 'with ttl', 'lrukit ÷ this', 'lrukit ÷ this, ttl'],
      rows: Object.keys(m)
        .sort((a, b) => m[a].plain - m[b].plain)
        .map((id) => [
          name(id),
          m[id].plain?.toFixed(1) ?? '—',
          m[id].ttl?.toFixed(1) ?? '—',
          times(m[LRUKIT]?.plain / m[id].plain),
          times(m[LRUKIT]?.ttl / m[id].ttl),
        ]),
    });
  }

  if (results.construct && Object.keys(results.construct).length) {
    const c = results.construct;
    const any = Object.values(c)[0];
    sections.push({
      title: `Construction with ${count(any.max)} entries allowed`,
      intro: `Median (min–max) of ${any.constructMs.n} fresh processes. Delete and clear are timed with 10 entries held.`,
      header: ['library', 'construct', 'heap after construct', 'delete the last entry', 'clear()'],
      rows: Object.entries(c).map(([id, r]) => [
        name(id),
        `${ms(r.constructMs.median)} (${ms(r.constructMs.min)}–${ms(r.constructMs.max)})`,
        bytes(r.bytes),
        ms(r.deleteLastMs.median),
        ms(r.clearMs.median),
      ]),
    });
  }

  if (results.sizes?.length) {
    sections.push({
      title: 'Bundle size (esbuild, platform browser, esm, minified, gzip -9)',
      header: ['what', 'min B', 'min+gz B'],
      rows: results.sizes.map((s) => [s.what, count(s.min), count(s.gz)]),
    });
  }

  if (results.hitRatio) sections.push(...hitRatioSections(results.hitRatio));

  const targets = evaluateTargets(results).filter((t) => t.met !== null);
  for (const [issue, title, about] of [
    [
      3,
      'Targets (issue 3): LruCache against the peers, judged from this run',
      "Speed ratios are lrukit's median ÷ the other's median.",
    ],
    [
      13,
      'Targets (issue 13): TinyLfuCache against LruCache, judged from this run',
      "Speed ratios are TinyLfuCache's median ÷ LruCache's median; hit ratios are hits ÷ requests with seed " +
        `${TINY_LFU_SEED}, against lrukit's exact LRU on the same trace and size.`,
    ],
    [
      15,
      'Targets (issue 15): ttl over coarseClock(), and delete, against lru-cache, judged from this run',
      "`coarseClock()` is lrukit's opt-in (the default clock stays exact); lru-cache caches its time for its default `ttlResolution` of 1 ms.",
    ],
  ]) {
    const mine = targets.filter((t) => t.issue === issue);
    if (!mine.length) continue;
    sections.push({
      title,
      intro: `${mine.filter((t) => t.met).length} of ${mine.length} met. ${about} ${SPEED_VERDICT}`,
      header: ['target', 'goal', 'measured', 'spread over rounds', 'result'],
      rows: mine.map((t) => [t.name, t.target, t.measured, t.spread ?? '—', verdict(t.met)]),
    });
  }
  return sections;
}

/** Bulk reads of bench/get-many.mjs: getMany against 100 gets and DataLoader (issue 15). */
function getManySections(gm) {
  if (!gm?.rows?.length) return [];
  return [
    {
      title: `Bulk reads: ${gm.keys} keys through getMany, ${gm.keys} gets and DataLoader`,
      intro:
        `One \`LoadingCache\` (or one DataLoader) over the same "database": a loader answering after a ${gm.loaderMs} ms timer, one round trip per call ` +
        '(`load` for one key, `loadMany` for a batch; DataLoader batches into `loadMany`). ' +
        "**cold**: nothing cached; **warm**: the same keys read again from L1; **warm L2, cold L1**: another process's cache over the same Redis. " +
        'Redis round trips count each command and each pipeline sent (the L2 writes a cold read starts included). ' +
        `Time: median of ${gm.reps} fresh caches, one call each. DataLoader has no L2 and caches without bound or ttl.`,
      header: ['scene', 'L2', 'way', 'database round trips', 'Redis round trips', 'time'],
      rows: gm.rows.map((r) => [
        r.scene,
        r.redis ? 'Redis' : '—',
        r.way,
        String(r.dbTrips),
        r.redis ? String(r.redisTrips) : '—',
        ms(r.ms),
      ]),
    },
  ];
}

/** How a speed target is judged, said under every targets table. */
const SPEED_VERDICT =
  "A speed figure is the median of a library's per-process medians (one fresh process per library, workload and round); " +
  "the spread is the min–max, over the rounds, of the same ratio taken from that round's two processes.";

/** lrukit's ttl rows (exact clock, coarseClock()) beside lru-cache's ttl (issue 15). */
function ttlSections(results) {
  const speed = results.speed ?? {};
  const rows = [];
  for (const w of ['get-int-ttl', 'set-evict-ttl']) {
    const r = speed[w];
    if (!r?.[LRU_CACHE] || !(r[LRUKIT] || r[LRUKIT_COARSE])) continue;
    const lc = r[LRU_CACHE];
    const cell = (id) => (r[id] ? mops(r[id].median) : '—');
    const vs = (id) =>
      r[id] ? `${times(r[id].median / lc.median)} (${spreadOf(perRound(r[id], lc))})` : '—';
    rows.push([
      w,
      cell(LRUKIT),
      cell(LRUKIT_COARSE),
      cell(LRU_CACHE),
      vs(LRUKIT),
      vs(LRUKIT_COARSE),
    ]);
  }
  if (!rows.length) return [];
  return [
    {
      title: "ttl: lrukit's exact clock, lrukit + coarseClock() and lru-cache",
      intro:
        'Median of per-process medians, M ops/s, and ratios to lru-cache (min–max over the rounds). ' +
        'lrukit reads its clock (`performance.now()`) at every access to an entry that can expire; ' +
        '`coarseClock()` reuses one reading for up to 1 ms and 1,000 reads, as lru-cache does for its `ttlResolution` (1 ms).',
      header: [
        'workload',
        'lrukit',
        'lrukit + coarseClock()',
        'lru-cache',
        'lrukit ÷ lru-cache',
        'lrukit + coarseClock() ÷ lru-cache',
      ],
      rows,
    },
  ];
}

/** TinyLfuCache's speed and memory against LruCache's (lrukit's two policies), with issue 13's targets. */
function tinyLfuSpeedSections(results, measured) {
  const speed = results.speed ?? {};
  const mem = results.memory ?? {};
  const rows = measured
    .filter((w) => speed[w.id][TINY_LFU] && speed[w.id][LRUKIT])
    .map((w) => {
      const t = speed[w.id][TINY_LFU].median;
      const l = speed[w.id][LRUKIT].median;
      const goal = TINY_LFU_SPEED[w.id];
      return [
        `${w.id}, M ops/s`,
        mops(l),
        mops(t),
        times(t / l),
        goal ? `≥ ${goal.toFixed(2)}×` : '—',
      ];
    });
  for (const [kind, what] of [
    ['plain', 'memory per entry, B'],
    ['ttl', 'memory per entry with ttl, B'],
  ]) {
    const t = mem[TINY_LFU]?.[kind];
    const l = mem[LRUKIT]?.[kind];
    if (t === undefined || l === undefined) continue;
    const d = t - l;
    rows.push([
      what,
      l.toFixed(1),
      t.toFixed(1),
      `${d >= 0 ? '+' : '−'}${Math.abs(d).toFixed(1)} B (${times(t / l)})`,
      kind === 'plain' ? `≤ +${TINY_LFU_EXTRA_BYTES} B` : '—',
    ]);
  }
  if (!rows.length) return [];
  return [
    {
      title: "TinyLfuCache against LruCache: lrukit's two policies",
      intro:
        "`TinyLfuCache` (W-TinyLFU, opt-in) is lrukit's second policy, not a peer: it counts in no comparison with the other libraries. " +
        `Seed ${TINY_LFU_SEED}, so every run makes the same admission decisions. Speed: medians, and TinyLfuCache's median ÷ LruCache's (above 1.00× TinyLfuCache is faster). ` +
        'On zipf the two also keep different entries (hit ratios in the zipf table below), so that row measures policy and speed together.',
      header: [
        'measure',
        'LruCache',
        'TinyLfuCache',
        'TinyLfuCache vs LruCache',
        'issue 13 target',
      ],
      rows,
    },
  ];
}

/** The cases of a hit-ratio result grouped by trace: `[{ title, cases: [{ size, lru, tiny }] }]`. */
export function hitRatioPanels(hr) {
  const panels = [];
  for (const r of [...(hr?.main ?? []), ...(hr?.extra ?? [])]) {
    let p = panels.find((x) => x.title === r.trace);
    if (!p) {
      p = { title: r.trace, cases: [] };
      panels.push(p);
    }
    p.cases.push({ size: r.size, ...hitPercents(r) });
  }
  const z = hr?.zipf;
  if (z) {
    panels.push({
      title: `Zipf ${z.exponent}, ${count(z.keys)} keys`,
      cases: [{ size: z.size, ...hitPercents(z) }],
    });
  }
  return panels;
}

/** The hit-ratio tables: traces of the README, extra traces, the Zipf stream. */
function hitRatioSections(hr) {
  const out = [];
  const { main, extra, zipf } = hr;
  const withTiny = [...main, ...(extra ?? []), ...(zipf ? [zipf] : [])].some(
    (r) => r.tinyHits !== undefined,
  );
  const tinyCols = (r) => {
    const p = hitPercents(r);
    return withTiny
      ? [
          r.tinyGot ?? '—',
          p.tiny === undefined
            ? '—'
            : `${p.tiny - p.lru >= 0 ? '+' : '−'}${Math.abs(p.tiny - p.lru).toFixed(2)}`,
        ]
      : [];
  };
  const tinyHeader = withTiny ? ['TinyLfuCache hit %', 'TinyLfuCache − LRU, points'] : [];
  const tinyIntro = withTiny
    ? ` TinyLfuCache (seed ${TINY_LFU_SEED}) replays the same keys; its difference from the exact LRU is in points.`
    : '';
  out.push({
    title: 'Hit ratio: traces replayed through lrukit (get, set on miss)',
    intro:
      "Expected: the exact-LRU figures of the traces README; lrukit's `LruCache`, an exact LRU, must match them to the last digit." +
      tinyIntro +
      (withTiny ? ' Chart: docs/hit-ratio.svg (at the top of this page).' : ''),
    header: [
      'trace',
      'entries',
      'requests',
      'LruCache hit %',
      'expected %',
      'match',
      ...tinyHeader,
    ],
    rows: main.map((r) => [
      r.trace,
      count(r.size),
      count(r.requests),
      r.got,
      r.expected,
      r.match ? 'yes' : 'NO',
      ...tinyCols(r),
    ]),
  });
  if (extra?.length) {
    out.push({
      title: 'Hit ratio: extra traces against a reference exact LRU',
      intro:
        'Sizes at 1 % and 10 % of the distinct keys (and scarab at 100,000, where issue 13 sets a target); "match" compares hit counts exactly.' +
        tinyIntro,
      header: [
        'trace',
        'entries',
        'requests',
        'LruCache hit %',
        'reference %',
        'match',
        ...tinyHeader,
      ],
      rows: extra.map((r) => [
        r.trace,
        count(r.size),
        count(r.requests),
        r.got,
        r.expected,
        r.match ? 'yes' : 'NO',
        ...tinyCols(r),
      ]),
    });
  }
  if (zipf) {
    out.push({
      title: `Hit ratio: a Zipf ${zipf.exponent} stream over ${count(zipf.keys)} keys, ${count(zipf.size)} entries`,
      intro:
        `${count(zipf.requests)} requests drawn with Zipf popularity (exponent ${zipf.exponent}, fixed seed) over ${count(zipf.keys)} keys ` +
        `(${count(zipf.distinct)} of them requested), a cache of ${count(zipf.size)} entries (1 % of the keys); reference: the exact LRU above.` +
        tinyIntro,
      header: [
        'stream',
        'entries',
        'requests',
        'LruCache hit %',
        'reference %',
        'match',
        ...tinyHeader,
      ],
      rows: [
        [
          zipf.trace,
          count(zipf.size),
          count(zipf.requests),
          zipf.got,
          zipf.expected,
          zipf.match ? 'yes' : 'NO',
          ...tinyCols(zipf),
        ],
      ],
    });
  }
  return out;
}

/** The "memoize and coalescing" tables: a summary of ratios, then one table per test. */
function memoizeSections(memo) {
  const hit = memo?.hit;
  const co = memo?.coalesce;
  if (!hit && !co) return [];
  const vname = (id) => memoVariant(id).name;
  const ratio = (table, a, b) => times(table?.[a]?.median / table?.[b]?.median);
  const anyHit = hit && Object.values(hit)[0];
  const anyCo = co && Object.values(co)[0];
  const notes = MEMO_VARIANTS.filter((v) => v.note && (hit?.[v.id] || co?.[v.id])).map(
    (v) => `${v.name}: ${v.note}.`,
  );
  const out = [
    {
      title: 'memoize and coalescing',
      intro: [
        'lrukit `memoize(fn, { maxEntries: 10_000 })` and `LoadingCache` against p-memoize with a same-size lru-cache as its `cache` ' +
          '(`pMemoize(fn, { cache: new LRUCache({ max: 10_000 }) })`), each variant in its own fresh process, every option at its default.',
        anyHit
          ? `Hit path: an async function of one string argument, all ${count(anyHit.keys)} keys cached beforehand, called in random order in batches of ${count(anyHit.batch)} calls ` +
            'awaited together (`await Promise.all(batch)`, the same for every row, the floor included); higher calls/s is better. The function must never run again (checked).'
          : '',
        anyCo
          ? `Coalescing: ${count(anyCo.callers)} concurrent calls of ONE cold key on a fresh cache, whose loader resolves on a later \`setImmediate\`; ` +
            'the time from the first call until every caller has settled, lower is better. The loader must run exactly once per settle (checked on every settle; the run fails otherwise).'
          : '',
        ...notes,
      ]
        .filter(Boolean)
        .join('\n\n'),
      header: ['comparison', 'ratio'],
      rows: [
        ...(hit
          ? [
              [
                'hit path: lrukit memoize ÷ p-memoize (calls/s; above 1.00× lrukit is faster)',
                ratio(hit, 'lrukit-memoize', 'p-memoize'),
              ],
              [
                'hit path: LruCache.get floor ÷ lrukit memoize (calls/s; the cost of memoize over a bare get)',
                ratio(hit, 'lrukit-get', 'lrukit-memoize'),
              ],
              [
                'hit path: lrukit memoize with key: (k) => k ÷ p-memoize (calls/s)',
                ratio(hit, 'lrukit-memoize-key', 'p-memoize'),
              ],
            ]
          : []),
        ...(co
          ? [
              [
                'coalescing: lrukit LoadingCache.get ÷ p-memoize (time; below 1.00× lrukit is faster)',
                ratio(co, 'lrukit-loading', 'p-memoize'),
              ],
              [
                'coalescing: lrukit memoize ÷ p-memoize (time; below 1.00× lrukit is faster)',
                ratio(co, 'lrukit-memoize', 'p-memoize'),
              ],
            ]
          : []),
      ].filter((r) => r[1] !== '—'),
    },
  ];
  if (hit) {
    out.push({
      title: `memoize-hit: cached calls, one string argument, ${count(anyHit.keys)} keys, batches of ${count(anyHit.batch)} awaited together`,
      header: ['variant', 'median M calls/s', 'min–max', 'reps', 'lrukit memoize ÷ this'],
      rows: Object.entries(hit)
        .sort((a, b) => b[1].median - a[1].median)
        .map(([id, r]) => [
          vname(id),
          mops(r.median),
          range(r),
          String(r.n),
          times(hit['lrukit-memoize']?.median / r.median),
        ]),
      level: 3,
    });
  }
  if (co) {
    out.push({
      title: `memoize-coalesce: ${count(anyCo.callers)} concurrent callers of one cold key`,
      header: [
        'variant',
        `median ms per ${count(anyCo.callers)} callers`,
        'min–max',
        'reps',
        'loader runs per settle',
        'time ÷ p-memoize',
      ],
      rows: Object.entries(co)
        .sort((a, b) => a[1].median - b[1].median)
        .map(([id, r]) => [
          vname(id),
          r.median.toFixed(2),
          `${r.min.toFixed(2)}–${r.max.toFixed(2)}`,
          String(r.n),
          String(r.loadsPerSettle),
          times(r.median / co['p-memoize']?.median),
        ]),
      level: 3,
    });
  }
  return out;
}

/** µs with a precision that suits the magnitude. */
const us = (v) =>
  !Number.isFinite(v) ? '—' : v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : count(v);
const percent = (f) => (Number.isFinite(f) ? `${(f * 100).toFixed(1)} %` : '—');
/** A large ratio, e.g. `270×`; `—` when unknown. */
const bigTimes = (r) => (!Number.isFinite(r) ? '—' : r < 10 ? times(r) : `${count(r)}×`);

/**
 * The "Redis tier" tables: latency of one `get` at each tier, then throughput and backend loads
 * of processes with and without a shared Redis (bench/redis.mjs).
 */
function redisSections(redis) {
  if (!redis) return [];
  const out = [];
  const lat = redis.latency;
  const samples = lat?.samples ?? {};
  if (Object.keys(samples).length) {
    const med = (id) => (samples[id]?.length ? percentile(samples[id], 50) : NaN);
    const l2Cost = med('l2MissLoader') - med('loader');
    out.push({
      title: 'Redis tier: latency of one get, µs',
      intro: [
        `A \`LoadingCache\` with \`l2: redisStore({ client, prefix, commandTimeout: 500 })\` (ioredis ${lat.ioredisVersion}, redis-server ${lat.redisVersion} on loopback, ` +
          'started for the run), each `await cache.get(key)` timed alone, one call at a time; samples of every fresh process pooled. ' +
          `The loader simulates a backend call of about ${lat.loaderMs} ms (\`setTimeout(…, ${lat.loaderMs})\`, no CPU; the last row is its own cost).`,
        'Every sample is the case it claims, checked against `stats` (hits, misses, l2Hits, l2Misses, l2Errors) and the count of loader calls: ' +
          'L1 hits repeat keys held in L1; every L2 hit is a distinct key present in Redis and absent from L1 (one GET+PTTL round trip); ' +
          'every miss is a distinct new key, with no L2 or absent from Redis.',
        'The L2-hit row and the first bare GET are round trips back to back; the other rows follow a millisecond in which this process ' +
          'and Redis sat idle (waiting for the simulated backend), which changes what a round trip costs on a virtual machine ' +
          '(waking an idle CPU) and under load from other work: compare the two bare GET rows.',
        Number.isFinite(l2Cost)
          ? `An L2 miss costs ${us(l2Cost)} µs more than a miss with no L2 (L2 miss → loader minus the loader row, medians): ` +
            `the round trip to Redis before the loader (a bare GET after idling: ${us(med('redisGetIdle'))} µs), and sending the ` +
            "loaded value's SET to Redis, which happens before the caller gets the value."
          : '',
      ]
        .filter(Boolean)
        .join('\n\n'),
      header: ['get', 'median µs', 'p99 µs', 'samples', 'median ÷ L1 hit'],
      rows: LATENCY_CASES.filter((c) => samples[c.id]?.length).map((c) => [
        c.name,
        us(med(c.id)),
        us(percentile(samples[c.id], 99)),
        count(samples[c.id].length),
        bigTimes(med(c.id) / med('l1Hit')),
      ]),
    });
  }

  const runs = redis.throughput ?? {};
  const setups = THROUGHPUT_SETUPS.filter((s) => runs[s.id]?.length);
  if (setups.length) {
    const all = setups.flatMap((s) => runs[s.id]);
    const any = all[0];
    const every = any.processes[0].traceEvery;
    // the same work for every setup: each process's first `n` gets (setups that get more done
    // in the same time also warm up further, so whole-run ratios would favour them)
    const shortest = Math.min(...all.flatMap((r) => r.processes.map((p) => p.trace.length)));
    const n = Math.floor(shortest / 2) * 2 * every;
    const loadsAt = (p, gets) => (gets === 0 ? 0 : p.trace[gets / every - 1]);
    /** Backend loads per 1,000 gets over gets `from`..`to` of every process of run `r`. */
    const perThousand = (r, from, to) =>
      n === 0
        ? NaN
        : (r.processes.reduce((a, p) => a + loadsAt(p, to) - loadsAt(p, from), 0) /
            (r.processes.length * (to - from))) *
          1000;
    /** The median over runs of `fn(run)`. */
    const over = (id, fn) => median(runs[id].map(fn));
    const sum = (r, k) => r.processes.reduce((a, p) => a + p[k], 0);
    const first = (id) => over(id, (r) => perThousand(r, 0, n));
    const late = (id) => over(id, (r) => perThousand(r, n / 2, n));
    const fewer = (a, b) =>
      Number.isFinite(a / b) ? `${(a / b).toFixed(1)}× fewer` : 'unknown factor';
    const compare =
      runs['two-local'] && runs['two-shared'] && n > 0
        ? `For the same work (each process's first ${count(n)} gets), the backend saw ${first('two-shared').toFixed(0)} loads per 1,000 gets ` +
          `with two processes sharing Redis against ${first('two-local').toFixed(0)} with two processes on their own (${fewer(first('two-local'), first('two-shared'))}); ` +
          `over the second half of that work, as Redis fills, ${late('two-shared').toFixed(0)} against ${late('two-local').toFixed(0)} (${fewer(late('two-local'), late('two-shared'))}). ` +
          'Without Redis the loads stay at the L1 miss ratio however long the processes run; with it they fall towards one load per key per ttl for the whole fleet.'
        : '';
    const timeouts = all.reduce((a, r) => a + sum(r, 'l2Timeouts'), 0);
    const slower =
      runs['two-local'] &&
      runs['two-shared'] &&
      over('two-shared', (r) => sum(r, 'opsPerSec')) <
        over('two-local', (r) => sum(r, 'opsPerSec'));
    out.push({
      title: 'Redis tier: two processes sharing one Redis',
      intro: [
        `Each process: a \`LoadingCache\` with \`maxEntries: ${count(any.maxEntries)}\` (its L1) and \`ttl: ${count(any.ttl / 1000)} s\`, ` +
          `driven by ${any.concurrency} loops of \`await cache.get(key)\` (${any.concurrency} gets outstanding) for ${any.durationMs / 1000} s, ` +
          `from a cold cache and an empty Redis, over one fixed-seed Zipf stream (exponent ${any.exponent} over ${count(any.keys)} keys) that each ` +
          'process reads from its own offset: the same popular keys, in a different order. ' +
          `The loader is the simulated backend (about ${any.loaderMs} ms, no CPU); "backend loads" counts its calls. ` +
          'With Redis: `l2: redisStore(…)` and `bus: redisBus(…)` as in the guide, one redis-server for both processes. ' +
          `Medians of ${runs[setups[0].id].length} run(s), each in fresh processes.`,
        compare,
        timeouts > 0
          ? `${count(timeouts)} Redis call(s) over all runs got no answer within \`commandTimeout\` (250 ms) while the machine was busy; ` +
            'the caches went on without Redis for them (a GET that timed out went to the loader), as they would in production.'
          : '',
        slower
          ? 'gets/s is lower with Redis on this machine: each L1 miss costs Redis client CPU (the CPU column, of one core per process), ' +
            'and the processes share the cores with redis-server.'
          : '',
      ]
        .filter(Boolean)
        .join('\n\n'),
      header: [
        'setup',
        'gets/s, total',
        'gets/s per process',
        'L1 hit ratio',
        'L2 hits',
        'backend loads',
        `loads per 1,000 gets, first ${count(n)}`,
        `loads per 1,000 gets, ${count(n / 2)}–${count(n)}`,
        'CPU per process',
      ],
      rows: setups.map((s) => {
        const perPeer = (fn) =>
          runs[s.id][0].processes.map((_, i) => over(s.id, (r) => fn(r.processes[i])));
        return [
          s.name,
          count(over(s.id, (r) => sum(r, 'opsPerSec'))),
          perPeer((p) => p.opsPerSec)
            .map(count)
            .join(' / '),
          percent(over(s.id, (r) => sum(r, 'hits') / sum(r, 'ops'))),
          s.redis ? count(over(s.id, (r) => sum(r, 'l2Hits'))) : '—',
          count(over(s.id, (r) => sum(r, 'loaderCalls'))),
          n > 0 ? first(s.id).toFixed(0) : '—',
          n > 0 ? late(s.id).toFixed(0) : '—',
          perPeer((p) => p.cpu)
            .map((c) => `${(c * 100).toFixed(0)} %`)
            .join(' / '),
        ];
      }),
    });
  }
  return out;
}

/** All sections as aligned plain text. */
export function renderText(sections) {
  return sections
    .map((s) => `\n== ${s.title}\n${s.intro ? `${s.intro}\n` : ''}${textTable(s.header, s.rows)}`)
    .join('\n');
}

/** The chart's data: one group per measured workload, libraries fastest first. */
function chartGroups(results) {
  return WORKLOADS.filter((w) => results.speed?.[w.id]).map((w) => ({
    title: `${w.id} — ${w.title}`,
    bars: Object.entries(results.speed[w.id])
      .sort((a, b) => b[1].median - a[1].median)
      .map(([id, r]) => ({ id, label: name(id), value: r.median })),
  }));
}

/**
 * Writes docs/benchmarks.md, docs/benchmarks.svg and (when the hit ratios were measured)
 * docs/hit-ratio.svg; returns their paths (`hitSvgPath` undefined when not written).
 */
export function writeDocs(root, results, sections, meta) {
  const docs = join(root, 'docs');
  mkdirSync(docs, { recursive: true });
  const svgPath = join(docs, 'benchmarks.svg');
  writeFileSync(svgPath, barChart(chartGroups(results)));
  const panels = hitRatioPanels(results.hitRatio);
  let hitSvgPath;
  if (panels.some((p) => p.cases.some((c) => c.tiny !== undefined))) {
    hitSvgPath = join(docs, 'hit-ratio.svg');
    writeFileSync(hitSvgPath, hitRatioChart(panels));
  }

  const m = meta.machine;
  const noTtl = ADAPTERS.filter((a) => !a.hasTtl && !a.floor).map((a) => a.name);
  const adapterNotes = ADAPTERS.filter((a) => a.note).map((a) => `- ${a.name}: ${a.note}.`);
  const targets = evaluateTargets(results).filter((t) => t.met !== null);
  const missed = targets.filter((t) => t.met === false);
  // hand-written reading of the results (bench/notes.md), placed right under the targets
  const notesFile = join(root, 'bench', 'notes.md');
  const notes = existsSync(notesFile)
    ? ['## Why targets are missed (notes)', '', readFileSync(notesFile, 'utf8').trim(), '']
    : [];
  const isTargets = (s) => s.title.startsWith('Targets');
  const headline = sections.filter(isTargets);
  const rest = sections.filter((s) => !isTargets(s));
  const renderSection = (s) => [
    `${s.level === 3 ? '###' : '##'} ${s.title}`,
    '',
    ...(s.intro ? [s.intro, ''] : []),
    mdTable(s.header, s.rows),
    '',
  ];
  const md = [
    '# Benchmarks',
    '',
    `<!-- Written by \`npm run bench\` (bench/run.mjs) on ${meta.date}; do not edit by hand: rerun it. -->`,
    '',
    `Run on ${meta.date} in ${(meta.seconds / 60).toFixed(1)} min: ` +
      `${targets.length - missed.length} of ${targets.length} targets met, ${missed.length} missed` +
      ` (${[3, 13, 15]
        .map((i) => {
          const of = targets.filter((t) => t.issue === i);
          return `issue ${i}: ${of.filter((t) => t.met).length} of ${of.length}`;
        })
        .join('; ')}; tables below, judged from this run's numbers).`,
    '',
    // the load at the start is other work; at the end it includes this run's own child process
    ...(meta.load[0] > 0.5
      ? [
          `> The 1-minute load average was ${meta.load[0].toFixed(2)} when the run started, on ${m.cores} cores: ` +
            'other work shared the machine, so the spread (min–max) is wider than on an idle one. ' +
            'Ratios between libraries are steadier than absolute ops/s.',
          '',
        ]
      : []),
    '![ops/s per workload per library](benchmarks.svg)',
    '',
    ...(hitSvgPath
      ? ['![hit ratio per trace and cache size, LRU and TinyLfuCache](hit-ratio.svg)', '']
      : []),
    ...headline.flatMap(renderSection),
    ...notes,
    '## Machine and versions',
    '',
    mdTable(
      ['', ''],
      [
        ['cpu', `${m.cpu}, ${m.cores} cores`],
        ['memory', bytes(m.memory)],
        ['Node', m.node],
        ['OS', m.os],
        ['load average (1 min) at start / end', meta.load.map((l) => l.toFixed(2)).join(' / ')],
        ...Object.entries(meta.versions).map(([pkg, v]) => [pkg, v]),
      ],
    ),
    '',
    '## Method',
    '',
    `- Every library runs each workload in its own fresh \`node\` process (bench/worker.mjs), with keys precomputed before timing. ` +
      `It first checks the adapter (get after set, delete, eviction order for exact LRUs), warms up for at least ${meta.warmupMs} ms ` +
      `while sizing a repetition to take at least ${meta.minRepMs} ms, then times ${meta.reps} repetitions (delete: a quarter of that warm-up and repetition time, its untimed refills being most of a process); the process reports their median. The whole matrix runs ${meta.rounds} times (rounds), so each library has ${meta.rounds} processes per workload, started a minute or more apart` +
      (meta.infoWorkloads?.length
        ? ` (${meta.infoWorkloads.join(', ')}, which no target reads, run in ${meta.infoRounds} round${meta.infoRounds === 1 ? '' : 's'} only; the memoize and Redis sections in ${meta.sideRounds})`
        : '') +
      '.',
    "- **How a verdict is made.** A library's figure on a workload is the median of its per-process medians, and a speed target is the ratio of two such figures. " +
      'V8 decides per process when to optimise the measured functions, so a single process can run 20–40 % slower or faster with no code change (bench/notes.md); ' +
      'judging from several processes per library, and from the middle one, keeps one such process from flipping a verdict. ' +
      "Beside each ratio the targets tables give its spread: the min–max, over the rounds, of the ratio of the two libraries' processes of that round. " +
      'A target whose spread straddles its goal is met or missed by less than the noise of one process. The speed tables give the same median, the min–max of the process medians, and the min–max of every repetition.',
    '- Integer keys are spread over 0..2^30 (the i-th key is `i × 0x9e3779b1 mod 2^30`, distinct), like real ids: ' +
      'a dense run 0..n-1 lets V8 store an object-backed cache (mnemonist LRUCache, tiny-lru) as a plain array, ' +
      'which no real key set does; `get-dense` shows that case for information and counts towards no target.',
    `- Workloads at ${count(SIZES.full.entries)} entries, integer keys unless said: get-hit (random order over present keys, ` +
      'integer and string keys), set-evict (new keys into a full cache), update (set on present keys), delete (present keys; ' +
      'each batch deletes a random half of the cache and only the deletes are timed, the refill between batches is not), ' +
      `and Zipf (${count(SIZES.full.zipfOps)} operations over ${count(SIZES.full.zipfKeys)} keys, exponent ${ZIPF_EXPONENT}, fixed seed; get, set on miss; ` +
      'each pass starts from an empty cache). The ttl variants use a ttl of ' +
      `${count(TTL_MS)} ms. The 1M variants hold ${count(SIZES.full.big)} entries.`,
    `- ttl: lrukit \`ttl\`, lru-cache \`ttl\`, tiny-lru \`lru(max, ttl)\`, quick-lru \`maxAge\`. No ttl: ${noTtl.join(', ')}.`,
    '- The Map floor is a plain unbounded `Map` (no recency, no eviction); it is left out of set-evict, where eviction is the point.',
    ...adapterNotes,
    '- lrukit is measured from its built output, `dist/index.js` (with `--commit`, built from that commit alone in a scratch copy).',
    `- \`TinyLfuCache\`, lrukit's opt-in W-TinyLFU (seed ${TINY_LFU_SEED}), runs get-int, get-str16 (16-character string keys, run by lrukit's two policies only), set-evict and zipf, and the memory section; it is compared with \`LruCache\`, never with the peers. ` +
      'The hit-ratio section replays every trace through both (get, set on miss) and checks `LruCache` against the exact-LRU figures.',
    '',
    ...rest.flatMap(renderSection),
  ];
  const mdPath = join(docs, 'benchmarks.md');
  writeFileSync(mdPath, md.join('\n'));
  return { mdPath, svgPath, hitSvgPath };
}
