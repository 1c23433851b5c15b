#!/usr/bin/env node
// Bundle-size budget and platform-neutrality check for the built package (run `npm run build` first).
//
//   node scripts/size.mjs           print the table
//   node scripts/size.mjs --check   also exit 1 when an entry is over budget or not platform-neutral
//
// Each entry is bundled from dist/ the way an app would consume it: esbuild, platform 'browser',
// format esm, minified, tree-shaken; then gzipped at level 9 (the figure people compare, see
// shared/TOOLCHAIN.md). An entry must not import a Node built-in (`node:fs`, `fs`, ...), use
// top-level await, or reference the globals `process.`, `Buffer` or `require`: the main entry runs
// in browsers, workers and edge runtimes. (`globalThis.process?.…` is allowed: it is guarded.)
// `lrukit/redis` is held to the same rule although it only runs in Node (it needs nothing of Node
// itself: the ioredis client is the caller's), so it bundles anywhere.
//
// Separation: `lrukit/redis` must cost `lrukit` users nothing. The main and testing bundles are
// searched for markers that exist only in the redis entry; one found is a failure.

import { existsSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { browserBundle, byteSizes } from './browser-bundle.mjs';

// Budgets in bytes, minified + gzip -9. `null`: measured and checked for neutrality, no budget.
// The goal for LruCache alone is 2,500 B (issue 3); these budgets hold today's size with a small
// margin so that growth is caught, and come down as the code does.
// + safe-integer sizes, exact totalSize (issue 11): 4,485 B; + set's ttl in ms, refused extra
// arguments on every method, clock: Date (issue 12): 4,834 B
// + one implementation of what LruCache and TinyLfuCache share (src/core: the store, its expiry
// timer and onEvict queue, the cold public methods), whose fields are plain properties so that
// LruCache's hot paths read them directly, which minifiers do not shorten (issue 13): 5,190 B
// (after module-level Sets over spreads became lazy; 5,430 B before)
const BUDGET_LRU_CACHE = 5_300;
// + LoadingCache l2/bus/onError (issue 6): 9,347 B; + the load lifecycle (detachment, per-caller
// timeouts, callback errors), tier keys and option messages naming the API (issue 11): 11,024 B
// + LoadingCache's LruCache-like surface (has, expiresIn, iteration, dump/load, resize), set's ttl,
// arguments refused, memoize's single-use check (issue 12): 12,306 B
// + TinyLfuCache, its sketch and hill climber (issue 13): 15,981 B
// + `policy`/`seed` on LoadingCache, memoize and @cached (issue 13): 16,596 B (16,229 B before
// it, already over 16,100 from other work). TinyLfuCache was in this bundle already; the growth
// is the option checks and their messages. (An app importing only LoadingCache or memoize now
// ships TinyLfuCache too, +3.9 KB: the policy is a string, so LoadingCache must reference it.)
// + write-through/write-behind (issue 14), getMany/loadMany and coarseClock (issue 15), the
// shared core (issue 13): 20,370 B
const BUDGET_MAIN_ENTRY = 20_900;
// TinyLfuCache alone (issue 13): its own budget, apart from LruCache's
// + the shared core, a read buffer and a one-cache-line sketch: 7,367 B
const BUDGET_TINY_LFU_CACHE = 7_600; // 6,880 B at first
const BUDGET_TESTING_ENTRY = null;
// redisStore + redisBus + jsonSerializer (3,710 B); + getMany with Cluster slots (issue 15): 4,411 B
const BUDGET_REDIS_ENTRY = 4_600;

// Strings that only the redis entry contains (a command, an export, its error codes).
const REDIS_MARKERS = [
  'SCAN',
  'PTTL',
  'redisStore',
  'redisBus',
  'ERR_LRUKIT_SERIALIZE',
  'ERR_LRUKIT_TIER',
];

// Strings that only TinyLfuCache's code contains: an app importing only LruCache ships none.
const TINY_LFU_MARKERS = ['TinyLfuCache', 'tinylfu'];

const ENTRIES = [
  {
    name: "{ LruCache } from 'lrukit'",
    contents: "import { LruCache } from './dist/index.js';\nconsole.log(LruCache);\n",
    budget: BUDGET_LRU_CACHE,
    withoutTinyLfu: true,
  },
  {
    name: "{ TinyLfuCache } from 'lrukit'",
    contents: "import { TinyLfuCache } from './dist/index.js';\nconsole.log(TinyLfuCache);\n",
    budget: BUDGET_TINY_LFU_CACHE,
  },
  {
    name: "* from 'lrukit'",
    contents: "export * from './dist/index.js';\n",
    budget: BUDGET_MAIN_ENTRY,
  },
  {
    name: "* from 'lrukit/testing'",
    contents: "export * from './dist/testing.js';\n",
    budget: BUDGET_TESTING_ENTRY,
    withoutRedis: true,
  },
  {
    name: "* from 'lrukit/redis'",
    contents: "export * from './dist/redis.js';\n",
    budget: BUDGET_REDIS_ENTRY,
  },
];
// every bundle of the main entry must be free of the redis entry
for (const entry of ENTRIES) if (entry.contents.includes('/index.js')) entry.withoutRedis = true;

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const check = process.argv.includes('--check');

// Free references to these globals are renamed to a marker we can find in the output; esbuild's
// `define` touches only real references (not strings, properties, or shadowing locals).
const MARK = '__LRUKIT_GLOBAL_';
const FORBIDDEN_OUTPUT = [
  [new RegExp(`${MARK}process\\s*(\\?\\.|\\.|\\[)`), 'uses the global `process.`'],
  [new RegExp(`${MARK}Buffer\\b`), 'references the global `Buffer`'],
  [/(?<![\w$.])require\s*[(.]|\btypeof require\b/, 'references `require`'],
];

/** esbuild plugin: records imports of Node built-ins and keeps them out of the bundle. */
function builtinGuard(found) {
  return {
    name: 'builtin-guard',
    setup(build) {
      build.onResolve({ filter: /.*/ }, (args) => {
        if (!isBuiltin(args.path)) return undefined;
        found.add(
          `${args.path} (imported by ${args.importer ? relative(ROOT, args.importer) : 'entry'})`,
        );
        return { path: args.path, external: true };
      });
    },
  };
}

async function measure(entry) {
  const builtins = new Set();
  const problems = [];
  let code = '';
  try {
    code = await browserBundle(entry.contents, ROOT, {
      supported: { 'top-level-await': false },
      define: { process: `${MARK}process`, Buffer: `${MARK}Buffer` },
      plugins: [builtinGuard(builtins)],
    });
  } catch (error) {
    const messages = error.errors?.map((e) => e.text) ?? [String(error)];
    return { ...entry, min: NaN, gz: NaN, problems: messages.map((m) => `bundle failed: ${m}`) };
  }
  // The output as it would be without the marker (what an app would ship).
  const plain = code.replaceAll(MARK, '');
  for (const b of builtins) problems.push(`imports the Node built-in ${b}`);
  for (const [pattern, what] of FORBIDDEN_OUTPUT) {
    const m = pattern.exec(code);
    if (m) {
      const at = code.slice(0, m.index).replaceAll(MARK, '').length;
      problems.push(`${what}: …${plain.slice(Math.max(0, at - 40), at + 40)}…`);
    }
  }
  if (entry.withoutRedis) {
    const leaked = REDIS_MARKERS.filter((marker) => plain.includes(marker));
    if (leaked.length) problems.push(`contains code of lrukit/redis: ${leaked.join(', ')}`);
  }
  if (entry.withoutTinyLfu) {
    const leaked = TINY_LFU_MARKERS.filter((marker) => plain.includes(marker));
    if (leaked.length) problems.push(`contains code of TinyLfuCache: ${leaked.join(', ')}`);
  }
  const { min, gz } = byteSizes(plain);
  if (entry.budget !== null && gz > entry.budget) {
    problems.push(`over budget: ${fmt(gz)} B min+gz > ${fmt(entry.budget)} B`);
  }
  return { ...entry, min, gz, problems };
}

const fmt = (n) => (Number.isFinite(n) ? n.toLocaleString('en-US') : '—');

for (const f of ['dist/index.js', 'dist/testing.js', 'dist/redis.js']) {
  if (!existsSync(join(ROOT, f))) {
    console.error(`size: ${f} is missing: run \`npm run build\` first`);
    process.exit(1);
  }
}

const rows = [];
for (const entry of ENTRIES) rows.push(await measure(entry));

const table = [
  ['entry (esbuild browser esm, minified)', 'min B', 'min+gz B', 'budget B', 'result'],
  ...rows.map((r) => [
    r.name,
    fmt(r.min),
    fmt(r.gz),
    r.budget === null ? '—' : fmt(r.budget),
    r.problems.length ? 'FAIL' : 'ok',
  ]),
];
const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)));
const line = (row) =>
  row.map((cell, i) => (i === 0 || i === 4 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])));
console.log(line(table[0]).join('  ').trimEnd());
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const row of table.slice(1)) console.log(line(row).join('  ').trimEnd());

const failures = rows.flatMap((r) => r.problems.map((p) => `${r.name}: ${p}`));
if (failures.length) {
  console.log('');
  for (const f of failures) console.log(`${check ? 'error' : 'warning'}: ${f}`);
}
if (check && failures.length) process.exitCode = 1;
