#!/usr/bin/env node
/**
 * The benchmark driver (`npm run bench`): runs every library on every workload, each in a fresh
 * child process, then memory, construction, bundle size and trace hit ratios; prints the tables
 * and, on a full run, writes docs/benchmarks.md, docs/benchmarks.svg (speed) and docs/hit-ratio.svg
 * (lrukit's LruCache against its TinyLfuCache on every trace and size).
 *
 *   node bench/run.mjs                    full run (about 8 minutes on 2 cores, more when other work shares them):
 *                                         7 rounds of fresh processes for every workload a target reads
 *
 * Traces come from test/fixtures/traces (the small ones, carried by the repository) and from
 * ../shared/traces beside it (oltp and extra/; the repository's copy wins for a trace both have);
 * without ../shared the hit-ratio section replays the repository's traces only, with a warning,
 * or fails when CI is set. The same goes for the Redis tier section and redis-server: each of its
 * child processes starts its own server on a free loopback port.
 *   node bench/run.mjs --smoke            tiny sizes, one repetition, checks every adapter; exits 1 on any error (CI)
 *   node bench/run.mjs --only=get-int,zipf,memory     some workloads / sections (speed, memoize, memoize-hit,
 *                                                     memoize-coalesce, redis, get-many, memory, construct, size, hit-ratio)
 *   node bench/run.mjs --libs=lrukit,lru-cache        some libraries
 *   node bench/run.mjs --rounds=3 --reps=7 --no-write   more samples: rounds of fresh processes × repetitions in each
 *   node bench/run.mjs --commit[=REV]                    measure commit REV (default HEAD), built in a scratch copy:
 *                                                        neither uncommitted src/ changes nor dist/ are used or touched
 *
 * A filtered run, a smoke run, or a run with errors prints its tables but writes no docs.
 */

import { existsSync, rmSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ADAPTERS, adapter, LRU_CACHE, LRUKIT, runsWorkload, TINY_LFU } from './adapters.mjs';
import { buildCommit, ensureBuilt, snapshotDist } from './build.mjs';
import { runChild } from './child.mjs';
import { MEMO_TESTS, MEMO_VARIANTS } from './memoize.mjs';
import {
  haveRedis,
  percentile,
  REDIS_CHILD_LIMIT_MS,
  snapshotRedisEntry,
  THROUGHPUT_SETUPS,
} from './redis.mjs';
import { buildSections, machineInfo, renderText, versions, writeDocs } from './report.mjs';
import { measureSizes } from './size.mjs';
import { summarize } from './table.mjs';
import { evaluateTargets } from './targets.mjs';
import { WORKLOADS } from './workloads.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const TRACES = join(ROOT, '..', 'shared', 'traces');
const REPO_TRACES = join(ROOT, 'test', 'fixtures', 'traces');
/**
 * The synthetic stream of the hit-ratio section: Zipf 0.99 over 1,000,000 keys, a cache of 1 % of
 * them (issue 13's target: TinyLfuCache at least 5 points above LRU); tiny for the smoke run.
 */
const HIT_RATIO_ZIPF = {
  full: { keys: 1_000_000, requests: 5_000_000, size: 10_000, exponent: 0.99, seed: 0x5eed },
  smoke: { keys: 10_000, requests: 100_000, size: 100, exponent: 0.99, seed: 0x5eed },
};
/**
 * Rounds of a full run: each target's verdict is the median of this many per-process medians per
 * library. The workloads no target reads (INFO_WORKLOADS) run in INFO_ROUNDS of them, the memoize
 * and Redis sections in SIDE_ROUNDS, which keeps a full run near 8 minutes on 2 cores.
 */
const DEFAULT_ROUNDS = 7;
const SIDE_ROUNDS = 2;
const INFO_ROUNDS = 1;
const INFO_WORKLOADS = new Set(['get-dense', 'get-int-1m', 'set-evict-1m']);
const SECTIONS = [
  'speed',
  'memoize',
  ...MEMO_TESTS.map((t) => t.id),
  'redis',
  'get-many',
  'memory',
  'construct',
  'size',
  'hit-ratio',
];

