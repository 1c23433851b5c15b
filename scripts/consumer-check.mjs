#!/usr/bin/env node
// The packed tarball, used the way users use it: `npm pack`, check that the tarball holds every
// file package.json names (exports, main, module, types, typesVersions), install it into a
// scratch consumer project, then import it from ESM, require it from CJS, and type-check a
// TypeScript consumer with `moduleResolution` `node16`, `bundler` and `node10` (`module:
// commonjs`, NestJS's default; that one is also compiled and run). Exits non-zero on any failure.
//
//   node scripts/consumer-check.mjs [--clean-clone] [--git-install] [--keep]
//
// By default the working tree is packed (npm's `prepack` rebuilds dist/ there first).
// --clean-clone: packs a `git clone` of HEAD instead (uncommitted changes are not in it), with no
//   dist/ and no build before `npm pack`, so the tarball has code only if `npm pack` builds it
//   (`prepack`; `prepare`, which npm pack runs next, would too, dist/ being absent). The clone
//   links this repository's node_modules rather than running `npm ci` there: the same packages,
//   without a second install (10-20 s, minutes on a busy machine), and without `npm ci`'s
//   `prepare` building before the pack does. What CI runs.
// --git-install: also installs HEAD as a git dependency (`npm install git+file://…#SHA`) into a
//   second consumer and runs the ESM and CJS checks there: npm clones, installs devDependencies
//   and runs `prepare` (scripts/prepare.mjs), which must build. Slow (half a minute at best: npm
//   installs every devDependency in its clone), so not run by CI.
// --keep: leaves the scratch directory and prints its path.

import { execFile, execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { missingFiles, namedFiles } from './package-files.mjs';

const OPTIONS = ['--clean-clone', '--git-install', '--keep'];
const args = process.argv.slice(2);
for (const arg of args) {
  if (!OPTIONS.includes(arg)) {
    console.error(`consumer-check: unknown argument ${arg} (expected ${OPTIONS.join(', ')})`);
    process.exit(2);
  }
}
const cleanClone = args.includes('--clean-clone');
const gitInstall = args.includes('--git-install');
const keep = args.includes('--keep');

const started = Date.now();
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const scratch = mkdtempSync(join(tmpdir(), 'lrukit-consumer-'));
const run = (cmd, args, cwd) =>
  execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const runAsync = async (cmd, args, cwd) =>
  (await promisify(execFile)(cmd, args, { cwd, encoding: 'utf8' })).stdout;
const seconds = (since) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

const checks = [];
/** Runs `fn` (sync or async) as the check `name`, and prints ok or FAIL with its output. */
async function check(name, fn) {
  const t0 = Date.now();
  try {
    const out = await fn();
    checks.push({ name, ok: true });
    console.log(`ok    ${name} (${seconds(t0)})${out ? `: ${out.trim()}` : ''}`);
  } catch (error) {
    checks.push({ name, ok: false });
    console.log(`FAIL  ${name}\n${explain(error)}`);
  }
}

/** An error's text: for a failed command, its first line and the command's own output. */
function explain(error) {
  if (error.stdout === undefined && error.stderr === undefined) return error.message;
  return `${error.message.split('\n')[0]}\n${error.stdout ?? ''}${error.stderr ?? ''}`;
}

/** HEAD's sha, with a note when the working tree has changes that a clone of HEAD lacks. */
function head() {
  const sha = run('git', ['rev-parse', 'HEAD'], root).trim();
  const dirty = run('git', ['status', '--porcelain'], root).split('\n').filter(Boolean).length;
  const note = dirty ? ` (${dirty} uncommitted changes in the working tree are not in it)` : '';
  console.log(`HEAD is ${sha.slice(0, 12)}${note}`);
  return sha;
}

/** A fresh clone of commit `sha` in `dir`, with no dist/, using this repository's node_modules. */
function cloneAt(sha, dir) {
  run('git', ['clone', '--quiet', '--no-checkout', root, dir], scratch);
  run('git', ['checkout', '--quiet', '--detach', sha], dir);
  if (existsSync(join(dir, 'dist'))) throw new Error('the clean clone already has a dist/');
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'junction');
}

/**
 * `npm pack --json` in `dir`. Lifecycle scripts (prepack's build) print to the same stdout, before
 * npm's JSON: the JSON is the last part, from a line that starts with `[`.
 */
