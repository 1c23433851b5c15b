#!/usr/bin/env node
// The packed tarball, used the way users use it: `npm pack`, install it into a scratch consumer
// project, then import it from ESM, require it from CJS, and type-check a TypeScript consumer with
// `moduleResolution` `node16` and `bundler`. Exits non-zero on any failure. Run after `npm run build`.

import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const scratch = mkdtempSync(join(tmpdir(), 'lrukit-consumer-'));
const run = (cmd, args, cwd) =>
  execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

const checks = [];
function check(name, fn) {
  try {
    const out = fn();
    checks.push({ name, ok: true });
    console.log(`ok    ${name}${out ? `: ${out.trim()}` : ''}`);
  } catch (error) {
    checks.push({ name, ok: false });
    console.log(`FAIL  ${name}\n${error.stdout ?? ''}${error.stderr ?? ''}${error.message}`);
  }
}

try {
  const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', scratch], root));
  const tarball = join(scratch, packed[0].filename);
  console.log(`packed ${packed[0].filename}: ${packed[0].files.length} files, ${packed[0].size} B`);
  const app = join(scratch, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
  run('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', tarball], app);

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
  writeFileSync(
    join(app, 'esm.mjs'),
    `import { LruCache, memoize, cached, stableKey } from 'lrukit';\nimport { ManualClock } from 'lrukit/testing';\nimport { redisBus, redisStore, TierUnavailableError } from 'lrukit/redis';\n${use}`,
  );
  writeFileSync(
    join(app, 'cjs.cjs'),
    `const { LruCache, memoize, cached, stableKey } = require('lrukit');\nconst { ManualClock } = require('lrukit/testing');\nconst { redisBus, redisStore, TierUnavailableError } = require('lrukit/redis');\n${use}`,
  );
  const expected = 'c,b false 42 function [1] ERR_LRUKIT_TIER_UNAVAILABLE';
  for (const file of ['esm.mjs', 'cjs.cjs']) {
    check(`node ${file}`, () => {
      const out = run(process.execPath, [file], app).trim();
      if (out !== expected) throw new Error(`printed "${out}", expected "${expected}"`);
      return out;
    });
  }

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
  for (const [module, resolution] of [
    ['node16', 'node16'],
    ['esnext', 'bundler'],
  ]) {
    check(`tsc moduleResolution ${resolution}`, () => {
      writeFileSync(
        join(app, `tsconfig.${resolution}.json`),
        JSON.stringify({
          compilerOptions: {
            module,
            moduleResolution: resolution,
            target: 'es2022',
            strict: true,
            noEmit: true,
            skipLibCheck: false,
            types: [],
            lib: ['es2022', 'dom'],
          },
          files: ['consumer.ts'],
        }),
      );
      return run(process.execPath, [tsc, '-p', `tsconfig.${resolution}.json`], app);
    });
  }
} catch (error) {
  checks.push({ name: 'pack and install', ok: false });
  console.log(`FAIL  pack and install\n${error.stderr ?? ''}${error.message}`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

const failed = checks.filter((c) => !c.ok).length;
console.log(`${checks.length - failed} of ${checks.length} consumer checks passed`);
process.exit(failed === 0 ? 0 : 1);