function parseArgs(argv) {
  const opts = {
    smoke: false,
    only: undefined,
    libs: undefined,
    reps: undefined,
    rounds: undefined,
    write: true,
    commit: undefined,
  };
  for (const arg of argv) {
    const [flag, value = ''] = arg.split(/=(.*)/s);
    if (flag === '--smoke') opts.smoke = true;
    else if (flag === '--no-write') opts.write = false;
    else if (flag === '--commit') opts.commit = value || 'HEAD';
    else if (flag === '--only') opts.only = value.split(',').filter(Boolean);
    else if (flag === '--libs') opts.libs = value.split(',').filter(Boolean);
    else if (flag === '--reps') opts.reps = Number(value);
    else if (flag === '--rounds') opts.rounds = Number(value);
    else if (flag === '--help' || flag === '-h') {
      process.stdout.write(`${readUsage()}\n`);
      process.exit(0);
    } else throw new Error(`bench: unknown argument "${arg}" (try --help)`);
  }
  const known = [...SECTIONS, ...WORKLOADS.map((w) => w.id)];
  for (const o of opts.only ?? []) {
    if (!known.includes(o))
      throw new Error(`bench: --only: unknown "${o}" (known: ${known.join(', ')})`);
  }
  for (const id of opts.libs ?? []) adapter(id);
  for (const k of ['reps', 'rounds']) {
    if (opts[k] !== undefined && !(Number.isInteger(opts[k]) && opts[k] >= 1)) {
      throw new Error(`bench: --${k} must be a positive integer`);
    }
  }
  return opts;
}

function readUsage() {
  return (
    'usage: node bench/run.mjs [--smoke] [--only=workload|section,...] [--libs=lib,...] [--rounds=N] [--reps=N] [--commit[=REV]] [--no-write]\n' +
    `workloads: ${WORKLOADS.map((w) => w.id).join(', ')}\nsections: ${SECTIONS.join(', ')}\n` +
    `libraries: ${ADAPTERS.map((a) => a.id).join(', ')}`
  );
}

let opts;
try {
  opts = parseArgs(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`${error.message}\n`);
  process.exit(2);
}
const settings = opts.smoke
  ? {
      rounds: 1,
      reps: opts.reps ?? 1,
      minRepMs: 2,
      warmupMs: 0,
      memoryEntries: 10_000,
      constructMax: 1_000_000,
      constructRuns: 1,
    }
  : {
      rounds: opts.rounds ?? DEFAULT_ROUNDS,
      reps: opts.reps ?? 3,
      minRepMs: 100,
      warmupMs: 150,
      memoryEntries: 1_000_000,
      constructMax: 10_000_000,
      constructRuns: 5,
    };

const inCi = process.env.CI === 'true' || process.env.CI === '1';
const started = performance.now();
const loadBefore = os.loadavg()[0];
const errors = [];
const log = (line) => process.stderr.write(`${line}\n`);
const wanted = (id) => !opts.only || opts.only.includes(id);
const speedWanted = (w) => !opts.only || opts.only.includes('speed') || opts.only.includes(w.id);
const libs = ADAPTERS.filter((a) => !opts.libs || opts.libs.includes(a.id));

async function attempt(what, fn) {
  try {
    return await fn();
  } catch (error) {
    errors.push(`${what}: ${error.message}`);
    log(`  ERROR ${what}: ${error.message}`);
    return undefined;
  }
}

// --commit: build that commit in a scratch copy and measure it (the working tree and its dist/ are
// left alone); otherwise the working tree's dist/, rebuilt first when src/ is newer
let scratch;
if (opts.commit) {
  try {
    scratch = buildCommit(ROOT, opts.commit);
  } catch (error) {
    process.stderr.write(`bench: --commit=${opts.commit}: ${error.message}\n`);
    process.exit(2);
  }
  process.on('exit', () => rmSync(scratch.root, { recursive: true, force: true }));
} else {
  const built = ensureBuilt(ROOT);
  if (built) log(`bench: built lrukit (${built})`);
}
const BUILD_ROOT = scratch?.root ?? ROOT;
const snapshot = snapshotDist(BUILD_ROOT);
process.env.LRUKIT_BENCH_ENTRY = snapshot.file;
process.on('exit', () => rmSync(snapshot.dir, { recursive: true, force: true }));
// versions now, not at the end: src/ may change during a long run, the snapshot does not
const measuredVersions = versions(ROOT, snapshot, { builtCommit: scratch?.commit });