function pack(dir) {
  const out = run('npm', ['pack', '--json', '--pack-destination', scratch], dir);
  const start = out.search(/^\[\s*\{/m);
  if (start < 0) throw new Error(`npm pack printed no JSON:\n${out}`);
  return JSON.parse(out.slice(start))[0];
}

/** A scratch consumer project `name` with `spec` installed. */
function consumer(name, spec, npmArgs = ['--ignore-scripts']) {
  const app = join(scratch, name);
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
  run('npm', ['install', '--no-audit', '--no-fund', ...npmArgs, spec], app);
  return app;
}

const use = `
    const cache = new LruCache({ maxEntries: 2 });
    cache.set('a', 1).set('b', 2).set('c', 3);
    const clock = new ManualClock();
    const timed = new LruCache({ maxEntries: 2, ttl: 10, clock });
    timed.set('x', 1); clock.advance(10);
    const double = memoize(async (n) => n * 2);
    // lrukit/redis loads without ioredis (an optional peer, not installed here): a stand-in
    // client that is down makes the store refuse at once
    const fn = () => Promise.resolve(null);
    const down = { status: 'end', get: fn, set: fn, pipeline: fn, unlink: fn, scan: fn };
    const redisCheck = redisStore({ client: down, prefix: 'p:' }).get('k').catch((e) =>
      e instanceof TierUnavailableError && typeof redisBus === 'function' ? e.code : String(e),
    );
    Promise.all([double(21), redisCheck]).then(([v, code]) =>
      console.log([...cache.keys()].join(','), timed.has('x'), v, typeof cached, stableKey([1]), code),
    );
  `;
const expected = 'c,b false 42 function [1] ERR_LRUKIT_TIER_UNAVAILABLE';

/** The ESM import and CJS require checks in the consumer project `app`. */
async function runtimeChecks(app, label = '') {
  writeFileSync(
    join(app, 'esm.mjs'),
    `import { LruCache, memoize, cached, stableKey } from 'lrukit';\nimport { ManualClock } from 'lrukit/testing';\nimport { redisBus, redisStore, TierUnavailableError } from 'lrukit/redis';\n${use}`,
  );
  writeFileSync(
    join(app, 'cjs.cjs'),
    `const { LruCache, memoize, cached, stableKey } = require('lrukit');\nconst { ManualClock } = require('lrukit/testing');\nconst { redisBus, redisStore, TierUnavailableError } = require('lrukit/redis');\n${use}`,
  );
  for (const file of ['esm.mjs', 'cjs.cjs']) {
    await check(`${label}node ${file}`, () => {
      const out = run(process.execPath, [file], app).trim();
      if (out !== expected) throw new Error(`printed "${out}", expected "${expected}"`);
      return out;
    });
  }
}

/**
 * Type-checks `consumer.ts` under node16, bundler and node10 (the three at once: on two cores
 * that takes about half the time), then runs what the node10 one compiled.
 */
async function typeChecks(app) {
  writeFileSync(
    join(app, 'consumer.ts'),
    `import { LruCache, LoadingCache, memoize, type EvictionReason } from 'lrukit';
import { ManualClock } from 'lrukit/testing';
import { type L2Store, type RedisClientLike, redisBus, redisStore, SerializationError } from 'lrukit/redis';
declare const client: RedisClientLike, subscriber: RedisClientLike;
const l2: L2Store<{ id: string }> = redisStore<{ id: string }>({ client, prefix: 'users:' });
const bus = redisBus({ publisher: client, subscriber, channel: 'users' });
const serializeCode: 'ERR_LRUKIT_SERIALIZE' = new SerializationError('x').code;
// @ts-expect-error: prefix is required
redisStore({ client });
const cache = new LruCache<string, number>({ maxEntries: 10, clock: new ManualClock() });
const n: number | undefined = cache.get('a');
const reason: EvictionReason = 'evict';
const users = new LoadingCache<string, { id: string }>({ maxEntries: 5, load: (id) => ({ id }) });
const p: Promise<{ id: string }> = users.get('1');
const m = memoize(async (q: string) => q.length);
const r: Promise<number> = m('x');
// @ts-expect-error: an unbounded cache is refused by the types
new LruCache<string, number>({ ttl: 5 });
export { n, reason, p, r, l2, bus, serializeCode };
`,
  );
  // the CJS runtime check again, as TypeScript compiled for node10 (what a NestJS app runs)
  writeFileSync(
    join(app, 'node10.ts'),
    `import { cached, LruCache, memoize, stableKey } from 'lrukit';
import { ManualClock } from 'lrukit/testing';
import { type RedisClientLike, redisBus, redisStore, TierUnavailableError } from 'lrukit/redis';
const cache = new LruCache<string, number>({ maxEntries: 2 });
cache.set('a', 1).set('b', 2).set('c', 3);
const clock = new ManualClock();
const timed = new LruCache<string, number>({ maxEntries: 2, ttl: 10, clock });
timed.set('x', 1);
clock.advance(10);
const double = memoize(async (n: number) => n * 2);
const fn = () => Promise.resolve(null);
const down = { status: 'end', get: fn, set: fn, pipeline: fn, unlink: fn, scan: fn };
const redisCheck = redisStore({ client: down as unknown as RedisClientLike, prefix: 'p:' })
  .get('k')
  .catch((e: unknown) =>
    e instanceof TierUnavailableError && typeof redisBus === 'function' ? e.code : String(e),
  );
void Promise.all([double(21), redisCheck]).then(([v, code]) =>
  console.log([...cache.keys()].join(','), timed.has('x'), v, typeof cached, stableKey([1]), code),
);
`,
  );
  const common = {
    target: 'es2022',
    strict: true,
    skipLibCheck: false,
    types: [],
    lib: ['es2022', 'dom'],
  };
  const configs = [
    ['node16', { module: 'node16', moduleResolution: 'node16', noEmit: true }, ['consumer.ts']],
    ['bundler', { module: 'esnext', moduleResolution: 'bundler', noEmit: true }, ['consumer.ts']],
    // TypeScript 5 picks node10 for `module: commonjs` without `moduleResolution` (NestJS's
    // tsconfig); TypeScript 6 picks bundler and wants node10 named, and its deprecation silenced
    [
      'node10',
      {
        module: 'commonjs',
        moduleResolution: 'node10',
        ignoreDeprecations: '6.0',
        outDir: 'out-node10',
      },
      ['consumer.ts', 'node10.ts'],
    ],
  ];
  await Promise.all(
    configs.map(([resolution, options, files]) =>
      check(`tsc moduleResolution ${resolution}`, () => {
        writeFileSync(
          join(app, `tsconfig.${resolution}.json`),
          JSON.stringify({ compilerOptions: { ...common, ...options }, files }),
        );
        return runAsync(process.execPath, [tsc, '-p', `tsconfig.${resolution}.json`], app);
      }),
    ),
  );
  await check('node10 build runs (module commonjs)', () => {
    const out = run(process.execPath, [join('out-node10', 'node10.js')], app).trim();
    if (out !== expected) throw new Error(`printed "${out}", expected "${expected}"`);
    return out;
  });
}

try {
  const sha = cleanClone || gitInstall ? head() : '';
  let packDir = root;
  if (cleanClone) {
    const t0 = Date.now();
    packDir = join(scratch, 'clone');
    cloneAt(sha, packDir);
    console.log(`cloned into ${packDir} in ${seconds(t0)}; no dist/`);
  }

  const t0 = Date.now();
  const packed = pack(packDir);
  const tarball = join(scratch, packed.filename);
  const from = cleanClone ? 'the clean clone, with no build before' : 'the working tree';
  console.log(
    `packed ${packed.filename} from ${from} in ${seconds(t0)}: ${packed.files.length} files, ${packed.size} B`,
  );

  const pkg = JSON.parse(readFileSync(join(packDir, 'package.json'), 'utf8'));
  await check('tarball has every file package.json names', () => {
    const missing = missingFiles(
      pkg,
      packed.files.map((f) => f.path),
    );
    if (missing.length > 0) throw new Error(`missing from the tarball: ${missing.join(', ')}`);
    return `${namedFiles(pkg).length} files (exports, main, module, types, typesVersions)`;
  });
  // without them every check below fails for that one reason
  if (checks.at(-1).ok === false) throw new Error('the tarball is incomplete: not installing it');

  const t1 = Date.now();
  const app = consumer('app', tarball);
  console.log(`installed the tarball in ${seconds(t1)}`);
  await runtimeChecks(app);
  await typeChecks(app);

  if (gitInstall) {
    const t2 = Date.now();
    // scripts on: npm runs the git dependency's `prepare` (npm 11 warns that lrukit's is not in
    // an allowScripts list yet, and runs it)
    const gitApp = consumer('git-app', `git+file://${root}#${sha}`, []);
    console.log(`installed HEAD as a git dependency in ${seconds(t2)}`);
    await check('git install has every file package.json names', () => {
      const installed = join(gitApp, 'node_modules', 'lrukit');
      const names = namedFiles(pkg).filter((f) => !f.includes('*'));
      const missing = names.filter((f) => !existsSync(join(installed, f)));
      if (missing.length > 0)
        throw new Error(`missing after the git install: ${missing.join(', ')}`);
      return `${names.length} files`;
    });
    await runtimeChecks(gitApp, 'git install: ');
  }
} catch (error) {
  checks.push({ name: 'pack and install', ok: false });
  console.log(`FAIL  pack and install\n${explain(error)}`);
} finally {
  if (keep) console.log(`kept ${scratch}`);
  else rmSync(scratch, { recursive: true, force: true });
}

const failed = checks.filter((c) => !c.ok).length;
console.log(
  `${checks.length - failed} of ${checks.length} consumer checks passed in ${seconds(started)}`,
);
process.exit(failed === 0 ? 0 : 1);