const results = {
  speed: {},
  memoize: {},
  memory: {},
  construct: {},
  memoryEntries: settings.memoryEntries,
};

// ---- speed: one fresh process per library per workload, in rounds ----
// Each round runs the whole matrix once, so a library's samples come from processes started
// minutes apart: a burst of other load on the machine hits one round, not all of a library.
const samples = {};
const speedWorkloads = WORKLOADS.filter(speedWanted);
for (let round = 1; round <= settings.rounds && speedWorkloads.length; round++) {
  if (settings.rounds > 1) log(`-- speed, round ${round} of ${settings.rounds}`);
  for (const w of speedWorkloads) {
    if (INFO_WORKLOADS.has(w.id) && round > INFO_ROUNDS && !opts.only) continue;
    for (const a of libs) {
      if (!runsWorkload(a, w)) continue;
      const r = await attempt(`${w.id} / ${a.id}`, () =>
        runChild('worker.mjs', {
          lib: a.id,
          workload: w.id,
          smoke: opts.smoke,
          reps: settings.reps,
          minRepMs: settings.minRepMs,
          warmupMs: settings.warmupMs,
        }),
      );
      if (!r) continue;
      samples[w.id] ??= {};
      const prev = samples[w.id][a.id];
      if (prev && prev.hits !== r.hits) {
        errors.push(`${w.id} / ${a.id}: ${r.hits} hits in round ${round}, ${prev.hits} before`);
      }
      const s = summarize(r.samples);
      samples[w.id][a.id] = {
        list: [...(prev?.list ?? []), ...r.samples],
        procs: [...(prev?.procs ?? []), { round, median: s.median }],
        hits: r.hits,
        requests: r.requests,
      };
      log(
        `${w.id.padEnd(14)} ${a.id.padEnd(16)} ${(s.median / 1e6).toFixed(2).padStart(8)} M ops/s  (${(s.min / 1e6).toFixed(2)}–${(s.max / 1e6).toFixed(2)})`,
      );
    }
  }
}
for (const [w, byLib] of Object.entries(samples)) {
  results.speed[w] = {};
  for (const [id, r] of Object.entries(byLib)) {
    // the median is that of the per-process medians (the verdict's figure: a process where V8
    // compiled badly counts once, not reps times); min and max are those of every sample
    const all = summarize(r.list);
    results.speed[w][id] = {
      ...all,
      median: summarize(r.procs.map((p) => p.median)).median,
      sampleMedian: all.median,
      procs: r.procs,
      samples: r.list,
      hits: r.hits,
      requests: r.requests,
    };
  }
}

// every exact LRU must see exactly the same hits on the same Zipf trace
const zipf = results.speed.zipf;
if (zipf) {
  const exact = Object.entries(zipf).filter(([id]) => adapter(id).exact);
  const reference = zipf[LRUKIT] ?? exact[0]?.[1];
  for (const [id, r] of exact) {
    if (r.hits !== reference.hits) {
      errors.push(
        `zipf: ${adapter(id).name} had ${r.hits} hits where lrukit (an exact LRU too) had ${reference.hits}`,
      );
    }
  }
}

// ---- memoize and coalescing: one fresh process per variant per test, in rounds like speed ----
// --libs selects a variant by the adapter it is built on (lrukit, or lru-cache under p-memoize)
const memoVariants = MEMO_VARIANTS.filter((v) => !opts.libs || opts.libs.includes(v.base));
const memoTests = MEMO_TESTS.filter((t) => wanted('memoize') || wanted(t.id));
const memoSamples = {};
// a filtered run (--only) gives every section it names all its rounds
const sideRounds = opts.only ? settings.rounds : Math.min(settings.rounds, SIDE_ROUNDS);
for (let round = 1; round <= sideRounds && memoTests.length; round++) {
  if (sideRounds > 1) log(`-- memoize, round ${round} of ${sideRounds}`);
  for (const t of memoTests) {
    for (const v of memoVariants.filter((x) => x[t.test])) {
      const r = await attempt(`${t.id} / ${v.id}`, () =>
        runChild('memoize.mjs', {
          test: t.test,
          variant: v.id,
          smoke: opts.smoke,
          reps: settings.reps,
          minRepMs: settings.minRepMs,
          warmupMs: settings.warmupMs,
        }),
      );
      if (!r) continue;
      memoSamples[t.test] ??= {};
      const prev = memoSamples[t.test][v.id];
      memoSamples[t.test][v.id] = { ...r, samples: [...(prev?.samples ?? []), ...r.samples] };
      const s = summarize(r.samples);
      log(
        t.test === 'hit'
          ? `${t.id.padEnd(16)} ${v.id.padEnd(18)} ${(s.median / 1e6).toFixed(2).padStart(8)} M calls/s  (${(s.min / 1e6).toFixed(2)}–${(s.max / 1e6).toFixed(2)})`
          : `${t.id.padEnd(16)} ${v.id.padEnd(18)} ${s.median.toFixed(2).padStart(8)} ms per ${r.callers.toLocaleString('en-US')} callers  (${s.min.toFixed(2)}–${s.max.toFixed(2)}), loader ran once`,
      );
    }
  }
}
for (const [test, byVariant] of Object.entries(memoSamples)) {
  results.memoize[test] = {};
  for (const [id, r] of Object.entries(byVariant)) {
    results.memoize[test][id] = { ...r, ...summarize(r.samples) };
  }
}

// ---- Redis tier: latency per get at each tier, then processes sharing one Redis ----
// lrukit only (--libs without lrukit leaves it out); every child starts and stops its own
// redis-server. In rounds like speed: latency samples are pooled, throughput runs kept apart.
const redisWanted = wanted('redis') && (!opts.libs || opts.libs.includes(LRUKIT));
if (redisWanted && !haveRedis) {
  const why = 'redis: redis-server is not on PATH';
  if (inCi) {
    errors.push(`${why} (with CI set, the Redis tier section must run)`);
    log(`  ERROR ${why}`);
  } else {
    const bar = `bench: WARNING ${'*'.repeat(64)}`;
    log(`${bar}\nbench: WARNING ${why}: the Redis tier section is SKIPPED`);
    log(`bench: WARNING (install redis-server to measure it; with CI set this fails)\n${bar}`);
  }
} else if (redisWanted) {
  const entry = await attempt('redis: dist/redis.js', () =>
    snapshotRedisEntry(BUILD_ROOT, snapshot.dir),
  );
  if (entry) process.env.LRUKIT_BENCH_REDIS_ENTRY = entry;
  const redis = { latency: { samples: {} }, throughput: {} };
  const timeoutMs = REDIS_CHILD_LIMIT_MS + 30_000;
  const us = (v) => (v < 10 ? v.toFixed(2) : Math.round(v).toLocaleString('en-US'));
  for (let round = 1; round <= sideRounds && entry; round++) {
    if (sideRounds > 1) log(`-- redis, round ${round} of ${sideRounds}`);
    const r = await attempt('redis / latency', () =>
      runChild('redis.mjs', { test: 'latency', smoke: opts.smoke }, { timeoutMs }),
    );
    if (r) {
      const { samples, ...about } = r;
      Object.assign(redis.latency, about);
      for (const [id, list] of Object.entries(samples)) {
        redis.latency.samples[id] = [...(redis.latency.samples[id] ?? []), ...list];
      }
      const m = (id) => us(percentile(samples[id], 50));
      log(
        `${'redis-latency'.padEnd(16)} L1 hit ${m('l1Hit')} µs, L2 hit ${m('l2Hit')} µs, loader ${m('loader')} µs, L2 miss → loader ${m('l2MissLoader')} µs (medians)`,
      );
    }
    for (const setup of THROUGHPUT_SETUPS) {
      const t = await attempt(`redis / ${setup.id}`, () =>
        runChild(
          'redis.mjs',
          { test: 'throughput', setup: setup.id, smoke: opts.smoke },
          { timeoutMs },
        ),
      );
      if (!t) continue;
      redis.throughput[setup.id] = [...(redis.throughput[setup.id] ?? []), t];
      const sum = (k) => t.processes.reduce((a, p) => a + p[k], 0);
      const each = t.processes.map((p) => Math.round(p.opsPerSec).toLocaleString('en-US'));
      log(
        `${`redis ${setup.id}`.padEnd(16)} ${Math.round(sum('opsPerSec')).toLocaleString('en-US').padStart(8)} gets/s (${each.join(' + ')}), ` +
          `L1 hits ${((sum('hits') / sum('ops')) * 100).toFixed(1)} %, L2 hits ${sum('l2Hits').toLocaleString('en-US')}, ` +
          `backend loads ${sum('loaderCalls').toLocaleString('en-US')}` +
          (sum('l2Timeouts') ? `, Redis timeouts ${sum('l2Timeouts')}` : ''),
      );
    }
  }
  if (Object.keys(redis.latency.samples).length || Object.keys(redis.throughput).length) {
    results.redis = redis;
  }
}

// ---- bulk reads: getMany against 100 gets and DataLoader, cold and warm, with and without Redis ----
// lrukit only; one child process (bench/get-many.mjs) starts its own redis-server when it has one
if (wanted('get-many') && (!opts.libs || opts.libs.includes(LRUKIT))) {
  const entry =
    process.env.LRUKIT_BENCH_REDIS_ENTRY ??
    (await attempt('get-many: dist/redis.js', () => snapshotRedisEntry(BUILD_ROOT, snapshot.dir)));
  if (entry) {
    process.env.LRUKIT_BENCH_REDIS_ENTRY = entry;
    if (!haveRedis && inCi) errors.push('get-many: redis-server is not on PATH (CI)');
    const r = await attempt('get-many', () =>
      runChild('get-many.mjs', { smoke: opts.smoke }, { timeoutMs: 300_000 }),
    );
    if (r) {
      results.getMany = r;
      for (const row of r.rows) {
        log(
          `${'get-many'.padEnd(16)} ${row.scene}${row.redis ? ', Redis' : ''}: ${row.way}: ${row.dbTrips} database + ${row.redis ? row.redisTrips : 0} Redis round trips, ${row.ms.toFixed(2)} ms`,
        );
      }
    }
  }
}

// ---- memory: one process per library, with and without ttl ----
if (wanted('memory')) {
  for (const a of libs.filter((x) => !x.variant)) {
    for (const ttl of a.hasTtl ? [false, true] : [false]) {
      const r = await attempt(`memory / ${a.id}${ttl ? ' ttl' : ''}`, () =>
        runChild(
          'memory.mjs',
          { lib: a.id, ttl, entries: settings.memoryEntries },
          { execArgv: ['--expose-gc'] },
        ),
      );
      if (!r) continue;
      results.memory[a.id] ??= {};
      results.memory[a.id][ttl ? 'ttl' : 'plain'] = r.bytesPerEntry;
      log(`memory ${a.id}${ttl ? ' (ttl)' : ''}: ${r.bytesPerEntry.toFixed(1)} B/entry`);
    }
  }
}

// ---- construction with a huge bound: lrukit and lru-cache, a fresh process per run ----
if (wanted('construct')) {
  const runs = {};
  const who = [LRUKIT, LRU_CACHE].filter((id) => libs.some((a) => a.id === id));
  for (let i = 0; i < settings.constructRuns; i++) {
    for (const id of who) {
      const r = await attempt(`construct / ${id}`, () =>
        runChild(
          'construct.mjs',
          { lib: id, max: settings.constructMax },
          { execArgv: ['--expose-gc'] },
        ),
      );
      if (!r) continue;
      runs[id] ??= [];
      runs[id].push(r);
    }
  }
  for (const [id, list] of Object.entries(runs)) {
    const med = (k) => summarize(list.map((r) => r[k]));
    results.construct[id] = {
      max: settings.constructMax,
      constructMs: med('constructMs'),
      bytes: med('bytes').median,
      deleteLastMs: med('deleteLastMs'),
      clearMs: med('clearMs'),
    };
    log(`construct ${id}: ${results.construct[id].constructMs.median.toFixed(3)} ms`);
  }
}

// ---- bundle sizes ----
if (wanted('size')) {
  results.sizes = await attempt('size', () => measureSizes(ROOT, snapshot.file));
}

// ---- trace hit ratios through lrukit ----
if (wanted('hit-ratio')) {
  if (!existsSync(TRACES)) {
    const why = `hit-ratio: no traces at ${TRACES}`;
    if (inCi) errors.push(why);
    else log(`bench: WARNING ${why}: only the repository's traces (no oltp, no extra/)`);
  }
  const t0 = performance.now();
  // nothing is timed here, so two processes share the cores: the README's traces and the Zipf
  // stream in one, extra/ in the other (about as long)
  const common = { dirs: [REPO_TRACES, TRACES], tinyLfu: libs.some((a) => a.id === TINY_LFU) };
  const replay = (what, args) =>
    attempt(what, () => runChild('hit-ratio.mjs', { ...common, ...args }, { timeoutMs: 300_000 }));
  const [main, extra] = await Promise.all([
    replay('hit-ratio', {
      extra: false,
      zipf: opts.smoke ? HIT_RATIO_ZIPF.smoke : HIT_RATIO_ZIPF.full,
    }),
    opts.smoke ? { extra: [] } : replay('hit-ratio extra/', { main: false, extra: true }),
  ]);
  results.hitRatio = main && extra ? { ...main, extra: extra.extra } : undefined;
  const hr = results.hitRatio;
  for (const r of [...(hr?.main ?? []), ...(hr?.extra ?? []), ...(hr?.zipf ? [hr.zipf] : [])]) {
    if (!r.match)
      errors.push(
        `hit ratio: ${r.trace} at ${r.size} entries: lrukit ${r.got} %, expected ${r.expected} %`,
      );
  }
  if (hr) {
    const rows = [...hr.main, ...hr.extra].length + (hr.zipf ? 1 : 0);
    log(
      `hit-ratio: ${rows} trace × size cases in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
  }
}

const seconds = (performance.now() - started) / 1000;
const sections = buildSections(results, { smoke: opts.smoke });
process.stdout.write(
  `${renderText(opts.smoke ? sections.filter((s) => !s.title.startsWith('Targets')) : sections)}\n`,
);
if (!opts.smoke) {
  const judged = evaluateTargets(results).filter((t) => t.met !== null);
  const missed = judged.filter((t) => !t.met).length;
  if (judged.length) {
    process.stdout.write(
      `\ntargets: ${judged.length - missed} of ${judged.length} met, ${missed} missed`,
    );
    process.stdout.write(missed ? ' (why: bench/notes.md, also in docs/benchmarks.md)\n' : '\n');
  }
}
process.stdout.write(`\n${opts.smoke ? 'smoke run' : 'run'} took ${seconds.toFixed(1)} s\n`);

const filtered = Boolean(opts.only || opts.libs);
if (!opts.smoke && !filtered && opts.write && errors.length === 0) {
  const meta = {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    seconds,
    machine: machineInfo(),
    versions: measuredVersions,
    rounds: settings.rounds,
    sideRounds,
    infoRounds: Math.min(settings.rounds, INFO_ROUNDS),
    infoWorkloads: [...INFO_WORKLOADS],
    reps: settings.reps,
    load: [loadBefore, os.loadavg()[0]],
    minRepMs: settings.minRepMs,
    warmupMs: settings.warmupMs,
  };
  const written = Object.values(writeDocs(ROOT, results, sections, meta)).filter(Boolean);
  process.stdout.write(`wrote ${written.map((f) => relative(ROOT, f)).join(', ')}\n`);
} else if (!opts.smoke) {
  process.stdout.write(
    `docs not written (${errors.length ? 'errors' : filtered ? 'filtered run' : '--no-write'})\n`,
  );
}

if (errors.length) {
  const firstLines = errors.map((e) => `- ${e.split('\n')[0]}`);
  process.stderr.write(`\n${errors.length} error(s) (details above):\n${firstLines.join('\n')}\n`);
  process.exitCode = 1;
}
